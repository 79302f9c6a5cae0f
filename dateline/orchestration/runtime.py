"""Process-wide settings for the processes that parse and load: the flow's own and its parse workers.

Nothing here knows about Prefect; the flow and the worker initializer call it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib.abc
import os
import sys
from collections.abc import Iterator

#: Collector thresholds while a run works: parsing allocates millions of short-lived objects, and at
#: CPython's default every young collection also walks the batch's survivors (docs/performance.md).
#: Reference counting still frees almost everything at once; only cycles wait longer.
RUN_THRESHOLDS = (50_000, 20, 100)


def freeze_heap() -> None:
    """Move everything alive now (imported modules, Great Expectations' and Prefect's object graphs)
    out of the collector's reach: those hundreds of thousands of objects live as long as the process,
    and without this every full collection walks them again (about 0.1-0.3 s each)."""
    gc.collect()
    gc.freeze()


def tune_gc() -> None:
    """Set the run's thresholds for good (a parse worker process: it only ever runs batches)."""
    gc.set_threshold(*RUN_THRESHOLDS)
    freeze_heap()


def collect_garbage() -> None:
    """Free the reference cycles a finished batch left behind, now rather than at the next full
    collection: Prefect's futures and states form cycles and a state holds its task's whole result, and
    with ``RUN_THRESHOLDS`` a full collection comes rarely (docs/performance.md). With the long-lived heap
    frozen, it walks only what the run allocated since."""
    gc.collect()


@contextlib.contextmanager
def tuned_gc() -> Iterator[None]:
    """The run's collector settings for the block; the previous thresholds come back after it (a
    ``dateline serve`` or Prefect worker process runs many flows and other code between them)."""
    before = gc.get_threshold()
    gc.set_threshold(*RUN_THRESHOLDS)
    freeze_heap()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


#: Blocks from this size on get pages of their own (glibc's mmap threshold), which go back to the OS the
#: moment they are freed. By default glibc raises the threshold whenever such a block is freed (up to
#: 32 MiB), after which numpy's large temporaries are carved from the heap and their space stays with the
#: process when they go: a 100k run's flow held ~220 MB of freed heap when the stories stage started,
#: and the stage's peak came on top of it (docs/performance.md).
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def return_freed_memory() -> None:
    """Let large freed blocks go back to the OS at once, for good (a fixed mmap threshold; glibc only:
    elsewhere, nothing). For the process that loads and builds stories, whose stories stage allocates
    and frees hundreds of MB of arrays after loading has fragmented the heap: at 100k the flow's peak RSS
    1,546-1,735 -> 1,409-1,421 MB for 2-3% of the run's speed (``bench/ab.py``, 2 rounds). The parse
    workers, which hold one batch at a time, keep glibc's default (with it there too: their peak -8 to
    -44 MB, their parse time +1-2%)."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


#: How much less CPU priority a parse worker takes than the flow's process (``os.nice`` increment).
PARSE_WORKER_NICENESS = 10


class _NoPandas(importlib.abc.MetaPathFinder):
    """Makes ``import pandas`` fail with ModuleNotFoundError in a parse worker."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"parse workers run without pandas (dateline.orchestration.runtime): {name}", name=name)
        return None


def keep_pandas_out() -> None:
    """Keep pandas out of this process, unless something has imported it already.

    Parse workers never use pandas, but pyarrow imports it on the first array a process builds, just
    to check whether its input is a pandas object; the import costs a worker memory and CPU for nothing
    (docs/performance.md).
    When the import fails, pyarrow takes pandas as not installed and builds the same arrays.
    """
    if "pandas" not in sys.modules and not any(isinstance(f, _NoPandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())


def start_parse_worker() -> None:
    """Set up a parse worker process: no pandas, the run's collector settings for good, a lower CPU priority.

    The flow's process is the pipeline's one serial stage (it validates and loads every batch, in
    order); when the workers share its cores they took a third of each core from it and it became the
    bottleneck. Niced workers still use every cycle the writer leaves.
    """
    keep_pandas_out()
    tune_gc()
    try:
        os.nice(PARSE_WORKER_NICENESS)
    except OSError:  # not allowed here: run at the same priority
        pass


def dask_setup(worker) -> None:
    """Dask's preload hook (``dask worker --preload dateline.orchestration.runtime``): set up a parse worker."""
    start_parse_worker()
