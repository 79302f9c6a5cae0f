import subprocess
import sys
import threading
from datetime import date, datetime

import duckdb
import pytest

from dateline.store import ledger, loads
from dateline.store.database import Database, DatabaseBusyError, open_read_only, query
from schemas import TABLES, Article, Batch, DateMention, QualityResult, Reject, SourceFile
from schemas.ddl import arrow_schema, create_table_sql

NOW = datetime(2026, 1, 1, 12, 0)


def make_article(article_id="a" * 16, **over) -> Article:
    fields = dict(
        article_id=article_id, source_path=f"in/{article_id}.txt", content_sha256=article_id * 4, size_bytes=10,
        encoding="utf-8", title="T", publisher=None, publisher_evidence=None, byline=None, dateline_text=None,
        published_claimed=date(2021, 5, 1), published_claimed_at=None, pubdate_method="dateline",
        pubdate_confidence="DATE", published_inferred_min=None, published_inferred_max=None, date_status="no_evidence",
        date_score=None, date_evidence=None, body="body " * 30, boilerplate=[{"rule": "ad_marker", "text": "[ad_1]"}],
        word_count=30, quality_status="passed", run_id="r1", loaded_at=NOW,
    )
    fields.update(over)
    return Article(**fields)


def test_ddl_is_derived_from_the_models():
    sql = create_table_sql(Article)
    assert '"published_claimed" DATE' in sql
    assert '"boilerplate" STRUCT("rule" VARCHAR, "text" VARCHAR)[] NOT NULL' in sql
    assert "CHECK (\"date_status\" IN ('consistent', 'inconsistent', 'no_evidence', 'missing'))" in sql
    assert 'PRIMARY KEY ("article_id")' in sql
    # every model field becomes exactly one column, with the Arrow schema in step
    con = duckdb.connect()
    for model in TABLES:
        con.execute(create_table_sql(model))
        cols = [r[0] for r in con.execute(f"DESCRIBE {model.table}").fetchall()]
        assert cols == list(model.model_fields) == arrow_schema(model).names


def test_check_constraint_rejects_an_unknown_status(tmp_path):
    database = Database.open(tmp_path / "x.duckdb")
    with pytest.raises(duckdb.ConstraintException):
        database.connection.execute(
            "INSERT INTO articles (article_id, source_path, content_sha256, size_bytes, encoding, pubdate_confidence,"
            " date_status, body, boilerplate, word_count, quality_status, run_id, loaded_at) VALUES"
            " ('x', 'p', 's', 1, 'utf-8', 'NONE', 'maybe', 'b', [], 1, 'passed', 'r', now())"
        )


def test_load_batch_is_idempotent_and_transactional(tmp_path):
    db = tmp_path / "t.duckdb"
    a = make_article()
    batch = Batch(
        articles=[a],
        date_mentions=[DateMention(article_id=a.article_id, mention_index=0, start_char=0, end_char=4, text="2021",
                                   timex_type="DATE", value="2021", kind="year", granularity="year", tense="past",
                                   explicit_year=True, earliest=date(2021, 1, 1), latest=date(2021, 12, 31), run_id="r1")],
        source_files=[SourceFile(source_path=a.source_path, content_sha256=a.content_sha256, size_bytes=10,
                                 outcome="loaded", article_id=a.article_id, run_id="r1", seen_at=NOW)],
        quality_results=[QualityResult(run_id="r1", article_id=a.article_id, suite="s", expectation=f"e{i}",
                                       column_name=None, severity="critical", success=True, observed=None,
                                       details=None) for i in range(2)],
        rejects=[Reject(source_path="in/bad.txt", content_sha256="", size_bytes=None, reason="empty file",
                        detail=None, run_id="r1", rejected_at=NOW)],
    )
    # the same files validated again by a later run: its article is known, so its detail rows stay out
    later_run = Batch(articles=[a], date_mentions=batch.date_mentions, quality_results=[
        QualityResult.model_validate({**r, "run_id": "r2"}) for r in batch.quality_results.to_pylist()])
    with Database.open(db) as database:
        con = database.connection
        first = loads.load_batch(database, batch)
        second = loads.load_batch(database, batch)
        assert first == {"source_files": 1, "articles": 1, "date_mentions": 1, "date_evidence": 0,
                         "quality_results": 2, "story_signatures": 0, "rejects": 1, "superseded": 0}
        assert set(second.values()) == {0}
        assert set(loads.load_batch(database, later_run).values()) == {0}
        assert_logical_keys_unique(con)
        assert con.execute("SELECT boilerplate[1].rule FROM articles").fetchone() == ("ad_marker",)
        state = ledger.ledger_state(database, [(a.source_path, a.content_sha256, ""), ("in/new.txt", "nope", "")])
        assert state.done == {(a.source_path, a.content_sha256, "")} and state.articles == {a.content_sha256: a.article_id}

        # A batch that fails half-way leaves nothing behind: the bad mention breaks NOT NULL after the
        # article row went in, inside the same transaction.
        b = make_article("b" * 16)
        mention = DateMention.model_validate(batch.date_mentions.to_pylist()[0])
        broken = Batch(articles=[b], date_mentions=[mention.model_copy(update={"article_id": "b" * 16, "text": None})])
        with pytest.raises(duckdb.Error):
            loads.load_batch(database, broken)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)


def assert_logical_keys_unique(con) -> None:
    """Every table's declared key is unique, whether DuckDB enforces it (PRIMARY KEY) or load_batch does."""
    for model in TABLES:
        keys = ", ".join(f'"{k}"' for k in model.primary_key)
        total, distinct = con.execute(f'SELECT count(*), count(DISTINCT ({keys})) FROM "{model.table}"').fetchone()
        assert total == distinct, f"{model.table}: {total - distinct} rows repeat a key ({keys})"


