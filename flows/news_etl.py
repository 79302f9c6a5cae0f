"""The news-etl flow: files -> normalized, validated articles -> DuckDB. It only composes tasks."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.runtime import deployment, flow_run

from dateline.orchestration import runtime
from dateline.orchestration.pipeline import BatchPipeline
from dateline.orchestration.run_ledger import RunLedger, record_end, utcnow
from dateline.orchestration.runners import task_runner_for
from dateline.quality import validation
from dateline.settings import get_settings
from dateline.store.database import Database
from dateline.store.locks import RunLock
from dateline.sources.records import Limits, RecordReader, estimate_records
from tasks.ingest import discover_files, drop_loaded, drop_unchanged, read_records
from tasks.load import finish_run, load_batch, start_run
from tasks.normalize import normalize_batch
from tasks.report import name_flow_run, publish_data_docs, publish_summary
from tasks.corpus_dates import check_dates_by_corpus
from tasks.stories import build_stories
from tasks.validate import validate_batch


def _record_end(flow, flow_run_obj, state) -> None:
    """State hook: a failed or crashed run says so in ``runs`` instead of staying 'Running'."""
    db = (flow_run_obj.parameters or {}).get("db") or str(get_settings().db_path)
    record_end(db, str(flow_run_obj.id), state.type.value.title())


def _run_name() -> str:
    paths = (flow_run.parameters or {}).get("paths") or [str(get_settings().drop_folder)]
    return f"news-etl-{utcnow():%Y-%m-%dT%H:%M} {' '.join(map(str, paths))}"


# The task runner comes from DATELINE_TASK_RUNNER / DATELINE_WORKERS / DATELINE_DASK_ADDRESS at import
# (a deployment sets them as job variables); `dateline run --task-runner` overrides it per run.
@flow(name="news-etl", flow_run_name=_run_name, log_prints=True, on_failure=[_record_end],
      on_crashed=[_record_end], task_runner=task_runner_for(get_settings()))
def news_etl(paths: list[str] | None = None, db: str | None = None, batch_size: int | None = None,
             max_file_mb: float | None = None, wait_s: float = 0.0, data_docs: bool | None = None,
             field_map: str | None = None, max_inflated_mb: float | None = None, stories: bool | None = None) -> dict:
    """Ingest the article files under ``paths`` (text, JSON, JSON Lines, CSV, HTML, WARC; gzipped or not)
    into the DuckDB file ``db``.

    Unset parameters come from ``dateline.settings`` (``DATELINE_*`` environment variables): the drop
    folder, the database, ``batch_size`` records per task run, Data Docs on or off, the ``field_map`` of
    exports that name fields their own way. Files (and records) over ``max_file_mb`` are rejected unread;
    gzipped files inflating past ``max_inflated_mb`` are rejected from there on. ``stories`` off: no
    signatures, stories or corpus date check this run (``dateline stories`` builds them later). One run
    writes to a database at a time: this one waits up to ``wait_s`` seconds for another. Every record is
    accounted for: ``loaded + duplicates + rejected + already_loaded == records_seen`` (``unaccounted`` is 0).
    """
    settings = get_settings(db_path=db, batch_size=batch_size, max_file_mb=max_file_mb, data_docs=data_docs,
                            field_map=field_map, max_inflated_mb=max_inflated_mb, stories=stories)
    paths = [str(p) for p in (paths or [settings.drop_folder])]
    logger = get_run_logger()
    lock = RunLock(settings.db_path, wait_s=wait_s,
                   on_wait=lambda msg: logger.warning("waiting up to %gs: %s", wait_s, msg))
    runtime.return_freed_memory()
    with lock, Database.for_run(settings.db_path, memory_limit=settings.duckdb_memory) as database, \
            runtime.tuned_gc():
        ledger = RunLedger.start(run_id=str(flow_run.id), flow_run_name=flow_run.name, deployment=deployment.name,
                                 paths=paths, parameters={"paths": paths, "db": str(settings.db_path),
                                                          "batch_size": settings.batch_size,
                                                          "max_file_mb": max_file_mb, "data_docs": settings.data_docs,
                                                          "field_map": settings.field_map,
                                                          "max_inflated_mb": max_inflated_mb,
                                                          "stories": settings.stories})
        start_run(database, ledger.run, settings.stale_run_minutes)
        files = discover_files(paths)
        ledger.files_seen = len(files)
        ledger.renamed(name_flow_run(ledger.run.run_id, f"{flow_run.name} {len(files):,} files"))
        logger.info("discovered %d files under %s", len(files), ", ".join(paths))
        files, ledger.already_loaded = drop_unchanged(database, files)
        skipped_unread = ledger.already_loaded
        if ledger.already_loaded:
            logger.info("%d files unchanged since an earlier run (same size and mtime): not read again",
                        ledger.already_loaded)
        if files:  # validation happens in this process: have Great Expectations ready for the first batch
            validation.prepare_in_background()

        def validate_and_load(parsed, n_records: int) -> None:
            contents = load_batch(database, validate_batch(parsed, ledger.run.run_id), ledger.met)
            ledger.settled(contents, n_records)
            logger.info(ledger.progress())

        # Batches are of records, not files: a 1 GB JSON Lines file is streamed through many of them.
        pipeline = BatchPipeline(normalize_batch, validate_and_load, runner=FlowRunContext.get().task_runner,
                                 settings=settings, n_files=estimate_records(files))
        reader = RecordReader(files, Limits(settings.max_file_bytes, settings.max_inflated_bytes))
        field_mapping = settings.field_mapping or None
        while read := read_records(reader, settings.batch_size):
            ledger.records_seen = skipped_unread + reader.records
            new, skipped, known = drop_loaded(database, read, ledger.met)
            ledger.already_loaded += skipped
            pipeline.put(new, ledger.run.run_id, known, field_mapping, settings.stories)
        ledger.records_seen = skipped_unread + reader.records
        pipeline.drain()
        stories = corpus_check = None
        if settings.stories:
            stories = build_stories(database, ledger.run.run_id, memory_bytes=settings.stories_memory_bytes)
            corpus_check = check_dates_by_corpus(database, ledger.run.run_id, articles_changed=not stories["skipped"])

        summary = {**finish_run(database, ledger), "stories": stories, "corpus_check": corpus_check}
        docs = None
        if settings.data_docs and summary["loaded"]:
            docs = publish_data_docs(database, ledger.run.run_id, str(settings.gx_root), settings.data_docs_rows)
    publish_summary(ledger.run, summary, docs)
    return {**summary, "run_id": ledger.run.run_id, "files_seen": ledger.files_seen,
            "records_seen": ledger.records_seen, "already_loaded": ledger.already_loaded, "data_docs": docs}
