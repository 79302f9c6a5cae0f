"""Where data lives: one DuckDB file, its tables (derived from ``schemas``) and views.

A ``Database`` is opened explicitly and handed to whatever reads or writes it; nothing here keeps
connections or state between calls. Nothing here knows about Prefect.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb

from dateline.store import lake as lakes
from dateline.store.extensions import NO_AUTOLOAD
from dateline.store.views import VIEWS
from schemas import TABLES, StorySignature
from schemas.ddl import column_type, create_table_sql, unwrap_optional


class DatabaseBusyError(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writing process per file)."""


# A read-only connection still lets SQL write files (`COPY ... TO`, `EXPORT DATABASE`), attach and
# create other databases (`ATTACH`), read arbitrary files and install extensions. Queries typed by a
# user get none of that: no file-system access beyond the database itself, and settings locked so a
# `SET` cannot turn it back on.
SANDBOX_CONFIG = {"enable_external_access": False, "lock_configuration": True}

#: How long a run waits for readers to let go of the file before a batch (a reader holds it for one query).
WRITER_WAIT_S = 300.0

#: How often someone waiting for the file tries again. A run holds it for a batch's load (about a second
#: at 5,000 articles), so a reader polling this often gets in at the first gap.
POLL_S = 0.05


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


def _connect_waiting(path: Path, wait_s: float, *, read_only: bool = False,
                     config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """``_connect``, trying again every ``POLL_S`` while another process holds the file, up to ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return _connect(path, read_only=read_only, config=config)
        except DatabaseBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(POLL_S)


class Database:
    """A DuckDB file opened for writing, with its tables and views in place.

    Open it with ``Database.open`` (held open until ``close``: a short piece of work) or
    ``Database.for_run`` (a whole run: the file is held only while a piece of work uses it, so readers
    get in between batches). Users take a ``cursor()`` as a context manager: it borrows the open
    connection, or opens the file for as long as the ``with`` block lasts (``hold()`` groups several).
    """

    def __init__(self, path: Path | str, connection: duckdb.DuckDBPyConnection | None, *,
                 session_sql: Sequence[str] = (), wait_s: float = 0.0, lake: lakes.Lake | None = None):
        self.path = path
        self.lake = lake  # a DuckLake (``dateline.store.lake``) rather than a DuckDB file
        self.connection = connection
        self.session_sql = tuple(session_sql)
        self.wait_s = wait_s  # how long a borrowing open waits for readers to let go of the file
        self._holds = 0
        self._borrowing = connection is None

    @classmethod
    def open(cls, path: str | Path, *, wait_s: float = 0.0) -> "Database":
        """Open (creating it if needed) the database at ``path`` and bring its schema up to date; wait up
        to ``wait_s`` for readers holding it. A ``ducklake:`` name opens that lake (``dateline.store.lake``)."""
        if lakes.is_lake(path):
            lake = lakes.Lake.parse(path)
            database = cls(lake.name, lakes.connect(lake), lake=lake)
            ensure_schema(database.connection, lake=True)
            return database
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        database = cls(path, _connect_waiting(path, wait_s))
        ensure_schema(database.connection)
        return database

    @classmethod
    @contextlib.contextmanager
    def for_run(cls, path: str | Path, *, memory_limit: str | None = None,
                wait_s: float = WRITER_WAIT_S) -> Iterator["Database"]:
        """The database of a whole run, opened by each piece of work and closed (checkpointed) after it.

        DuckDB lets one process open a file for writing and no one else open it meanwhile, readers
        included: a run that held it throughout locked analysts out for the whole run. So the run holds
        it only while it writes a batch (or reads the ledger), and waits up to ``wait_s`` for readers
        that hold it for a query. Each close checkpoints, at a cost per batch (docs/performance.md).
        ``memory_limit`` caps DuckDB while the run has the file open (``Settings.duckdb_memory``).
        """
        session = [f"SET memory_limit = '{memory_limit}'"] if memory_limit else []
        if lakes.is_lake(path):  # a lake lets readers and other writers in whatever a run holds: hold it
            with cls.open(path) as database:
                for sql in session:
                    database.connection.execute(sql)
                yield database
            return
        Database.open(path, wait_s=wait_s).close()  # create the file and bring its schema up to date, once
        database = cls(Path(path), None, session_sql=session, wait_s=wait_s)
        try:
            yield database
        finally:
            database._borrowing = False
            database.close()

    @contextlib.contextmanager
    def hold(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The open connection, opening the file for the length of the block if nobody holds it yet."""
        if self.connection is None:
            if not self._borrowing:
                raise RuntimeError(f"{self.path} is closed")
            connection = _connect_waiting(self.path, self.wait_s)
            try:
                for sql in self.session_sql:
                    connection.execute(sql)
            except BaseException:
                connection.close()
                raise
            self.connection = connection
        self._holds += 1
        try:
            yield self.connection
        finally:
            self._holds -= 1
            if self._holds == 0 and self._borrowing:
                self.connection.close()  # checkpoints what the block wrote; readers may open it now
                self.connection = None

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the open connection (see ``hold``), closed with the block."""
        with self.hold() as connection:
            cur = connection.cursor()
            if self.lake is not None:  # a cursor starts in the in-memory database, not where ``USE`` pointed
                cur.execute(f"USE {lakes.ALIAS}")
            try:
                yield cur
            finally:
                cur.close()

    def close(self) -> None:
        """Close the file. The object may outlive it (Prefect keeps task parameters), the connection not."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def snapshot(self) -> int | None:
        """The lake's current snapshot id (what ``AT (VERSION => ...)`` reads back), None for a DuckDB file."""
        if self.lake is None:
            return None
        with self.cursor() as con:
            return lakes.current_snapshot(con)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_read_only(path: str | Path, *, sandbox: bool = False, wait_s: float = 0.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection; ``sandbox`` also forbids touching any other file (``SANDBOX_CONFIG``).

    A run opens the file only while it writes a batch: a reader waits up to ``wait_s`` for that to end
    and then sees every batch committed so far.
    """
    if lakes.is_lake(path):  # readers never wait for a lake's writers
        return lakes.connect(lakes.Lake.parse(path), read_only=True, sandbox=sandbox)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `dateline run` first")
    return _connect_waiting(path, wait_s, read_only=True, config=SANDBOX_CONFIG if sandbox else None)


def query(path: str | Path, sql: str, params: Sequence | None = None, *,
          wait_s: float = 0.0) -> tuple[list[str], list[tuple]]:
    """Run one statement on a read-only, sandboxed connection; return (column names, rows)."""
    with open_read_only(path, sandbox=True, wait_s=wait_s) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description] if cur.description else []
        return names, cur.fetchall()


@contextlib.contextmanager
def capped_memory(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """``con`` with DuckDB's memory limit lowered to ``limit`` for the block (it spills past it, and
    lowering it evicts what it cached above it), then the limit it had."""
    (before,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield con
    finally:
        con.execute(f"SET memory_limit = '{before}'")


def give_back_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Have DuckDB return the memory it keeps after tables are dropped or queries end: it holds freed
    memory up to its ``memory_limit``, and dropping a table returns none of it. Lowering the limit for a
    moment does; what is still needed spills to the temp directory if it does not fit. The limit is the
    same afterwards (the stories stage: 685 -> 339 MB of RSS after an increment's key rows went, at
    100,000 articles)."""
    with capped_memory(con, "32MiB"):
        pass


def ensure_schema(con: duckdb.DuckDBPyConnection, *, lake: bool = False) -> None:
    """Create missing tables, bring older ones in line with the models, and (re)create the views.

    A lake gets the same tables without the constraints DuckLake lacks (keys, CHECK): its loads keep
    keys unique themselves (``dateline.store.loads``). Several writers may open a lake at once: each
    step is retried when it loses to another's commit.
    """
    run = lakes.retry if lake else (lambda work: work())
    for model in TABLES:
        run(lambda model=model: con.execute(create_table_sql(model, constraints=not lake)))
    run(lambda: _migrate(con, lake=lake))
    for name, sql in VIEWS.items():
        if lake and con.execute("SELECT count(*) FROM duckdb_views() WHERE database_name = current_database()"
                                " AND view_name = $1 AND sql = $2", [name, f'CREATE VIEW "{name}" AS {sql};']).fetchone()[0]:
            continue
        run(lambda name=name, sql=sql: con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}'))


def _migrate(con: duckdb.DuckDBPyConnection, *, lake: bool = False) -> None:
    """Bring tables created by older versions in line with the models (CREATE IF NOT EXISTS does not)."""
    # A primary key that grew (source_files and rejects gained record_key): DuckDB cannot alter a key, so
    # the table is rebuilt under the model's DDL, in one transaction.
    for model in TABLES:
        if model.key_indexed:
            _rekey(con, model)
    # Columns added to a model later are added as nullable columns.
    for model in TABLES:
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
            " AND table_catalog = current_database()", [model.table]).fetchall()}
        for name, info in model.model_fields.items():
            if name not in have:
                sql_type = column_type(unwrap_optional(info.annotation)[0])[0]
                con.execute(f'ALTER TABLE "{model.table}" ADD COLUMN "{name}" {sql_type}')
    _drop_story_keys(con)
    _retype_story_signatures(con, lake=lake)
    if lake:  # lakes are newer than the changes below
        return
    # source_files.size_bytes became nullable: unreadable files get a ledger row too.
    nullable = con.execute(
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'source_files'"
        " AND column_name = 'size_bytes'"
    ).fetchone()
    if nullable and nullable[0] == "NO":
        con.execute('ALTER TABLE "source_files" ALTER COLUMN "size_bytes" DROP NOT NULL')


