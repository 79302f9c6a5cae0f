"""The ``dateline`` command: run the pipeline, query the database, tag dates in a text."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import date
from pathlib import Path

from dateline.settings import Settings, apply_prefect_defaults

DEFAULT_DB = Settings.model_fields["db_path"].default  # for help texts; the value comes from settings

#: Exit code when the database is busy (another run, or a writer holding the file): try again later
#: (EX_TEMPFAIL from sysexits.h).
EXIT_BUSY = 75


def _print_table(header: list[str], rows: list[tuple], title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for h in header:
        table.add_column(str(h), overflow="fold")
    for row in rows:
        table.add_row(*("NULL" if v is None else str(v) for v in row))
    # Piped output has no terminal width: rich would fold every table to 80 columns.
    Console(width=shutil.get_terminal_size((160, 24)).columns).print(table)


def _shorten(text: str | None, width: int) -> str | None:
    return text if text is None or len(text) <= width else text[: width - 1] + "…"


def _db(args: argparse.Namespace) -> str:
    """--db, else $DATELINE_DB_PATH, else data/dateline.duckdb."""
    from dateline.settings import get_settings

    return str(get_settings(db_path=args.db).db_path)


def cmd_run(args: argparse.Namespace) -> int:
    from dateline.settings import get_settings
    from dateline.store import locks

    args.db = _db(args)
    paths = args.paths or [str(get_settings().run_input)]
    if args.map:
        from dateline.settings import parse_field_map

        try:
            parse_field_map(args.map)
        except ValueError as exc:
            print(f"dateline: {exc}", file=sys.stderr)
            return 2
    for p in paths:
        if not Path(p).exists():
            print(f"dateline: no such file or folder: {p}", file=sys.stderr)
            return 2
    # Ask for the run lock before starting Prefect (which takes 12-27 s): a second run learns at once that
    # it has to wait, and waits visibly. The flow then takes the lock for itself.
    try:
        locks.wait_until_free(args.db, wait_s=args.wait, on_wait=lambda msg: print(
            f"dateline: waiting up to {args.wait:g} s: {msg}", file=sys.stderr, flush=True))
        return _run_flow(args, paths)
    except locks.RunInProgressError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return EXIT_BUSY


def _run_flow(args: argparse.Namespace, paths: list[str]) -> int:
    apply_prefect_defaults()
    from prefect import tags

    from dateline.orchestration.runners import shared_api, task_runner_for
    from dateline.settings import get_settings
    from flows.news_etl import news_etl

    settings = get_settings(task_runner=args.task_runner, workers=args.workers, dask_address=args.dask_address)
    flow = news_etl.with_options(task_runner=task_runner_for(settings))
    try:
        with shared_api(), tags("dateline", "news-etl", "cli"):
            result = flow(paths=paths, db=args.db, batch_size=args.batch_size, max_file_mb=args.max_file_mb,
                          wait_s=args.wait, field_map=args.map, max_inflated_mb=args.max_inflated_mb,
                          stories=False if args.no_stories else None)
    except Exception as exc:
        print(f"dateline: run failed: {type(exc).__name__}: {exc}\n"
              f"  The database holds only whole batches. Fix the cause and run again: files already loaded "
              f"are skipped.\n  Runs: dateline sql \"SELECT * FROM runs ORDER BY started_at\" --db {args.db}",
              file=sys.stderr)
        return 1
    _print_table(
        ["records", "count"],
        [("files seen", result["files_seen"]), ("records seen", result.get("records_seen", result["files_seen"])),
         ("loaded as articles", result["loaded"]),
         ("already loaded (skipped)", result["already_loaded"]), ("duplicates of another file", result["duplicates"]),
         ("rejected", result["rejected"]), ("articles passed", result["passed"]),
         ("articles warned", result["warned"]), ("articles quarantined", result["quarantined"]),
         ("date anomalies", len(result["date_anomalies"]))],
        title=f"news-etl -> {args.db}",
    )
    if result.get("formats"):
        _print_table(["format", "records", "loaded", "duplicates", "rejected"],
                     [(f["format"], f["records"], f["loaded"], f["duplicates"], f["rejected"]) for f in result["formats"]],
                     title="Records read, by input format")
    if result["reject_reasons"]:
        _print_table(["reason", "records"], [(r["reason"], r["files"]) for r in result["reject_reasons"]],
                     title="Rejected records, by reason (see docs/bad-input.md)")
        print(f"Which: dateline sql \"SELECT source_path, record_key, reason, detail FROM rejects WHERE run_id = "
              f"'{result['run_id']}'\" --db {args.db}")
    if result["date_anomalies"]:
        _print_table(
            ["article", "title", "claimed", "content says", "found by", "score"],
            [(a["article_id"], _shorten(a["title"], 40), a["claimed"], f"{a['inferred_min']} .. {a['inferred_max']}",
              a.get("found_by", "text"), a["score"]) for a in result["date_anomalies"]],
            title="Date anomalies: the story contradicts its dateline",
        )
    if result.get("unaccounted"):
        print(f"dateline: {result['unaccounted']} records are not accounted for: this is a bug", file=sys.stderr)
        return 1
    if result.get("stories") is None:
        print(f"Stories were not built this run (stories off): dateline stories --db {args.db} builds them")
    print(f"Query it: dateline sql \"SELECT * FROM date_anomalies\" --db {args.db}")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from dateline.store.database import DatabaseBusyError, query

    args.db = _db(args)
    try:  # a run opens the file only while it writes a batch: wait for that, then read what it committed
        names, rows = query(args.db, args.query, wait_s=args.wait)
    except DatabaseBusyError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except FileNotFoundError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return 2
    except duckdb.PermissionException as exc:
        print(f"dateline: refused: `dateline sql` only reads this database, it cannot touch other files "
              f"({exc})", file=sys.stderr)
        return 1
    except duckdb.Error as exc:  # includes "attached in read-only mode" for DELETE, DROP, INSERT ...
        print(f"dateline: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    _print_rows(names, rows, args.format)
    return 0


def _print_rows(names: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "table":
        _print_table(names, rows)
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    else:  # json: one array of objects; dates and decimals as strings
        print(json.dumps([dict(zip(names, row)) for row in rows], default=str, ensure_ascii=False, indent=2))


def cmd_export(args: argparse.Namespace) -> int:
    """Write every table as Parquet: the hand-off to engines other than DuckDB."""
    from dateline.store.database import DatabaseBusyError, export_parquet

    db = _db(args)
    out = Path(args.parquet)
    out.mkdir(parents=True, exist_ok=True)
    try:
        written = export_parquet(db, out, wait_s=args.wait)
    except (FileNotFoundError, DatabaseBusyError) as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, FileNotFoundError) else EXIT_BUSY
    _print_table(["table", "rows", "file"], [(t, n, str(f)) for t, n, f in written], title=f"exported from {db}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Where the Data Docs are, and the latest runs' quality summary."""
    from dateline.quality.datadocs import index_path
    from dateline.settings import get_settings
    from dateline.store.database import DatabaseBusyError, query

    settings = get_settings(db_path=args.db)
    index = index_path(settings.gx_root)
    print(f"Data Docs: {index.resolve()}" + ("" if index.exists() else "  (not built yet: run `dateline run`)"))
    try:
        names, rows = query(settings.db_path, wait_s=args.wait, sql="SELECT started_at::TIMESTAMP(0) AS started, status, "
                                  "round(duration_s, 1) AS seconds, files_seen AS files, articles_loaded AS loaded, "
                                  "already_loaded AS skipped, rejected, quarantined, warned, date_anomalies "
                                  "FROM latest_runs LIMIT 5")
        _print_table(names, rows, title="Latest runs")
        names, rows = query(settings.db_path, wait_s=args.wait, sql="""
            SELECT expectation, severity, count(*) FILTER (NOT success) AS failed, count(*) AS checked
            FROM quality_results WHERE run_id = (SELECT run_id FROM latest_runs WHERE articles_loaded > 0 LIMIT 1)
            GROUP BY ALL ORDER BY failed DESC, expectation""")
        _print_table(names, rows, title="Quality of the latest run that loaded articles")
    except FileNotFoundError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return 2
    except DatabaseBusyError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return EXIT_BUSY
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the flow on this machine with the deployment's schedule (Prefect `serve`)."""
    apply_prefect_defaults()
    from dateline.settings import get_settings
    from flows.news_etl import news_etl

    settings = get_settings(db_path=args.db, drop_folder=args.drop_folder, schedule_cron=args.cron)
    settings.drop_folder.mkdir(parents=True, exist_ok=True)
    print(f"dateline: serving news-etl: {settings.drop_folder}/ -> {settings.db_path} on cron "
          f"'{settings.schedule_cron}' (UTC); Ctrl-C stops", flush=True)
    news_etl.serve(
        name="drop-folder-local",
        cron=settings.schedule_cron,
        tags=["dateline", "news-etl", "serve"],
        parameters={"paths": [str(settings.drop_folder)], "db": str(settings.db_path)},
    )
    return 0


