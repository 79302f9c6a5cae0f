"""Settling duplicates between batches parsed at the same time (dateline.store.dedup): pure, no Prefect."""

from __future__ import annotations

import pickle
from datetime import datetime

from dateline.store import dedup
from dateline.store.dedup import ContentIndex
from schemas import Article, Batch, DateMention, QualityResult, SourceFile

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
    out = dedup.drop_seen(_batch(sha, "late.txt"), ContentIndex({sha: sha[:16]}))
    (row,) = out.source_files.to_pylist()
    assert (row["outcome"], row["article_id"]) == ("duplicate", sha[:16])
    assert out.articles.num_rows == out.date_mentions.num_rows == out.quality_results.num_rows == out.rejects.num_rows == 0


def test_drop_seen_rejects_a_repeat_of_rejected_bytes_with_the_first_reason():
    sha = "b" * 64
    out = dedup.drop_seen(_batch(sha, "late.txt"), ContentIndex({sha: ""}, {sha: "empty file"}))
    assert [(r["outcome"], r["article_id"]) for r in out.source_files.to_pylist()] == [("rejected", None)]
    assert [(r["reason"], r["detail"]) for r in out.rejects.to_pylist()] == [("empty file", dedup.SAME_BYTES_REJECTED)]
    assert out.articles.num_rows == 0
    contents = dedup.contents_of(out)
    assert (contents.articles, contents.reasons) == ({sha: ""}, {sha: "empty file"})


def test_drop_seen_keeps_new_content_untouched():
    batch = _batch("c" * 64, "new.txt")
    assert dedup.drop_seen(batch, ContentIndex({"d" * 64: "d" * 16})) is batch
    contents = dedup.contents_of(batch)
    assert (contents.articles, contents.reasons) == ({"c" * 64: "c" * 16}, {})


def test_a_batch_holds_arrow_tables_with_the_models_schemas():
    from schemas.ddl import arrow_schema

    batch = _batch("e" * 64, "x.txt")
    for model, table in batch.rows():
        assert table.schema.equals(arrow_schema(model)), model.table
    assert Batch().articles.num_rows == 0


def test_a_content_index_is_one_leaf_to_prefect_and_survives_pickling():
    from prefect.utilities.collections import visit_collection

    index = ContentIndex({"a" * 64: "a" * 16, "b" * 64: ""}, {"b" * 64: "empty file"})
    visited = []
    visit_collection(index, visit_fn=lambda x: visited.append(x) or x, return_data=False)
    assert visited == [index]  # not walked entry by entry
    copy = pickle.loads(pickle.dumps(index))
    assert (copy.articles, copy.reasons, len(copy)) == (index.articles, index.reasons, 2)
    index.update(ContentIndex({"c" * 64: "c" * 16}))
    assert len(index) == 3
