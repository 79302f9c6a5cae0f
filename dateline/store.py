"""Where data lives: the DuckDB file, its tables (derived from ``schemas``) and views, and bulk loads.

Nothing here knows about Prefect; tasks in ``tasks/load.py`` wrap these functions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from schemas import TABLES, Article, DateMention, QualityResult, Reject, Run, SourceFile
from schemas.base import TableModel
from schemas.ddl import create_table_sql, to_arrow

DEFAULT_DB = Path("data/dateline.duckdb")

VIEWS: dict[str, str] = {
    # Articles an analyst can trust: quarantined ones stay in `articles` but not here.
    "clean_articles": """
        SELECT * EXCLUDE (boilerplate) FROM articles WHERE quality_status <> 'quarantined'
    """,
    # Articles whose claimed date the content contradicts, with the window the content allows.
    "date_anomalies": """
        SELECT article_id, source_path, title, publisher, dateline_text, published_claimed,
               published_inferred_min, published_inferred_max, date_score, date_evidence,
               quality_status, run_id
        FROM articles WHERE date_status = 'inconsistent'
    """,
}


@dataclass
class Batch:
    """Everything one batch of files produced, loaded together in one transaction."""

    source_files: list[SourceFile] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    date_mentions: list[DateMention] = field(default_factory=list)
    quality_results: list[QualityResult] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    def rows(self) -> Iterable[tuple[type[TableModel], list[TableModel]]]:
        yield SourceFile, self.source_files
        yield Article, self.articles
        yield DateMention, self.date_mentions
        yield QualityResult, self.quality_results
        yield Reject, self.rejects


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process per file)."""


def connect(db_path: str | Path = DEFAULT_DB, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; a writable connection also creates missing tables and views."""
    db_path = Path(db_path)
    if read_only:
        if not db_path.exists():
            raise FileNotFoundError(f"no database at {db_path}: run `dateline run` first")
        return _open(db_path, read_only=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(db_path, read_only=False)
    ensure_schema(con)
    return con


def _open(db_path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"{db_path} is in use by another process (DuckDB allows one writer per file); "
                "wait for it to finish or use another --db"
            ) from exc
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for model in TABLES:
        con.execute(create_table_sql(model))
    for name, sql in VIEWS.items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')


def loaded_hashes(con: duckdb.DuckDBPyConnection, hashes: Sequence[str]) -> set[str]:
    """The content hashes among ``hashes`` that an earlier run already loaded or rejected."""
    if not hashes:
        return set()
    rows = con.execute(
        """
        SELECT content_sha256 FROM source_files WHERE content_sha256 IN (SELECT unnest($1))
        UNION SELECT content_sha256 FROM rejects WHERE content_sha256 IN (SELECT unnest($1))
        """,
        [list(hashes)],
    ).fetchall()
    return {r[0] for r in rows}


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> dict[str, int]:
    """Insert a batch into every table in one transaction; rows already present are left alone.

    ``INSERT OR IGNORE`` on the primary keys is what makes a re-run over the same files add nothing
    and change nothing, and what lets a run killed mid-way be finished by running it again.
    """
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for model, rows in batch.rows():
            if not rows:
                counts[model.table] = 0
                continue
            arrow_rows = to_arrow(model, rows)  # noqa: F841 - referenced by name in the SQL below
            before = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0]
            con.execute(f'INSERT OR IGNORE INTO "{model.table}" BY NAME SELECT * FROM arrow_rows')
            after = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0]
            counts[model.table] = after - before
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def save_run(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    """Insert or update the run's row (written at start, rewritten at the end)."""
    run_rows = to_arrow(Run, [run])  # noqa: F841 - referenced by name in the SQL below
    con.execute('INSERT OR REPLACE INTO "runs" BY NAME SELECT * FROM run_rows')


def query(db_path: str | Path, sql: str, params: Sequence | None = None):
    """Run one statement on a read-only connection; return (column names, rows)."""
    with connect(db_path, read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description] if cur.description else []
        return names, cur.fetchall()


def wait_for_writer(db_path: str | Path, *, timeout_s: float = 0.0, poll_s: float = 1.0):
    """Open the database for writing, waiting up to ``timeout_s`` while another process holds it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return connect(db_path)
        except DatabaseBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(poll_s)


def run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """What one run wrote: outcome counts, the date anomalies and the failed expectations."""
    counts = dict(
        con.execute(
            """
            SELECT outcome, count(*) FROM source_files WHERE run_id = $1 GROUP BY outcome
            UNION ALL SELECT 'unreadable', count(*) FROM rejects WHERE run_id = $1 AND content_sha256 = ''
            """,
            [run_id],
        ).fetchall()
    )
    statuses = dict(
        con.execute("SELECT quality_status, count(*) FROM articles WHERE run_id = $1 GROUP BY 1", [run_id]).fetchall()
    )
    anomalies = con.execute(
        """
        SELECT article_id, coalesce(title, source_path), published_claimed, published_inferred_min,
               published_inferred_max, date_score
        FROM date_anomalies WHERE run_id = $1 ORDER BY date_score DESC NULLS LAST, article_id
        """,
        [run_id],
    ).fetchall()
    failures = con.execute(
        """
        SELECT expectation, severity, count(*) AS articles FROM quality_results
        WHERE run_id = $1 AND NOT success GROUP BY ALL ORDER BY severity, articles DESC
        """,
        [run_id],
    ).fetchall()
    return {
        "loaded": counts.get("loaded", 0),
        "duplicates": counts.get("duplicate", 0),
        "rejected": counts.get("rejected", 0) + counts.get("unreadable", 0),
        "passed": statuses.get("passed", 0),
        "warned": statuses.get("warned", 0),
        "quarantined": statuses.get("quarantined", 0),
        "date_anomalies": [
            {"article_id": a, "title": t, "claimed": c, "inferred_min": lo, "inferred_max": hi, "score": s}
            for a, t, c, lo, hi, s in anomalies
        ],
        "expectation_failures": [{"expectation": e, "severity": s, "articles": n} for e, s, n in failures],
    }
