"""Golden comparison: what dateline writes, row for row, so a refactor can show it changed nothing.

    .venv/bin/python bench/golden.py record bench/results/golden-before      # on the old commit
    .venv/bin/python bench/golden.py record bench/results/golden-after       # on the new one
    .venv/bin/python bench/golden.py compare bench/results/golden-before bench/results/golden-after

``record`` runs the news-etl flow twice (a cold run, then a re-run that must add nothing) over the seeds
and every devset corpus that has files (``../shared/devsets/``, read in place), one fresh DuckDB file per
corpus, reuters once more in batches of 500 so the parallel parse path runs too. It dumps every table and
view sorted, without the columns that differ by nature between two runs (run ids, timestamps, durations,
names of flow runs, the code version), and runs ``dateline dates --jsonl`` over every devset text with its
document date and without one. ``compare`` prints a table of rows per table and whether they are identical,
and the first differing rows; it exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The devsets beside the project, or where $DATELINE_DEVSETS says (a worktree elsewhere reads the same files).
DEVSETS = Path(os.environ.get("DATELINE_DEVSETS") or ROOT.parent / "shared" / "devsets")

#: Columns that differ between any two runs of the same code (identity and clock), left out of the dump.
VOLATILE = {"run_id", "started_at", "ended_at", "duration_s", "flow_run_name", "code_version", "parameters",
            "loaded_at", "rejected_at", "seen_at"}

#: (name, folder or file, batch size) of every flow corpus; missing ones are skipped, and say so.
#: The seeds are copied here, with one fixed modification time, so that every checkout (a git worktree of
#: an older commit, say) records the same source_path and mtime_ns for them.
SEEDS_COPY = Path(tempfile.gettempdir()) / "dateline-golden" / "seeds"
SEEDS_MTIME_NS = 1_622_505_600 * 10**9  # 2021-06-01

CORPORA = [
    ("seeds", SEEDS_COPY, None),
    ("giveme5w1h_txt", DEVSETS / "giveme5w1h_gold" / "txt", None),
    ("tempeval3_txt", DEVSETS / "tempeval3_tbaq" / "txt", None),
    ("reuters_txt", DEVSETS / "reuters_dev" / "txt", None),
    ("reuters_txt_b500", DEVSETS / "reuters_dev" / "txt", 500),
    ("newsplease_json", DEVSETS / "newsplease_dev", None),
    ("htmldate_html", DEVSETS / "htmldate_dev", None),
]

#: Devset texts whose date mentions are compared: jsonl corpora (body, published) and news-please JSON.
DATE_SOURCES = ["tempeval3_tbaq/tempeval3_tbaq.jsonl", "reuters_dev/reuters_dev.jsonl",
                "giveme5w1h_gold/gold_standard.jsonl", "bbc_dev/bbc_dev.jsonl"]


def dump_tables(db: Path, out: Path) -> dict[str, dict]:
    """Every table and view of ``db`` as sorted JSON lines in ``out/<name>.jsonl``; rows and sha256 each."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    digests = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        for name in names:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                [name]).fetchall()]
            keep = [c for c in cols if c not in VOLATILE]
            select = ", ".join(f'"{c}"' for c in keep)
            rows = con.execute(f'SELECT {select} FROM "{name}"').fetchall()
            lines = sorted(json.dumps(dict(zip(keep, r)), default=str, ensure_ascii=False, sort_keys=True)
                           for r in rows)
            text = "\n".join(lines)
            (out / f"{name}.jsonl").write_text(text, encoding="utf-8")
            digests[name] = {"rows": len(lines), "sha256": hashlib.sha256(text.encode()).hexdigest(),
                             "columns": keep}
    return digests


def run_corpora(out: Path) -> dict:
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the per-corpus lines below say enough
    sys.path.insert(0, str(ROOT))
    try:
        from dateline.orchestration.runners import shared_api
    except ImportError:  # a checkout from before the layout of issue 18
        from dateline.orchestration import shared_api
    from flows.news_etl import news_etl

    shutil.rmtree(SEEDS_COPY, ignore_errors=True)
    shutil.copytree(ROOT / "seeds", SEEDS_COPY)
    for path in SEEDS_COPY.iterdir():
        os.utime(path, ns=(SEEDS_MTIME_NS, SEEDS_MTIME_NS))

    summary = {}
    work = Path(tempfile.mkdtemp(prefix="golden-"))
    with shared_api():
        for name, path, batch_size in CORPORA:
            if not path.exists():
                print(f"  {name}: {path} absent, skipped", flush=True)
                continue
            db = work / name / "dateline.duckdb"
            results = []
            for attempt in ("cold", "re-run"):
                r = news_etl(paths=[str(path)], db=str(db), batch_size=batch_size, data_docs=False)
                results.append({k: r[k] for k in ("files_seen", "loaded", "duplicates", "rejected",
                                                  "already_loaded", "passed", "warned", "quarantined")})
                print(f"  {name} {attempt}: {results[-1]}", flush=True)
            summary[name] = {"results": results, "tables": dump_tables(db, out / name)}
    return summary


