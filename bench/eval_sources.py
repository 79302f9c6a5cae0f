"""Evaluate the JSON input path on real crawler output (issue 21): every news-please file of
``newsplease_dev/`` should become an article with the JSON's title, ``date_publish`` day and url.
Also times the pure path per article, JSON next to the same publishers' articles as ``.txt``
(``giveme5w1h_gold/txt``), in turns, so the ratio is measured side by side.

    .venv/bin/python bench/eval_sources.py [--devsets DIR] [--rounds N]

Reads the devsets in place (never copies them); says so and exits 0 when they are absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_pubdate import _find_devsets  # noqa: E402
from dateline.parse.normalize import normalize_files  # noqa: E402
from dateline.sources.files import discover_files, read_file  # noqa: E402


def _read(folder: Path) -> list:
    return [read_file(p, max_bytes=10 << 20) for p in discover_files([folder])]


def check_newsplease(folder: Path) -> dict:
    files = _read(folder)
    out = normalize_files(files, "eval")
    by_path = {a.source_path: a for a in out.articles}
    counts = {"files": len(files), "articles": len(out.articles), "rejects": len(out.rejects),
              "title": 0, "day": 0, "url": 0, "all three": 0}
    misses: list[str] = []
    for f in files:
        truth = json.loads(Path(f.path).read_text(encoding="utf-8"))
        a = by_path.get(f.path)
        ok = {"title": a is not None and a.title == truth.get("title"),
              "day": a is not None and str(a.published_claimed) == (truth.get("date_publish") or "")[:10],
              "url": a is not None and a.url == truth.get("url")}
        for k, v in ok.items():
            counts[k] += v
        counts["all three"] += all(ok.values())
        if not all(ok.values()):
            misses.append(f"{Path(f.path).name}: {', '.join(k for k, v in ok.items() if not v)}")
    return {"counts": counts, "misses": misses, "reasons": sorted({r.reason for r in out.rejects})}


def check_htmldate(folder: Path, rounds: int) -> dict:
    """Pages whose publication date dateline gets right, next to htmldate alone in the same run (its
    defaults plus ``original_date``, as the devset README measured it), and pages/s of both dateline's
    pure path and ``trafilatura.extract`` alone, timed in alternation."""
    import htmldate
    import trafilatura

    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    files = [read_file(str(folder / name), max_bytes=10 << 20) for name in sorted(truth)]
    out = normalize_files(files, "eval")
    by_path = {a.source_path: a for a in out.articles}
    ours = alone = 0
    overruled: list[str] = []  # pages where dateline took another of the page's dates than htmldate's
    for f, name in zip(files, sorted(truth), strict=True):
        want = truth[name]
        a = by_path.get(f.path)
        got = str(a.published_claimed) if a is not None and a.published_claimed else None
        ours += got == want
        said = htmldate.find_date(f.data.decode("utf-8", "replace"), original_date=True)
        alone += said == want
        if got != said:
            mark = "right" if got == want else "wrong" if said == want else "both wrong"
            overruled.append(f"{Path(name).name}: htmldate {said}, dateline {got} "
                             f"({a.pubdate_method if a is not None else 'no article'}; truth {want}: {mark})")
    pages = [f.data.decode("utf-8", "replace") for f in files]
    t_ours, t_tra = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        normalize_files(files, "bench")
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for page in pages:
            trafilatura.extract(page)
        t_tra.append(time.perf_counter() - t0)
    med = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    return {"pages": len(files), "ours": ours, "alone": alone, "articles": len(out.articles),
            "overruled": overruled, "inconsistent": sorted(Path(a.source_path).name for a in out.articles
                                                            if a.date_status == "inconsistent"),
            "languages": sorted({a.language or "unknown" for a in out.articles}),
            "reasons": sorted({r.reason for r in out.rejects}),
            "ours_pps": len(files) / med(t_ours), "trafilatura_pps": len(files) / med(t_tra)}


def time_per_article(json_files: list, txt_files: list, rounds: int) -> tuple[float, float]:
    """Median ms per article of normalize over each set, the two timed in alternation."""
    normalize_files(json_files[:5] + txt_files[:5], "warm")  # dateparser's language data, caches
    t_json, t_txt = [], []
    for _ in range(rounds):
        for files, sink in ((json_files, t_json), (txt_files, t_txt)):
            t0 = time.perf_counter()
            n = len(normalize_files(files, "bench").articles)
            sink.append((time.perf_counter() - t0) * 1000 / max(n, 1))
    return sorted(t_json)[len(t_json) // 2], sorted(t_txt)[len(t_txt) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets", help="devsets directory (default ../shared/devsets or $DATELINE_DEVSETS)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    root = _find_devsets(args.devsets)
    if root is None or not (root / "newsplease_dev").is_dir():
        print("devsets not found (looked for ../shared/devsets and $DATELINE_DEVSETS): nothing to evaluate.")
        return 0
    result = check_newsplease(root / "newsplease_dev")
    c = result["counts"]
    print(f"newsplease_dev: {c['files']} files -> {c['articles']} articles, {c['rejects']} rejects "
          f"{result['reasons'] or ''}")
    print(f"  JSON's title {c['title']}/{c['files']}, date_publish day {c['day']}/{c['files']}, "
          f"url {c['url']}/{c['files']}; all three {c['all three']}/{c['files']}")
    for m in result["misses"][:10]:
        print(f"  miss: {m}")
    if (root / "htmldate_dev" / "ground_truth.json").is_file():
        h = check_htmldate(root / "htmldate_dev", max(1, args.rounds // 2))
        print(f"htmldate_dev: {h['pages']} pages -> {h['articles']} articles {h['reasons'] or ''}")
        print(f"  publication date right: dateline {h['ours']}/{h['pages']}, htmldate alone {h['alone']}/{h['pages']}")
        for line in h["overruled"]:
            print(f"  not htmldate's date: {line}")
        print(f"  date verdict inconsistent (quarantined by the suite): {len(h['inconsistent'])}/{h['articles']} "
              f"{', '.join(h['inconsistent'])}; languages: {', '.join(h['languages'])}")
        print(f"  pages/s: dateline (extract + date + parse + checks) {h['ours_pps']:.1f}, trafilatura.extract "
              f"alone {h['trafilatura_pps']:.1f}; ratio {h['ours_pps'] / h['trafilatura_pps']:.2f}")
    txt = root / "giveme5w1h_gold" / "txt"
    if txt.is_dir():
        ms_json, ms_txt = time_per_article(_read(root / "newsplease_dev"), _read(txt), args.rounds)
        print(f"  per article (normalize, median of {args.rounds} alternating rounds): json {ms_json:.2f} ms, "
              f"txt {ms_txt:.2f} ms (same publishers' articles as .txt); json/txt = {ms_json / ms_txt:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
