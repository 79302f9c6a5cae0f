from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline import store
from dateline.store import Batch
from schemas import Run


# Retries: another process may hold the DuckDB file for a moment (one writer per file). A retry
# after a failed attempt is safe because a batch is one transaction and inserts ignore existing keys.
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def load_batch(db_path: str, batch: Batch) -> dict[str, int]:
    with store.connect(db_path) as con:
        counts = store.load_batch(con, batch)
    get_run_logger().info("loaded into %s: %s", db_path, ", ".join(f"{t} +{n}" for t, n in counts.items()))
    return counts


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
def summarize_run(db_path: str, run_id: str) -> dict:
    """Count what this run wrote, from the database itself (the source of truth)."""
    with store.connect(db_path) as con:
        return store.run_summary(con, run_id)
