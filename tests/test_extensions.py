"""Extensions load from the locked wheels, with DuckDB's own autoinstall/autoload off."""

import duckdb
import pytest

from dateline.store import extensions
from dateline.store.database import Database


def test_every_locked_extension_has_a_build_for_the_pinned_duckdb():
    for name in ("ducklake", "sqlite_scanner", "postgres_scanner", "parquet"):
        path = extensions.extension_file(name)
        assert path.parent.name == f"v{duckdb.__version__}"
        assert path.stat().st_size > 0


def test_a_missing_wheel_is_named_not_fetched():
    with pytest.raises(extensions.ExtensionMissingError, match="duckdb-extension-no-such-thing"):
        extensions.extension_file("no_such_thing")


def test_database_connections_never_autoload(tmp_path):
    database = Database.open(tmp_path / "x.duckdb")
    con = database.connection
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    # without an explicit load, DuckLake is not there: nothing reached for the network
    with pytest.raises(duckdb.Error):
        con.execute(f"ATTACH 'ducklake:sqlite:{tmp_path / 'meta.sqlite'}' AS lake")
    database.close()


def test_loaded_wheels_attach_a_ducklake_on_sqlite_offline(tmp_path):
    con = duckdb.connect(config=extensions.NO_AUTOLOAD)
    extensions.load(con, "parquet", "sqlite_scanner", "ducklake")
    extensions.load(con, "ducklake")  # a second load is a no-op
    con.execute(f"ATTACH 'ducklake:sqlite:{tmp_path / 'meta.sqlite'}' AS lake (DATA_PATH '{tmp_path / 'data'}/')")
    con.execute("CREATE TABLE lake.t AS SELECT range AS i FROM range(10000)")
    assert con.execute("SELECT count(*), sum(i) FROM lake.t").fetchone() == (10000, 49995000)
    assert list((tmp_path / "data").rglob("*.parquet"))  # the rows live in Parquet beside the catalog
    con.close()
