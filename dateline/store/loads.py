"""Bulk loads: one batch of records into every table in one transaction, all or nothing.

A DuckDB file has one writer (the run holding its lock) and keys its tables. A lake (``Database.lake``)
has neither: several runs may load at once and DuckLake has no primary keys, so a lake's load keeps the
declared keys itself (anti-joins, delete-then-insert) and, inside its transaction, reads again what the
lake already holds of the batch's content: bytes another writer loaded since this run read the ledger
become a duplicate of that article. Its commit fails if another writer committed meanwhile, and the whole
transaction is run again (``lake.transaction``), so it always decides against what is committed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import duckdb

from dateline.store import dedup, lake
from dateline.store.database import Database
from dateline.store.ledger import RETRYABLE_REJECT, ledger_state_in
from schemas import Article, Batch, Reject, SourceFile
from schemas.base import TableModel

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa


def load_batch(db: Database, batch: Batch) -> dict[str, int]:
    """Insert a batch into every table in one transaction; return the rows each table gained.

    Articles use ``INSERT OR IGNORE`` on their primary key, and their date mentions and quality results
    go in for the articles this transaction inserted only: a re-run over the same files adds nothing and
    changes nothing, and a run killed mid-way is finished by running it again. The ledger
    (``source_files``, ``rejects``) keeps each (path, content)'s latest outcome (``INSERT OR REPLACE``),
    so a file retried after an internal error or an unreadable moment is recorded as what it became.
    """
    if db.lake is not None:
        with db.cursor() as con:
            return lake.transaction(con, lambda con: _load_into_lake(con, batch))
    with db.cursor() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            counts = _write_batch(con, batch, insert_rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return counts


def _write_batch(con: duckdb.DuckDBPyConnection, batch: Batch, insert) -> dict[str, int]:
    """Every table's rows of ``batch``, each table's by ``insert`` (``insert_rows`` or ``insert_lake_rows``),
    inside the caller's transaction."""
    import pyarrow as pa

    counts: dict[str, int] = {}
    _forget_unreadable_reads(con, batch.source_files)
    _forget_failed_reads(con, batch.source_files)
    new_articles = pa.table({"article_id": pa.array([], pa.string())})
    for model, rows in batch.rows():
        counts[model.table], inserted = insert(con, model, rows, new_articles)
        if inserted is not None:
            new_articles = inserted
    counts["superseded"] = _supersede_old_versions(con, batch.articles)
    _forget_stale_rejects(con, batch.source_files)
    return counts


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as every timestamp in the tables


def _load_into_lake(con: duckdb.DuckDBPyConnection, batch: Batch) -> dict[str, int]:
    """``load_batch``'s work on a lake, inside the caller's transaction (run again on a conflict)."""
    ledger = batch.source_files
    # DuckLake lets two transactions append to one table side by side (a PostgreSQL catalog commits both),
    # so two runs could each insert the same new bytes. Every load first rewrites its run's row: a
    # transaction that inserts into a table another one deleted from meanwhile fails to commit, so
    # overlapping loads conflict and the one run again decides against the other's rows.
    # The rewrite is also the run's heartbeat (see mark_abandoned_runs).
    for run_id in set(ledger["run_id"].to_pylist()):
        con.execute("UPDATE runs SET heartbeat_at = $2 WHERE run_id = $1", [run_id, _utcnow()])
    keys = list(zip(ledger["source_path"].to_pylist(), ledger["content_sha256"].to_pylist(),
                    ledger["record_key"].to_pylist()))
    state = ledger_state_in(con, [(p, h, k or "") for p, h, k in keys if h])
    committed = dedup.ContentIndex({**{h: "" for h in state.rejected}, **state.articles}, dict(state.rejected))
    batch = dedup.drop_seen(batch, committed)  # what another writer committed first wins
    return _write_batch(con, batch, insert_lake_rows)


def insert_lake_rows(con: duckdb.DuckDBPyConnection, model: type[TableModel], rows: "pa.Table",
                     new_articles: "pa.Table") -> tuple[int, "pa.Table | None"]:
    """``insert_rows`` for a lake: the declared keys kept unique by the statements, not by an index."""
    if not rows.num_rows:
        return 0, None
    arrow_rows = rows  # noqa: F841 - referenced by name in the SQL below
    if model in (SourceFile, Reject):  # latest outcome wins: replace the rows with these keys
        keys = " AND ".join(f't."{k}" = n."{k}"' for k in model.primary_key)
        before = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0]
        con.execute(f'DELETE FROM "{model.table}" t USING arrow_rows n WHERE {keys}')
        con.execute(f'INSERT INTO "{model.table}" BY NAME SELECT * FROM arrow_rows')
        return con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0] - before, None
    if model is Article:  # articles already present are left alone (DuckLake has no RETURNING either)
        inserted = con.execute('SELECT DISTINCT article_id FROM arrow_rows ANTI JOIN articles USING (article_id)'
                               ).fetch_arrow_table()
        con.execute('INSERT INTO "articles" BY NAME SELECT * FROM arrow_rows'
                    " WHERE article_id IN (SELECT article_id FROM inserted)")
        return inserted.num_rows, inserted
    return insert_rows(con, model, rows, new_articles)


