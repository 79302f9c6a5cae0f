"""The news-etl flow: files -> normalized, validated articles -> DuckDB. It only composes tasks."""

from __future__ import annotations

import json
import os

from prefect import flow, get_run_logger
from prefect.runtime import deployment, flow_run
from prefect.utilities.annotations import quote

from dateline import sources, store
from dateline.normalize import utcnow
from dateline.settings import get_settings
from dateline.versioning import code_version
from schemas import Run
from tasks.ingest import discover_files, drop_loaded, read_files
from tasks.load import finish_run, load_batch, save_run
from tasks.normalize import normalize_batch
from tasks.report import name_flow_run, publish_data_docs, publish_summary
from tasks.validate import validate_batch

#: Seconds between retries of the database tasks (default: the tasks' own 5 s). Lower it where waiting
#: is pointless, e.g. in tests that inject faults.
RETRY_DELAY_ENV = "DATELINE_RETRY_DELAY_SECONDS"


def _mark_failed(flow, flow_run_obj, state) -> None:
    """State hook: a failed or crashed run says so in the ``runs`` table instead of staying 'Running'."""
    db = (flow_run_obj.parameters or {}).get("db") or str(get_settings().db_path)
    try:
        with store.connect(db) as con:
            con.execute(
                "UPDATE runs SET status = $1, ended_at = $2 WHERE run_id = $3",
                [state.type.value.title(), utcnow(), str(flow_run_obj.id)],
            )
    except Exception:  # the hook must never mask the run's own error
        pass


def _run_name() -> str:
    params = flow_run.parameters or {}
    paths = params.get("paths") or [str(get_settings().drop_folder)]
    return f"news-etl-{utcnow():%Y-%m-%dT%H:%M} {' '.join(map(str, paths))}"


@flow(name="news-etl", flow_run_name=_run_name, log_prints=True, on_failure=[_mark_failed],
      on_crashed=[_mark_failed])
def news_etl(paths: list[str] | None = None, db: str | None = None, batch_size: int | None = None,
             max_file_mb: float | None = None, wait_s: float = 0.0, data_docs: bool | None = None) -> dict:
    """Ingest the ``.txt`` article dumps under ``paths`` into the DuckDB file ``db``.

    Unset parameters come from ``dateline.settings`` (``DATELINE_*`` environment variables): the drop
    folder, the database, ``batch_size`` files per task run, Data Docs on or off. Files over
    ``max_file_mb`` are rejected unread. One run writes to a database at a time: this one waits up to
    ``wait_s`` seconds for another. Every discovered file is accounted for: ``loaded + duplicates +
    rejected + already_loaded == files_seen`` (``unaccounted`` is 0).
    """
    settings = get_settings(db_path=db, batch_size=batch_size, data_docs=data_docs)
    paths = [str(p) for p in (paths or [settings.drop_folder])]
    db, batch_size = str(settings.db_path), settings.batch_size
    logger = get_run_logger()
    delay = os.environ.get(RETRY_DELAY_ENV)
    db_task = (lambda t: t.with_options(retry_delay_seconds=float(delay))) if delay else (lambda t: t)
    max_bytes = sources.max_file_bytes(max_file_mb)

    with store.run_lock(db, wait_s=wait_s, on_wait=lambda msg: logger.warning("waiting up to %gs: %s", wait_s, msg)):
        run = Run(
            run_id=str(flow_run.id), flow_name="news-etl", flow_run_name=flow_run.name,
            deployment=deployment.name, started_at=utcnow(), ended_at=None, status="Running",
            parameters=json.dumps({"paths": paths, "db": db, "batch_size": batch_size, "max_file_mb": max_file_mb,
                                   "data_docs": settings.data_docs}),
            input_paths=paths, code_version=code_version(), files_seen=0, articles_loaded=0, duplicates=0,
            already_loaded=0, rejected=0, quarantined=0, warned=0, date_anomalies=0,
        )
        db_task(save_run)(db, run)
        files = discover_files(paths)
        run = run.model_copy(update={"flow_run_name": name_flow_run(run.run_id, f"{flow_run.name} {len(files):,} files")})
        logger.info("discovered %d files under %s", len(files), ", ".join(paths))

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
            logger.info("progress: %d/%d files (%d already loaded)", min(start + batch_size, len(files)),
                        len(files), already)

        run, summary = db_task(finish_run)(db, run, len(files), already)
        docs = publish_data_docs(db, run.run_id, str(settings.gx_root)) if settings.data_docs and summary["loaded"] else None
    publish_summary(run, summary, docs)
    return {**summary, "run_id": run.run_id, "files_seen": len(files), "already_loaded": already,
            "data_docs": docs}
