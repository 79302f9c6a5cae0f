"""Cost of the corpus date check (dateline.dating.corpus) as the database grows.

    .venv/bin/python bench/corpus_dates.py [--sizes 2172,21720,108600] [--devsets DIR]

The dev corpora's real articles (reuters_dev, giveme5w1h_gold, tempeval3_tbaq: their story terms as the
stories stage stores them) are replicated k times into one DuckDB file, each copy's terms suffixed with
its copy number so that copies share nothing: every term keeps its document frequency and each article
its neighbours, so the figures show how the one SQL query scales with the number of articles, not
with a corpus that grows denser. For each size: the check's wall time (query + judging + writing the
rows), ms per article, accusations, and the process's peak RSS in a fresh child process (the check runs
in the flow's process), side by side in one run. Needs the devsets; says so and exits 0 without them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = ("reuters_dev", "giveme5w1h_gold", "tempeval3_tbaq")


def base_articles(devsets: Path) -> list[tuple[str, object, list[str]]]:
    from dateline.parse.text import parse_text
    from dateline.sources.files import decode_bytes
    from dateline.stories.features import story_terms

    out = []
    for corpus in CORPORA:
        for path in sorted((devsets / corpus / "txt").glob("*.txt")):
            dec = decode_bytes(path.read_bytes())
            if dec.text is None:
                continue
            p = parse_text(dec.text)
            if p.body.strip():
                out.append((f"{corpus}/{path.stem}", p.published_claimed, list(story_terms(p.title, p.body))))
    return out


def child(db: str, n: int, devsets: Path) -> dict:
    """In a fresh process: build a database of ``n`` articles, run the check, report time and peak RSS."""
    import duckdb
    import pyarrow as pa

    from dateline.dating.corpus_stage import judge_all
    from dateline.stories.signing import stored_terms

    base = base_articles(devsets)
    copies = -(-n // len(base))
    rows = [(f"{k}:{a}", d, [f"{t}#{k}" for t in terms]) for k in range(copies) for a, d, terms in base][:n]
    con = duckdb.connect(db)
    articles = pa.table({"article_id": [r[0] for r in rows], "published_claimed": [r[1] for r in rows],  # noqa: F841
                         "superseded_by": pa.nulls(len(rows), pa.string())})
    signatures = pa.table({"article_id": [r[0] for r in rows], "terms": [stored_terms(r[2]) for r in rows]})  # noqa: F841
    con.execute("CREATE TABLE articles AS SELECT * FROM articles")
    con.execute("CREATE TABLE story_signatures AS SELECT * FROM signatures")
    con.execute("SET memory_limit = '384MiB'")  # what a run gives DuckDB (Settings.duckdb_memory)
    del rows, articles, signatures
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    checked = accused = 0
    for _, accusation in judge_all(con):
        checked += 1
        accused += accusation is not None
    seconds = time.perf_counter() - t
    return {"articles": n, "seconds": seconds, "checked": checked, "accused": accused,
            "rss_before_mb": rss_before, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2172,21720,108600")
    ap.add_argument("--devsets", type=Path, default=Path(os.environ.get("DATELINE_DEVSETS", ROOT.parent / "shared" / "devsets")))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.devsets)))
        return 0
    if not all((args.devsets / c / "txt").is_dir() for c in CORPORA):
        print(f"devsets not found under {args.devsets}: nothing measured")
        return 0
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, __file__, "--devsets", str(args.devsets), "--child",
                                  str(Path(tmp) / "c.duckdb"), str(n)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(r)
            print(f"  {n:>8,} articles: {r['seconds']:6.2f} s, {1000 * r['seconds'] / n:.3f} ms/article, "
                  f"{r['accused']} accused of {r['checked']} checked; peak RSS {r['peak_rss_mb']:.0f} MB "
                  f"(before the check {r['rss_before_mb']:.0f} MB)", flush=True)
    first = results[0]
    print("\nratios to the smallest size, same run:")
    print(f"  {'articles':>10} {'x articles':>11} {'x ms/article':>13} {'x peak RSS':>11}")
    for r in results:
        print(f"  {r['articles']:>10,} {r['articles'] / first['articles']:>11.1f} "
              f"{(r['seconds'] / r['articles']) / (first['seconds'] / first['articles']):>13.2f} "
              f"{r['peak_rss_mb'] / first['peak_rss_mb']:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
