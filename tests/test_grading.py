"""dateline.quality.grading: a batch's Great Expectations outcome as table rows and article statuses."""

from __future__ import annotations

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
