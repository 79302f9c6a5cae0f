"""DuckLake: the tables in Parquet files, their catalog in SQLite (one machine) or PostgreSQL (many).

``--db ducklake:sqlite:PATH`` or ``--db "ducklake:postgres:dbname=... host=..."`` (DuckDB's own ATTACH
strings) name a lake where ``--db FILE`` names a DuckDB file. A connection to a lake is an in-memory DuckDB
that loads the extensions from their wheels (``extensions.load``), attaches the lake as ``lake`` and
``USE``s it, so every query dateline writes for a DuckDB file runs on it unchanged, except where DuckLake
lacks something (primary keys, CHECK, RETURNING): ``loads`` and ``runs`` branch on ``Database.lake``.

Several processes may write a lake at once. Every write is a short transaction; DuckLake commits them
optimistically, and a transaction that overlaps another's commit fails at commit ("database is locked"
from a SQLite catalog, a conflict from PostgreSQL) and is run again whole (``retry``), which re-reads
what the other committed. The SQLite catalog is switched to WAL journaling once, so readers never block
a commit and a commit never blocks readers.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from dateline.store.extensions import NO_AUTOLOAD, load

PREFIX = "ducklake:"
#: The name a lake is attached under in dateline's connections (and in the README's examples).
ALIAS = "lake"

T = TypeVar("T")


def is_lake(db: str | Path) -> bool:
    return str(db).startswith(PREFIX)


@dataclass(frozen=True)
class Lake:
    """A lake named by its ATTACH string, and where its Parquet files go."""

    catalog: str  # "sqlite" or "postgres"
    location: str  # the SQLite file, or the PostgreSQL connection string
    data_path: Path | None

    @classmethod
    def parse(cls, db: str | Path, data_path: str | Path | None = None) -> "Lake":
        """``ducklake:sqlite:PATH`` or ``ducklake:postgres:CONNINFO``; ``data_path`` defaults, for a SQLite
        catalog, to ``<catalog name>.files/`` beside it. A PostgreSQL catalog records its data path when
        the lake is created: give it then (``DATELINE_LAKE_DATA_PATH``)."""
        if data_path is None:
            from dateline.settings import get_settings

            data_path = get_settings().lake_data_path
        rest = str(db)[len(PREFIX):]
        kind, _, location = rest.partition(":")
        if kind not in ("sqlite", "postgres") or not location:
            raise ValueError(f"{db!r}: expected ducklake:sqlite:PATH or ducklake:postgres:CONNINFO")
        if kind == "sqlite":
            location = str(Path(location).absolute())
            if data_path is None:
                data_path = Path(location).with_name(Path(location).name + ".files")
        return cls(kind, location, Path(data_path).absolute() if data_path is not None else None)

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.catalog}:{self.location}"

    @property
    def folder(self) -> Path:
        """Where files that go with the lake live by default (Data Docs): beside a SQLite catalog, else
        beside the data files, else the working folder."""
        if self.catalog == "sqlite":
            return Path(self.location).parent
        return self.data_path.parent if self.data_path else Path("data")

    def exists(self) -> bool:
        return self.catalog != "sqlite" or Path(self.location).exists()

    def attach_sql(self, *, read_only: bool = False) -> str:
        options = []
        if self.data_path is not None:
            options.append(f"DATA_PATH {_quote(self.data_path.as_posix() + '/')}")
        if read_only:
            options.append("READ_ONLY")
        # Inlined rows live in the catalog database: a transaction holding them makes a SQLite catalog
        # the bottleneck of every other writer. Batches are thousands of rows: Parquet files from the start.
        options.append("DATA_INLINING_ROW_LIMIT 0")
        return f"ATTACH {_quote(self.name)} AS {ALIAS} ({', '.join(options)})"

    def files(self) -> list[Path]:
        """Paths a sandboxed reader may touch: the SQLite catalog and the data folder."""
        return [p for p in (Path(self.location) if self.catalog == "sqlite" else None, self.data_path) if p]


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def connect(lake: Lake, *, read_only: bool = False, sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as ``lake`` and in use.

    ``sandbox`` then forbids any file outside the lake (a user's query must not write or read elsewhere).
    """
    if lake.catalog == "sqlite":
        if read_only and not Path(lake.location).exists():
            raise FileNotFoundError(f"no lake catalog at {lake.location}: run `dateline run` first")
        Path(lake.location).parent.mkdir(parents=True, exist_ok=True)
        if not read_only:
            _wal(Path(lake.location))
    if lake.data_path is not None and not read_only:
        lake.data_path.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config=dict(NO_AUTOLOAD))
    try:
        load(con, "parquet", "ducklake", "sqlite_scanner" if lake.catalog == "sqlite" else "postgres_scanner")
        try:
            retry(lambda: con.execute(lake.attach_sql(read_only=read_only)))
        except duckdb.InvalidInputException as exc:  # a catalog file whose first run has not created the lake yet
            if read_only and "does not exist" in str(exc):
                raise FileNotFoundError(f"no lake at {lake.name} yet: run `dateline run` first") from exc
            raise
        con.execute(f"USE {ALIAS}")
        if sandbox:
            files = lake.files()
            if lake.data_path is None:  # a PostgreSQL catalog records where its files are
                recorded = con.execute(f"SELECT value FROM {ALIAS}.options() WHERE option_name = 'data_path'"
                                       ).fetchone()
                files += [Path(recorded[0])] if recorded else []
            allowed = [p.as_posix() + ("/" if p.is_dir() else "") for p in files]
            con.execute("SET allowed_paths = $1", [[p for p in allowed if not p.endswith("/")]])
            con.execute("SET allowed_directories = $1", [[p for p in allowed if p.endswith("/")]])
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _wal(catalog: Path) -> None:
    """Put a SQLite catalog in WAL mode (persistent in the file): readers then never block a commit."""
    with sqlite3.connect(catalog, timeout=30) as db:
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")
    db.close()


#: How many times a write is tried, and the longest pause between tries (doubling from 50 ms, jittered).
ATTEMPTS = 40
MAX_PAUSE_S = 2.0


def is_conflict(exc: BaseException) -> bool:
    """A commit that lost to another writer's, or a catalog busy for a moment: worth running again."""
    text = str(exc).lower()
    # Two writers creating one lake at once: the one that loses finds the catalog, or a table of it, being
    # created ("Table entry ... does not have any columns" when it reloads the catalog at commit).
    first_use = ("failed to initialize ducklake" in text and ("duplicate key" in text or "already exists" in text)) \
        or "failed to load ducklake" in text
    return isinstance(exc, duckdb.Error) and (first_use or any(
        s in text for s in ("database is locked", "conflict", "busy", "could not serialize")))


def retry(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``work`` (a whole transaction) again while it loses to another writer's commit."""
    pause = 0.05
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.Error as exc:
            if attempt == attempts or not is_conflict(exc):
                raise
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, MAX_PAUSE_S)
    raise AssertionError("unreachable")


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """``work(con)`` in one transaction, run again whole while its commit loses to another writer's."""
    def once() -> T:
        con.execute("BEGIN TRANSACTION")
        try:
            result = work(con)
            con.execute("COMMIT")
            return result
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT has already ended the transaction
            raise
    return retry(once)


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()[0]
