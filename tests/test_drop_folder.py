"""Incremental drop-folder ingestion, in three waves through the real flow into one DuckDB file."""

import shutil

import duckdb
import pytest

from dateline.settings import Settings
from tests.conftest import SEEDS


def seed(prefix: str):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path


@pytest.fixture(scope="module")
def waves(prefect_harness, tmp_path_factory):
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("drop")
    inbox, db = root / "inbox", root / "dateline.duckdb"
    inbox.mkdir()

    # wave 1: two new files
    shutil.copy(seed("000"), inbox / "a.txt")
    shutil.copy(seed("001"), inbox / "b.txt")
    first = news_etl(paths=[str(inbox)], db=str(db), data_docs=False)

    # wave 2: the same two unchanged, a new one, and a renamed copy of one already loaded
    shutil.copy(seed("003"), inbox / "c.txt")
    shutil.copy(seed("000"), inbox / "a-renamed.txt")
    second = news_etl(paths=[str(inbox)], db=str(db), data_docs=False)

    # wave 3: one file edited in place
    edited = (inbox / "c.txt").read_text(encoding="utf-8") + "\nThe talks are due to start on Monday.\n"
    (inbox / "c.txt").write_text(edited, encoding="utf-8")
    third = news_etl(paths=[str(inbox)], db=str(db), data_docs=True)

    # wave 4: nothing changed
    fourth = news_etl(paths=[str(inbox)], db=str(db), data_docs=False)
    return {"db": db, "runs": [first, second, third, fourth], "inbox": inbox}


def test_wave_one_loads_both(waves):
    r = waves["runs"][0]
    assert (r["files_seen"], r["loaded"], r["already_loaded"], r["duplicates"]) == (2, 2, 0, 0)


def test_wave_two_skips_unchanged_and_recognises_a_renamed_copy(waves):
    r = waves["runs"][1]
    assert (r["files_seen"], r["loaded"], r["already_loaded"], r["duplicates"]) == (4, 1, 2, 1)
    with duckdb.connect(str(waves["db"]), read_only=True) as con:
        dup = con.execute("SELECT s.outcome, a.source_path FROM source_files s JOIN articles a USING (article_id)"
                          " WHERE s.source_path LIKE '%a-renamed.txt'").fetchall()
    assert dup == [("duplicate", str(waves["inbox"] / "a.txt"))]


def test_wave_three_supersedes_the_edited_file(waves):
    r = waves["runs"][2]
    assert (r["files_seen"], r["loaded"], r["already_loaded"]) == (4, 1, 3)
    with duckdb.connect(str(waves["db"]), read_only=True) as con:
        versions = con.execute("SELECT article_id, superseded_by, run_id FROM articles"
                               " WHERE source_path LIKE '%c.txt' ORDER BY loaded_at").fetchall()
        assert len(versions) == 2
        (old, old_by, _), (new, new_by, new_run) = versions
        assert old_by == new and new_by is None and new_run == r["run_id"]
        assert con.execute("SELECT count(*) FROM clean_articles WHERE article_id = ?", [old]).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (4,)
    assert r["data_docs"]["index"].endswith("index.html")


def test_an_unchanged_folder_parses_nothing_and_writes_only_its_run_row(waves):
    r = waves["runs"][3]
    assert (r["files_seen"], r["loaded"], r["already_loaded"], r["duplicates"], r["rejected"]) == (4, 0, 4, 0, 0)
    with duckdb.connect(str(waves["db"]), read_only=True) as con:
        for table in ("source_files", "articles", "date_mentions", "quality_results", "rejects"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [r["run_id"]]).fetchone() == (0,), table
        assert con.execute("SELECT status, files_seen, already_loaded FROM runs WHERE run_id = ?",
                           [r["run_id"]]).fetchone() == ("Completed", 4, 4)


def test_runs_carry_lineage(waves):
    with duckdb.connect(str(waves["db"]), read_only=True) as con:
        rows = con.execute("SELECT flow_run_name, parameters, code_version, duration_s FROM latest_runs").fetchall()
    assert len(rows) == 4
    for name, params, version, duration in rows:
        assert name.startswith("news-etl-") and "inbox" in name and name.endswith(" files")
        assert f'"batch_size": {Settings().batch_size}' in params and version and duration > 0


def test_every_table_keeps_its_declared_key_unique_over_the_waves(waves):
    from tests.test_store import assert_logical_keys_unique

    with duckdb.connect(str(waves["db"]), read_only=True) as con:
        assert_logical_keys_unique(con)
        # and each loaded article has its mentions and one result per expectation of the run that loaded it
        assert con.execute("""SELECT count(*) FROM articles a WHERE (SELECT count(*) FROM quality_results q
                              WHERE q.article_id = a.article_id AND q.run_id = a.run_id) = 0""").fetchone() == (0,)


def test_data_docs_validate_a_sample_of_a_big_run(waves, tmp_path):
    from dateline.orchestration.report import _sample
    from dateline.store.database import Database
    from tasks.report import publish_data_docs

    run_id = waves["runs"][0]["run_id"]  # wave one loaded two articles
    with Database.open(waves["db"]) as database:  # a task run of its own
        docs = publish_data_docs(database, run_id, str(tmp_path / "gx"), max_rows=1)
    assert (docs["articles_validated"], docs["articles_loaded"]) == (1, 2)
    assert docs["evaluated_expectations"] > 0
    assert _sample(docs) == "a random sample of 1 of the run's 2 articles"
    assert waves["runs"][2]["data_docs"]["articles_validated"] == waves["runs"][2]["data_docs"]["articles_loaded"]
