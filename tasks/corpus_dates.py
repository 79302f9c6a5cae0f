from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.dating.corpus_stage import check_dates_against_corpus
from dateline.store.database import Database


# Retries: the check replaces its evidence rows in one transaction, so an attempt that failed (a memory
# limit met, a lake commit lost too often) left nothing half-written. Never cached: its answer depends on
# every article in the database, not on the task's inputs.
@task(retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def check_dates_by_corpus(database: Database, run_id: str, articles_changed: bool = True) -> dict[str, int]:
    """Every dated article's claim against the dates of its nearest articles (``corpus`` evidence). With no
    article new or gone since the last check (``articles_changed`` False) its rows still hold."""
    if not articles_changed:
        return {"checked": 0, "accused": None, "skipped": 1}
    counts = check_dates_against_corpus(database, run_id)
    get_run_logger().info("corpus check: %d dated articles with neighbours checked, %d claims accused",
                          counts["checked"], counts["accused"])
    return counts