def insert_rows(con: duckdb.DuckDBPyConnection, model: type[TableModel], rows: "pa.Table",
                new_articles: "pa.Table") -> tuple[int, "pa.Table | None"]:
    """Insert one table's rows of a batch; return the count, and for articles the ids actually inserted."""
    import pyarrow as pa

    if not rows.num_rows:
        return 0, None
    arrow_rows = rows  # noqa: F841 - referenced by name in the SQL below
    if model in (SourceFile, Reject):  # the ledger: latest outcome wins; count net new rows
        before = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0]
        con.execute(f'INSERT OR REPLACE INTO "{model.table}" BY NAME SELECT * FROM arrow_rows')
        return con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0] - before, None
    if model is Article:  # content: articles already present are left alone
        inserted = con.execute(
            'INSERT OR IGNORE INTO "articles" BY NAME SELECT * FROM arrow_rows RETURNING article_id').fetchall()
        return len(inserted), pa.table({"article_id": pa.array([a for (a,) in inserted], pa.string())})
    if not model.key_indexed:  # an article's detail rows go in with it, never later (see TableModel)
        return con.execute(f'INSERT INTO "{model.table}" BY NAME SELECT * FROM arrow_rows'
                           " WHERE article_id IN (SELECT article_id FROM new_articles)").fetchone()[0], None
    raise TypeError(f"load_batch does not know how to load {model.table}")


def _forget_unreadable_reads(con: duckdb.DuckDBPyConnection, ledger: "pa.Table") -> None:
    """A path now read drops its earlier "could not read it" rows (they carry no content hash)."""
    if not ledger.num_rows:
        return
    for table in ("source_files", "rejects"):
        con.execute(f'DELETE FROM "{table}" t USING (SELECT DISTINCT source_path FROM ledger'
                    " WHERE content_sha256 <> '') s WHERE t.source_path = s.source_path"
                    " AND t.content_sha256 = ''")


def _forget_failed_reads(con: duckdb.DuckDBPyConnection, ledger: "pa.Table") -> None:
    """A file read again by a later run drops the reader's internal-error reject of an earlier read (its
    ``rest:`` row: "the rest of the file from record N could not be read, a bug"), from both ledger
    tables: the new read accounts for those records itself (loaded, duplicate, or its own reject), so the
    ledger keeps one row per record. Such a reject is what makes the next run read the file again
    (``RETRYABLE_REJECT``); a reject of the file's content ("malformed JSON line", a truncated gzip's rest)
    stays until the file changes."""
    if not ledger.num_rows:
        return
    reread = "(SELECT DISTINCT source_path, run_id FROM ledger WHERE content_sha256 <> '') n"
    stale = (f"SELECT r.source_path, r.content_sha256, r.record_key FROM rejects r, {reread}"
             " WHERE r.source_path = n.source_path AND r.run_id <> n.run_id AND r.record_key LIKE 'rest:%'"
             f" AND r.reason LIKE '{RETRYABLE_REJECT}'")
    # source_files first: the reject rows say which of its rows are stale
    for table in ("source_files", "rejects"):
        con.execute(f'DELETE FROM "{table}" t USING ({stale}) d WHERE t.source_path = d.source_path'
                    " AND t.content_sha256 = d.content_sha256 AND t.record_key = d.record_key")


def _supersede_old_versions(con: duckdb.DuckDBPyConnection, articles: "pa.Table") -> int:
    """An edited file: its new version supersedes the versions loaded from its path. Returns how many.

    One-article files only (record key ""): the articles of a JSON Lines or CSV file share its path and are
    not versions of one another; a line that changed is a new article beside the old.
    """
    if not articles.num_rows:
        return 0
    versions = articles.select(["source_path", "article_id", "record_key"])  # noqa: F841 - used in the SQL
    # Counted, then updated: DuckLake has no RETURNING. Only one-article files have versions: a record of a
    # file of many is not replaced by another record of that file.
    where = """articles.source_path = v.source_path AND articles.article_id <> v.article_id
               AND coalesce(v.record_key, '') = '' AND coalesce(articles.record_key, '') = ''
               AND articles.superseded_by IS NULL"""
    superseded = con.execute(f"SELECT count(*) FROM articles, versions v WHERE {where}").fetchone()[0]
    if superseded:
        con.execute(f"UPDATE articles SET superseded_by = v.article_id FROM versions v WHERE {where}")
    return superseded


def _forget_stale_rejects(con: duckdb.DuckDBPyConnection, ledger: "pa.Table") -> None:
    """Content that is an article (or a duplicate) now has no stale internal-error reject."""
    if not ledger.num_rows:
        return
    con.execute('DELETE FROM "rejects" t USING (SELECT source_path, content_sha256, record_key FROM ledger'
                " WHERE outcome <> 'rejected') d WHERE t.source_path = d.source_path"
                " AND t.content_sha256 = d.content_sha256 AND t.record_key = d.record_key")
