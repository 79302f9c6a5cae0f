"""dateline.quality.grading: a batch's Great Expectations outcome as table rows and article statuses."""

from __future__ import annotations

import pyarrow as pa

from tests.test_quality import BODY, BOILERPLATE, TITLE_NOT_NULL, WORDS, article, run


def test_quality_results_table_has_the_models_schema_and_rows_that_validate_as_models():
    from dateline.quality.grading import quality_results_table
    from schemas import QualityResult
    from schemas.ddl import arrow_schema

    outcome = run(article("a"), article("b", title=None), article("c", word_count=0, body=BODY + " [ad_1]"))
    table = quality_results_table(outcome, "run-1")
    assert table.schema.equals(arrow_schema(QualityResult))
    rows = [QualityResult.model_validate(r) for r in table.to_pylist()]
    assert [r.model_dump() for r in rows] == [{"run_id": "run-1", "suite": outcome.suite_name, "column_name": r["column"],
                                              **{k: r[k] for k in ("article_id", "expectation", "severity", "success",
                                                                   "observed", "details")}}
                                             for r in outcome.results]
    failed = {(r.article_id, r.expectation) for r in rows if not r.success}
    assert failed == {("b", TITLE_NOT_NULL), ("c", WORDS), ("c", BOILERPLATE)}
    assert all(r.observed for r in rows if not r.success)


def test_grade_sets_each_articles_status_from_its_worst_failure():
    from dateline.quality.grading import grade
    from tests.test_dedup import _batch

    batch = _batch("a" * 64, "a.txt")
    graded = grade(batch, "run-1")
    (status,) = graded.articles["quality_status"].to_pylist()
    assert status == "warned"  # a one-word body fails the length expectations, which only warn
    assert graded.quality_results.num_rows > 0
    assert set(graded.quality_results["run_id"].to_pylist()) == {"run-1"}


def test_misplaced_mentions_counts_offsets_outside_the_body_or_off_their_text():
    from dateline.quality.grading import articles_frame, misplaced_mentions
    from tests.test_dedup import _batch

    body = "The board met on June 16, 2021 and again in July."
    mention = {"article_id": "a", "start_char": 17, "end_char": 30, "text": "June 16, 2021"}
    assert body[17:30] == "June 16, 2021"
    table = pa.Table.from_pylist([mention, {**mention, "start_char": 40, "end_char": 90},  # past the end
                                  {**mention, "start_char": 18, "end_char": 31},  # shifted by one
                                  {**mention, "article_id": "b", "start_char": 5, "end_char": 5}])  # empty span
    assert misplaced_mentions(["a", "b", "c"], [body, body, body], table) == [2, 1, 0]
    assert misplaced_mentions(["a"], [body], None) == [0]

    batch = _batch("a" * 64, "a.txt")  # its one mention, "b" at 0..1, is its body
    assert articles_frame(batch.articles, batch.date_mentions)["misplaced_mentions"].tolist() == [0]


def test_grade_quarantines_an_article_whose_mentions_miss_its_body():
    import dataclasses

    from dateline.quality.grading import grade
    from tests.test_dedup import _batch

    batch = _batch("a" * 64, "a.txt")
    i = batch.date_mentions.schema.get_field_index("end_char")
    field = batch.date_mentions.schema.field(i)
    moved = batch.date_mentions.set_column(i, field, pa.array([7], field.type))
    graded = grade(dataclasses.replace(batch, date_mentions=moved), "run-1")
    assert graded.articles["quality_status"].to_pylist() == ["quarantined"]
    failed = [r for r in graded.quality_results.to_pylist() if not r["success"] and r["severity"] == "critical"]
    assert [r["expectation"] for r in failed] == ["expect_column_values_to_be_between(misplaced_mentions)"]
