"""The news-etl flow: files -> normalized, validated articles -> DuckDB. It only composes tasks."""

from __future__ import annotations

import json
import os
from collections import deque

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.runtime import deployment, flow_run
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from dateline.orchestration import runners as orchestration, runtime
from dateline.quality import validation as quality
from dateline.sources import files as sources
from dateline.store import database as store
from dateline.parse.normalize import utcnow
from dateline.settings import get_settings
from dateline.versioning import code_version
from schemas import Run
from tasks.ingest import discover_files, drop_loaded, drop_unchanged, read_files
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


# The task runner comes from DATELINE_TASK_RUNNER / DATELINE_WORKERS / DATELINE_DASK_ADDRESS at import
# (a deployment sets them as job variables); `dateline run --task-runner` overrides it per run.
@flow(name="news-etl", flow_run_name=_run_name, log_prints=True, on_failure=[_mark_failed],
      on_crashed=[_mark_failed], task_runner=orchestration.task_runner_for(get_settings()))
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

    with store.run_lock(db, wait_s=wait_s, on_wait=lambda msg: logger.warning("waiting up to %gs: %s", wait_s, msg)), \
            store.hold_open(db, memory_limit=settings.duckdb_memory), runtime.tuned_gc():
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
        found = len(files)
        files, unchanged = db_task(drop_unchanged)(db, quote(files))  # quote(): see the batch loop below
        if unchanged:
            logger.info("%d files unchanged since an earlier run (same size and mtime): not read again", unchanged)
        if files:  # validation happens here, in this process: have GX ready by the time the first batch is
            quality.prepare_in_background()

        # With a process or Dask runner, batches are normalized on its workers, a few ahead, and validated
        # and loaded here one by one, in order: DuckDB takes one writing process per file, and Great
        # Expectations validates a batch in about a seventh of the CPU it takes to normalize it, so the
        # workers need not import it (4-5 s each). With the thread runner, or a single batch, all of it
        # runs here.
        runner = FlowRunContext.get().task_runner
        parallel = len(files) > batch_size and orchestration.runs_in_parallel(runner)
        if len(files) > batch_size and not parallel and not isinstance(runner, ThreadPoolTaskRunner):
            logger.warning("no PREFECT_API_URL: parsing in this process (`dateline run` starts a local "
                           "server its workers share)")
        # The process pool resolves submitted parameters here and unwraps quote() without looking inside;
        # prefect-dask hands quote() wrappers to the task unopened, so there the (short) walk is paid.
        unwalked = quote if isinstance(runner, ProcessPoolTaskRunner) else (lambda value: value)
        in_flight: deque = deque()  # parsed batches (futures when parallel) waiting to be loaded
        limit = 2 * orchestration.parse_workers(settings) if parallel else 0
        seen: dict[str, str] = {}  # content hash -> article id ("" when rejected), over the whole run
        rejected: dict[str, str] = {}  # rejected content hash -> reason
        already, loaded_files = unchanged, 0

        def load_next() -> None:
            nonlocal loaded_files
            parsed, n_files = in_flight.popleft()
            normalized = parsed.result() if parallel else parsed
            batch = validate_batch(quote(normalized), run.run_id)
            _, hashes, reasons = db_task(load_batch)(db, quote(batch), quote(seen), quote(rejected))
            seen.update(hashes)
            rejected.update(reasons)
            del parsed, normalized, batch
            runtime.collect_garbage()  # the batch's records, held by Prefect's reference cycles
            loaded_files += n_files
            logger.info("progress: %d/%d files loaded (%d already loaded before)", loaded_files + already,
                        found, already)

        # quote(): Prefect would otherwise walk every object in these parameters looking for futures
        # (3 s per 2,500 articles' records; the raw files alone were 10% of a run); they never hold any.
        for start in range(0, len(files), batch_size):
            read = read_files(quote(files[start : start + batch_size]), max_bytes)
            new, skipped, known, known_rejected = db_task(drop_loaded)(db, quote(read), quote(seen), quote(rejected))
            already += skipped
            if new:
                if parallel:
                    in_flight.append((normalize_batch.submit(unwalked(new), run.run_id, unwalked(known),
                                                             unwalked(known_rejected)), len(new)))
                else:
                    in_flight.append((normalize_batch(quote(new), run.run_id, quote(known), quote(known_rejected)),
                                      len(new)))
            while len(in_flight) > limit:
                load_next()
        while in_flight:
            load_next()

        run, summary = db_task(finish_run)(db, run, found, already)
        docs = None
        if settings.data_docs and summary["loaded"]:
            docs = publish_data_docs(db, run.run_id, str(settings.gx_root), settings.data_docs_rows)
    publish_summary(run, summary, docs)
    return {**summary, "run_id": run.run_id, "files_seen": found, "already_loaded": already,
            "data_docs": docs}
