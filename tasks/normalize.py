from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.orchestration import runtime
from dateline.parse.normalize import normalize_files
from dateline.sources.files import FileBatch
from dateline.store.dedup import ContentIndex
from schemas import Batch


@task(cache_policy=NO_CACHE)  # pure CPU work on bytes already in memory: nothing worth caching
def normalize_batch(files: FileBatch, run_id: str, known: ContentIndex, field_map: dict[str, str] | None = None,
                    sign_stories: bool = True) -> Batch:
    """Parse the records into table rows, returned as Arrow tables (see ``schemas.Batch``); with
    ``sign_stories``, each article's story signature and keys too."""
    # In a parse worker, the previous batch is still held by Prefect's reference cycles, which the run's
    # collector settings leave alone for long: free it before building the next.
    runtime.collect_garbage()
    out = normalize_files(files, run_id, seen=known.articles, rejected=known.reasons, field_map=field_map,
                          sign_stories=sign_stories)
    get_run_logger().info(
        "normalized %d records: %d articles, %d date mentions, %d rejects, %d duplicates",
        len(files), len(out.articles), len(out.date_mentions), len(out.rejects),
        sum(1 for s in out.source_files if s.outcome == "duplicate"),
    )
    return Batch.of(out)