def test_a_run_opens_the_file_only_while_it_works_so_readers_get_in_between_batches(tmp_path):
    db = tmp_path / "run.duckdb"
    a, b = make_article(), make_article("b" * 16)
    memory = "SELECT current_setting('memory_limit')"
    with Database.for_run(db, memory_limit="100MiB") as database:
        with database.cursor() as con:
            assert con.execute(memory).fetchone()[0] == "100.0 MiB"
        loads.load_batch(database, Batch(articles=[a]))
        assert database.connection is None and not (tmp_path / "run.duckdb.wal").exists()  # checkpointed
        with open_read_only(db) as con:  # between batches a reader sees the committed batch
            assert con.execute("SELECT count(*) FROM articles").fetchone() == (1,)
        reader = subprocess.Popen(  # another process reading: the run waits for it rather than failing
            [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}, read_only=True); "
                                   "print('ready', flush=True); sys.stdin.readline()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert reader.stdout.readline().strip() == "ready"
            database.wait_s = 0.0
            with pytest.raises(DatabaseBusyError):
                loads.load_batch(database, Batch(articles=[b]))
            database.wait_s = 60.0
            threading.Timer(0.5, reader.stdin.write, ["\n"]).start()
            threading.Timer(0.6, reader.stdin.flush).start()
            with database.hold():  # several pieces of work under one open, once the reader has gone
                loads.load_batch(database, Batch(articles=[b]))
                assert database.connection is not None
            assert database.connection is None
        finally:
            reader.kill()
            reader.wait()
    assert query(db, "SELECT count(*) FROM articles") == (["count_star()"], [(2,)])


def test_detail_tables_declare_a_key_without_an_index():
    assert not DateMention.key_indexed and not QualityResult.key_indexed
    assert "PRIMARY KEY" not in create_table_sql(DateMention)
    assert all("PRIMARY KEY" in create_table_sql(m) for m in TABLES if m.key_indexed)


def test_read_only_connections_cannot_write(tmp_path):
    db = tmp_path / "ro.duckdb"
    Database.open(db).close()
    for statement in ("DELETE FROM articles", "DROP TABLE articles", "CREATE TABLE x (i INT)"):
        with pytest.raises(duckdb.Error):
            query(db, statement)


def test_second_writer_gets_a_clear_error(tmp_path):
    import subprocess
    import sys
    import textwrap

    db = tmp_path / "busy.duckdb"
    Database.open(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseBusyError, match="in use by another process"):
            Database.open(db)
    finally:
        holder.communicate("\n", timeout=30)


def test_changed_paths_are_all_but_the_files_handled_for_good_with_the_same_size_and_mtime(tmp_path):
    def ledger_row(path, sha, outcome, size=10, mtime=5):
        return SourceFile(source_path=path, content_sha256=sha, size_bytes=size, outcome=outcome,
                          article_id="a" * 16 if outcome == "loaded" else None, run_id="r1", seen_at=NOW, mtime_ns=mtime)

    def reject(path, sha, reason):
        return Reject(source_path=path, content_sha256=sha, size_bytes=10, reason=reason, detail=None, run_id="r1",
                      rejected_at=NOW)

    with Database.open(tmp_path / "t.duckdb") as database:
        loads.load_batch(database, Batch(
            source_files=[ledger_row("in/same.txt", "1", "loaded"), ledger_row("in/grown.txt", "2", "loaded"),
                          ledger_row("in/touched.txt", "5", "loaded"),
                          ledger_row("in/bad.txt", "3", "rejected"), ledger_row("in/crashed.txt", "4", "rejected")],
            rejects=[reject("in/bad.txt", "3", "empty"), reject("in/crashed.txt", "4", "internal error: boom")]))
        stats = [("in/same.txt", 10, 5), ("in/grown.txt", 11, 5), ("in/touched.txt", 10, 6), ("in/new.txt", 10, 5),
                 ("in/bad.txt", 10, 5), ("in/crashed.txt", 10, 5)]
        # a rejected file stays rejected until it changes; one that dateline failed on is tried again
        assert ledger.changed_paths(database, stats) == {"in/grown.txt", "in/touched.txt", "in/new.txt",
                                                         "in/crashed.txt"}
        assert ledger.changed_paths(database, []) == set()


def test_a_load_that_fails_after_its_first_table_rolls_back_whole(tmp_path, monkeypatch):
    """The fault sits where a real one would hurt most: the ledger rows are in, the articles fail."""
    real = loads.insert_rows

    def fail_on_articles(con, model, rows, new_articles):
        if model is Article:
            raise OSError("disk full")
        return real(con, model, rows, new_articles)

    a = make_article()
    batch = Batch(articles=[a], source_files=[SourceFile(source_path=a.source_path, content_sha256=a.content_sha256,
                                                         size_bytes=10, outcome="loaded", article_id=a.article_id,
                                                         run_id="r1", seen_at=NOW)])
    monkeypatch.setattr(loads, "insert_rows", fail_on_articles)
    with Database.open(tmp_path / "f.duckdb") as database:
        with pytest.raises(OSError, match="disk full"):
            loads.load_batch(database, batch)
        assert database.connection.execute("SELECT (SELECT count(*) FROM source_files), "
                                           "(SELECT count(*) FROM articles)").fetchone() == (0, 0)
        monkeypatch.setattr(loads, "insert_rows", real)
        assert loads.load_batch(database, batch)["articles"] == 1
