"""Several writers on one lake: runs at once, the same bytes met by two runs, commits that lose a race, a
SIGKILL mid-load. Subprocess runs use the real `dateline` CLI against the session's Prefect server."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest

from dateline import cli
from dateline.store import lake as lakes
from dateline.store import loads
from dateline.store.database import Database, query
from schemas import Article, Batch, SourceFile
from tests.test_failures import Cli, api_url, write_articles  # noqa: F401 - api_url is a fixture
from tests.test_lake import assert_same_contents, contents

NOW = datetime(2026, 1, 1, 12, 0)
STORY_TABLES = {"stories", "story_members", "near_duplicates", "story_signatures"}


def without_stories(rows: dict) -> dict:
    return {t: r for t, r in rows.items() if t not in STORY_TABLES and t != "date_evidence"}


@pytest.fixture(scope="module")
def corpus(api_url, tmp_path_factory):
    """400 articles in two halves (``in/a``, ``in/b``) and the rows of one uninterrupted run over all of
    them into a DuckDB file: what the lake tests' runs must end up holding."""
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("corpus")
    write_articles(root / "in" / "a", 200)
    write_articles(root / "in" / "b", 200, start=200)
    whole = root / "whole.duckdb"
    news_etl(paths=[str(root / "in")], db=str(whole), batch_size=50, data_docs=False)
    return root / "in", contents(whole)


def test_two_runs_over_halves_at_once_give_the_rows_of_one_run_over_all(corpus, api_url, tmp_path):
    # four batches a run: the two start at once and overlap (each spends ~10 s starting before its first
    # batch), as the test needs
    inputs, file_rows = corpus
    lake = f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    runs = [Cli(["run", str(inputs / half), "--db", lake, "--batch-size", "50"], api_url)
            for half in ("a", "b")]
    for run in runs:
        assert run.finish() == 0, run.output

    lake_rows = contents(lake)
    assert len(lake_rows["articles"]) == 400
    assert_same_contents(without_stories(lake_rows), without_stories(file_rows))
    # Each run's stories stage sees what was committed when it ran: the story tables may be a step behind
    # the other run's articles; `dateline stories` (or the next run) brings them level.
    assert cli.main(["stories", "--db", lake]) == 0
    assert_same_contents(contents(lake), file_rows)
    statuses = query(lake, "SELECT status, articles_loaded FROM runs ORDER BY articles_loaded")[1]
    assert statuses == [("Completed", 200), ("Completed", 200)]


def test_two_runs_meeting_the_same_bytes_make_one_article_and_one_duplicate(api_url, tmp_path):
    write_articles(tmp_path / "a", 200)
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # the same bytes under other paths
    lake = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"
    runs = [Cli(["run", str(tmp_path / half), "--db", lake, "--batch-size", "50"], api_url)
            for half in "ab"]
    for run in runs:
        assert run.finish() == 0, run.output
    assert query(lake, "SELECT count(*), count(DISTINCT article_id) FROM articles")[1] == [(200, 200)]
    per_hash = query(lake, "SELECT count(*) FILTER (outcome = 'loaded') AS loaded, count(*) FILTER "
                           "(outcome = 'duplicate') AS dup FROM source_files GROUP BY content_sha256")[1]
    assert sorted(set(per_hash)) == [(1, 1)] and len(per_hash) == 200
    assert query(lake, "SELECT count(*) FROM source_files s ANTI JOIN articles a USING (article_id)")[1] == [(0,)]


def _article(article_id: str, path: str) -> Article:
    return Article(
        article_id=article_id, source_path=path, content_sha256=article_id * 4, size_bytes=10, encoding="utf-8",
        title="T", publisher=None, publisher_evidence=None, byline=None, dateline_text=None,
        published_claimed=None, published_claimed_at=None, pubdate_method="none", pubdate_confidence="NONE",
        published_inferred_min=None, published_inferred_max=None, date_status="no_evidence", date_score=None,
        date_evidence=None, body="body " * 30, boilerplate=[], word_count=30, quality_status="passed",
        run_id="r", loaded_at=NOW)


