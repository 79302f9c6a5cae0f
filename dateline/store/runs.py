"""The ``runs`` table, and what one run wrote, read back for its summary and its Data Docs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dateline.store import lake
from dateline.store.database import Database
from schemas import Run
from schemas.ddl import to_arrow

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa


def save_run(db: Database, run: Run) -> None:
    """Insert or update the run's row (written at start, rewritten at the end)."""
    run_rows = to_arrow(Run, [run])  # noqa: F841 - referenced by name in the SQL below
    with db.cursor() as con:
        if db.lake is None:
            con.execute('INSERT OR REPLACE INTO "runs" BY NAME SELECT * FROM run_rows')
            return

        def replace(con) -> None:  # DuckLake has no key to replace on
            con.execute('DELETE FROM "runs" WHERE run_id = $1', [run.run_id])
            con.register("run_rows", run_rows)  # not found by name from inside this function
            con.execute('INSERT INTO "runs" BY NAME SELECT * FROM run_rows')
            con.unregister("run_rows")
        lake.transaction(con, replace)


def mark_abandoned_runs(db: Database, except_run: str, stale_after: timedelta, now: datetime) -> int:
    """Runs still 'Running' that died without a word (SIGKILL, power cut): say so ('Crashed').

    On a DuckDB file call this while holding the run lock (``dateline.store.locks``): then no other run can
    be writing, and every other 'Running' run is dead. A lake has no run lock (several runs write it at
    once): there a run is taken for dead when it has committed nothing (``heartbeat_at``, else its start)
    for ``stale_after``, longer than any stage between two batches takes.
    """
    if db.lake is not None:
        silent = "status = 'Running' AND run_id <> $1 AND coalesce(heartbeat_at, started_at) < $2"

        def mark(con) -> int:  # DuckLake has no UPDATE ... RETURNING
            (n,) = con.execute(f"SELECT count(*) FROM runs WHERE {silent}", [except_run, now - stale_after]).fetchone()
            con.execute(f"UPDATE runs SET status = 'Crashed' WHERE {silent}", [except_run, now - stale_after])
            return n
        with db.cursor() as con:
            return lake.transaction(con, mark)
    with db.cursor() as con:
        return len(con.execute("UPDATE runs SET status = 'Crashed' WHERE status = 'Running' AND run_id <> $1"
                               " RETURNING run_id", [except_run]).fetchall())


def mark_run_ended(db: Database, run_id: str, status: str, ended_at: datetime) -> None:
    """Record how a run ended when it could not finish normally (its state hook calls this)."""
    with db.cursor() as con:
        lake.retry(lambda: con.execute("UPDATE runs SET status = $1, ended_at = $2 WHERE run_id = $3",
                                       [status, ended_at, run_id]))


def run_summary(db: Database, run_id: str) -> dict:
    """What one run wrote: outcome counts, the reject reasons, the date anomalies and the failed expectations.

    Every record a run did not skip has exactly one ``source_files`` row (unreadable files included), so
    loaded + duplicates + rejected is what the run handled; ``formats`` counts them per input format.
    """
    with db.cursor() as con:
        counts = dict(con.execute(
            "SELECT outcome, count(*) FROM source_files WHERE run_id = $1 GROUP BY outcome", [run_id]).fetchall())
        reasons = con.execute(
            "SELECT reason, count(*) AS files FROM rejects WHERE run_id = $1 GROUP BY reason ORDER BY files DESC, reason",
            [run_id]).fetchall()
        statuses = dict(con.execute(
            "SELECT quality_status, count(*) FROM articles WHERE run_id = $1 GROUP BY 1", [run_id]).fetchall())
        anomalies = con.execute(
            """
            SELECT article_id, coalesce(title, source_path), published_claimed, published_inferred_min,
                   published_inferred_max, date_score, found_by
            FROM date_anomalies WHERE run_id = $1 ORDER BY date_score DESC NULLS LAST, article_id
            """, [run_id]).fetchall()
        formats = con.execute(
            """
            SELECT coalesce(source_format, 'unknown') AS format, count(*) AS records,
                   count(*) FILTER (outcome = 'loaded') AS loaded, count(*) FILTER (outcome = 'duplicate') AS duplicates,
                   count(*) FILTER (outcome = 'rejected') AS rejected
            FROM source_files WHERE run_id = $1 GROUP BY 1 ORDER BY records DESC, format
            """, [run_id]).fetchall()
        failures = con.execute(
            """
            SELECT expectation, severity, count(*) AS articles FROM quality_results
            WHERE run_id = $1 AND NOT success GROUP BY ALL ORDER BY severity, articles DESC
            """, [run_id]).fetchall()
    return {
        "loaded": counts.get("loaded", 0),
        "duplicates": counts.get("duplicate", 0),
        "rejected": counts.get("rejected", 0),
        "reject_reasons": [{"reason": r, "files": n} for r, n in reasons],
        "formats": [{"format": f, "records": n, "loaded": lo, "duplicates": d, "rejected": r}
                    for f, n, lo, d, r in formats],
        "passed": statuses.get("passed", 0),
        "warned": statuses.get("warned", 0),
        "quarantined": statuses.get("quarantined", 0),
        "date_anomalies": [
            {"article_id": a, "title": t, "claimed": c, "inferred_min": lo, "inferred_max": hi, "score": s,
             "found_by": f}
            for a, t, c, lo, hi, s, f in anomalies
        ],
        "expectation_failures": [{"expectation": e, "severity": s, "articles": n} for e, s, n in failures],
    }


def sample_run_articles(db: Database, run_id: str, columns: list[str], max_rows: int) -> tuple[int, "pd.DataFrame"]:
    """How many articles the run loaded, and a repeatable random sample of at most ``max_rows`` of them."""
    with db.cursor() as con:
        loaded = con.execute("SELECT count(*) FROM articles WHERE run_id = $1", [run_id]).fetchone()[0]
        sample = con.execute(
            f"SELECT * FROM (SELECT {', '.join(columns)} FROM articles WHERE run_id = $1)"
            f" USING SAMPLE reservoir({int(max_rows)} ROWS) REPEATABLE (1)", [run_id]).df()
    return loaded, sample


def date_mentions_of(db: Database, article_ids: list[str]) -> "pa.Table":
    """The date mentions (article id, offsets, text) of the given articles."""
    import pyarrow as pa

    wanted = pa.table({"article_id": pa.array(article_ids, pa.string())})  # noqa: F841 - used in the SQL
    with db.cursor() as con:
        return con.execute("SELECT article_id, start_char, end_char, text FROM date_mentions"
                           " WHERE article_id IN (SELECT article_id FROM wanted)").fetch_arrow_table()
