"""What a batch's checkpoint costs in memory as batches append to a table without an index.

    .venv/bin/python bench/row_group_merges.py [--batches 24] [--rows 5000] [--minhash-type 'BIGINT[]']

A run opens the database for each batch and closes it after, and the close checkpoints
(``Database.for_run``). On a table without an index DuckDB's vacuum then merges the small row groups the
batches appended, in a binary pattern (2, 4, 8, 16 of them at once), up to a row group of 122,880 rows:
the spikes of a 100k run's load (docs/performance.md, stop 24). This writes ``story_signatures`` rows
(the table's own DDL; random signatures and band hashes, terms and keys of the usual length) in batches
into a fresh file, each batch in its own connection with the run's memory limit, and prints how far each
batch's insert and checkpoint raised the process's RSS over what it held before, with DuckDB's default
``max_vacuum_tasks`` and with 0 (no merges), side by side, each in a fresh child process. It then deletes
one batch's rows and checkpoints once more with the default: what a later run's vacuum pays for the
merges that were skipped. No devsets needed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


#: ~50 story terms and 30 key terms, as an article's are
TERMS = " ".join(f"term{k}" for k in range(50))
KEYS = " ".join(f"key{k}" for k in range(30))


def _rss_mb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


def measure(path: Path, batches: int, rows: int, vacuum_tasks: int | None, memory_limit: str,
            minhash_type: str | None = None) -> dict:
    """In this process: each batch's RSS rise (sampled every 20 ms), then a default checkpoint after a delete."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    from dateline.stories.signing import signature_blobs
    from schemas import StorySignature
    from schemas.ddl import arrow_schema, create_table_sql

    schema = arrow_schema(StorySignature)
    if minhash_type:
        schema = schema.set(schema.get_field_index("minhash"), pa.field("minhash", pa.list_(pa.int64()), nullable=False))

    peak = [0]

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.02)

    threading.Thread(target=sample, daemon=True).start()
    con = duckdb.connect(str(path))
    con.execute(create_table_sql(StorySignature))
    if minhash_type:  # what a list type of the signature column would cost (BIGINT[] until stop 28)
        con.execute(f"ALTER TABLE story_signatures ALTER minhash TYPE {minhash_type} USING NULL")
    con.close()
    rng = np.random.default_rng(24)
    rises = []
    for b in range(batches):
        signatures = rng.integers(0, 1 << 32, (rows, 128), dtype=np.int64)
        bands = rng.integers(-(1 << 62), 1 << 62, (rows, 32), dtype=np.int64)
        batch = pa.Table.from_pydict({  # noqa: F841 - read by name in the INSERT below
            "article_id": [f"{b:04d}{i:012d}" for i in range(rows)],
            "minhash": (pa.ListArray.from_arrays(pa.array(np.arange(rows + 1, dtype=np.int32) * 128),
                                                 pa.array(signatures.ravel())) if minhash_type
                        else signature_blobs(signatures.astype(np.uint32))),
            "n_shingles": np.full(rows, 120), "terms": [f"{i} {TERMS}" for i in range(rows)],
            "run_id": ["bench"] * rows,
            "bands": pa.ListArray.from_arrays(pa.array(np.arange(rows + 1, dtype=np.int32) * 32), pa.array(bands.ravel())),
            "keys": [KEYS] * rows, "numbers": ["1 2 3"] * rows, "orgs": [""] * rows,
        }, schema=schema)
        before = peak[0] = _rss_mb()
        con = duckdb.connect(str(path))
        con.execute(f"SET memory_limit = '{memory_limit}'")
        if vacuum_tasks is not None:
            con.execute(f"SET max_vacuum_tasks = {vacuum_tasks}")
        con.execute("INSERT INTO story_signatures BY NAME SELECT * FROM batch")
        con.close()  # checkpoints
        time.sleep(0.05)
        rises.append(peak[0] - before)
        print(".", end="", file=sys.stderr, flush=True)
    size = path.stat().st_size >> 20
    before = peak[0] = _rss_mb()
    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("DELETE FROM story_signatures WHERE article_id LIKE '0001%'")
    con.close()
    time.sleep(0.05)
    print(file=sys.stderr)
    return {"rises": rises, "file_mb": size, "later_vacuum": peak[0] - before}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=int, default=24)
    ap.add_argument("--rows", type=int, default=5000, help="rows a batch (a run's default batch size)")
    ap.add_argument("--memory-limit", default="384MiB")
    ap.add_argument("--minhash-type", help="store the signatures as this list type instead of the declared BLOB"
                                           " (e.g. 'BIGINT[]', as before stop 28, or 'UINTEGER[]')")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # vacuum tasks ('default' or n), output file
    args = ap.parse_args()
    if args.child:
        tasks, out = args.child
        with tempfile.TemporaryDirectory() as work:
            result = measure(Path(work) / "merges.duckdb", args.batches, args.rows,
                             None if tasks == "default" else int(tasks), args.memory_limit, args.minhash_type)
        Path(out).write_text(json.dumps(result))
        return 0
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for tasks in ("default", "0"):
            out = Path(work) / f"{tasks}.json"
            print(f"max_vacuum_tasks {tasks}: {args.batches} batches of {args.rows:,} rows", file=sys.stderr)
            subprocess.run([sys.executable, __file__, "--batches", str(args.batches), "--rows", str(args.rows),
                            "--memory-limit", args.memory_limit, "--child", tasks, str(out)]
                           + (["--minhash-type", args.minhash_type] if args.minhash_type else []), check=True)
            results[tasks] = json.loads(out.read_text())
    print(f"\nRSS rise of each batch's insert and checkpoint, MB (story_signatures, {args.rows:,} rows a batch, "
          f"minhash {args.minhash_type or 'as declared'})\n")
    print("| batch | max_vacuum_tasks default | 0 |\n|---|---|---|")
    for b, (d, z) in enumerate(zip(results["default"]["rises"], results["0"]["rises"]), 1):
        print(f"| {b} | {d:+d} | {z:+d} |")
    print(f"| file MB | {results['default']['file_mb']} | {results['0']['file_mb']} |")
    print(f"| then a delete and a default checkpoint | {results['default']['later_vacuum']:+d} | "
          f"{results['0']['later_vacuum']:+d} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
