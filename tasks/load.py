from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.store import dedup, database as store
from dateline.store.database import Batch
from schemas import Run


# Retries: another process may hold the DuckDB file for a moment (one writer per file). A retry
# after a failed attempt is safe because a batch is one transaction and inserts ignore existing keys.
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def load_batch(db_path: str, batch: Batch, seen: dict[str, str] | None = None, rejected: dict[str, str] | None = None
               ) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """Load one batch in one transaction, after dropping content that batches loaded before it in this run
    already carried (``seen``/``rejected``; batches are parsed in parallel, loaded in turn).

    Returns the rows each table gained, and the batch's content hashes -> article id ("" if rejected)
    and rejected hashes -> reason, for the batches after it.
    """
    batch = dedup.drop_seen(batch, seen or {}, rejected or {})
    with store.connect(db_path) as con:
        counts = store.load_batch(con, batch)
    get_run_logger().info("loaded into %s: %s", db_path, ", ".join(f"{t} +{n}" for t, n in counts.items()))
    return (counts, *dedup.contents_of(batch))


@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def save_run(db_path: str, run: Run) -> None:
    """Write the run's row. At the start of a run (which holds the run lock, so no other run is writing)
    earlier runs still marked 'Running' were killed without a word: they are marked 'Crashed'."""
    with store.connect(db_path) as con:
        if run.status == "Running":
            abandoned = store.mark_abandoned_runs(con, run.run_id)
            if abandoned:
                get_run_logger().warning("marked %d earlier run(s) that died mid-way as Crashed; their whole "
                                         "batches are kept and this run finishes their files", abandoned)
        store.save_run(con, run)


@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def finish_run(db_path: str, run: Run, files_seen: int, already_loaded: int) -> tuple[Run, dict]:
    """Count what the run did from the database, check every file is accounted for, record the run."""
    with store.connect(db_path) as con:
        summary = store.run_summary(con, run.run_id)
        run = store.finished_run(run, summary, files_seen=files_seen, already_loaded=already_loaded)
        store.save_run(con, run)
    summary["unaccounted"] = files_seen - already_loaded - summary["loaded"] - summary["duplicates"] - summary["rejected"]
    if summary["unaccounted"]:
        get_run_logger().error("%d of %d files are not accounted for in source_files: a bug, please report it",
                               summary["unaccounted"], files_seen)
    return run, summary
