"""Where data lives: the DuckDB file, its tables (derived from ``schemas``) and views, and bulk loads.

Nothing here knows about Prefect; tasks in ``tasks/load.py`` wrap these functions.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

from schemas import TABLES, Article, DateMention, QualityResult, Reject, Run, SourceFile
from schemas.base import TableModel
from schemas.rejects import INTERNAL_ERROR
from schemas.ddl import column_type, create_table_sql, to_arrow, unwrap_optional

VIEWS: dict[str, str] = {
    # Articles an analyst can trust: quarantined ones stay in `articles` but not here.
    # Superseded versions of edited files are kept in `articles` for the record, not counted here.
    "clean_articles": """
        SELECT * EXCLUDE (boilerplate) FROM articles
        WHERE quality_status <> 'quarantined' AND superseded_by IS NULL
    """,
    # Articles whose claimed date the content contradicts, with the window the content allows.
    "date_anomalies": """
        SELECT article_id, source_path, title, publisher, dateline_text, published_claimed,
               published_inferred_min, published_inferred_max, date_score, date_evidence,
               quality_status, run_id
        FROM articles WHERE date_status = 'inconsistent'
    """,
    # Articles per claimed publication day (NULL: the text claims no date), current versions only.
    "daily_article_counts": """
        SELECT published_claimed AS day, count(*) AS articles,
               count(*) FILTER (quality_status = 'quarantined') AS quarantined,
               count(*) FILTER (date_status = 'inconsistent') AS date_anomalies
        FROM articles WHERE superseded_by IS NULL
        GROUP BY ALL ORDER BY day NULLS LAST
    """,
    # Per publisher named in the text: how much of what it sends can be trusted.
    "publisher_quality": """
        SELECT coalesce(publisher, '(not stated)') AS publisher, count(*) AS articles,
               round(avg((quality_status = 'quarantined')::INT), 3) AS share_quarantined,
               round(avg((date_status = 'inconsistent')::INT), 3) AS share_date_anomalies,
               round(avg((title IS NULL)::INT), 3) AS share_untitled
        FROM articles WHERE superseded_by IS NULL
        GROUP BY ALL ORDER BY articles DESC, publisher
    """,
    # The most recent runs first, with what they did and how long they took.
    "latest_runs": """
        SELECT run_id, flow_run_name, deployment, status, started_at, ended_at, duration_s, files_seen,
               articles_loaded, already_loaded, duplicates, rejected, quarantined, warned, date_anomalies,
               code_version, parameters
        FROM runs ORDER BY started_at DESC
    """,
}


@dataclass
class Batch:
    """Everything one batch of files produced, loaded together in one transaction.

    Each field is one table's rows as an Arrow table with the schema derived from that table's model
    (``schemas.ddl.arrow_schema``); a list of models given instead is converted on construction. Rows are
    validated as pydantic models where they are made (``normalize_files``; quality results per
    expectation, see ``grading``) and travel as Arrow from there: a batch crosses from a parse worker to
    the flow's process as a few buffers instead of ~30,000 pickled models, and goes into DuckDB as is.
    """

    source_files: "pa.Table | list[SourceFile]" = field(default_factory=list)
    articles: "pa.Table | list[Article]" = field(default_factory=list)
    date_mentions: "pa.Table | list[DateMention]" = field(default_factory=list)
    quality_results: "pa.Table | list[QualityResult]" = field(default_factory=list)
    rejects: "pa.Table | list[Reject]" = field(default_factory=list)

    def __post_init__(self) -> None:
        for model, rows in self.rows():
            setattr(self, model.table, to_arrow(model, rows))

    @classmethod
    def of(cls, records) -> "Batch":
        """The batch of a parse result (``normalize.Normalized``: lists of models), before validation."""
        return cls(source_files=records.source_files, articles=records.articles, date_mentions=records.date_mentions,
                   rejects=records.rejects)

    def rows(self) -> Iterable[tuple[type[TableModel], "pa.Table"]]:
        yield SourceFile, self.source_files
        yield Article, self.articles
        yield DateMention, self.date_mentions
        yield QualityResult, self.quality_results
        yield Reject, self.rejects


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process per file)."""


class RunInProgressError(DatabaseBusyError):
    """Another ``dateline run`` is writing to the same database file."""


class InjectedFault(RuntimeError):
    """Raised by the test-only fault-injection hook (see ``inject_fault``)."""


