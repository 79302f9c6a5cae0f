"""Two checkouts of dateline, side by side: the same corpus, cold dateline runs taking turns, speed as ratios.

    git worktree add /tmp/dateline-before <commit>
    .venv/bin/python bench/ab.py --before /tmp/dateline-before --after . --n 100000 --rounds 2

This machine's speed drifts by tens of percent over minutes, so a figure from another session says little.
Here the two checkouts alternate (before, after, before, after, ...) on one generated corpus, each run cold
into its own database through that checkout's own ``bench/throughput.py --modes dateline``; the table gives
every run's articles/s and flow peak RSS, and each round's after/before ratio. The venv is this one: the
checkouts must share a lock file, unless ``--before-python``/``--after-python`` name another venv's
interpreter (a dependency bump measured on one checkout: ``--before . --before-python /tmp/old-venv/bin/python``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_checkout(root: Path, corpus: Path, out: Path, batch_size: int | None, python: str) -> dict:
    cmd = [python, str(root / "bench" / "throughput.py"), "--modes", "dateline", "--corpus", str(corpus),
           "--out", str(out)] + (["--batch-size", str(batch_size)] if batch_size else [])
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run(cmd, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    mode = json.loads(out.read_text())["modes"]["dateline"]
    if "error" in mode:
        raise RuntimeError(f"{root}: dateline run failed, see {mode.get('log')}")
    return {"articles_per_s": mode["articles_per_s"], "peak_rss_mb": mode.get("peak_rss_mb"),
            "wall_s": mode.get("child_process_wall_s")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="checkout measured first in each round")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout measured second (default: this one)")
    ap.add_argument("--before-python", default=sys.executable, help="interpreter (venv) for the before runs")
    ap.add_argument("--after-python", default=sys.executable, help="interpreter (venv) for the after runs")
    ap.add_argument("--n", type=int, default=20_000, help="articles in the generated corpus (default 20,000)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, help="files per task run (default: each checkout's default)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from throughput import work_with_corpus

    work = work_with_corpus(args.n, "dateline-ab-")
    if work is None:
        return 0
    rows = []
    for rnd in range(1, args.rounds + 1):
        pair = {}
        for label, root, python in (("before", args.before.resolve(), args.before_python),
                                    ("after", args.after.resolve(), args.after_python)):
            print(f"round {rnd}: {label} ({root}, {python}) ...", end=" ", flush=True)
            pair[label] = run_checkout(root, work / "corpus", work / f"{label}-{rnd}.json", args.batch_size, python)
            print(f"{pair[label]['articles_per_s']:,.0f} articles/s", flush=True)
        rows.append(pair)
    print(f"\n| round | before art/s | after art/s | after / before | before peak RSS MB | after peak RSS MB |")
    print("|---|---|---|---|---|---|")
    ratios = []
    for i, p in enumerate(rows, 1):
        ratio = p["after"]["articles_per_s"] / p["before"]["articles_per_s"]
        ratios.append(ratio)
        print(f"| {i} | {p['before']['articles_per_s']:,.0f} | {p['after']['articles_per_s']:,.0f} | {ratio:.2f} "
              f"| {p['before']['peak_rss_mb'] or 0:,.0f} | {p['after']['peak_rss_mb'] or 0:,.0f} |")
    print(f"\nmedian after/before: {statistics.median(ratios):.2f} over {len(ratios)} rounds ({args.n:,} articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
