from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.normalize import Normalized, normalize_files
from dateline.sources import RawFile, Unreadable


@task(cache_policy=NO_CACHE)  # pure CPU work on bytes already in memory: nothing worth caching
def normalize_batch(files: list[RawFile | Unreadable], run_id: str, seen: dict[str, str],
                    rejected: dict[str, str] | None = None) -> Normalized:
    out = normalize_files(files, run_id, seen=seen, rejected=rejected)
    get_run_logger().info(
        "normalized %d files: %d articles, %d date mentions, %d rejects, %d duplicates",
        len(files), len(out.articles), len(out.date_mentions), len(out.rejects),
        sum(1 for s in out.source_files if s.outcome == "duplicate"),
    )
    return out
