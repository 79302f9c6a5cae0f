"""Process settings for runs (dateline.orchestration.runtime) and the containers that keep Prefect's walks short."""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import platform
import subprocess
import sys

import cloudpickle
import pytest
from prefect.utilities.collections import visit_collection

from dateline.orchestration import runtime
from dateline.sources.files import FileBatch, RawFile


def test_tuned_gc_sets_the_run_thresholds_and_restores_the_old_ones():
    before = gc.get_threshold()
    with runtime.tuned_gc():
        assert gc.get_threshold() == runtime.RUN_THRESHOLDS
        assert gc.get_freeze_count() > 0  # the long-lived heap is out of the collector's reach
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_collect_garbage_frees_cycles_the_thresholds_would_keep():
    class Node:
        pass

    with runtime.tuned_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle, as Prefect's futures and states make
        alive = [id(a)]
        del a, b
        runtime.collect_garbage()
        assert not any(id(o) in alive for o in gc.get_objects() if isinstance(o, Node))


def _worker_state(_: int) -> tuple[tuple[int, int, int], int]:
    return gc.get_threshold(), os.nice(0)


def _worker_parses(paths: list[str]) -> tuple[bool, str, dict[str, list[dict]]]:
    """In a parse worker: import the flow (as unpickling its tasks does), normalize, build Arrow."""
    import sys

    import flows.news_etl  # noqa: F401
    from dateline.parse.normalize import normalize_files
    from dateline.sources.files import read_file
    from schemas import Batch

    batch = Batch.of(normalize_files([read_file(p) for p in paths], "run"))
    try:
        import pandas  # noqa: F401
        refused = ""
    except ModuleNotFoundError as exc:
        refused = str(exc)
    rows = {model.table: table.drop_columns([c for c in ("loaded_at", "seen_at") if c in table.column_names]).to_pylist()
            for model, table in batch.rows()}  # every table, less the wall-clock timestamps
    return "pandas" in sys.modules, refused, rows


def test_parse_workers_build_arrow_tables_without_pandas(tmp_path):
    """pyarrow imports pandas on its first array only to ask whether the input is a pandas object;
    workers refuse the import (~70 MB of RSS each), and the tables they build are the same."""
    path = tmp_path / "a.txt"
    path.write_text("Summit ends\n\nGENEVA, June 16, 2021 - The two leaders met on Wednesday for talks.\n")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1, initializer=runtime.start_parse_worker) as pool:
        has_pandas, refused, rows = pool.map(_worker_parses, [[str(path)]])[0]
    assert not has_pandas and "parse workers run without pandas" in refused
    assert rows["articles"] and rows["date_mentions"]
    assert rows == _worker_parses([str(path)])[2]  # here, with pandas importable: the same rows
    import pandas  # noqa: F401  (this process is no parse worker: untouched)


def test_parse_workers_run_tuned_and_niced():
    base = os.nice(0)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1, initializer=runtime.start_parse_worker) as pool:
        thresholds, niceness = pool.map(_worker_state, [0])[0]
    assert thresholds == runtime.RUN_THRESHOLDS
    assert niceness == min(19, base + runtime.PARSE_WORKER_NICENESS)


def test_a_file_batch_is_one_leaf_to_prefect_and_survives_pickling():
    files = FileBatch(RawFile(f"in/{i}.txt", b"x" * i, f"{i:064x}") for i in range(100))
    visited = []
    visit_collection(files, lambda x: visited.append(x) or x, return_data=True)
    assert visited == [files]  # not 100 RawFiles and their 400 fields
    again = pickle.loads(cloudpickle.dumps(files))
    assert list(again) == list(files) and len(again) == 100
    assert isinstance(files[10:20], FileBatch) and [f.path for f in files[10:12]] == ["in/10.txt", "in/11.txt"]


_FREED_SCRIPT = """
import sys
from dateline.orchestration import runtime
def rss_mb():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) / 1024
if sys.argv[1] == "on":
    runtime.return_freed_memory()
first = b"\\1" * (4 << 20)
del first  # freed once: glibc's default threshold rises past the blocks below
blocks, pins = [], []
for _ in range(60):  # 3 MiB blocks with small live objects between them, as loading leaves a heap
    blocks.append(b"\\1" * (3 << 20)), pins.append(bytes(2000))  # over 512 B: from glibc, not pymalloc
before = rss_mb()
del blocks
print(before - rss_mb())
"""


def test_return_freed_memory_hands_large_freed_blocks_back_to_the_os():
    # The flow's stories stage frees hundreds of MB of arrays after loading; what it frees must leave the
    # process's RSS, not stay in glibc's heap (docs/performance.md). In a fresh process each: glibc's
    # default keeps the 180 MB of freed 3 MiB blocks here (checked: 0 MB returned); the fixed threshold
    # returns them.
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's allocator on Linux only")
    returned = float(subprocess.run([sys.executable, "-c", _FREED_SCRIPT, "on"], capture_output=True, text=True,
                                    check=True).stdout)
    assert returned > 150, f"only {returned:.0f} MB of 180 MB freed went back to the OS"