def _batch(article_id: str, path: str, run_id: str) -> Batch:
    a = _article(article_id, path)
    return Batch(articles=[a], source_files=[SourceFile(
        source_path=path, content_sha256=a.content_sha256, size_bytes=10, outcome="loaded",
        article_id=article_id, run_id=run_id, seen_at=NOW)])


def test_a_load_decides_against_what_another_writer_committed_after_its_run_read_the_ledger(tmp_path):
    lake = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"
    with Database.open(lake) as first, Database.open(lake) as second:  # two writers, two DuckDB instances
        # both runs read the ledger before either loads: each thinks the bytes are new
        loads.load_batch(first, _batch("c" * 16, "a/1.txt", "run-a"))
        counts = loads.load_batch(second, _batch("c" * 16, "b/1.txt", "run-b"))
    assert counts["articles"] == 0
    rows = query(lake, "SELECT source_path, outcome, article_id FROM source_files ORDER BY ALL")[1]
    assert rows == [("a/1.txt", "loaded", "c" * 16), ("b/1.txt", "duplicate", "c" * 16)]
    assert query(lake, "SELECT count(*) FROM articles")[1] == [(1,)]


def test_a_commit_that_loses_to_another_writers_is_run_again(tmp_path):
    lake = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"
    attempts = []
    with Database.open(lake) as first, Database.open(lake) as other:
        def work(con):
            attempts.append(1)
            loads._load_into_lake(con, _batch("e" * 16, "e.txt", "mine"))
            if len(attempts) == 1:  # another writer commits while this transaction is open
                loads.load_batch(other, _batch("d" * 16, "d.txt", "other"))
        with first.cursor() as con:
            lakes.transaction(con, work)
    assert len(attempts) == 2
    assert query(lake, "SELECT source_path, run_id FROM source_files ORDER BY ALL")[1] == [
        ("d.txt", "other"), ("e.txt", "mine")]


def test_a_run_killed_mid_load_into_a_lake_then_run_again_gives_the_rows_of_an_uninterrupted_run(corpus, api_url,
                                                                                                     tmp_path):
    from flows.news_etl import news_etl

    inputs, file_rows = corpus
    n = 400  # eight batches: the kill lands after the first, well before the last
    lake = f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    run = Cli(["run", str(inputs), "--db", lake, "--batch-size", "50"], api_url)
    try:
        run.wait_for("loaded into")  # a batch has committed, more are on the way
    finally:
        run.kill()
    partial = query(lake, "SELECT count(*) FROM articles")[1][0][0]
    assert 0 < partial < n and partial % 50 == 0, partial  # whole batches only
    ((killed, status, heartbeat),) = query(lake, "SELECT run_id, status, heartbeat_at FROM runs")[1]
    assert status == "Running" and heartbeat is not None  # each committed batch beat
    with Database.open(lake) as db, db.cursor() as con:  # as if it had been silent for two hours
        con.execute("UPDATE runs SET heartbeat_at = heartbeat_at - INTERVAL 2 HOUR")
    again = news_etl(paths=[str(inputs)], db=lake, batch_size=50, data_docs=False)
    assert again["already_loaded"] == partial and again["unaccounted"] == 0
    assert dict(query(lake, "SELECT run_id, status FROM runs")[1]) == {killed: "Crashed",
                                                                       again["run_id"]: "Completed"}
    assert len(file_rows["articles"]) == n
    assert_same_contents(contents(lake), file_rows)


def test_which_errors_a_lake_write_runs_again_for():
    again = [  # each met here with two writers at once
        "Failed to commit DuckLake transaction.\nFailed to flush changes into DuckLake: database is locked",
        "Transaction conflict - attempting to insert into table with index \"3\" - but another transaction has deleted",
        "Failed to initialize DuckLake: ... ERROR:  duplicate key value violates unique constraint",
        "Failed to commit DuckLake transaction.\nFailed to load DuckLake - Table entry \"source_files\" does not have any columns",
    ]
    assert all(lakes.is_conflict(duckdb.TransactionException(m)) for m in again)
    assert not lakes.is_conflict(duckdb.ConstraintException("NOT NULL constraint failed: runs.already_loaded"))
    assert not lakes.is_conflict(duckdb.CatalogException("Table with name runs does not exist!"))
