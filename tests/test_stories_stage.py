"""The stories stage over a real database, through the real news-etl flow: the same stories whatever the
batches, halves or file order, every article in exactly one story, and a rebuild that changes nothing."""

import shutil

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from dateline.cli import main
from dateline.stories.features import N_PERM
from tests.conftest import SEEDS
from tests.test_stories import UNRELATED

TABLES = {
    "story_members": "SELECT article_id, story_id, similarity FROM story_members ORDER BY ALL",
    "near_duplicates": "SELECT article_id, duplicate_of, similarity, method FROM near_duplicates ORDER BY ALL",
    "stories": "SELECT * EXCLUDE (run_id) FROM stories ORDER BY ALL",
    "story_evidence": "SELECT article_id, earliest, latest, weight, detail FROM date_evidence WHERE kind = 'story'"
                      " ORDER BY ALL",
}


def _corpus(folder):
    """Seeds, a reposted copy of two seeds under another headline, unrelated articles and a scrap."""
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        shutil.copy(path, folder / f"{path.name}")
        if path.name.startswith(("001", "003")):
            body = path.read_text(encoding="utf-8").split("\n", 2)[-1]
            (folder / f"repost_{path.name}").write_text(
                "Summit news you need to know\n\nShare this on Facebook\n" + body + "\nRead more from our partners.\n")
    for i, (title, body) in enumerate(UNRELATED):
        (folder / f"other_{i}.txt").write_text(f"{title}\n\n{body}\n")
    (folder / f"scrap.txt").write_text("Breaking news.\n")
    return folder


def _tables(db) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}


@pytest.fixture(scope="module")
def at_once(prefect_harness, tmp_path_factory):
    from flows.news_etl import news_etl

    root = tmp_path_factory.mktemp("stories")
    corpus = _corpus(root / "corpus")
    result = news_etl(paths=[str(corpus)], db=str(root / "once.duckdb"), data_docs=False)
    return {"root": root, "corpus": corpus, "db": root / "once.duckdb", "result": result}


def test_every_article_has_exactly_one_story_and_the_seeds_share_one(at_once):
    with duckdb.connect(str(at_once["db"]), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM story_members").fetchone() == \
            con.execute("SELECT count(*), count(*) FROM articles").fetchone()
        seed_stories = con.execute(
            "SELECT count(DISTINCT story_id) FROM story_members JOIN articles USING (article_id)"
            " WHERE regexp_matches(source_path, '/[0-9]{3}_[0-9a-f]+[.]txt$')").fetchone()[0]
        copies = con.execute("SELECT a.source_path, d.source_path FROM near_duplicates n"
                             " JOIN articles a USING (article_id) JOIN articles d ON d.article_id = n.duplicate_of"
                             " ORDER BY 1").fetchall()
        scrap = con.execute("SELECT s.n_articles FROM stories s JOIN story_members m USING (story_id)"
                            " JOIN articles a USING (article_id) WHERE a.source_path LIKE '%scrap.txt'").fetchone()
        timeline = con.execute("SELECT count(*) FROM story_timeline").fetchone()[0]
        signatures = con.execute("SELECT count(*) FROM story_signatures").fetchone()[0]
    assert seed_stories == 1
    assert [(a.rsplit("/", 1)[1][:11], d.rsplit("/", 1)[1][:3]) for a, d in copies] == \
        [("repost_001_", "001"), ("repost_003_", "003")]
    assert scrap == (1,)
    assert timeline == len(_tables(at_once["db"])["story_members"])
    counts = at_once["result"]["stories"]
    assert counts["near_duplicates"] == counts["new_near_duplicates"] == 2
    # every article was signed by the parse workers as it was loaded: the stage signed none
    assert counts["new_stories"] == 1 and counts["signed"] == 0 and signatures == timeline


def test_two_halves_another_batch_size_and_file_order_give_the_same_stories(at_once):
    from flows.news_etl import news_etl

    root, expected = at_once["root"], _tables(at_once["db"])
    files = sorted(at_once["corpus"].iterdir())
    halves = [root / "half1", root / "half2"]
    for half, part in zip(halves, (files[::2], files[1::2])):
        half.mkdir()
        for f in part:
            shutil.copy(f, half / f.name)
    db = root / "halves.duckdb"
    first = news_etl(paths=[str(halves[0])], db=str(db), data_docs=False)
    second = news_etl(paths=[str(halves[1])], db=str(db), data_docs=False)
    assert _tables(db) == expected
    assert first["stories"]["signed"] == second["stories"]["signed"] == 0  # signed by the parse workers
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT article_id) FROM story_signatures").fetchone()[0] == \
            len(expected["story_members"])
    assert second["stories"]["new_stories"] + second["stories"]["grown_stories"] >= 1

    reordered = _corpus(root / "reordered")
    names = sorted(reordered.iterdir())
    for i, f in enumerate(names):  # the same files discovered in reverse order
        f.rename(f.with_name(f"{len(names) - i:03d}_{f.name}"))
    db = root / "small_batches.duckdb"
    news_etl(paths=[str(reordered)], db=str(db), batch_size=3, data_docs=False)
    assert _tables(db) == expected