# A read-only connection still lets SQL write files (`COPY ... TO`, `EXPORT DATABASE`), attach and
# create other databases (`ATTACH`), read arbitrary files and install extensions. Queries typed by a
# user get none of that: no file-system access beyond the database itself, and settings locked so a
# `SET` cannot turn it back on.
SANDBOX_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def connect(db_path: str | Path, *, read_only: bool = False, sandbox: bool = False
            ) -> duckdb.DuckDBPyConnection:
    """Open the database; a writable connection also creates missing tables and views.

    ``sandbox`` (read-only only) also forbids touching any other file: see ``SANDBOX_CONFIG``.
    """
    db_path = Path(db_path)
    if read_only:
        if not db_path.exists():
            raise FileNotFoundError(f"no database at {db_path}: run `dateline run` first")
        return _open(db_path, read_only=True, config=SANDBOX_CONFIG if sandbox else None)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    held = _open_dbs.get(str(db_path.resolve()))
    if held is not None:  # a run holds the file open: a cursor shares it (closing one does not checkpoint)
        return held.cursor()
    con = _open(db_path, read_only=False)
    # Every task opens the file afresh; the DDL, migration and view statements cost more than a small
    # batch's work, so they run once per database file per process. The probe catches a file deleted
    # and recreated under the same name (and maybe the same inode) meanwhile.
    key = str(db_path.resolve())
    if key not in _schema_ready or not con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = $1", [list(VIEWS)[-1]]).fetchone()[0]:
        ensure_schema(con)
        _schema_ready.add(key)
    return con


_schema_ready: set[str] = set()
_open_dbs: dict[str, duckdb.DuckDBPyConnection] = {}
#: Write-ahead log a run may build up before DuckDB checkpoints it (see ``hold_open``). The log takes ~4 KB
#: per article, and its rows stay in memory until a checkpoint: with 256 MiB the flow's RSS rose by ~400 MB
#: before each checkpoint. Loading 60,000 articles in 5,000-article batches took 0.45 s per batch at the
#: default 16 MiB, 0.38 at 64, 0.30 at 128 MiB (peak RSS as at the default), 0.22 at 256 (+144 MB).
RUN_CHECKPOINT_THRESHOLD = "128MiB"


@contextlib.contextmanager
def hold_open(db_path: str | Path, *, memory_limit: str | None = None) -> Iterator[None]:
    """Keep the database open for a whole run; ``connect`` meanwhile hands out cursors of it.

    Closing a DuckDB file checkpoints its write-ahead log into it, at a cost that grows with the file:
    opening and closing it per batch took 0.27 s for a 500-article batch into an empty file and 0.58 s
    after 60,000 articles, against a flat 0.2 s with the file held open. A run holds the run lock
    anyway, so no other process could open the file meanwhile. A crash loses nothing: the next open
    replays the log.
    """
    key = str(Path(db_path).resolve())
    if key in _open_dbs:  # re-entrant, like run_lock
        yield
        return
    con = connect(db_path)
    # DuckDB checkpoints the write-ahead log into the file whenever it passes checkpoint_threshold
    # (16 MB): every few batches, each time rewriting the tables' key indexes, at a cost that grows with
    # the file. That was two thirds of a batch's load at 60,000 articles (COMMIT 0.36 of 0.56 s per
    # 5,000-article batch; 0.10 of 0.29 s without). During a run the log may grow to
    # RUN_CHECKPOINT_THRESHOLD, and the file is checkpointed when the run lets go of it. The log is as
    # durable as the file: a crash loses no committed batch (the next open replays it).
    threshold, memory = con.execute(
        "SELECT current_setting('checkpoint_threshold'), current_setting('memory_limit')").fetchone()
    con.execute(f"SET checkpoint_threshold = '{RUN_CHECKPOINT_THRESHOLD}'")
    if memory_limit:  # Settings.duckdb_memory
        con.execute(f"SET memory_limit = '{memory_limit}'")
    _open_dbs[key] = con
    try:
        yield
    finally:
        del _open_dbs[key]
        try:
            con.execute(f"SET checkpoint_threshold = '{threshold}'")
            con.execute(f"SET memory_limit = '{memory}'")
            con.execute("CHECKPOINT")
        finally:
            con.close()


