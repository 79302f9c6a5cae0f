"""Where the parse stage runs (a local process pool, a Dask cluster, or the flow's own process) and which
Prefect API its workers report to. The flow imports this; the pure logic never does.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from dateline.orchestration import runtime
from dateline.settings import Settings

log = logging.getLogger(__name__)


def parse_workers(settings: Settings) -> int:
    return settings.workers or os.cpu_count() or 1


def task_runner_for(settings: Settings) -> TaskRunner:
    """The task runner of ``settings.task_runner``: parsing is CPU-bound, so threads do not run it in
    parallel (the GIL); processes do, and a Dask cluster does on as many machines as it has."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner  # imports dask.distributed: only when asked for

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        # One single-threaded worker process per core: the parse stage holds the GIL. The preload tunes
        # each worker as the process pool's initializer does (dateline.runtime.start_parse_worker).
        return DaskTaskRunner(cluster_kwargs={"n_workers": parse_workers(settings), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None,
                                              "preload": [runtime.__name__]})
    if settings.task_runner == "thread" or (settings.workers is None and (os.cpu_count() or 1) < 2):
        # One core: a worker would only take turns with the writer, and every batch would cross over.
        return ThreadPoolTaskRunner(max_workers=1)
    return ProcessPoolTaskRunner(max_workers=parse_workers(settings), initializer=runtime.start_parse_worker)


def runs_in_parallel(runner: TaskRunner) -> bool:
    """Whether submitting to ``runner`` parses in other processes, each reporting to the Prefect API.

    Worker processes must reach the same API as the flow. Without ``PREFECT_API_URL`` (Prefect's
    ephemeral mode) each worker would start a private server of its own, 15-25 s each, and its task runs
    would be invisible to the flow's; ``shared_api`` avoids that, and without it the flow parses in
    its own process instead.
    """
    if isinstance(runner, ThreadPoolTaskRunner):
        return False
    return get_current_settings().api.url is not None


@contextlib.contextmanager
def shared_api() -> Iterator[str | None]:
    """Make sure a Prefect API URL is set, so parse workers in other processes report to the same server.

    With ``PREFECT_API_URL`` set (a real server, a worker of a deployment, the test harness) this does
    nothing. Otherwise it starts the same local server Prefect's ephemeral mode would start (and which
    ``prefect_test_harness`` starts too), points the settings at it for the block, and stops it after.
    """
    url = get_current_settings().api.url
    if url:
        yield url
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start(timeout=get_current_settings().server.ephemeral.startup_timeout_seconds)
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        # Logs are shipped to the API in the background: send the last ones while the server is up, or
        # they fail at exit with "Error logging to API" (the run itself is complete either way).
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)
        server.stop()
