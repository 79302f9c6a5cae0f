"""DuckLake (``--db ducklake:...``): the same rows as a DuckDB file, read by plain DuckDB, time travel by run."""

from __future__ import annotations

import duckdb
import pytest

from dateline import cli
from dateline.store import lake as lakes
from dateline.store.database import Database, query
from dateline.store.extensions import NO_AUTOLOAD, load
from schemas import TABLES, Run
from tests.conftest import SEEDS

#: Columns that say when or in which run a row was written: they differ between any two runs.
RUN_SPECIFIC = {"run_id", "loaded_at", "seen_at", "rejected_at"}


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    columns = [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_catalog = "
        "current_database() ORDER BY ordinal_position", [table]).fetchall() if c not in RUN_SPECIFIC]
    listed = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()


def contents(db) -> dict[str, list[tuple]]:
    """Every table but ``runs``, without the run-specific columns: what two equivalent loads share."""
    from dateline.store.database import open_read_only

    with open_read_only(db) as con:
        return {m.table: table_rows(con, m.table) for m in TABLES if m is not Run}


def assert_same_contents(a: dict, b: dict) -> None:
    for table in a:
        assert a[table] == b[table], f"{table} differs"


@pytest.fixture(scope="module")
def seeded_lake(seeded, tmp_path_factory):
    """The seeds run twice into a SQLite-catalog lake, like the session's DuckDB file."""
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("lake")
    db = f"ducklake:sqlite:{root / 'catalog.sqlite'}"
    first = news_etl(paths=[str(SEEDS)], db=db)
    second = news_etl(paths=[str(SEEDS)], db=db)
    return {"db": db, "root": root, "first": first, "second": second}


def test_a_lake_holds_the_same_rows_as_a_duckdb_file(seeded, seeded_lake):
    assert seeded_lake["first"]["loaded"] == seeded["first"]["loaded"] > 0
    assert seeded_lake["second"]["already_loaded"] == seeded["second"]["already_loaded"]
    assert seeded_lake["second"]["loaded"] == 0
    lake_rows, file_rows = contents(seeded_lake["db"]), contents(seeded["db"])
    assert lake_rows["articles"] and lake_rows["quality_results"] and lake_rows["stories"]
    assert_same_contents(lake_rows, file_rows)
    for view in ("date_anomalies", "latest_runs", "story_timeline"):
        q = f"SELECT count(*) FROM {view}"
        assert query(seeded_lake["db"], q) == query(seeded["db"], q), view
    # the Parquet files sit beside the catalog; the catalog is SQLite in WAL mode
    assert list((seeded_lake["root"] / "catalog.sqlite.files").rglob("*.parquet"))
    assert (seeded_lake["root"] / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()


def test_plain_duckdb_attaches_the_lake_and_travels_to_a_runs_state(seeded_lake, tmp_path):
    lake = lakes.Lake.parse(seeded_lake["db"])
    with duckdb.connect(config=NO_AUTOLOAD) as con:  # what the README shows an analyst
        load(con, "parquet", "sqlite_scanner", "ducklake")
        con.execute(f"ATTACH '{seeded_lake['db']}' AS lake (READ_ONLY)")
        runs = con.execute("SELECT snapshot_id, articles_loaded FROM lake.runs ORDER BY started_at").fetchall()
        assert [n for _, n in runs] == [seeded_lake["first"]["loaded"], 0]
        first_snapshot = runs[0][0]
        assert first_snapshot is not None and runs[1][0] > first_snapshot
        after_first = con.execute(
            f"SELECT count(*) FROM lake.articles AT (VERSION => {first_snapshot})").fetchone()[0]
        assert after_first == seeded_lake["first"]["loaded"]
        # before the first run loaded anything, there were no articles
        assert con.execute(f"SELECT count(*) FROM lake.articles AT (VERSION => {first_snapshot - 10})"
                           ).fetchone() == (0,)
    assert lake.data_path == seeded_lake["root"] / "catalog.sqlite.files"


def test_cli_reads_and_exports_a_lake_and_its_sandbox_holds(seeded, seeded_lake, tmp_path, capsys):
    db = seeded_lake["db"]
    assert cli.main(["sql", "SELECT count(*) AS n FROM articles", "--db", db, "--format", "csv"]) == 0
    assert capsys.readouterr().out.split()[-1] == str(seeded_lake["first"]["loaded"])
    assert cli.main(["sql", f"COPY articles TO '{tmp_path / 'x.parquet'}'", "--db", db]) == 1
    assert "refused" in capsys.readouterr().err and not (tmp_path / "x.parquet").exists()
    assert cli.main(["sql", "DELETE FROM articles", "--db", db]) == 1
    assert cli.main(["report", "--db", db]) == 0
    assert "Latest runs" in capsys.readouterr().out
    out = tmp_path / "parquet"
    assert cli.main(["export", "--parquet", str(out), "--db", db]) == 0
    with duckdb.connect() as con:
        for m in TABLES:
            if m is not Run:
                assert table_rows_parquet(con, out / f"{m.table}.parquet") == len(contents(seeded["db"])[m.table])


def table_rows_parquet(con, path) -> int:
    return con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0]


def test_a_lake_table_has_the_declared_columns_without_the_constraints_ducklake_lacks(tmp_path):
    with Database.open(f"ducklake:sqlite:{tmp_path / 'c.sqlite'}") as database:
        assert database.lake is not None
        with database.cursor() as con:
            have = {(t, c) for t, c in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_catalog = current_database()").fetchall() if t in {m.table for m in TABLES}}
        assert have == {(m.table, f) for m in TABLES for f in m.model_fields}
    with pytest.raises(ValueError, match="ducklake:sqlite:PATH"):
        lakes.Lake.parse("ducklake:mysql:x")


def test_a_lake_comes_through_settings_with_its_files_and_data_docs_beside_the_catalog(monkeypatch, tmp_path):
    from dateline.settings import get_settings

    monkeypatch.setenv("DATELINE_DB_PATH", f"ducklake:sqlite:{tmp_path / 'cat.sqlite'}")
    settings = get_settings()
    assert str(settings.db_path) == f"ducklake:sqlite:{tmp_path / 'cat.sqlite'}"
    assert settings.gx_root == tmp_path
    assert lakes.Lake.parse(settings.db_path).data_path == tmp_path / "cat.sqlite.files"
    monkeypatch.setenv("DATELINE_LAKE_DATA_PATH", str(tmp_path / "elsewhere"))
    assert lakes.Lake.parse(settings.db_path).data_path == tmp_path / "elsewhere"
    pg = get_settings(db_path="ducklake:postgres:dbname=lake host=db.example port=5432")
    assert str(pg.db_path) == "ducklake:postgres:dbname=lake host=db.example port=5432"
    assert lakes.Lake.parse(pg.db_path).location == "dbname=lake host=db.example port=5432"


def test_reading_a_lake_whose_catalog_file_exists_but_holds_no_lake_yet_says_so(tmp_path, capsys):
    catalog = tmp_path / "new.sqlite"
    catalog.touch()  # what a first run's writer leaves for a moment before DuckLake creates its tables
    assert cli.main(["sql", "SELECT 1", "--db", f"ducklake:sqlite:{catalog}"]) == 2
    assert "no lake at" in capsys.readouterr().err
