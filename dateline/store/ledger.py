"""The ledger: what earlier runs did with each (path, content, record key), so a run reads and loads only
what is new.

``source_files`` holds one row per record read (a one-article file, or a line, row or WARC record of a
file of many: its outcome and the article it became) and ``rejects`` the reason for each record that
became none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dateline.store.database import Database
from schemas.rejects import INTERNAL_ERROR

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

#: Reject reasons that are dateline's fault, not the file's: files rejected so are retried by a re-run.
RETRYABLE_REJECT = f"{INTERNAL_ERROR}%"


@dataclass
class LedgerState:
    """What the ledger already knows about a batch of read files (see ``ledger_state``)."""

    done: set[tuple[str, str, str]] = field(default_factory=set)  # (path, sha256, record key) handled for good
    articles: dict[str, str] = field(default_factory=dict)  # sha256 -> article id, loaded by any path
    rejected: dict[str, str] = field(default_factory=dict)  # sha256 -> reject reason, rejected by any path


def ledger_state(db: Database, pairs: Sequence[tuple[str, str, str]]) -> LedgerState:
    """For (path, sha256, record key) of records just read: which an earlier run handled for good (skip
    them), and which hashes earlier runs met under any path or key (known bytes elsewhere are a duplicate,
    not an article). A file re-read after a run died mid-way skips the records that run loaded.

    Unreadable files have no hash and are never "done": the next run tries them again, as it does files
    rejected for an internal error.
    """
    with db.cursor() as con:
        return ledger_state_in(con, pairs)


def ledger_state_in(con: "duckdb.DuckDBPyConnection", pairs: Sequence[tuple[str, str, str]]) -> LedgerState:
    """``ledger_state`` on an open connection (a lake's load reads it again inside its transaction)."""
    import pyarrow as pa

    state = LedgerState()
    pairs = [(p, h, k) for p, h, k in pairs if h]
    if not pairs:
        return state
    wanted = pa.table({"content_sha256": [h for _, h, _ in pairs]})  # noqa: F841
    rows = con.execute(
        f"""
        SELECT s.source_path, s.content_sha256, s.record_key, s.outcome, s.article_id, r.reason
        FROM source_files s
        LEFT JOIN rejects r USING (source_path, content_sha256, record_key)
        WHERE s.content_sha256 IN (SELECT DISTINCT content_sha256 FROM wanted)
          AND NOT coalesce(r.reason LIKE '{RETRYABLE_REJECT}', false)
        """
    ).fetchall()
    for path, sha, key, outcome, article_id, reason in rows:
        if article_id:
            state.articles[sha] = article_id
        elif outcome == "rejected" and reason:
            state.rejected.setdefault(sha, reason)
        state.done.add((path, sha, key))
    state.done &= set(pairs)
    return state


def changed_paths(db: Database, stats: Sequence[tuple[str, int, int]]) -> set[str]:
    """The paths among ``stats`` (path, size, mtime_ns) a run must read: all but those whose size and mtime
    match the ledger row of an earlier read that was handled for good (internal-error rejects never are).
    Only a file's last record carries its mtime, so a file of many records counts as read only once its
    last batch is in (a run that died mid-file leaves it to be read again).

    The query returns what is left rather than what is skipped: a re-run over an unchanged folder then
    fetches nothing.
    """
    if not stats:
        return set()
    import pyarrow as pa

    paths, sizes, mtimes = zip(*stats)
    wanted = pa.table({"source_path": pa.array(paths, pa.string()), "size_bytes": pa.array(sizes, pa.int64()),  # noqa: F841
                       "mtime_ns": pa.array(mtimes, pa.int64())})
    with db.cursor() as con:
        return {p for (p,) in con.execute(
            f"""
            SELECT w.source_path
            FROM wanted w
            WHERE NOT EXISTS (
                SELECT 1
                FROM source_files s
                LEFT JOIN rejects r ON r.source_path = s.source_path AND r.content_sha256 = s.content_sha256
                    AND r.record_key = s.record_key
                WHERE s.source_path = w.source_path AND s.size_bytes = w.size_bytes AND s.mtime_ns = w.mtime_ns
                  AND NOT coalesce(r.reason LIKE '{RETRYABLE_REJECT}', false))
            """
        ).fetchall()}


def refresh_mtimes(db: Database, rows: Sequence[tuple[str, str, str, int | None, int]]) -> None:
    """Record the current size and mtime of files found unchanged in content: (path, sha256, record key,
    file size, mtime_ns) of each such file's last record. A touched file (``touch``, a copy that kept the
    bytes) is read once and then skipped unread again, instead of being read by every run."""
    if not rows:
        return
    import pyarrow as pa

    fresh = pa.table({"source_path": [r[0] for r in rows], "content_sha256": [r[1] for r in rows],  # noqa: F841
                      "record_key": [r[2] for r in rows], "size_bytes": pa.array([r[3] for r in rows], pa.int64()),
                      "mtime_ns": pa.array([r[4] for r in rows], pa.int64())})
    with db.cursor() as con:
        con.execute("UPDATE source_files s SET size_bytes = f.size_bytes, mtime_ns = f.mtime_ns FROM fresh f"
                    " WHERE s.source_path = f.source_path AND s.content_sha256 = f.content_sha256"
                    " AND s.record_key = f.record_key")