def _drop_story_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Databases signed before ``story_signatures.keys`` kept an article's keys as rows of a ``story_keys``
    table: it goes. Their signatures also predate ``numbers``, so the stories stage signs every article
    again (``store.stories.signed_before_features``) and their keys come back in ``keys``."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'story_keys'"
                   " AND database_name = current_database()").fetchone()[0]:
        lakes.transaction(con, lambda con: con.execute("DROP TABLE story_keys"))


#: ``story_signatures`` columns whose stored type changed, with the SQL that turns the old type's value
#: into the model's: ``terms`` was a list of strings (now one string, joined by spaces); ``minhash`` was a
#: BIGINT[] of 128 values (now their 512 little-endian bytes as a BLOB: the rebuild took 7.7 s at 100,000 articles, once).
_OLD_SIGNATURE_TYPES = {
    "terms": ("VARCHAR[]", "CASE WHEN len(terms) > 0 THEN array_to_string(terms, ' ') END"),
    "minhash": ("BIGINT[]", "unhex(array_to_string(list_transform(minhash, x -> printf('%02x%02x%02x%02x',"
                            " x & 255, (x >> 8) & 255, (x >> 16) & 255, (x >> 24) & 255)), ''))"),
}


def _retype_story_signatures(con: duckdb.DuckDBPyConnection, *, lake: bool) -> None:
    """Signatures stored under an older type of a column (``_OLD_SIGNATURE_TYPES``): the table is rebuilt
    under the model's DDL in one transaction, the values converted in SQL (DuckLake cannot change a list
    column's type in place)."""
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns"
                             " WHERE table_name = 'story_signatures' AND table_catalog = current_database()").fetchall())
    old = {column: convert for column, (old_type, convert) in _OLD_SIGNATURE_TYPES.items() if types.get(column) == old_type}
    if not old:
        return

    def rebuild(con: duckdb.DuckDBPyConnection) -> None:
        con.execute('ALTER TABLE "story_signatures" RENAME TO "story_signatures__old_types"')
        con.execute(create_table_sql(StorySignature, constraints=not lake))
        replaced = ", ".join(f"{convert} AS {column}" for column, convert in old.items())
        con.execute(f'INSERT INTO "story_signatures" BY NAME SELECT * REPLACE ({replaced}) FROM "story_signatures__old_types"')
        con.execute('DROP TABLE "story_signatures__old_types"')

    lakes.transaction(con, rebuild)


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


def export_parquet(path: str | Path, out_dir: Path, *, wait_s: float = 0.0) -> list[tuple[str, int, Path]]:
    """Copy every table to ``out_dir/<table>.parquet`` (a read-only connection; files written by DuckDB)."""
    written = []
    with open_read_only(path, wait_s=wait_s) as con:
        for model in TABLES:
            target = out_dir / f"{model.table}.parquet"
            con.execute(f"COPY \"{model.table}\" TO '{target.as_posix().replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            written.append((model.table, con.execute(f'SELECT count(*) FROM "{model.table}"').fetchone()[0], target))
    return written
