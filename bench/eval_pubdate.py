"""Evaluate dateline.text.parse_text on the development corpora (claimed publication dates, titles,
wire sign-off removal, invented dates on a date-less set, speed).

    .venv/bin/python bench/eval_pubdate.py [--devsets DIR] [--show-errors N] [--layouts-per-corpus N]

Besides the dumps as the devsets give them (the date line always on line 2), every article with a known
date is also rendered with its true date in other shapes real dumps carry (other agencies' wire
datelines, ``Updated:`` and ``Published ...`` lines, ``11/02/89``, ``19980120``, ISO timestamps, the
Reuters wire stamp) at other places (first line, under the title after a blank line, opening the body):
the layouts table gives, per shape and place, the share read right (the day; the month and day for
shapes without a year, which claim nothing but their PARTIAL date).

The devsets live outside the repo (default: ../shared/devsets relative to the project root, or
$DATELINE_DEVSETS).  They are read in place, never copied.  When they are absent the script says so
and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dateline.parse.text import parse_text  # noqa: E402

_WS = re.compile(r"\s+")
_NULL_LINE = re.compile(r"\s*(?:none|null|nan|nat|n/?a)?\s*", re.IGNORECASE)


def _find_devsets(arg: str | None) -> Path | None:
    cands = [arg] if arg else [os.environ.get("DATELINE_DEVSETS"), str(ROOT.parent / "shared" / "devsets"),
                               "/work/shared/devsets"]
    for c in cands:
        if c and Path(c).is_dir():
            return Path(c)
    return None


def _load_jsonl(p: Path) -> dict[str, dict]:
    rows = {}
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                rows[r["id"]] = r
    return rows


def _nonws(s: str) -> int:
    return len(_WS.sub("", s))


class Stats:
    def __init__(self, name: str):
        self.name = name
        self.n = 0
        self.with_dateline = 0  # texts that carry a date line with a known ground truth
        self.exact = 0
        self.wrong = 0
        self.missed = 0
        self.invented = 0  # claimed dates where the text carries no date line
        self.claimed = 0
        self.partial = 0  # year-less date lines: PARTIAL, no claimed date (by design)
        self.title_ok = 0
        self.title_n = 0
        self.body_n = 0
        self.body_len_exact = 0
        self.body_nonws_exact = 0
        self.body_absdiff = 0
        self.seconds = 0.0
        self.bytes = 0
        self.rules: Counter[str] = Counter()
        self.conf: Counter[str] = Counter()
        self.errors: list[str] = []
        self.sizes: list[tuple[int, float]] = []

    def row(self) -> list[str]:
        acc = f"{self.exact / self.with_dateline:.4f}" if self.with_dateline else "-"
        tacc = f"{self.title_ok / self.title_n:.4f}" if self.title_n else "-"
        bacc = f"{self.body_nonws_exact / self.body_n:.4f}" if self.body_n else "-"
        blen = f"{self.body_len_exact / self.body_n:.4f}" if self.body_n else "-"
        ms = f"{1000 * self.seconds / self.n:.3f}" if self.n else "-"
        return [self.name, str(self.n), str(self.with_dateline), str(self.claimed), acc, str(self.wrong),
                str(self.missed), str(self.partial), str(self.invented), tacc, bacc, blen, ms]


HEADER = ["set", "n", "dated", "claimed", "exact_day", "wrong", "missed", "(partial)", "invented", "title_acc",
          "body_nonws=", "body_len=", "ms/art"]


def _timed_parse(st: Stats, text: str):
    t0 = time.perf_counter()
    r = parse_text(text)
    dt = time.perf_counter() - t0
    st.seconds += dt
    st.sizes.append((len(text.encode("utf-8")), dt))
    st.n += 1
    st.bytes += len(text.encode("utf-8"))
    st.conf[r.pubdate_confidence] += 1
    for rm in r.boilerplate:
        st.rules[rm.rule] += 1
    return r


def _eval_txt_dir(name: str, txt_dir: Path, rows: dict[str, dict], show: int, reuters_body: bool) -> Stats | None:
    if not txt_dir.is_dir():
        return None
    st = Stats(name)
    for p in sorted(txt_dir.glob("*.txt")):
        row = rows.get(p.stem)
        if row is None:
            continue
        text = p.read_text(encoding="utf-8")
        r = _timed_parse(st, text)
        lines = text.split("\n")
        date_line = lines[1] if len(lines) > 1 else ""
        carries = not _NULL_LINE.fullmatch(date_line)
        gt = date.fromisoformat(row["published"]) if row.get("published") else None
        if r.published_claimed is not None:
            st.claimed += 1
        if carries and gt is not None:
            st.with_dateline += 1
            if r.published_claimed == gt:
                st.exact += 1
            elif r.published_claimed is None:
                st.missed += 1
                st.partial += r.pubdate_confidence == "PARTIAL"
                if len(st.errors) < show:
                    st.errors.append(f"{name} MISSED {p.name}: line2={date_line!r} gt={gt} dl={r.dateline_text!r}")
            else:
                st.wrong += 1
                if len(st.errors) < show:
                    st.errors.append(f"{name} WRONG {p.name}: line2={date_line!r} gt={gt} got={r.published_claimed}")
        elif not carries and r.published_claimed is not None:
            st.invented += 1
            if len(st.errors) < show:
                st.errors.append(f"{name} INVENTED {p.name}: {r.dateline_text!r} -> {r.published_claimed}")
        if row.get("title"):
            st.title_n += 1
            if r.title == row["title"]:
                st.title_ok += 1
            elif len(st.errors) < show:
                st.errors.append(f"{name} TITLE {p.name}: want={row['title']!r} got={r.title!r}")
        if reuters_body and row.get("body_clean_chars") is not None:
            st.body_n += 1
            want = row["body"][: row["body_clean_chars"]]
            if len(r.body) == row["body_clean_chars"]:
                st.body_len_exact += 1
            if _nonws(r.body) == _nonws(want):
                st.body_nonws_exact += 1
            elif len(st.errors) < show:
                st.errors.append(f"{name} BODY {p.name}: nonws want={_nonws(want)} got={_nonws(r.body)} "
                                 f"tail={r.body[-40:]!r} removed={[x for x in r.boilerplate]!r}"[:400])
            st.body_absdiff += abs(_nonws(r.body) - _nonws(want))
    return st


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
#: name -> (how the true date is written, whether the shape carries a year, whether it is a wire dateline
#: that opens the first body line rather than standing on its own line)
SHAPES = {
    "reuters_dl": (lambda d: f"WASHINGTON, {_MONTHS[d.month - 1][:3]} {d.day} (Reuters) -", False, True),
    "xinhua_dl": (lambda d: f"BUDAPEST, {_MONTHS[d.month - 1]} {d.day} (Xinhua) --", False, True),
    "afp_dl": (lambda d: f"KUALA LUMPUR, {_MONTHS[d.month - 1]} {d.day} , {d.year} (AFP) -", True, True),
    "updated": (lambda d: f"Updated: {d.isoformat()} 17:52", True, False),
    "published": (lambda d: f"Published 3:45 PM ET, {_WEEKDAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day}, {d.year}",
                  True, False),
    "us_short": (lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}", True, False),
    "compact": (lambda d: d.strftime("%Y%m%d"), True, False),
    "iso_ts": (lambda d: f"{d.isoformat()}T14:03:00Z", True, False),
    "wire_stamp": (lambda d: f"{d.day}-{_MONTHS[d.month - 1][:3].upper()}-{d.year} 15:01:01.79", True, False),
}
PLACES = ("line 1", "line 2", "under title", "body line 1")


def _render(title: str, body: str, line: str, place: str, opens_body: bool) -> str | None:
    """The dump with ``line`` at ``place``; a wire dateline at the head of the body opens its first line."""
    if place == "body line 1":
        return f"{title}\n\n{line} {body}" if opens_body else f"{title}\n\n{line}\n{body}"
    if opens_body:
        return None  # a wire dateline stands at the head of the body, nowhere else
    if place == "line 1":
        return f"{line}\n{title}\n\n{body}"
    if place == "line 2":
        return f"{title}\n{line}\n\n{body}"
    return f"{title}\n\n{line}\n\n{body}"


def _eval_layouts(specs, per_corpus: int) -> dict[tuple[str, str], list[int]]:
    """(shape, place) -> [right, total] over the first ``per_corpus`` dated articles of each corpus."""
    cells: dict[tuple[str, str], list[int]] = {}
    for name, _txt, jl, _body in specs:
        if not jl.is_file():
            continue
        rows = [r for r in _load_jsonl(jl).values() if r.get("published") and r.get("title") and r.get("body")]
        for r in sorted(rows, key=lambda r: r["id"])[:per_corpus]:
            truth = date.fromisoformat(r["published"])
            body = r["body"].strip()
            for shape, (write, has_year, opens_body) in SHAPES.items():
                for place in PLACES:
                    text = _render(r["title"].strip(), body, write(truth), place, opens_body)
                    if text is None:
                        continue
                    got = parse_text(text)
                    if has_year:
                        right = got.published_claimed == truth
                    else:  # a year-less dateline claims no day: right when it is kept as the PARTIAL date line
                        right = got.published_claimed is None and got.pubdate_confidence == "PARTIAL" \
                            and got.dateline_text is not None and str(truth.day) in got.dateline_text
                    cell = cells.setdefault((shape, place), [0, 0])
                    cell[0] += right
                    cell[1] += 1
    return cells


def _print_layouts(cells: dict[tuple[str, str], list[int]]) -> None:
    print("\nclaimed date by shape and place (share right; '-' = the shape does not stand there):")
    print(f"  {'shape':<12}" + "".join(f"{p:>14}" for p in PLACES))
    for shape in SHAPES:
        out = []
        for place in PLACES:
            c = cells.get((shape, place))
            out.append(f"{c[0] / c[1]:.3f} ({c[1]})" if c else "-")
        print(f"  {shape:<12}" + "".join(f"{x:>14}" for x in out))
    right = sum(c[0] for c in cells.values())
    total = sum(c[1] for c in cells.values())
    print(f"  all cells: {right}/{total} = {right / max(total, 1):.3f}")


def _eval_bbc(path: Path, show: int) -> Stats | None:
    if not path.is_file():
        return None
    st = Stats("bbc_dev")
    for row in _load_jsonl(path).values():
        text = f"{row['title']}\n\n{row['body']}"
        r = _timed_parse(st, text)
        if r.published_claimed is not None or r.pubdate_confidence != "NONE":
            if r.published_claimed is not None:
                st.claimed += 1
                st.invented += 1
            if len(st.errors) < show:
                st.errors.append(f"bbc INVENTED {row['id']}: {r.dateline_text!r} {r.pubdate_confidence}")
        st.title_n += 1
        if r.title == row["title"]:
            st.title_ok += 1
        elif len(st.errors) < show:
            st.errors.append(f"bbc TITLE {row['id']}: want={row['title']!r} got={r.title!r}")
    return st


def _print_table(stats: list[Stats]) -> None:
    rows = [HEADER] + [s.row() for s in stats]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for k, r in enumerate(rows):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets", help="devsets directory (default ../shared/devsets or $DATELINE_DEVSETS)")
    ap.add_argument("--show-errors", type=int, default=0, help="print up to N mismatches per set")
    ap.add_argument("--layouts-per-corpus", type=int, default=100,
                    help="articles per corpus rendered in every shape and place (0: skip the layouts table)")
    args = ap.parse_args(argv)

    root = _find_devsets(args.devsets)
    if root is None:
        print("devsets not found (looked for ../shared/devsets and $DATELINE_DEVSETS): nothing to evaluate.")
        return 0

    # Warm up: the first dateparser call imports it (~0.3 s), a one-off cost kept out of ms/article.
    t0 = time.perf_counter()
    parse_text("Warm Up Headline\n12/05/1998 09:42\n\nBody text of the warm-up article.")
    warm = time.perf_counter() - t0

    stats: list[Stats] = []
    specs = [
        ("reuters_dev", root / "reuters_dev" / "txt", root / "reuters_dev" / "reuters_dev.jsonl", True),
        ("giveme5w1h_gold", root / "giveme5w1h_gold" / "txt", root / "giveme5w1h_gold" / "gold_standard.jsonl", False),
        ("tempeval3_tbaq", root / "tempeval3_tbaq" / "txt", root / "tempeval3_tbaq" / "tempeval3_tbaq.jsonl", False),
    ]
    for name, txt, jl, body in specs:
        if not jl.is_file() or not txt.is_dir():
            print(f"[{name}] absent under {root}: skipped")
            continue
        st = _eval_txt_dir(name, txt, _load_jsonl(jl), args.show_errors, body)
        if st:
            stats.append(st)
    bbc = _eval_bbc(root / "bbc_dev" / "bbc_dev.jsonl", args.show_errors)
    if bbc:
        stats.append(bbc)
    else:
        print(f"[bbc_dev] absent under {root}: skipped")
    if not stats:
        print("no devset found: nothing to evaluate.")
        return 0

    print(f"devsets: {root}")
    print("dated = texts carrying a date line with a known published date; exact_day over those;")
    print("(partial) = missed ones whose date line has no year (PARTIAL confidence, never completed);")
    print("invented = claimed date where the text carries no date line; body_* = reuters body without")
    print("sign-off vs body_clean_chars (nonws: same count of non-whitespace chars; len: same length).\n")
    _print_table(stats)
    tot_n = sum(s.n for s in stats)
    tot_s = sum(s.seconds for s in stats)
    tot_b = sum(s.bytes for s in stats)
    print(f"\nall: {tot_n} articles, {1000 * tot_s / tot_n:.3f} ms/article, "
          f"{1000 * tot_s / (tot_b / 1024):.3f} ms/KB (mean {tot_b / tot_n / 1024:.1f} KB)")
    sized = [(n, sec) for s in stats for (n, sec) in s.sizes]
    mid = [sec for n, sec in sized if 2048 <= n <= 3072]
    if mid:
        print(f"2-3 KB articles: {len(mid)}, {1000 * sum(mid) / len(mid):.3f} ms/article; "
              f"one-off warm-up (dateparser import): {1000 * warm:.0f} ms")
    print("\nconfidence:")
    for s in stats:
        print(f"  {s.name}: {dict(s.conf)}")
    print("removals by rule:")
    for s in stats:
        print(f"  {s.name}: {dict(s.rules.most_common())}")
    errs = [e for s in stats for e in s.errors]
    if errs:
        print("\nerrors:")
        for e in errs:
            print("  " + e)

    if args.layouts_per_corpus:
        _print_layouts(_eval_layouts(specs, args.layouts_per_corpus))

    dated = sum(s.with_dateline for s in stats if s.name != "bbc_dev")
    exact = sum(s.exact for s in stats if s.name != "bbc_dev")
    invented = sum(s.invented for s in stats)
    ok = (dated == 0 or exact / dated >= 0.97) and invented == 0
    print(f"\ntargets: exact_day {exact}/{dated} = {exact / max(dated, 1):.4f} (>= 0.97), invented {invented} (== 0): "
          f"{'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