def _open(db_path: Path, *, read_only: bool, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(db_path), read_only=read_only, config=config or {})
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
    _migrate(con)
    for name, sql in VIEWS.items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring tables created by older versions in line with the models (CREATE IF NOT EXISTS does not)."""
    # Columns added to a model later are added as nullable columns.
    for model in TABLES:
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", [model.table]).fetchall()}
        for name, info in model.model_fields.items():
            if name not in have:
                sql_type = column_type(unwrap_optional(info.annotation)[0])[0]
                con.execute(f'ALTER TABLE "{model.table}" ADD COLUMN "{name}" {sql_type}')
    # source_files.size_bytes became nullable: unreadable files get a ledger row too.
    nullable = con.execute(
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'source_files'"
        " AND column_name = 'size_bytes'"
    ).fetchone()
    if nullable and nullable[0] == "NO":
        con.execute('ALTER TABLE "source_files" ALTER COLUMN "size_bytes" DROP NOT NULL')


#: Reject reasons that are dateline's fault, not the file's: files rejected so are retried by a re-run.
RETRYABLE_REJECT = f"{INTERNAL_ERROR}%"


@dataclass
class LedgerState:
    """What the ledger already knows about a batch of read files (see ``ledger_state``)."""

    done: set[tuple[str, str]] = field(default_factory=set)  # (path, sha256) handled for good
    articles: dict[str, str] = field(default_factory=dict)  # sha256 -> article id, loaded by any path
    rejected: dict[str, str] = field(default_factory=dict)  # sha256 -> reject reason, rejected by any path


def ledger_state(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str]]) -> LedgerState:
    """For (path, sha256) pairs just read: which an earlier run handled for good (skip them), and which
    hashes earlier runs met under any path (a new path with known bytes is a duplicate, not an article).

    Unreadable files have no hash and are never "done": the next run tries them again, as it does files
    rejected for an internal error.
    """
    state = LedgerState()
    pairs = [(p, h) for p, h in pairs if h]
    if not pairs:
        return state
    wanted = to_arrow_pairs(pairs)  # noqa: F841 - referenced by name in the SQL below
    for path, sha, outcome, article_id, reason in con.execute(
        f"""
        SELECT s.source_path, s.content_sha256, s.outcome, s.article_id, r.reason
        FROM source_files s
        LEFT JOIN rejects r USING (source_path, content_sha256)
        WHERE s.content_sha256 IN (SELECT DISTINCT content_sha256 FROM wanted)
          AND NOT coalesce(r.reason LIKE '{RETRYABLE_REJECT}', false)
        """
    ).fetchall():
        if article_id:
            state.articles[sha] = article_id
        elif outcome == "rejected" and reason:
            state.rejected.setdefault(sha, reason)
        state.done.add((path, sha))
    state.done &= set(pairs)
    return state


def changed_paths(con: duckdb.DuckDBPyConnection, stats: Sequence[tuple[str, int, int]]) -> set[str]:
    """The paths among ``stats`` a run must read: all but those whose (size, mtime) match the ledger row of
    an earlier read that was handled for good. Internal-error rejects are never "for good" (see ledger_state).

    The query returns what is left rather than what is skipped: a re-run over an unchanged folder then
    fetches nothing (0.05 s for 100,000 files, against 0.7 s to join and fetch every skipped path)."""
    if not stats:
        return set()
    import pyarrow as pa

    paths, sizes, mtimes = zip(*stats)
    wanted = pa.table({"source_path": pa.array(paths, pa.string()), "size_bytes": pa.array(sizes, pa.int64()),  # noqa: F841
                       "mtime_ns": pa.array(mtimes, pa.int64())})
    return {p for (p,) in con.execute(
        f"""
        SELECT w.source_path
        FROM wanted w
        WHERE NOT EXISTS (
            SELECT 1
            FROM source_files s
            LEFT JOIN rejects r ON r.source_path = s.source_path AND r.content_sha256 = s.content_sha256
            WHERE s.source_path = w.source_path AND s.size_bytes = w.size_bytes AND s.mtime_ns = w.mtime_ns
              AND NOT coalesce(r.reason LIKE '{RETRYABLE_REJECT}', false))
        """
    ).fetchall()}


def to_arrow_pairs(pairs: Sequence[tuple[str, str]]):
    import pyarrow as pa

    return pa.table({"source_path": [p for p, _ in pairs], "content_sha256": [h for _, h in pairs]})


# ---- test-only fault injection ------------------------------------------------------------------------
# DATELINE_INJECT_FAULT="load_batch:fail=2" makes the next 2 calls of load_batch in this process raise
# InjectedFault half-way through the batch's transaction (after the first table's rows went in), then
# lets calls succeed; "load_batch:skip=1:fail=always" lets 1 call through and fails every later one.
# Tests use it to prove retries and rollback against the real Prefect and DuckDB; it does nothing when
# the variable is unset, and nothing outside a test sets it.
FAULT_ENV = "DATELINE_INJECT_FAULT"
_fault_calls: dict[str, int] = {}


def inject_fault(point: str) -> None:
    spec = os.environ.get(FAULT_ENV, "")
    name, _, rest = spec.partition(":")
    if name != point:
        return
    opts = dict(part.split("=", 1) for part in rest.split(":") if "=" in part)
    skip, fail = int(opts.get("skip", 0)), opts.get("fail", "1")
    n = _fault_calls[spec] = _fault_calls.get(spec, 0) + 1
    if n > skip and (fail == "always" or n <= skip + int(fail)):
        raise InjectedFault(f"injected fault in {point} (call {n}; {FAULT_ENV}={spec!r}, test-only)")


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> dict[str, int]:
    """Insert a batch into every table in one transaction, all or nothing.

    Articles use ``INSERT OR IGNORE`` on their primary key, and their date mentions and quality results
    go in for the articles this transaction inserted only: a re-run over the same files adds nothing and
    changes nothing, and a run killed mid-way is finished by running it again. The ledger
    (``source_files``, ``rejects``) keeps each (path, content)'s latest outcome (``INSERT OR REPLACE``),
    so a file retried after an internal error or an unreadable moment is recorded as what it became.
    """
    import pyarrow as pa

    counts: dict[str, int] = {}
    new_articles = pa.table({"article_id": pa.array([], pa.string())})  # noqa: F841 - used in SQL
    con.execute("BEGIN TRANSACTION")
    try:
        ledger = batch.source_files  # noqa: F841 - referenced by name in the SQL below
        if ledger.num_rows:  # a path now read drops its earlier "could not read it" rows
            for table in ("source_files", "rejects"):
                con.execute(f'DELETE FROM "{table}" t USING (SELECT DISTINCT source_path FROM ledger'
                            " WHERE content_sha256 <> '') s WHERE t.source_path = s.source_path"
                            " AND t.content_sha256 = ''")
        for i, (model, rows) in enumerate(batch.rows()):
            if i == 1:
                inject_fault("load_batch")  # test-only; see above
            if not rows.num_rows:
                counts[model.table] = 0
                continue
            arrow_rows = rows  # noqa: F841 - referenced by name in the SQL below
            if model in (SourceFile, Reject):  # the ledger: latest outcome wins; count net new rows
                before = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0]
                con.execute(f'INSERT OR REPLACE INTO "{model.table}" BY NAME SELECT * FROM arrow_rows')
                counts[model.table] = con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0] - before
            elif model is Article:  # content: articles already present are left alone
                inserted = con.execute(
                    'INSERT OR IGNORE INTO "articles" BY NAME SELECT * FROM arrow_rows RETURNING article_id'
                ).fetchall()
                new_articles = pa.table({"article_id": [a for (a,) in inserted]})  # noqa: F841 - used in SQL
                counts[model.table] = len(inserted)
            elif not model.key_indexed:  # an article's detail rows go in with it, never later (see TableModel)
                counts[model.table] = con.execute(
                    f'INSERT INTO "{model.table}" BY NAME SELECT * FROM arrow_rows'
                    " WHERE article_id IN (SELECT article_id FROM new_articles)").fetchone()[0]
            else:
                raise TypeError(f"load_batch does not know how to load {model.table}")
        if batch.articles.num_rows:  # an edited file: its new version supersedes the versions loaded from its path
            versions = batch.articles.select(["source_path", "article_id"])  # noqa: F841 - used in SQL
            counts["superseded"] = len(con.execute(
                """
                UPDATE articles SET superseded_by = v.article_id FROM versions v
                WHERE articles.source_path = v.source_path AND articles.article_id <> v.article_id
                  AND articles.superseded_by IS NULL
                RETURNING articles.article_id
                """
            ).fetchall())
        if ledger.num_rows:  # content that is an article now has no stale internal-error reject
            con.execute('DELETE FROM "rejects" t USING (SELECT source_path, content_sha256 FROM ledger'
                        " WHERE outcome <> 'rejected') d WHERE t.source_path = d.source_path"
                        " AND t.content_sha256 = d.content_sha256")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return counts


def save_run(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    """Insert or update the run's row (written at start, rewritten at the end)."""
    run_rows = to_arrow(Run, [run])  # noqa: F841 - referenced by name in the SQL below
    con.execute('INSERT OR REPLACE INTO "runs" BY NAME SELECT * FROM run_rows')


