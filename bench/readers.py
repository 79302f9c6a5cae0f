"""Queries while a run loads (issue 22): how long an analyst waits, and what it costs the run.

    git worktree add /tmp/dateline-before <commit>       # or: git archive <commit> | tar -x -C /tmp/dateline-before
    .venv/bin/python bench/readers.py --before /tmp/dateline-before --after . --n 20000

Each checkout runs ``dateline run`` (its own code, this venv, one Prefect server started per run) over the
same generated corpus into a fresh database, at the default batch size, while a reader process queries
that database in a loop, as ``dateline sql --wait 15`` does: open the file read-only, retrying every 50 ms
while it is held, for at most 15 s, then ``SELECT count(*) FROM articles`` and the ``date_anomalies`` view.
The reader uses plain DuckDB, the same for both checkouts. Printed side by side: p50/p95 of the
queries' latency (from asking to answer), how many gave up after 15 s, and the run's articles/s (from
its own ``runs`` row: discovery to the end of its Data Docs, Prefect start-up excluded).

The corpus is built from ``../shared/devsets/reuters_dev/txt`` like bench/throughput.py; without the
devsets the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

READER = r"""
import json, sys, time
import duckdb
db, stop, out, give_up, root = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
from pathlib import Path
sys.path.insert(0, root)
if db.startswith("ducklake:"):  # a lake: an in-memory DuckDB with the lake attached read-only
    from dateline.store import lake
    target = lake.Lake.parse(db)
    exists = lambda: Path(target.location).exists()
    opened = lambda: lake.connect(target, read_only=True)
else:
    exists = lambda: Path(db).exists()
    opened = lambda: duckdb.connect(db, read_only=True)
results = []
while not exists():
    time.sleep(0.05)
while not Path(stop).exists():
    asked = time.monotonic()
    answer = None
    while time.monotonic() - asked < give_up:
        try:
            with opened() as con:
                n = con.execute("SELECT count(*) FROM articles").fetchone()[0]
                con.execute("SELECT count(*) FROM date_anomalies").fetchone()
                answer = n
            break
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower() and "Catalog" not in type(exc).__name__:
                raise
            time.sleep(0.05)
        except FileNotFoundError:  # a lake whose first run is creating it
            time.sleep(0.05)
    results.append({"at": asked, "latency_s": time.monotonic() - asked, "articles": answer})
    time.sleep(0.5)  # an analyst's next query