def date_docs() -> list[dict]:
    docs = []
    for rel in DATE_SOURCES:
        path = DEVSETS / rel
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            docs.append({"id": f"{rel}:{row['id']}", "text": row["body"], "dct": row.get("published")})
    for path in sorted((DEVSETS / "newsplease_dev").glob("*.json")):
        row = json.loads(path.read_text(encoding="utf-8"))
        text = row.get("text") or row.get("maintext") or ""
        day = str(row.get("date_publish") or "")[:10]
        docs.append({"id": f"newsplease:{path.name}", "text": text,
                     "dct": day if re.fullmatch(r"\d{4}-\d\d-\d\d", day) else None})
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        docs.append({"id": f"seeds:{path.name}", "text": path.read_text(encoding="utf-8"), "dct": None})
    # The same texts without a document date: relative expressions then resolve to nothing.
    return docs + [{**d, "id": d["id"] + ":no-dct", "dct": None} for d in docs if d["dct"]]


def run_dates(out: Path) -> dict:
    docs = date_docs()
    src = out / "dates-in.jsonl"
    src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    # `python -m` from this checkout (not the venv's entry point), so a git worktree measures its own code.
    result = subprocess.run([sys.executable, "-m", "dateline.cli", "dates", "--jsonl", str(src)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    (out / "dates.jsonl").write_text(result.stdout, encoding="utf-8")
    src.unlink()
    return {"texts": len(docs), "mentions": sum(len(json.loads(l)["mentions"]) for l in result.stdout.splitlines()),
            "sha256": hashlib.sha256(result.stdout.encode()).hexdigest()}


def record(out: Path, only: str | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    dates = corpora = {}
    if only in (None, "dates"):
        print(f"dateline dates over every devset text -> {out}", flush=True)
        dates = run_dates(out)
        print(f"  {dates['texts']} texts, {dates['mentions']} mentions", flush=True)
    if only in (None, "flows"):
        print("news-etl over seeds and devsets, cold then re-run", flush=True)
        corpora = run_corpora(out)
    (out / "golden.json").write_text(json.dumps({"dates": dates, "corpora": corpora}, indent=2))
    print(f"recorded {out / 'golden.json'}")


def first_difference(a: Path, b: Path, limit: int = 3) -> list[str]:
    la = a.read_text(encoding="utf-8").splitlines() if a.exists() else []
    lb = b.read_text(encoding="utf-8").splitlines() if b.exists() else []
    only_a, only_b = sorted(set(la) - set(lb)), sorted(set(lb) - set(la))
    return ([f"    - {x[:300]}" for x in only_a[:limit]] + [f"    + {x[:300]}" for x in only_b[:limit]])


def compare(before: Path, after: Path) -> int:
    from rich.console import Console
    from rich.table import Table

    ga = json.loads((before / "golden.json").read_text())
    gb = json.loads((after / "golden.json").read_text())
    table = Table(title=f"golden: {before.name} vs {after.name}")
    for h in ("corpus", "table", "rows before", "rows after", "identical"):
        table.add_column(h)
    notes, bad = [], 0
    same = ga["dates"].get("sha256") == gb["dates"].get("sha256")
    table.add_row("devset texts", "dateline dates", str(ga["dates"].get("mentions", "-")),
                  str(gb["dates"].get("mentions", "-")), "yes" if same else "NO")
    if gb["dates"] and not same:
        bad += 1
        notes += ["dates:"] + first_difference(before / "dates.jsonl", after / "dates.jsonl")
    for corpus in sorted(set(ga["corpora"]) & set(gb["corpora"]) if not gb["corpora"] else
                         set(ga["corpora"]) | set(gb["corpora"])):
        ta = ga["corpora"].get(corpus, {}).get("tables", {})
        tb = gb["corpora"].get(corpus, {}).get("tables", {})
        for name in sorted(set(ta) | set(tb)):
            a, b = ta.get(name), tb.get(name)
            same = bool(a and b and a["sha256"] == b["sha256"])
            table.add_row(corpus, name, str(a["rows"]) if a else "-", str(b["rows"]) if b else "-",
                          "yes" if same else "NO")
            if not same:
                bad += 1
                notes += [f"{corpus}/{name}:"] + first_difference(before / corpus / f"{name}.jsonl",
                                                                  after / corpus / f"{name}.jsonl")
    Console(width=160).print(table)
    print("\n".join(notes))
    print(f"{bad} differences" if bad else "identical: everything compared above")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("out", type=Path)
    rec.add_argument("--only", choices=["dates", "flows"], help="record only the date mentions, or only the flows")
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    args = parser.parse_args()
    if not DEVSETS.exists():
        print(f"note: {DEVSETS} absent: only the seeds are compared")
    if args.cmd == "record":
        record(args.out, args.only)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
