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


def fit(devsets: Path) -> dict:
    from dateline.dating import sanity, season

    recency: dict[str, list[int]] = {}
    seasonal: dict[str, list[int]] = {}
    for day, ad in dev_articles(devsets):
        for m in ad.mentions:
            f = sanity.recency_feature(ad.text, m)
            if f is not None:
                unit = f[0].split("-")[0]
                c = recency.setdefault(f[0], [0] * len(sanity.RECENCY_BINS[unit]))
                c[sanity.recency_bin(sanity.recency_gap(day, f[1], f[2], unit), unit)] += 1
            s = season.season_feature(m, lambda m, t=ad.text: sanity._tense_holds(t, m))
            if s is not None:
                unit = s.category.split("-")[0]
                c = seasonal.setdefault(s.category, [0] * len(season.SEASON_BINS[unit]))
                c[season.season_bin(season.season_gap(day, s), unit)] += 1
    print("recency (explicit dates):", file=sys.stderr)
    rec = _smoothed(recency)
    print("season (dates without a year):", file=sys.stderr)
    sea = _smoothed(seasonal)
    return {"_about": "fitted by bench/fit_dating.py on reuters_dev files whose name's sha1 is even; "
                      "log P(bin | category), bins as in dateline/dating/sanity.py RECENCY_BINS and "
                      "dateline/dating/season.py SEASON_BINS",
            "recency": rec, "season": sea}


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