Path(out).write_text(json.dumps(results))
"""


def measure(root: Path, corpus: Path, work: Path, label: str, give_up: float, lake: bool = False) -> dict:
    db, stop, out = work / f"{label}.duckdb", work / f"{label}.stop", work / f"{label}-reader.json"
    if lake:
        db = f"ducklake:sqlite:{work / label / 'catalog.sqlite'}"
    env = {**os.environ, "PYTHONPATH": str(root), "DATELINE_DATA_DOCS": "true"}
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop), str(out), str(give_up), str(root)])
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "dateline.cli", "run", str(corpus), "--db", str(db)],
                         cwd=root, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    stop.touch()
    reader.wait(timeout=give_up + 30)
    if run.returncode != 0:
        raise RuntimeError(f"{label}: dateline run failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    runs = subprocess.run([sys.executable, "-m", "dateline.cli", "sql", "SELECT articles_loaded, duration_s FROM runs",
                           "--db", str(db), "--format", "json"], cwd=root, env=env, capture_output=True, text=True,
                          check=True)  # read by the checkout's own code
    ((loaded, duration),) = [(r["articles_loaded"], r["duration_s"]) for r in json.loads(runs.stdout)]
    queries = json.loads(out.read_text())
    answered = [q["latency_s"] for q in queries if q["articles"] is not None]
    during = [q for q in queries if q["articles"] is not None and q["articles"] < loaded]
    return {"articles": loaded, "run_s": duration, "articles_per_s": loaded / duration, "wall_s": wall,
            "queries": len(queries), "gave_up": len(queries) - len(answered),
            "p50_s": statistics.median(answered) if answered else None,
            "p95_s": statistics.quantiles(answered, n=20)[-1] if len(answered) >= 2 else None,
            "answered_mid_run": len(during)}


def load_cost(source: Path, work: Path, batch: int = 5000) -> dict:
    """Seconds per batch to load a finished run's real rows again, batch by batch, into: a DuckDB file held
    open for the run (the old design), a file opened and closed per batch (``Database.for_run`` now), and a
    SQLite-catalog lake. No reader and no parsing: the cost of the store alone."""
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    sys.path.insert(0, str(ROOT))
    from dateline.store import loads
    from dateline.store.database import Database
    from schemas import TABLES, Batch
    from schemas.ddl import arrow_schema

    models = {m.table: m for m in TABLES}
    with duckdb.connect(str(source), read_only=True) as con:
        tables = {t: con.execute("SELECT " + ", ".join(f'"{c}"' for c in models[t].model_fields) + f" FROM {t}"
                                 ).fetch_arrow_table().cast(arrow_schema(models[t])) for t in
                  ("source_files", "articles", "date_mentions", "date_evidence", "quality_results", "rejects")}
    ids = tables["articles"]["article_id"].to_pylist()
    batches = []
    for start in range(0, len(ids), batch):
        keep = pa.array(ids[start:start + batch])
        batches.append(Batch(**{t: rows.filter(pc.is_in(rows["article_id"], value_set=keep)) if t != "rejects"
                                else rows.slice(0, 0) for t, rows in tables.items()}))
    out = {}

    def timed(database) -> list[float]:
        times = []
        for b in batches:
            started = time.perf_counter()
            loads.load_batch(database, b)
            times.append(time.perf_counter() - started)
        return times

    with Database.open(work / "held.duckdb") as database:  # before: held open, checkpointed at the end
        database.connection.execute("SET checkpoint_threshold = '128MiB'")
        times = timed(database)
        started = time.perf_counter()
        database.connection.execute("CHECKPOINT")
        times[-1] += time.perf_counter() - started
    out["file held open"] = times
    with Database.for_run(work / "per-batch.duckdb") as database:
        out["file opened per batch"] = timed(database)
    with Database.for_run(f"ducklake:sqlite:{work / 'lake-cost' / 'catalog.sqlite'}") as database:
        out["lake (SQLite catalog)"] = timed(database)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, help="checkout measured first (required but with --load-cost-only)")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout measured second (default: this one)")
    ap.add_argument("--n", type=int, default=20_000, help="articles (default 20,000; no more on a shared machine)")
    ap.add_argument("--give-up", type=float, default=15.0, help="a query waits at most this long (default 15 s)")
    ap.add_argument("--lake", action="store_true", help="also the after checkout into a SQLite-catalog DuckLake")
    ap.add_argument("--lake-only", action="store_true", help="only the after checkout into a lake")
    ap.add_argument("--load-cost-only", type=Path, metavar="DB", help="only the store's cost per batch, loading "
                    "the rows of the DuckDB file DB (a finished run) again")
    args = ap.parse_args()
    if args.load_cost_only:
        work = Path(tempfile.mkdtemp(prefix="dateline-load-cost-"))
        for name, times in load_cost(args.load_cost_only, work).items():
            print(f"| {name} | {' / '.join(f'{t:.2f}' for t in times)} | {sum(times):.2f} |")
        return 0
    if args.before is None and not args.lake_only:
        ap.error("--before CHECKOUT is required")
    sys.path.insert(0, str(ROOT / "bench"))
    from throughput import work_with_corpus

    work = work_with_corpus(args.n, "dateline-readers-")
    if work is None:
        return 0
    res = {}
    setups = [("before", args.before.resolve(), False), ("after", args.after.resolve(), False)] \
        if not args.lake_only else []
    if args.lake or args.lake_only:
        setups.append(("after-lake", args.after.resolve(), True))
    for label, root, lake in setups:
        print(f"{label}: dateline run from {root} with a reader querying ...", flush=True)
        res[label] = measure(root, work / "corpus", work, label, args.give_up, lake)

    def f(x, d=2):
        return "-" if x is None else f"{x:,.{d}f}"

    labels = [label for label, _, _ in setups]
    print(f"\n| {args.n:,} articles, default batch size | {' | '.join(labels)} |")
    print("|---" * (len(labels) + 1) + "|")
    for name, key, d in (("queries asked during the run", "queries", 0), ("gave up after "
                         f"{args.give_up:g} s", "gave_up", 0), ("answered with part of the run", "answered_mid_run", 0),
                         ("query latency p50 (s)", "p50_s", 2), ("query latency p95 (s)", "p95_s", 2),
                         ("run articles/s (runs.duration_s)", "articles_per_s", 0), ("run duration (s)", "run_s", 1)):
        print(f"| {name} | {' | '.join(f(res[label][key], d) for label in labels)} |")
    if "before" in res:
        print(f"\nafter/before articles/s: {res['after']['articles_per_s'] / res['before']['articles_per_s']:.2f}")
    if len(res) == 3:
        print(f"lake/file (after) articles/s: {res['after-lake']['articles_per_s'] / res['after']['articles_per_s']:.2f}")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
