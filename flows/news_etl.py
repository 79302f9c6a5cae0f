"""The news-etl flow: files -> normalized, validated articles -> DuckDB. It only composes tasks."""

from __future__ import annotations

import os

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from dateline.normalize import utcnow
from dateline.versioning import code_version
from schemas import Run
from tasks.ingest import discover_files, drop_loaded, read_files
from tasks.load import load_batch, save_run, summarize_run
from tasks.normalize import normalize_batch
from tasks.report import publish_summary
from tasks.validate import validate_batch

DEFAULT_DB = "data/dateline.duckdb"
#: Seconds between retries of the database tasks (default: the tasks' own 5 s). Lower it where waiting
#: is pointless, e.g. in tests that inject faults.
RETRY_DELAY_ENV = "DATELINE_RETRY_DELAY_SECONDS"


def _mark_failed(flow, flow_run_obj, state) -> None:
    """State hook: a failed or crashed run says so in the ``runs`` table instead of staying 'Running'."""
    from dateline import store

    params = flow_run_obj.parameters or {}
    db = params.get("db", DEFAULT_DB)
    try:
        with store.connect(db) as con:
            con.execute(
                "UPDATE runs SET status = $1, ended_at = $2 WHERE run_id = $3",
                [state.type.value.title(), utcnow(), str(flow_run_obj.id)],
            )
    except Exception:  # the hook must never mask the run's own error
        pass


@flow(name="news-etl", log_prints=True, on_failure=[_mark_failed], on_crashed=[_mark_failed])
def news_etl(paths: list[str] | None = None, db: str = DEFAULT_DB, batch_size: int = 500,
             max_file_mb: float | None = None, wait_s: float = 0.0) -> dict:
    """Ingest article dumps under ``paths`` into the DuckDB file ``db``, ``batch_size`` files per task.

    Files over ``max_file_mb`` (default ``$DATELINE_MAX_FILE_MB`` or 10) are rejected unread. Only one
    run writes to a database at a time: this one waits up to ``wait_s`` seconds for another to finish.
    Every discovered file is accounted for: ``loaded + duplicates + rejected + already_loaded`` equals
    ``files_seen`` in the result (``unaccounted`` is 0).
    """
    from dateline import sources, store

    paths = paths or ["seeds"]
    logger = get_run_logger()
    delay = os.environ.get(RETRY_DELAY_ENV)
    db_task = (lambda t: t.with_options(retry_delay_seconds=float(delay))) if delay else (lambda t: t)
    max_bytes = sources.max_file_bytes(max_file_mb)

    with store.run_lock(db, wait_s=wait_s, on_wait=lambda msg: logger.warning("waiting up to %gs: %s", wait_s, msg)):
        run = Run(
            run_id=str(flow_run.id), flow_name="news-etl", started_at=utcnow(), ended_at=None, status="Running",
            input_paths=[str(p) for p in paths], code_version=code_version(), files_seen=0, articles_loaded=0,
            duplicates=0, already_loaded=0, rejected=0, quarantined=0, warned=0, date_anomalies=0,
        )
        db_task(save_run)(db, run)
        files = discover_files(paths)
        logger.info("discovered %d files under %s", len(files), ", ".join(run.input_paths))

        seen: dict[str, str] = {}  # content hash -> article id ("" when rejected), over the whole run
        rejected: dict[str, str] = {}  # rejected content hash -> reason
        already = 0
        for start in range(0, len(files), batch_size):
            read = read_files(files[start : start + batch_size], max_bytes)
            new, skipped, ledger = db_task(drop_loaded)(db, read)
            already += skipped
            if new:
                # quote(): Prefect would otherwise walk every object in these parameters looking for
                # futures (3 s per 2,500 articles' records); batches never hold futures.
                known = {**ledger.articles, **{h: "" for h in ledger.rejected}, **seen}
                normalized = normalize_batch(quote(new), run.run_id, quote(known), quote({**ledger.rejected, **rejected}))
                seen.update(normalized.hashes)
                rejected.update(normalized.reject_reasons)
                batch = validate_batch(quote(normalized), run.run_id)
                db_task(load_batch)(db, quote(batch))
            logger.info("progress: %d/%d files", min(start + batch_size, len(files)), len(files))

        summary = db_task(summarize_run)(db, run.run_id)
        unaccounted = len(files) - already - summary["loaded"] - summary["duplicates"] - summary["rejected"]
        if unaccounted:
            logger.error("%d of %d files are not accounted for in source_files: a bug, please report it",
                         unaccounted, len(files))
        run = run.model_copy(update={
            "ended_at": utcnow(), "status": "Completed", "files_seen": len(files), "already_loaded": already,
            "articles_loaded": summary["loaded"], "duplicates": summary["duplicates"],
            "rejected": summary["rejected"], "quarantined": summary["quarantined"], "warned": summary["warned"],
            "date_anomalies": len(summary["date_anomalies"]),
        })
        db_task(save_run)(db, run)
    publish_summary(run, summary)
    return {**summary, "run_id": run.run_id, "files_seen": len(files), "already_loaded": already,
            "unaccounted": unaccounted}