def cmd_dates(args: argparse.Namespace) -> int:
    from dateline.parse import timex

    if args.jsonl:
        with open(args.jsonl, encoding="utf-8") if args.jsonl != "-" else sys.stdin as fh:
            for line in fh:
                if not line.strip():
                    continue
                doc = json.loads(line)
                dct = date.fromisoformat(doc["dct"]) if doc.get("dct") else None
                mentions = [timex.mention_to_dict(m) for m in timex.extract_mentions(doc["text"], dct)]
                print(json.dumps({"id": doc.get("id"), "mentions": mentions}, ensure_ascii=False))
        return 0
    if args.file is None:
        print("dateline dates: give FILE, - for standard input, or --jsonl IN.jsonl", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    dct = date.fromisoformat(args.dct) if args.dct else None
    mentions = timex.extract_mentions(text, dct)
    if args.json:
        print(json.dumps([timex.mention_to_dict(m) for m in mentions], ensure_ascii=False, indent=2))
    else:
        _print_table(["start", "end", "text", "type", "value", "tense"],
                     [(m.start, m.end, m.text, m.type, m.value, m.tense) for m in mentions])
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    """Bring the story tables up to date outside a flow run; --rebuild recomputes every signature too."""
    import uuid

    from dateline.orchestration.runtime import return_freed_memory, tuned_gc
    from dateline.store.database import Database, DatabaseBusyError
    from dateline.store.lake import is_lake
    from dateline.store.locks import RunLock
    from dateline.dating.corpus_stage import check_dates_against_corpus
    from dateline.settings import get_settings
    from dateline.stories.stage import update_stories

    db = _db(args)
    if not is_lake(db) and not Path(db).exists():
        print(f"dateline: no database at {db}: run `dateline run` first", file=sys.stderr)
        return 2
    return_freed_memory()  # the stage's arrays, as in a run's flow
    try:
        # the run's collector settings, as in a run's flow: with CPython's defaults collections keep walking
        # the stage's live objects (at 100k distinct wire reports the stage took 10.6-11.1 s, 9.8-10.4 with these)
        with RunLock(db), Database.open(db) as database, tuned_gc():
            run_id = f"stories-{uuid.uuid4()}"
            counts = update_stories(database, run_id, rebuild=args.rebuild,
                                    memory=get_settings(db_path=args.db).stories_memory_bytes)
            # the corpus check reads the terms the stories stage keeps: refresh it with them
            counts.update({f"corpus check {k}": v for k, v in check_dates_against_corpus(database, run_id).items()})
    except DatabaseBusyError as exc:
        print(f"dateline: {exc}", file=sys.stderr)
        return EXIT_BUSY
    _print_table(["stories", "count"], [(k.replace("_", " "), v) for k, v in counts.items()],
                 title=f"stories in {db}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dateline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest article files into DuckDB (default: seeds/)")
    run.add_argument("paths", nargs="*", help="files or folders of article dumps: .txt, .json, .jsonl/.ndjson, "
                     ".csv, .html/.htm, .warc, each also .gz (default: seeds)")
    run.add_argument("--db", help=f"DuckDB file, or a DuckLake: ducklake:sqlite:PATH, 'ducklake:postgres:dbname=... host=...' "
                     f"(default: $DATELINE_DB_PATH or {DEFAULT_DB})")
    run.add_argument("--batch-size", type=int, help="records per task run (default: $DATELINE_BATCH_SIZE or 5000)")
    run.add_argument("--max-file-mb", type=float, default=None,
                     help="reject larger files unread (default: $DATELINE_MAX_FILE_MB or 10)")
    run.add_argument("--map", metavar="FIELD=KEY,...", default=None,
                     help="JSON/CSV field names of an export, e.g. body=content,published=date (fields: title, "
                          "body, published, url, publisher, authors, language; default: $DATELINE_FIELD_MAP; "
                          "news-please and 'All the news' names map on their own)")
    run.add_argument("--max-inflated-mb", type=float, default=None,
                     help="what one gzipped file may inflate to; the rest is rejected (default: "
                          "$DATELINE_MAX_INFLATED_MB or 4096)")
    run.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="if another run is writing to the database, wait this long for it "
                          f"(default 0: exit at once with code {EXIT_BUSY})")
    run.add_argument("--task-runner", choices=["process", "dask", "thread"],
                     help="where batches are parsed: a local process pool (process, the default), the flow's "
                          "own process (thread), or a Dask cluster via prefect-dask ($DATELINE_TASK_RUNNER)")
    run.add_argument("--no-stories", action="store_true",
                     help="load faster: no signatures, stories or corpus date check this run; `dateline "
                          "stories` builds them later ($DATELINE_STORIES=false)")
    run.add_argument("--workers", type=int, help="parse processes / local Dask workers (default: one per CPU)")
    run.add_argument("--dask-address", help="scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786 "
                                            "(with --task-runner dask; default: a LocalCluster for the run)")
    run.set_defaults(func=cmd_run)

    sql = sub.add_parser("sql", help="run a query on a read-only connection and print a table")
    sql.add_argument("query")
    sql.add_argument("--db", help=f"DuckDB file, or a DuckLake: ducklake:sqlite:PATH, 'ducklake:postgres:dbname=... host=...' "
                     f"(default: $DATELINE_DB_PATH or {DEFAULT_DB})")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                     help="wait this long while a run writes a batch into the file (default 10; then exit "
                          f"{EXIT_BUSY}); the query sees every batch committed before it")
    sql.set_defaults(func=cmd_sql)

    export = sub.add_parser("export", help="write every table as Parquet files")
    export.add_argument("--parquet", required=True, metavar="DIR", help="folder for <table>.parquet files")
    export.add_argument("--db")
    export.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                        help="wait this long while a run writes a batch into the file (default 10)")
    export.set_defaults(func=cmd_export)

    report = sub.add_parser("report", help="where the Data Docs are, and the latest quality summary")
    report.add_argument("--db")
    report.add_argument("--wait", type=float, default=10.0, metavar="SECONDS",
                        help="wait this long while a run writes a batch into the file (default 10)")
    report.set_defaults(func=cmd_report)

    serve = sub.add_parser("serve", help="run news-etl on a schedule on this machine (Prefect serve)")
    serve.add_argument("--db")
    serve.add_argument("--drop-folder", type=Path, help="folder to ingest (default: $DATELINE_DROP_FOLDER or inbox)")
    serve.add_argument("--cron", help="schedule (default: $DATELINE_SCHEDULE_CRON or hourly)")
    serve.set_defaults(func=cmd_serve)

    stories = sub.add_parser("stories", help="near-duplicates, stories and the corpus date check over the whole database")
    stories.add_argument("--db")
    stories.add_argument("--rebuild", action="store_true", help="recompute every article's signature and story")
    stories.set_defaults(func=cmd_stories)

    dates = sub.add_parser("dates", help="print the date mentions of a text")
    dates.add_argument("file", nargs="?", help="a text file, or - for standard input")
    dates.add_argument("--dct", help="document creation time YYYY-MM-DD that relative dates resolve against")
    dates.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dates.add_argument("--jsonl", help='many texts: each line {"id", "text", "dct"} -> {"id", "mentions"}')
    dates.set_defaults(func=cmd_dates)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
