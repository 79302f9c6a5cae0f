"""Two checkouts of dateline, side by side: the same corpus, cold dateline runs taking turns, speed as ratios.

    git worktree add /tmp/dateline-before <commit>
    .venv/bin/python bench/ab.py --before /tmp/dateline-before --after . --n 100000 --rounds 2

This machine's speed drifts by tens of percent over minutes, so a figure from another session says little.
Here the two checkouts alternate (before, after, before, after, ...) on one generated corpus, each run cold
into its own database through that checkout's own ``bench/throughput.py --modes dateline``; the table gives
every run's articles/s and flow peak RSS, and each round's after/before ratio. The venv is this one: the
checkouts must share a lock file, unless ``--before-python``/``--after-python`` name another venv's
interpreter (a dependency bump measured on one checkout: ``--before . --before-python /tmp/old-venv/bin/python``).
``--before-env``/``--after-env`` set variables for one side: ``--before . --before-env DATELINE_STORIES=false
--after .`` is what stories add to a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_checkout(root: Path, corpus: Path, out: Path, batch_size: int | None, python: str,
                 extra_env: dict[str, str] | None = None) -> dict:
    cmd = [python, str(root / "bench" / "throughput.py"), "--modes", "dateline", "--corpus", str(corpus),
           "--out", str(out)] + (["--batch-size", str(batch_size)] if batch_size else [])
    env = {**os.environ, "PYTHONPATH": str(root), **(extra_env or {})}
    subprocess.run(cmd, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    mode = json.loads(out.read_text())["modes"]["dateline"]
    if "error" in mode:
        raise RuntimeError(f"{root}: dateline run failed, see {mode.get('log')}")
    # The stories stage from Prefect's own task-run times (both checkouts record them, whatever their
    # throughput.py calls its stages): ms per article and share of the run's processing time.
    stories_s = mode.get("prefect", {}).get("per_task", {}).get("build_stories", {}).get("total_s")
    return {"articles_per_s": mode["articles_per_s"], "peak_rss_mb": mode.get("peak_rss_mb"),
            "wall_s": mode.get("child_process_wall_s"),
            "stories_ms": 1000 * stories_s / mode["articles"] if stories_s is not None else None,
            "stories_share": stories_s / mode["processing_s"] if stories_s is not None else None}


def _stories(run: dict) -> str:
    if run.get("stories_ms") is None:
        return "-"
    return f"{run['stories_ms']:.3f} ({100 * run['stories_share']:.1f}%)"


def compare(args, source: Path, n: int) -> None:
    from throughput import build_corpus

    work = Path(tempfile.mkdtemp(prefix="dateline-ab-"))
    print(f"building a corpus of {n:,} articles ({args.kind}) from {source} in {work}", flush=True)
    build_corpus(source, n, work / "corpus", args.kind)
    rows = []
    for rnd in range(1, args.rounds + 1):
        pair = {}
        for label, root, python, env in (("before", args.before.resolve(), args.before_python, args.before_env),
                                         ("after", args.after.resolve(), args.after_python, args.after_env)):
            print(f"round {rnd}: {label} ({root}, {python}{', ' + ' '.join(env) if env else ''}) ...", end=" ", flush=True)
            pair[label] = run_checkout(root, work / "corpus", work / f"{label}-{rnd}.json", args.batch_size, python,
                                       dict(e.split("=", 1) for e in env))
            print(f"{pair[label]['articles_per_s']:,.0f} articles/s", flush=True)
        rows.append(pair)
    print(f"\n| round | before art/s | after art/s | after / before | before peak RSS MB | after peak RSS MB "
          f"| before stories ms/article (share) | after stories ms/article (share) |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = []
    for i, p in enumerate(rows, 1):
        ratio = p["after"]["articles_per_s"] / p["before"]["articles_per_s"]
        ratios.append(ratio)
        print(f"| {i} | {p['before']['articles_per_s']:,.0f} | {p['after']['articles_per_s']:,.0f} | {ratio:.2f} "
              f"| {p['before']['peak_rss_mb'] or 0:,.0f} | {p['after']['peak_rss_mb'] or 0:,.0f} "
              f"| {_stories(p['before'])} | {_stories(p['after'])} |")
    print(f"\nmedian after/before: {statistics.median(ratios):.2f} over {len(ratios)} rounds ({n:,} articles, {args.kind})")


def main() -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from throughput import CORPUS_KINDS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="checkout measured first in each round")
    ap.add_argument("--after", type=Path, default=ROOT, help="checkout measured second (default: this one)")
    ap.add_argument("--before-python", default=sys.executable, help="interpreter (venv) for the before runs")
    ap.add_argument("--after-python", default=sys.executable, help="interpreter (venv) for the after runs")
    ap.add_argument("--before-env", nargs="*", default=[], metavar="NAME=VALUE",
                    help="environment of the before runs, e.g. DATELINE_STORIES=false: one checkout with and "
                         "without stories measures what they add to a run")
    ap.add_argument("--after-env", nargs="*", default=[], metavar="NAME=VALUE", help="environment of the after runs")
    ap.add_argument("--n", type=int, nargs="+", default=[20_000],
                    help="articles in the generated corpus (default 20,000); several sizes: one table each")
    ap.add_argument("--kind", choices=CORPUS_KINDS, default="renamed",
                    help="the generated corpus (bench/throughput.py build_corpus): renamed (distinct stories) or copies")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--batch-size", type=int, help="files per task run (default: each checkout's default)")
    args = ap.parse_args()
    from throughput import find_source

    source = find_source(None)
    if source is None:
        print("no devset corpus to replicate (../shared/devsets/reuters_dev/txt): nothing measured")
        return 0
    for n in args.n:
        compare(args, source, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
