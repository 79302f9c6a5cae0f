"""The parse stage on other processes: a process pool (the default) and a 2-worker Dask LocalCluster
through prefect-dask must give the same tables as parsing in the flow's own process, cross-batch
duplicates included (batches in flight do not know of each other; the load step settles them)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from conftest import SEEDS
from dateline.store import dedup
from dateline.settings import get_settings
from dateline.store.database import Batch
from schemas import Article, DateMention, QualityResult, SourceFile

# What a run decides, without its run id and clock times.
COMPARED = {
    "articles": "article_id, source_path, title, published_claimed, published_inferred_min, "
                "published_inferred_max, date_status, quality_status, superseded_by",
    "date_mentions": "article_id, mention_index, start_char, value",
    "quality_results": "article_id, expectation, success",
    "source_files": "source_path, content_sha256, outcome, article_id",
    "rejects": "source_path, reason, detail",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """19 files in 4 folders: the seeds, edited copies (new content), byte-identical copies in later
    folders (duplicates across batches) and one empty file and its copy (a reject, then its repeat)."""
    root = tmp_path_factory.mktemp("corpus")
    seeds = sorted(SEEDS.glob("*.txt"))
    for i, variant in enumerate(("a", "b", "c")):
        folder = root / f"{i}-{variant}"
        folder.mkdir()
        for s in seeds:
            text = s.read_text(encoding="utf-8")
            (folder / s.name).write_text(text if i == 0 else f"{text}\nReference {variant}-{s.stem}\n", encoding="utf-8")
    (root / "0-a" / "empty.txt").write_bytes(b"")
    copies = root / "9-copies"
    copies.mkdir()
    for src in (root / "0-a" / seeds[0].name, root / "1-b" / seeds[1].name, root / "0-a" / "empty.txt"):
        (copies / f"copy-of-{src.parent.name}-{src.name}").write_bytes(src.read_bytes())
    return root


def run_with(runner: str, corpus, db, **settings) -> dict:
    from dateline.orchestration import runners as orchestration
    from flows.news_etl import news_etl

    flow = news_etl.with_options(task_runner=orchestration.task_runner_for(get_settings(task_runner=runner, **settings)))
    return flow(paths=[str(corpus)], db=str(db), batch_size=4, data_docs=False)


def tables(db) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall() for t, cols in COMPARED.items()}


@pytest.fixture(scope="module")
def in_process(prefect_harness, corpus, tmp_path_factory):
    db = tmp_path_factory.mktemp("thread") / "dateline.duckdb"
    return run_with("thread", corpus, db), tables(db)


def test_parallel_runs_see_the_shared_api(prefect_harness):
    from prefect.task_runners import ProcessPoolTaskRunner

    from dateline.orchestration import runners as orchestration

    assert orchestration.runs_in_parallel(ProcessPoolTaskRunner(max_workers=2))


def test_in_process_run_accounts_for_every_file(in_process):
    summary, rows = in_process
    assert (summary["files_seen"], summary["loaded"], summary["duplicates"], summary["rejected"]) == (19, 15, 2, 2)
    assert summary["unaccounted"] == 0
    assert len(rows["articles"]) == 15


@pytest.mark.parametrize("runner, settings", [("process", {"workers": 2}), ("dask", {"workers": 2})])
def test_parallel_parse_gives_identical_tables(runner, settings, in_process, corpus, tmp_path):
    summary, expected = in_process
    db = tmp_path / "dateline.duckdb"
    got = run_with(runner, corpus, db, **settings)
    assert {k: got[k] for k in ("loaded", "duplicates", "rejected", "unaccounted")} == \
           {k: summary[k] for k in ("loaded", "duplicates", "rejected", "unaccounted")}
    for table, rows in tables(db).items():
        assert rows == expected[table], table
    # A second run over the same files adds nothing, whatever parsed them.
    again = run_with(runner, corpus, db, **settings)
    assert again["already_loaded"] == again["files_seen"] and again["loaded"] == 0


# ---- the pure part: settling duplicates between batches parsed at the same time ------------------------

NOW = datetime(2026, 1, 1)


def _batch(sha: str, path: str) -> Batch:
    aid = sha[:16]
    article = Article(
        article_id=aid, source_path=path, content_sha256=sha, size_bytes=3, encoding="utf-8", title=None,
        publisher=None, publisher_evidence=None, byline=None, dateline_text=None, published_claimed=None,
        published_claimed_at=None, pubdate_method=None, pubdate_confidence="NONE", published_inferred_min=None,
        published_inferred_max=None, date_status="missing", date_score=None, date_evidence=None, body="b",
        boilerplate=[], word_count=1, quality_status="passed", run_id="r", loaded_at=NOW)
    return Batch(
        source_files=[SourceFile(source_path=path, content_sha256=sha, size_bytes=3, outcome="loaded", article_id=aid,
                                 run_id="r", seen_at=NOW)],
        articles=[article],
        date_mentions=[DateMention(article_id=aid, mention_index=0, start_char=0, end_char=1, text="b",
                                   timex_type="DATE", value="2021", kind="year", granularity="year", tense="past",
                                   explicit_year=True, earliest=None, latest=None, run_id="r")],
        quality_results=[QualityResult(run_id="r", article_id=aid, suite="s", expectation="x", column_name=None,
                                       severity="critical", success=True, observed=None, details=None)],
    )


def test_drop_seen_turns_a_repeat_of_an_article_into_a_duplicate():
    sha = "a" * 64
    out = dedup.drop_seen(_batch(sha, "late.txt"), {sha: sha[:16]}, {})
    (row,) = out.source_files.to_pylist()
    assert (row["outcome"], row["article_id"]) == ("duplicate", sha[:16])
    assert out.articles.num_rows == out.date_mentions.num_rows == out.quality_results.num_rows == out.rejects.num_rows == 0


def test_drop_seen_rejects_a_repeat_of_rejected_bytes_with_the_first_reason():
    sha = "b" * 64
    out = dedup.drop_seen(_batch(sha, "late.txt"), {sha: ""}, {sha: "empty file"})
    assert [(r["outcome"], r["article_id"]) for r in out.source_files.to_pylist()] == [("rejected", None)]
    assert [(r["reason"], r["detail"]) for r in out.rejects.to_pylist()] == [("empty file", dedup.SAME_BYTES_REJECTED)]
    assert out.articles.num_rows == 0
    assert dedup.contents_of(out) == ({sha: ""}, {sha: "empty file"})


def test_drop_seen_keeps_new_content_untouched():
    batch = _batch("c" * 64, "new.txt")
    assert dedup.drop_seen(batch, {"d" * 64: "d" * 16}, {}) is batch
    assert dedup.contents_of(batch) == ({"c" * 64: "c" * 16}, {})


def test_a_batch_holds_arrow_tables_with_the_models_schemas():
    from schemas.ddl import arrow_schema

    batch = _batch("e" * 64, "x.txt")
    for model, table in batch.rows():
        assert table.schema.equals(arrow_schema(model)), model.table
    assert Batch().articles.num_rows == 0
