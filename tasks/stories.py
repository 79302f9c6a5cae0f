from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.stories.stage import update_stories
from dateline.store.database import Database


# Retries: the stage replaces its tables in one transaction and signatures are only added, so an attempt
# that failed (a memory limit met, a full disk) left nothing half-written.
@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def build_stories(database: Database, run_id: str, rebuild: bool = False, memory_bytes: int | None = None) -> dict[str, int]:
    """Near-duplicates and stories over the whole database, after the run's articles are loaded; in parts
    past ``memory_bytes`` (``Settings.stories_memory_mb``)."""
    counts = update_stories(database, run_id, rebuild=rebuild, memory=memory_bytes)
    get_run_logger().info(
        "stories: %d articles signed; %d stories (%d new, %d grew); %d near-duplicates (%d new);"
        " %d story evidence rows", counts["signed"], counts["stories"], counts["new_stories"],
        counts["grown_stories"], counts["near_duplicates"], counts["new_near_duplicates"], counts["story_evidence"])
    return counts
