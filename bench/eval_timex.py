"""Evaluate dateline.parse.timex against TempEval-3 (TBAQ) gold TIMEX3 annotations, and time it.

Usage:  python bench/eval_timex.py [--devsets DIR] [--errors N] [--errors-file PATH]

Scores (TempEval-3 definitions):
  strict   : system span == gold span
  relaxed  : system span overlaps a gold span (one-to-one, greedy by overlap)
  value    : relaxed match whose normalised value equals the gold value;
             P = #value-matches / #system, R = #value-matches / #gold
  type     : relaxed match whose type equals the gold type (printed for information)
per TIMEX type (DATE / TIME / DURATION / SET; a pair counts for the gold type, a false positive
for the system type) and overall.  Then the mean ms per article of extract_mentions over the
TempEval corpus and over reuters_dev bodies (dct = published), after a warm-up.

The devsets live outside the repository (../shared/devsets by default); when they are absent the
script says so and exits 0.  Nothing is special-cased per document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dateline.parse.timex import extract_mentions  # noqa: E402

TYPES = ("DATE", "TIME", "DURATION", "SET")


def _default_devsets() -> Path:
    env = os.environ.get("DATELINE_DEVSETS")
    if env:
        return Path(env)
    for cand in (ROOT.parent / "shared" / "devsets", Path("/work/shared/devsets")):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared" / "devsets"


def _load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _dct(row: dict) -> date | None:
    p = row.get("published")
    if not p:
        return None
    try:
        return date.fromisoformat(str(p)[:10])
    except ValueError:
        return None


def _align(gold: list[dict], system: list) -> list[tuple[int, int]]:
    """One-to-one relaxed alignment: overlapping pairs, largest overlap first."""
    pairs = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(system):
            ov = min(g["end"], s.end) - max(g["start"], s.start)
            if ov > 0:
                pairs.append((ov, gi, si))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_g, used_s, out = set(), set(), []
    for _, gi, si in pairs:
        if gi in used_g or si in used_s:
            continue
        used_g.add(gi)
        used_s.add(si)
        out.append((gi, si))
    return out


def _prf(tp_p: int, n_sys: int, tp_r: int, n_gold: int) -> tuple[float, float, float]:
    p = tp_p / n_sys if n_sys else 0.0
    r = tp_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(rows: list[dict], err_out: list | None = None) -> dict:
    c = defaultdict(lambda: defaultdict(int))  # c[type][counter]
    for row in rows:
        body = row["body"]
        gold = [t for t in row.get("timexes") or [] if t.get("start") is not None]
        system = extract_mentions(body, _dct(row))
        pairs = _align(gold, system)
        matched_g = {gi for gi, _ in pairs}
        matched_s = {si for _, si in pairs}
        for g in gold:
            for k in (g["type"], "ALL"):
                c[k]["gold"] += 1
        for s in system:
            for k in (s.type, "ALL"):
                c[k]["sys"] += 1
        for gi, si in pairs:
            g, s = gold[gi], system[si]
            strict = g["start"] == s.start and g["end"] == s.end
            val = g["value"] == s.value
            # recall-side counters under the gold type, precision-side under the system type
            for k in (g["type"], "ALL"):
                c[k]["rel_r"] += 1
                c[k]["str_r"] += strict
                c[k]["val_r"] += val
                c[k]["typ_r"] += g["type"] == s.type
            for k in (s.type, "ALL"):
                c[k]["rel_p"] += 1
                c[k]["str_p"] += strict
                c[k]["val_p"] += val
            if err_out is not None and not val:
                err_out.append(("VAL", row["id"], row.get("published"), g["text"], g["type"],
                                g["value"], s.text, s.type, s.value, body[max(0, s.start - 70):s.end + 30]))
        if err_out is not None:
            for gi, g in enumerate(gold):
                if gi not in matched_g:
                    err_out.append(("FN", row["id"], row.get("published"), g["text"], g["type"],
                                    g["value"], "", "", "", body[max(0, g["start"] - 70):g["end"] + 30]))
            for si, s in enumerate(system):
                if si not in matched_s:
                    err_out.append(("FP", row["id"], row.get("published"), "", "", "", s.text,
                                    s.type, s.value, body[max(0, s.start - 70):s.end + 30]))
    return c


def print_table(c: dict) -> None:
    hdr = (f"{'type':9}{'gold':>6}{'sys':>6} | {'strict P':>8}{'R':>7}{'F1':>7} | "
           f"{'relax P':>8}{'R':>7}{'F1':>7} | {'value P':>8}{'R':>7}{'F1':>7} | {'type acc':>8}")
    print(hdr)
    print("-" * len(hdr))
    for k in (*TYPES, "ALL"):
        x = c[k]
        sp, sr, sf = _prf(x["str_p"], x["sys"], x["str_r"], x["gold"])
        rp, rr, rf = _prf(x["rel_p"], x["sys"], x["rel_r"], x["gold"])
        vp, vr, vf = _prf(x["val_p"], x["sys"], x["val_r"], x["gold"])
        ta = x["typ_r"] / x["rel_r"] if x["rel_r"] else 0.0
        print(f"{k:9}{x['gold']:>6}{x['sys']:>6} | {sp*100:8.2f}{sr*100:7.2f}{sf*100:7.2f} | "
              f"{rp*100:8.2f}{rr*100:7.2f}{rf*100:7.2f} | {vp*100:8.2f}{vr*100:7.2f}{vf*100:7.2f} | "
              f"{ta*100:8.2f}")


def time_corpus(rows: list[dict]) -> tuple[float, float]:
    """Mean ms/article: first pass (cold span cache) and best of three further passes."""
    docs = [(r["body"], _dct(r)) for r in rows]
    res = []
    for _ in range(4):
        t0 = time.perf_counter()
        for body, dct in docs:
            extract_mentions(body, dct)
        res.append((time.perf_counter() - t0) * 1000 / max(len(docs), 1))
    return res[0], min(res[1:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devsets", type=Path, default=_default_devsets())
    ap.add_argument("--errors", type=int, default=0, help="print N error examples")
    ap.add_argument("--errors-file", type=Path, help="write all errors as TSV")
    args = ap.parse_args(argv)

    te_path = args.devsets / "tempeval3_tbaq" / "tempeval3_tbaq.jsonl"
    rt_path = args.devsets / "reuters_dev" / "reuters_dev.jsonl"
    if not te_path.is_file():
        print(f"devset not found: {te_path} -- nothing to evaluate (skipping).")
        return 0

    # warm-up: load dateparser and compile everything once (not on the corpus itself)
    extract_mentions("Warm-up on June 16, 2021, 16 June 2021, 06/16/2021 and next week.",
                     date(2021, 5, 25))

    te = _load(te_path)
    errs: list | None = [] if (args.errors or args.errors_file) else None
    c = evaluate(te, errs)
    print(f"TempEval-3 TBAQ: {len(te)} documents, {c['ALL']['gold']} gold TIMEX3\n")
    print_table(c)
    if errs is not None:
        if args.errors_file:
            with args.errors_file.open("w", encoding="utf-8") as fh:
                for e in errs:
                    fh.write("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in e) + "\n")
        for e in errs[: args.errors]:
            print(" | ".join(str(x).replace("\n", " ") for x in e))

    print()
    cold, warm = time_corpus(te)
    print(f"speed TempEval-3 ({len(te)} docs): {cold:.3f} ms/article (first pass), "
          f"{warm:.3f} ms/article (best later pass)")
    if rt_path.is_file():
        rt = _load(rt_path)
        cold, warm = time_corpus(rt)
        print(f"speed reuters_dev ({len(rt)} docs): {cold:.3f} ms/article (first pass), "
              f"{warm:.3f} ms/article (best later pass)")
    else:
        print(f"reuters devset not found: {rt_path} -- speed on Reuters not measured.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
