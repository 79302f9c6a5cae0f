"""What the quality suite quarantines on untouched real corpora: the rate per corpus and per expectation.

    .venv/bin/python bench/eval_quarantine.py [--devsets DIR] [--corpus NAME] [--show N]

Every dev corpus is fed as it is (nothing shifted) through the pipeline's own stages: the dump files of its
``txt/`` folder (``bbc_dev``, which has none, as ``title``, a blank line, ``body`` built in memory) go to
``dateline.parse.normalize.normalize_files`` and its articles to ``dateline.quality.validation
.validate_articles`` with the default ``Settings``: the verdicts a user loading the corpus would see.

Reported per corpus: articles loaded, the share quarantined (target: at most 3%), the share warned, and per
expectation how many articles fail it and with which severity; then each quarantined article with the
expectations that quarantined it and what they observed (``--show`` of them per corpus, all by default), so
every quarantine is explained. Nothing is written; without the devsets the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = ("reuters_dev", "giveme5w1h_gold", "tempeval3_tbaq", "bbc_dev")
TARGET_QUARANTINE = 0.03


def corpus_files(devsets: Path, name: str) -> list:
    """The corpus as the RawFile objects a run would read."""
    from dateline.sources.files import RawFile

    folder = devsets / name
    if (folder / "txt").is_dir():
        paths = sorted((folder / "txt").iterdir())
        blobs = [(str(p), p.read_bytes()) for p in paths if p.is_file()]
    else:
        blobs = []
        for jsonl in sorted(folder.glob("*.jsonl")):
            for line in jsonl.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                text = f"{row.get('title') or ''}\n\n{row.get('body') or ''}\n"
                blobs.append((f"{name}/{row['id']}.txt", text.encode("utf-8")))
    return [RawFile(path, data, hashlib.sha256(data).hexdigest()) for path, data in blobs]


def evaluate(devsets: Path, name: str, show: int | None) -> float | None:
    """Print one corpus's quarantine report; return its quarantine rate (None: no articles)."""
    from dateline.parse.normalize import normalize_files
    from dateline.quality.grading import articles_frame
    from dateline.quality.validation import validate_articles

    files = corpus_files(devsets, name)
    out = normalize_files(files, "eval-quarantine")
    if not out.articles:
        print(f"\n## {name}: no article loaded from {len(files)} files")
        return None
    outcome = validate_articles(articles_frame(out.articles, out.date_mentions), today=date.today())
    status = Counter(outcome.status.values())
    n = len(out.articles)
    rate = status["quarantined"] / n
    print(f"\n## {name}: {len(files)} files, {n} articles loaded, {len(out.rejects)} rejected")
    print(f"quarantined {status['quarantined']} ({rate:.2%}; target <= {TARGET_QUARANTINE:.0%}), "
          f"warned {status['warned']} ({status['warned'] / n:.2%}), passed {status['passed']}")
    print("| expectation | severity | articles failing | share |")
    print("|---|---|---:|---:|")
    for exp in outcome.expectations:
        print(f"| {exp.name} | {exp.severity} | {len(exp.failed)} | {len(exp.failed) / n:.2%} |")
    path_of = {a.article_id: a.source_path for a in out.articles}
    evidence_of = {a.article_id: a.date_evidence for a in out.articles}
    quarantined = outcome.quarantined[:show] if show is not None else outcome.quarantined
    for aid in quarantined:
        why = [f"{exp.name}: {exp.failed[pos][0]} ({exp.failed[pos][1]})"
               for exp in outcome.expectations if exp.severity == "critical"
               for pos in exp.failed if outcome.keys[pos] == aid]
        if evidence_of.get(aid):  # what the date verdict rests on, as date_anomalies shows it
            why.append(f"evidence: {evidence_of[aid][:300]}")
        print(f"- quarantined {Path(path_of.get(aid, aid)).name}: " + "; ".join(why))
    return rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets", type=Path, default=Path(os.environ.get("DATELINE_DEVSETS", ROOT.parent / "shared" / "devsets")))
    ap.add_argument("--corpus", choices=CORPORA, action="append")
    ap.add_argument("--show", type=int, default=None, help="quarantined articles listed per corpus (default: all)")
    args = ap.parse_args(argv)
    if not args.devsets.is_dir():
        print(f"devsets absent ({args.devsets}): nothing to measure")
        return 0
    rates = {}
    for name in args.corpus or CORPORA:
        if (args.devsets / name).is_dir():
            rates[name] = evaluate(args.devsets, name, args.show)
    print("\n| corpus | quarantined | target |")
    print("|---|---:|---|")
    for name, rate in rates.items():
        shown = "no articles" if rate is None else f"{rate:.2%}"
        print(f"| {name} | {shown} | <= {TARGET_QUARANTINE:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
