"""The news-etl flow: files -> normalized, validated articles -> DuckDB. It only composes tasks."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from dateline.normalize import utcnow
from dateline.versioning import code_version
from schemas import Run
from tasks.ingest import discover_files, drop_loaded, read_files
from tasks.load import load_batch, save_run, summarize_run
from tasks.normalize import normalize_batch
from tasks.report import publish_summary
from tasks.validate import validate_batch

DEFAULT_DB = "data/dateline.duckdb"


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
def news_etl(paths: list[str] | None = None, db: str = DEFAULT_DB, batch_size: int = 500) -> dict:
    """Ingest article dumps under ``paths`` into the DuckDB file ``db``, ``batch_size`` files per task."""
    paths = paths or ["seeds"]
    logger = get_run_logger()
    run = Run(
        run_id=str(flow_run.id), flow_name="news-etl", started_at=utcnow(), ended_at=None, status="Running",
        input_paths=[str(p) for p in paths], code_version=code_version(), files_seen=0, articles_loaded=0,
        duplicates=0, already_loaded=0, rejected=0, quarantined=0, warned=0, date_anomalies=0,
    )
    save_run(db, run)
    files = discover_files(paths)
    logger.info("discovered %d files under %s", len(files), ", ".join(run.input_paths))

    seen: dict[str, str] = {}
    already = 0
    for start in range(0, len(files), batch_size):
        read = read_files(files[start : start + batch_size])
        new, skipped = drop_loaded(db, read)
        already += skipped
        if new:
            normalized = normalize_batch(new, run.run_id, seen)
            seen.update(normalized.hashes)
            load_batch(db, validate_batch(normalized, run.run_id))
        logger.info("progress: %d/%d files", min(start + batch_size, len(files)), len(files))

    summary = summarize_run(db, run.run_id)
    run = run.model_copy(update={
        "ended_at": utcnow(), "status": "Completed", "files_seen": len(files), "already_loaded": already,
        "articles_loaded": summary["loaded"], "duplicates": summary["duplicates"], "rejected": summary["rejected"],
        "quarantined": summary["quarantined"], "warned": summary["warned"],
        "date_anomalies": len(summary["date_anomalies"]),
    })
    save_run(db, run)
    publish_summary(run, summary)
    return {**summary, "run_id": run.run_id, "files_seen": len(files), "already_loaded": already}