def mark_abandoned_runs(con: duckdb.DuckDBPyConnection, except_run: str) -> int:
    """Runs still 'Running' while we hold the run lock died without a word (SIGKILL, power cut): say so.

    Only call this while holding ``run_lock``: then no other run can be writing.
    """
    rows = con.execute(
        "UPDATE runs SET status = 'Crashed' WHERE status = 'Running' AND run_id <> $1 RETURNING run_id", [except_run]
    ).fetchall()
    return len(rows)


def query(db_path: str | Path, sql: str, params: Sequence | None = None):
    """Run one statement on a read-only, sandboxed connection; return (column names, rows)."""
    with connect(db_path, read_only=True, sandbox=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description] if cur.description else []
        return names, cur.fetchall()


def run_summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """What one run wrote: outcome counts, the reject reasons, the date anomalies and the failed expectations.

    Every file a run did not skip has exactly one ``source_files`` row (unreadable ones included), so
    loaded + duplicates + rejected is what the run handled.
    """
    counts = dict(
        con.execute("SELECT outcome, count(*) FROM source_files WHERE run_id = $1 GROUP BY outcome", [run_id]).fetchall()
    )
    reasons = con.execute(
        "SELECT reason, count(*) AS files FROM rejects WHERE run_id = $1 GROUP BY reason ORDER BY files DESC, reason",
        [run_id],
    ).fetchall()
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
        "rejected": counts.get("rejected", 0),
        "reject_reasons": [{"reason": r, "files": n} for r, n in reasons],
        "passed": statuses.get("passed", 0),
        "warned": statuses.get("warned", 0),
        "quarantined": statuses.get("quarantined", 0),
        "date_anomalies": [
            {"article_id": a, "title": t, "claimed": c, "inferred_min": lo, "inferred_max": hi, "score": s}
            for a, t, c, lo, hi, s in anomalies
        ],
        "expectation_failures": [{"expectation": e, "severity": s, "articles": n} for e, s, n in failures],
    }


