from datetime import timedelta

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dateline.orchestration.run_ledger import RunLedger
from dateline.store import dedup, loads, runs
from dateline.store.database import Database
from dateline.store.dedup import ContentIndex
from schemas import Batch, Run


# Retries: a batch is one transaction and inserts ignore existing keys, so a retry after a failed
# attempt (a full disk freed, a memory limit met) is safe.
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def load_batch(database: Database, batch: Batch, met: ContentIndex) -> ContentIndex:
    """Load one batch in one transaction, after dropping content that batches loaded before it in this run
    already carried (``met``; batches are parsed in parallel, loaded in turn). Returns what the batch's
    content became, for the batches after it."""
    batch = dedup.drop_seen(batch, met)
    counts = loads.load_batch(database, batch)
    get_run_logger().info("loaded into %s: %s", database.path, ", ".join(f"{t} +{n}" for t, n in counts.items()))
    return dedup.contents_of(batch)


@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def start_run(database: Database, run: Run, stale_after_minutes: int) -> None:
    """Write the run's row. Runs still marked 'Running' that were killed without a word are marked
    'Crashed': on a DuckDB file every other one (this run holds the run lock, so none of them is writing),
    on a lake those that committed nothing for ``stale_after_minutes``."""
    abandoned = runs.mark_abandoned_runs(database, run.run_id, timedelta(minutes=stale_after_minutes),
                                         run.started_at)
    if abandoned:
        get_run_logger().warning("marked %d earlier run(s) that died mid-way as Crashed; their whole "
                                 "batches are kept and this run finishes their files", abandoned)
    runs.save_run(database, run)


@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def finish_run(database: Database, ledger: RunLedger) -> dict:
    """Count what the run did from the database, check every file is accounted for, record the run."""
    summary = runs.run_summary(database, ledger.run.run_id)
    summary["snapshot_id"] = database.snapshot()  # a lake as this run left it, for time travel
    runs.save_run(database, ledger.finished(summary))
    summary["unaccounted"] = ledger.unaccounted(summary)
    if summary["unaccounted"]:
        get_run_logger().error("%d of %d files are not accounted for in source_files: a bug, please report it",
                               summary["unaccounted"], ledger.files_seen)
    return summary
