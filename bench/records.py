"""Files of many records (issue 21): memory while streaming a big JSON Lines file, and the time per
article of JSON Lines and CSV next to ``.txt``, measured side by side in one run.

    .venv/bin/python bench/records.py                        # streams 50 and 200 MB; 10,000 records per format
    .venv/bin/python bench/records.py --sizes-mb 100,1000    # the issue's target: a 1 GB JSONL (needs ~2 GB of /tmp)
    .venv/bin/python bench/records.py --n 2000 --sizes-mb 20,40 --rounds 1   # quick

1. **Memory**: a JSONL of each size is generated under /tmp at run time from ``reuters_dev`` texts (read in
   place, never copied into the repo; each line a distinct article), then streamed by a fresh child
   process through ``RecordReader`` (read, split into lines, hash) in batches of 5,000 with each record
   decoded as JSON, as the parse stage does. Its peak RSS (``ru_maxrss``) at both sizes is printed: flat
   means the larger file does not raise it. The whole flow is not run over the big files (the machine
   is shared: no benchmark above 20k articles); what the flow adds is bounded by the batches in flight.
2. **Speed**: the same ``--n`` articles as one ``.jsonl``, one ``.csv`` and ``--n`` ``.txt`` files; each set
   read by ``RecordReader`` and parsed by ``normalize_files`` in batches of 5,000 (the flow's own pure
   path), timed in alternation ``--rounds`` times; the median ms per article and the ratios to ``.txt``.

When the devsets are absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEVSET = ROOT.parent / "shared" / "devsets" / "reuters_dev" / "reuters_dev.jsonl"
BATCH = 5000


def articles(n: int):
    """``n`` distinct articles (title, date, body) cycled from reuters_dev, each copy marked by its index."""
    rows = [json.loads(line) for line in DEVSET.open(encoding="utf-8")]
    rows = [r for r in rows if r.get("body")]
    for i in range(n):
        r = rows[i % len(rows)]
        yield {"id": i, "title": r["title"], "date": r.get("published") or "",
               "content": f"{r['body']}\n(copy {i})", "publication": "Reuters"}


def write_jsonl(path: Path, size_mb: float) -> int:
    n = 0
    target = size_mb * 1e6
    with open(path, "w", encoding="utf-8") as fh:
        gen = articles(10**9)
        while fh.tell() < target:
            fh.write(json.dumps(next(gen)) + "\n")
            n += 1
    return n


def stream_child(path: str) -> None:
    """Run in a fresh process: stream the file, print records and peak RSS as JSON."""
    from dateline.sources.records import Limits, RecordReader

    reader = RecordReader([path], Limits(10_000_000, 1 << 40))
    t0 = time.perf_counter()
    n = 0
    while batch := reader.take(BATCH):
        for rec in batch:
            json.loads(rec.data)
        n += len(batch)
        del batch
    print(json.dumps({"records": n, "seconds": time.perf_counter() - t0,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure_memory(sizes: list[float], tmp: Path) -> list[dict]:
    out = []
    for size in sizes:
        path = tmp / f"big-{size:g}mb.jsonl"
        lines = write_jsonl(path, size)
        res = subprocess.run([sys.executable, __file__, "--stream-child", str(path)], capture_output=True,
                             text=True, check=True)
        got = json.loads(res.stdout.strip().splitlines()[-1])
        out.append({"size_mb": path.stat().st_size / 1e6, "lines": lines, **got})
        path.unlink()
    return out


def make_sets(n: int, tmp: Path) -> dict[str, list[str]]:
    rows = list(articles(n))
    jl = tmp / "set.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cs = tmp / "set.csv"
    with open(cs, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    txt = tmp / "txt"
    txt.mkdir()
    paths = []
    for r in rows:
        p = txt / f"{r['id']:06d}.txt"
        p.write_text(f"{r['title']}\n{r['date']}\n\n{r['content']}\n", encoding="utf-8")
        paths.append(str(p))
    return {"jsonl": [str(jl)], "csv": [str(cs)], "txt": paths}


def time_set(paths: list[str]) -> tuple[float, int, int]:
    """Seconds to read and normalize every record of ``paths``; records, articles."""
    from dateline.parse.normalize import normalize_files
    from dateline.sources.records import Limits, RecordReader

    reader = RecordReader(paths, Limits(10_000_000, 1 << 40))
    t0 = time.perf_counter()
    records = loaded = 0
    while batch := reader.take(BATCH):
        out = normalize_files(batch, "bench")
        records += len(batch)
        loaded += len(out.articles)
    return time.perf_counter() - t0, records, loaded


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes-mb", default="50,200", help="JSONL sizes to stream, MB (two or more)")
    ap.add_argument("--n", type=int, default=10_000, help="articles per format for the speed comparison")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--stream-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stream_child:
        stream_child(args.stream_child)
        return 0
    if not DEVSET.exists():
        print(f"bench/records.py: {DEVSET} is absent; nothing measured")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="dateline-records-"))
    try:
        print("Streaming a generated JSONL (RecordReader + json.loads per line), fresh process per size:")
        mem = measure_memory([float(s) for s in args.sizes_mb.split(",")], tmp)
        print(f"{'size MB':>9} {'lines':>10} {'seconds':>8} {'MB/s':>6} {'peak RSS MB':>12}")
        for m in mem:
            print(f"{m['size_mb']:>9.0f} {m['lines']:>10,} {m['seconds']:>8.1f} {m['size_mb'] / m['seconds']:>6.0f}"
                  f" {m['peak_rss_mb']:>12.1f}")
        print(f"peak RSS largest / smallest: {mem[-1]['peak_rss_mb'] / mem[0]['peak_rss_mb']:.2f} "
              f"for {mem[-1]['size_mb'] / mem[0]['size_mb']:.1f}x the bytes")

        sets = make_sets(args.n, tmp)
        time_set(sets["txt"][:300])  # warm-up: imports and dateparser's caches, paid by no format's figure
        times: dict[str, list[float]] = {k: [] for k in sets}
        counts = {}
        names = list(sets)
        for r in range(args.rounds):
            # In alternation, the order rotated each round: drift and warm caches hit every format alike.
            for name in names[r % len(names):] + names[:r % len(names)]:
                paths = sets[name]
                sec, records, loaded = time_set(paths)
                times[name].append(sec * 1000 / records)
                counts[name] = (records, loaded)
        txt = statistics.median(times["txt"])
        print(f"\nRead + normalize, {args.n:,} articles per format, median of {args.rounds} rounds in alternation:")
        print(f"{'format':>7} {'records':>8} {'articles':>9} {'ms/article':>11} {'vs .txt':>8}")
        for name in sets:
            ms = statistics.median(times[name])
            print(f"{name:>7} {counts[name][0]:>8,} {counts[name][1]:>9,} {ms:>11.3f} {ms / txt:>8.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