# ---- one run per database ------------------------------------------------------------------------------
# DuckDB's own lock is held only while a task has the file open, so two runs would interleave between
# tasks: both would read the same files, one's rows would be ignored as already present, and its
# accounting would silently come up short. A run therefore holds an exclusive lock on "<db>.lock" for its
# whole length (flock: released by the kernel when the process dies, even by SIGKILL). It is re-entrant
# within a process, so the CLI can take it before starting Prefect and the flow take it again.
_locks_held: dict[str, list] = {}  # lock path -> [fd, depth]
_locks_guard = threading.Lock()


def lock_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def run_lock(db_path: str | Path, *, wait_s: float = 0.0, poll_s: float = 0.5,
             on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the run lock of ``db_path``, waiting up to ``wait_s`` seconds for another run to finish.

    Raises ``RunInProgressError`` (saying which process holds it) when the wait runs out. ``on_wait`` is
    called once, with that message, when the lock is found taken.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _locks_guard:
        if key in _locks_held:
            _locks_held[key][1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _locks_guard:
                _locks_held[key][1] -= 1
        return

    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _read_holder(path)
                message = (f"{db_path} is being written by another dateline run ({holder}); "
                           "wait for it (dateline run --wait SECONDS) or use another --db")
                if time.monotonic() >= deadline:
                    raise RunInProgressError(message) from None
                if on_wait and not told:
                    on_wait(message)
                    told = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        with _locks_guard:
            _locks_held[key] = [fd, 1]
        try:
            yield
        finally:
            with _locks_guard:
                del _locks_held[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "pid unknown"
    except OSError:
        return "pid unknown"


def finished_run(run: Run, summary: dict, *, files_seen: int, already_loaded: int) -> Run:
    """The run's row once it has done its work: counts from ``run_summary``, end time, duration."""
    ended = datetime.now(timezone.utc).replace(tzinfo=None)
    return run.model_copy(update={
        "ended_at": ended, "status": "Completed", "files_seen": files_seen, "already_loaded": already_loaded,
        "articles_loaded": summary["loaded"], "duplicates": summary["duplicates"], "rejected": summary["rejected"],
        "quarantined": summary["quarantined"], "warned": summary["warned"],
        "date_anomalies": len(summary["date_anomalies"]), "duration_s": (ended - run.started_at).total_seconds(),
    })


def export_parquet(db_path: str | Path, out_dir: Path) -> list[tuple[str, int, Path]]:
    """Copy every table to ``out_dir/<table>.parquet`` (a read-only connection; files written by DuckDB)."""
    written = []
    with connect(db_path, read_only=True) as con:
        for model in TABLES:
            target = out_dir / f"{model.table}.parquet"
            con.execute(f"COPY \"{model.table}\" TO '{target.as_posix().replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            written.append((model.table, con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0], target))
    return written
