"""The batch pipeline: parse batches on the task runner a few ahead, then validate and load them here,
one by one, in order.

DuckDB takes one writing process per file, and Great Expectations validates a batch in about a seventh
of the CPU its parse took, so parse workers never import it: they parse, and the flow's process
validates and loads. With the thread runner, or a run of one batch, everything runs in the flow's process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from prefect import get_run_logger
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from dateline.orchestration import runtime
from dateline.orchestration.runners import parse_workers, runs_in_parallel
from dateline.settings import Settings


class BatchPipeline:
    """Parse with ``parse`` (a Prefect task) and hand each parsed batch to ``load``, in submission order.

    When parallel, at most ``2 x parse workers`` batches wait parsed or parsing: enough to keep every
    worker busy while the flow loads, and a bound on the memory they hold.
    """

    def __init__(self, parse, load: Callable[[Any, int], None], *, runner: TaskRunner, settings: Settings,
                 n_files: int):
        self.parse, self.load = parse, load
        self.parallel = n_files > settings.batch_size and runs_in_parallel(runner)
        self.depth = 2 * parse_workers(settings) if self.parallel else 0
        self.in_flight: deque = deque()  # (parsed batch or its future, number of files)
        if n_files > settings.batch_size and not self.parallel and not isinstance(runner, ThreadPoolTaskRunner):
            get_run_logger().warning("no PREFECT_API_URL: parsing in this process (`dateline run` starts a local "
                        "server its workers share)")

    def put(self, files, *args) -> None:
        """Parse ``files`` (with the parse task's other arguments), then load what is due."""
        if files:
            parsed = self.parse.submit(files, *args) if self.parallel else self.parse(files, *args)
            self.in_flight.append((parsed, len(files)))
        while len(self.in_flight) > self.depth:
            self._load_next()

    def drain(self) -> None:
        """Load every batch still in flight."""
        while self.in_flight:
            self._load_next()

    def _load_next(self) -> None:
        parsed, n_files = self.in_flight.popleft()
        self.load(parsed.result() if self.parallel else parsed, n_files)
        del parsed
        # Prefect's futures and states hold a finished batch in reference cycles; free it now, not at the
        # next full collection (which the run's collector settings put off for long).
        runtime.collect_garbage()
