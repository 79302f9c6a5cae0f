"""Fit the dating stage's statistical tables on the development split and write them to
``dateline/data/dating_tables.json``.

    .venv/bin/python bench/fit_dating.py [--devsets DIR] [--check]

Development split: reuters_dev files whose name's sha1 is even (``eval_sanity.split_of``); every other
file of every corpus is held out, and ``bench/eval_sanity.py`` reports the two apart. Only the original,
untouched files are read (their own date lines are the truth): for each kind of date mention, how far the
publication day lies from it. Tables are log-probabilities per bin, smoothed towards the kind's unit.

``--check`` fits and compares with the file instead of writing (exit 1 when they differ): the file in git
is what this script makes from the devsets.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TABLES = ROOT / "dateline" / "data" / "dating_tables.json"


def _smoothed(counts: dict[str, list[int]], beta: float = 4.0) -> dict[str, list[float]]:
    """log P(bin | category), each category smoothed towards the pooled counts of its unit."""
    pooled: dict[str, list[int]] = {}
    for cat, c in counts.items():
        g = cat.split("-")[0]
        pooled[g] = [a + b for a, b in zip(pooled.get(g, [0] * len(c)), c)]
    table = {}
    for cat, c in sorted(counts.items()):
        g = pooled[cat.split("-")[0]]
        prior = [(x + 0.5) / (sum(g) + 0.5 * len(g)) for x in g]
        table[cat] = [round(math.log((x + beta * q) / (sum(c) + beta)), 3) for x, q in zip(c, prior)]
        print(f"  {cat}: {sum(c)} mentions: {c}", file=sys.stderr)
    return table


def dev_articles(devsets: Path):
    """(claimed day, ArticleDates) of the development split's untouched files."""
    from eval_sanity import DEV_CORPUS, split_of

    from dateline.parse import normalize, text, timex
    from dateline.sources.files import decode_bytes

    for path in sorted((devsets / DEV_CORPUS / "txt").glob("*.txt")):
        if split_of(DEV_CORPUS, str(path)) != "dev":
            continue
        dec = decode_bytes(path.read_bytes())
        if dec.text is None:
            continue
        p = text.parse_text(dec.text)
        if p.published_claimed is None or not p.body.strip():
            continue
        yield p.published_claimed, normalize._dates_of("x", p, timex.extract_mentions(p.body, p.published_claimed))


def fit_calibration(devsets: Path, seed: int = 1987) -> dict[str, list[int]]:
    """basis -> [wrong, total]: the development split, half its date lines shifted (eval_sanity's protocol,
    the txt dumps and the wire form), through the pipeline's own date stage; every prefix of a basis
    ("inconsistent:dateline") is counted too, for the fallback."""
    import hashlib

    from eval_sanity import DEV_CORPUS, WIRE, build_corpus, split_of, wire_copies

    from dateline.dating import sanity
    from dateline.parse import normalize, text, timex
    from dateline.sources.files import decode_bytes

    files = [p for p in sorted((devsets / DEV_CORPUS / "txt").glob("*.txt")) if split_of(DEV_CORPUS, str(p)) == "dev"]
    items = build_corpus(DEV_CORPUS, files, seed)
    if (devsets / DEV_CORPUS / "reuters_dev.jsonl").is_file():
        items += build_corpus(WIRE, wire_copies(devsets, files), seed)
    counts: dict[str, list[int]] = {}
    for it in items:
        dec = decode_bytes(it.data)
        if dec.text is None:
            continue
        p = text.parse_text(dec.text)
        if not p.body.strip():
            continue
        ad = normalize._dates_of(hashlib.sha256(it.data).hexdigest()[:16], p,
                                 timex.extract_mentions(p.body, p.published_claimed))
        basis = sanity.judge_article(ad).basis
        parts = basis.split(":")
        for k in range(1, len(parts) + 1):
            c = counts.setdefault(":".join(parts[:k]), [0, 0])
            c[0] += it.corrupted
            c[1] += 1
    for basis, (wrong, total) in sorted(counts.items()):
        print(f"  {basis:<40} {wrong:>5} of {total:>5} wrong ({wrong / total:.3f})", file=sys.stderr)
    return counts


def fit(devsets: Path) -> dict:
    from dateline.dating import sanity

    recency: dict[str, list[int]] = {}
    for day, ad in dev_articles(devsets):
        for m in ad.mentions:
            f = sanity.recency_feature(ad.text, m)
            if f is not None:
                unit = f[0].split("-")[0]
                c = recency.setdefault(f[0], [0] * len(sanity.RECENCY_BINS[unit]))
                c[sanity.recency_bin(sanity.recency_gap(day, f[1], f[2], unit), unit)] += 1
    print("recency (explicit dates):", file=sys.stderr)
    rec = _smoothed(recency)
    print("calibration (basis of the verdict: wrong claimed dates / articles):", file=sys.stderr)
    return {"_about": "fitted by bench/fit_dating.py on reuters_dev files whose name's sha1 is even; "
                      "recency: log P(bin | category), bins as in dateline/dating/sanity.py RECENCY_BINS; calibration: basis -> [wrong, total] with half "
                      "the date lines shifted (bench/eval_sanity.py's protocol, seed 1987)",
            "recency": rec, "calibration": fit_calibration(devsets)}


def main(argv: list[str] | None = None) -> int:
    from eval_sanity import default_devsets

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets", type=Path, default=None)
    ap.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = ap.parse_args(argv)
    devsets = args.devsets or default_devsets()
    if not (devsets / "reuters_dev" / "txt").is_dir():
        print(f"devsets not found at {devsets}: nothing fitted")
        return 0
    tables = fit(devsets)
    text = json.dumps(tables, indent=1, sort_keys=True) + "\n"
    if args.check:
        same = TABLES.exists() and TABLES.read_text() == text
        print("dating tables match the devsets" if same else "dating tables differ from what the devsets give")
        return 0 if same else 1
    TABLES.write_text(text)
    print(f"wrote {TABLES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