def test_a_rebuild_from_the_cli_changes_nothing(at_once, capsys):
    db = at_once["root"] / "rebuild.duckdb"
    shutil.copy(at_once["db"], db)
    before = _tables(db)
    assert main(["stories", "--rebuild", "--db", str(db)]) == 0
    assert "stories" in capsys.readouterr().out
    assert _tables(db) == before


def _older_copy(at_once, name: str, query: str, *statements: str):
    """A copy of the at-once database made to look older by ``statements``, and ``query``'s rows before."""
    db = at_once["root"] / name
    shutil.copy(at_once["db"], db)
    with duckdb.connect(str(db)) as con:
        rows = con.execute(query).fetchall()
        for statement in statements:
            con.execute(statement)
    return db, rows


def test_a_database_from_before_bands_keys_and_numbers_is_signed_again(at_once):
    """A database signed when a ``story_keys`` table held each article's keys and story_signatures had no
    ``bands``, ``keys`` or ``numbers`` and its ``terms`` as a list: opening it drops the table and joins the
    terms; the stage signs every article again and rebuilds, to what the new code built at once."""
    query = "SELECT article_id, minhash, bands, keys, terms, numbers FROM story_signatures ORDER BY ALL"
    db, signed = _older_copy(
        at_once, "old_keys.duckdb", query,
        "CREATE TABLE story_keys (article_id VARCHAR NOT NULL, key VARCHAR NOT NULL, run_id VARCHAR NOT NULL)",
        """INSERT INTO story_keys SELECT article_id, 't' || unnest(string_split(keys, ' ')), run_id
           FROM story_signatures WHERE keys IS NOT NULL""",
        *(f"ALTER TABLE story_signatures DROP COLUMN {column}" for column in ("keys", "bands", "numbers")),
        "ALTER TABLE story_signatures ALTER terms TYPE VARCHAR[] USING coalesce(string_split(terms, ' '), [])",
        "DELETE FROM near_duplicates")  # as if the old code had found other copies
    assert main(["stories", "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(query).fetchall() == signed
        assert not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'story_keys'").fetchone()[0]
    assert all(len(b) == 32 for _, _, b, *_ in signed) and any(k for _, _, _, k, _, _ in signed)
    assert _tables(db) == _tables(at_once["db"])


#: story_signatures.minhash as a BIGINT[] of 128 values, as kept before stop 28, from its BLOB
_MINHASH_AS_LIST = ("list_transform(range(128), i -> ('0x' || substr(hex(minhash), i * 8 + 7, 2)"
                    " || substr(hex(minhash), i * 8 + 5, 2) || substr(hex(minhash), i * 8 + 3, 2)"
                    " || substr(hex(minhash), i * 8 + 1, 2))::BIGINT)")


@pytest.mark.parametrize("old_terms", [False, True], ids=["minhash", "minhash-and-terms"])
def test_signatures_kept_as_lists_become_blobs_of_the_same_values_without_signing_again(at_once, old_terms):
    """A database from before stop 28 kept each signature as a BIGINT[] (and one from before stop 21 its
    terms as a list too): opening it rebuilds story_signatures with the same values, the signature as 512
    little-endian bytes; the stage signs nothing again (same run ids) and the story tables stay."""
    query = "SELECT article_id, minhash, terms, run_id FROM story_signatures ORDER BY ALL"
    # rebuilt, not ALTER ... USING: DuckDB 1.5.5 fails internally on that lambda over the column it retypes
    old = [f"CREATE TABLE older AS SELECT * REPLACE ({_MINHASH_AS_LIST} AS minhash) FROM story_signatures",
           "DROP TABLE story_signatures", "ALTER TABLE older RENAME TO story_signatures"]
    if old_terms:
        old.append("ALTER TABLE story_signatures ALTER terms TYPE VARCHAR[] USING coalesce(string_split(terms, ' '), [])")
    db, signed = _older_copy(at_once, f"old_minhash_{old_terms}.duckdb", query, *old)
    with duckdb.connect(str(db), read_only=True) as con:  # the copy is in the old layout, values the same
        assert [len(m) for _, m, _, _ in con.execute(query).fetchall()] == [N_PERM] * len(signed)
        assert [np.array(m, "<u4").tobytes() for _, m, _, _ in con.execute(query).fetchall()] == [m for _, m, _, _ in signed]
    assert main(["stories", "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(query).fetchall() == signed
        assert con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'story_signatures'"
                           " AND column_name = 'minhash'").fetchone()[0] == "BLOB"
    assert all(len(m) == N_PERM * 4 for _, m, _, _ in signed) and _tables(db) == _tables(at_once["db"])


@pytest.mark.parametrize("column", ["numbers", "orgs"])
def test_signatures_from_before_numbers_or_orgs_are_made_again_and_the_stories_rebuilt(at_once, column):
    """A database signed before ``story_signatures.numbers`` (or ``orgs``) was kept: opening it adds the
    column (NULL), and the stage signs every article again from its text and rebuilds the story tables,
    which then equal what the new code built at once."""
    query = "SELECT article_id, minhash, numbers, orgs, terms, keys, bands FROM story_signatures ORDER BY ALL"
    db, signed = _older_copy(at_once, f"old_{column}.duckdb", query,
                             f"ALTER TABLE story_signatures DROP COLUMN {column}",
                             "DELETE FROM near_duplicates")  # as if the old code had found other copies
    assert main(["stories", "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(query).fetchall() == signed
    assert any(n for _, _, n, *_ in signed) and _tables(db) == _tables(at_once["db"])


def test_readers_get_in_while_the_stage_clusters(prefect_harness, tmp_path, monkeypatch):
    """The clustering runs with the run's file let go: another process opens it read-only meanwhile."""
    import subprocess
    import sys

    from dateline.stories import stage
    from flows.news_etl import news_etl

    db = tmp_path / "stories.duckdb"
    opened = []
    real_build = stage.build  # what clustering in memory calls once the features are read

    def build_and_read(*args, **kwargs):
        probe = subprocess.run([sys.executable, "-c", "import duckdb, sys; "
                                "print(duckdb.connect(sys.argv[1], read_only=True)"
                                ".execute('SELECT count(*) FROM articles').fetchone()[0])", str(db)],
                               capture_output=True, text=True, timeout=60)
        opened.append((probe.returncode, probe.stdout.strip(), probe.stderr[-300:]))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(stage, "build", build_and_read)
    news_etl(paths=[str(_corpus(tmp_path / "corpus"))], db=str(db), data_docs=False)
    assert opened and opened[0][0] == 0, opened
    assert int(opened[0][1]) > 0  # the reader saw the loaded articles


def test_reading_what_to_cluster_in_small_chunks_gives_the_same_tables(at_once, tmp_path, monkeypatch):
    # the stage reads signatures and dates a chunk per hold of the file, so readers get in between (issue 22)
    from dateline.stories import stage
    from dateline.store.database import Database

    copy = tmp_path / "chunked.duckdb"
    shutil.copy(at_once["db"], copy)
    monkeypatch.setattr(stage, "READ_CHUNK", 3)
    with Database.open(copy) as db:
        stage.update_stories(db, "chunked", rebuild=True)
    assert _tables(copy) == _tables(at_once["db"])


def test_a_rebuild_in_parts_gives_the_tables_of_one_in_memory(at_once, tmp_path, monkeypatch):
    # past the memory it may take, the stage lists the pairs in DuckDB a few rows at a time, checks them a
    # tile of a few pairs at a time on rows read back from its scratch file, and groups a few articles at a
    # time, one worker process taking each batch's share: the same tables
    from dateline.stories import stage
    from dateline.store.database import Database

    parts = []
    real = stage.cluster_in_parts
    monkeypatch.setattr(stage, "cluster_in_parts", lambda *a, **k: parts.append(len(a[1])) or real(*a, **k))
    for name, value in (("GROUP_BATCH", 4), ("ROW_BLOCK", 3), ("PAIR_BLOCK", 2), ("TILE_PAIRS", 5),
                        ("GROUP_WORKER_MIN", 0)):
        monkeypatch.setattr(stage, name, value)
    copy = tmp_path / "parts.duckdb"
    shutil.copy(at_once["db"], copy)
    with Database.open(copy) as db:
        stage.update_stories(db, "parts", rebuild=True, memory=stage.IN_MEMORY_BYTES * 5)
    assert parts and parts[0] > 5  # more articles than the memory given holds: in parts
    assert _tables(copy) == _tables(at_once["db"])


def test_a_rebuild_grouping_half_the_groups_in_a_worker_process_gives_the_same_tables(prefect_harness, tmp_path,
                                                                                      monkeypatch, caplog):
    # from clusters.GROUP_WORKER_MIN articles on, every other candidate group of two or more is grouped in
    # a second interpreter (dateline.stories.group_worker): the stage's tables must not tell the difference
    from dateline.stories import clusters, stage
    from dateline.stories.group_worker import GroupWorker
    from dateline.store.database import Database
    from flows.news_etl import news_etl

    corpus = _corpus(tmp_path / "corpus")
    for i, (title, body) in enumerate(UNRELATED):  # more candidate groups of two: the worker gets some
        (corpus / f"repost_other_{i}.txt").write_text(f"Update\n\nShared from the wire.\n{body}\n")
    db = tmp_path / "flow.duckdb"
    news_etl(paths=[str(corpus)], db=str(db), data_docs=False)  # a few articles: grouped in one process
    grouped_there = []

    class CountingWorker(GroupWorker):
        def result(self) -> list:
            stories = super().result()
            grouped_there.append(len(stories))
            return stories

    copy = tmp_path / "worker.duckdb"
    shutil.copy(db, copy)
    monkeypatch.setattr(clusters, "GROUP_WORKER_MIN", 1)
    monkeypatch.setattr(clusters.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(clusters, "GroupWorker", CountingWorker)
    with Database.open(copy) as database:
        stage.update_stories(database, "worker", rebuild=True)
    assert _tables(copy) == _tables(db)
    assert grouped_there and grouped_there[0] >= 1 and "grouping in this process only" not in caplog.text


def test_a_run_without_stories_leaves_them_to_dateline_stories(at_once):
    """``stories=False`` (``dateline run --no-stories``): no signature, key, story or corpus-check row; a
    later ``dateline stories`` signs every article from its stored text and builds the same tables."""
    from flows.news_etl import news_etl

    db = at_once["root"] / "later.duckdb"
    result = news_etl(paths=[str(at_once["corpus"])], db=str(db), data_docs=False, stories=False)
    assert result["stories"] is None and result["corpus_check"] is None
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("story_signatures", "stories", "story_members", "near_duplicates"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(_tables(at_once["db"])["story_members"])
    assert main(["stories", "--db", str(db)]) == 0
    assert _tables(db) == _tables(at_once["db"])


def test_forgetting_the_key_rows_drops_them_and_leaves_the_memory_limit_as_it_was():
    """The stage drops its key rows before the pairs' check and lowers DuckDB's limit a moment to get the
    memory back: the scratch tables it still needs stay, and so does the run's limit."""
    from dateline.store import stories as store

    con = duckdb.connect()
    con.execute("SET memory_limit = '123MiB'")
    for table in ("stories_keys", "stories_key_counts", "stories_seeds"):
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT range AS article_id FROM range(100000)")
    store.forget_keys(con)
    left = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert left == {"stories_seeds"} and con.execute("SELECT count(*) FROM stories_seeds").fetchone() == (100000,)
    assert con.execute("SELECT current_setting('memory_limit')").fetchone() == ("123.0 MiB",)


def test_the_tables_of_batches_kept_in_scratch_files_stream_back_whole_as_often_as_asked():
    # the stage in parts writes each batch's rows to a scratch file; a lake's transaction that lost a race
    # runs again and reads them a second time: both reads give every row, in the order written
    from dateline.stories.build import StoryTables
    from dateline.stories.spill import SpilledTables
    from schemas import DateEvidence, NearDuplicate, Story, StoryMember
    from schemas.ddl import arrow_schema

    def batch(ids: list[str], counts: dict) -> StoryTables:
        members = pa.table({"article_id": ids, "story_id": ids, "similarity": [1.0] * len(ids), "component_id": ids,
                            "run_id": ["r"] * len(ids)}, schema=arrow_schema(StoryMember))
        return StoryTables(arrow_schema(NearDuplicate).empty_table(), members, arrow_schema(Story).empty_table(), [],
                           counts)

    with SpilledTables() as out:
        out.add(batch(["a", "c"], {"stories": 2, "new_stories": 1}))
        out.add(batch(["b"], {"stories": 1, "new_stories": 0}))
        assert out.counts == {"stories": 3, "new_stories": 1} and out.members.num_rows == 3
        for _ in range(2):
            assert out.members.reader().read_all()["article_id"].to_pylist() == ["a", "c", "b"]
        assert out.evidence.reader().read_all().num_rows == 0 and out.evidence.schema == arrow_schema(DateEvidence)
