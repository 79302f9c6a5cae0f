"""Where data lives: one DuckDB file, its tables (derived from ``schemas``) and views.

A ``Database`` is opened explicitly and handed to whatever reads or writes it; nothing here keeps
connections or state between calls. Nothing here knows about Prefect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb

from dateline.store.extensions import NO_AUTOLOAD
from dateline.store.views import VIEWS
from schemas import TABLES
from schemas.ddl import column_type, create_table_sql, unwrap_optional


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process per file)."""


# A read-only connection still lets SQL write files (`COPY ... TO`, `EXPORT DATABASE`), attach and
# create other databases (`ATTACH`), read arbitrary files and install extensions. Queries typed by a
# user get none of that: no file-system access beyond the database itself, and settings locked so a
# `SET` cannot turn it back on.
SANDBOX_CONFIG = {"enable_external_access": False, "lock_configuration": True}

#: Write-ahead log a run lets grow before DuckDB checkpoints it. Each checkpoint rewrites the key
#: indexes at a cost that grows with the file; see docs/performance.md for the measurements.
RUN_CHECKPOINT_THRESHOLD = "128MiB"


def _connect(path: Path, *, read_only: bool, config: dict | None = None) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config={**NO_AUTOLOAD, **(config or {})})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"{path} is in use by another process (DuckDB allows one writer per file); "
                "wait for it to finish or use another --db"
            ) from exc
        raise


class Database:
    """A DuckDB file opened for writing, with its tables and views in place.

    Open it with ``Database.open`` (a short piece of work) or ``Database.for_run`` (a whole run: tuned
    for bulk loads, checkpointed when the run lets go), and pass it to what needs it. Each user takes a
    ``cursor()``: cursors share the one connection, which is what lets a run keep the file open.
    """

    def __init__(self, path: Path, connection: duckdb.DuckDBPyConnection):
        self.path = path
        self.connection = connection

    @classmethod
    def open(cls, path: str | Path) -> "Database":
        """Open (creating it if needed) the database at ``path`` and bring its schema up to date."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        database = cls(path, _connect(path, read_only=False))
        ensure_schema(database.connection)
        return database

    @classmethod
    @contextlib.contextmanager
    def for_run(cls, path: str | Path, *, memory_limit: str | None = None) -> Iterator["Database"]:
        """The database held open for a whole run, then checkpointed and closed.

        Closing a DuckDB file checkpoints its log at a cost that grows with the file, so a run opens it
        once. The log is as durable as the file: a crash loses no committed batch (the next open replays
        it). ``memory_limit`` caps DuckDB for the run (``Settings.duckdb_memory``).
        """
        database = cls.open(path)
        con = database.connection
        con.execute(f"SET checkpoint_threshold = '{RUN_CHECKPOINT_THRESHOLD}'")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        try:
            yield database
        finally:
            try:
                con.execute("RESET checkpoint_threshold")
                con.execute("RESET memory_limit")
                con.execute("CHECKPOINT")
            finally:
                database.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the open connection; closing it leaves the database open."""
        return self.connection.cursor()

    def close(self) -> None:
        """Close the file. The object may outlive it (Prefect keeps task parameters), the connection not."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_read_only(path: str | Path, *, sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection; ``sandbox`` also forbids touching any other file (``SANDBOX_CONFIG``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `dateline run` first")
    return _connect(path, read_only=True, config=SANDBOX_CONFIG if sandbox else None)


def query(path: str | Path, sql: str, params: Sequence | None = None) -> tuple[list[str], list[tuple]]:
    """Run one statement on a read-only, sandboxed connection; return (column names, rows)."""
    with open_read_only(path, sandbox=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description] if cur.description else []
        return names, cur.fetchall()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables, bring older ones in line with the models, and (re)create the views."""
    for model in TABLES:
        con.execute(create_table_sql(model))
    _migrate(con)
    for name, sql in VIEWS.items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring tables created by older versions in line with the models (CREATE IF NOT EXISTS does not)."""
    # A primary key that grew (source_files and rejects gained record_key): DuckDB cannot alter a key, so
    # the table is rebuilt under the model's DDL, in one transaction.
    for model in TABLES:
        if model.key_indexed:
            _rekey(con, model)
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


def _sql_literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (bool, int, float)):
        return str(value).upper() if isinstance(value, bool) else repr(value)
    raise TypeError(f"no SQL literal for {value!r}")


def _rekey(con: duckdb.DuckDBPyConnection, model) -> None:
    """Rebuild ``model``'s table when its primary key is not the model's: rows copied over, columns the old
    table lacks filled with the model's default (record_key: "", a one-article file)."""
    row = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = $1"
                      " AND constraint_type = 'PRIMARY KEY'", [model.table]).fetchone()
    if row is None or list(row[0]) == list(model.primary_key):
        return
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1", [model.table]).fetchall()}
    old = f"{model.table}__before_rekey"
    cols = ", ".join(f'"{name}"' if name in have else f'{_sql_literal(info.default)} AS "{name}"'
                     for name, info in model.model_fields.items())
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f'ALTER TABLE "{model.table}" RENAME TO "{old}"')
        con.execute(create_table_sql(model))
        con.execute(f'INSERT INTO "{model.table}" BY NAME SELECT {cols} FROM "{old}"')
        con.execute(f'DROP TABLE "{old}"')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def export_parquet(path: str | Path, out_dir: Path) -> list[tuple[str, int, Path]]:
    """Copy every table to ``out_dir/<table>.parquet`` (a read-only connection; files written by DuckDB)."""
    written = []
    with open_read_only(path) as con:
        for model in TABLES:
            target = out_dir / f"{model.table}.parquet"
            con.execute(f"COPY \"{model.table}\" TO '{target.as_posix().replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            written.append((model.table, con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0], target))
    return written
