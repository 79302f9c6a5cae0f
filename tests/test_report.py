"""dateline.orchestration.report: the run summary a person reads in the Prefect UI."""

from __future__ import annotations

from datetime import datetime

from dateline.orchestration.report import _sample, run_markdown
from schemas import Run

SUMMARY = {
    "loaded": 4, "duplicates": 1, "rejected": 2, "passed": 2, "warned": 1, "quarantined": 1,
    "reject_reasons": [{"reason": "empty file", "files": 2}],
    "expectation_failures": [{"expectation": "expect_x(title)", "severity": "warning", "articles": 1}],
    "date_anomalies": [{"article_id": "1fc2", "title": "Summit | next month", "claimed": "2024-03-29",
                        "inferred_min": "2021-05-01", "inferred_max": "2021-05-31", "score": 1.0}],
}


def test_the_summary_has_every_count_reason_failure_and_anomaly():
    run = Run(run_id="r-1", flow_name="news-etl", started_at=datetime(2026, 1, 1), input_paths=["inbox"],
              code_version="v1", files_seen=9, already_loaded=2, duration_s=3.25)
    md = run_markdown(run, SUMMARY)
    assert md.startswith("# news-etl run `r-1`\nInputs: inbox | code v1 | 3.2 s\n")
    assert "| 9 | 4 | 2 | 1 | 2 | 2 | 1 | 1 |" in md
    assert "| empty file | 2 |" in md and "| expect_x(title) | warning | 1 |" in md
    assert "| 1fc2 | Summit \\| next month | 2024-03-29 | 2021-05-01 .. 2021-05-31 | 1.0 |" in md  # pipes escaped
    assert "Data Docs" not in md


def test_an_empty_run_says_none_and_data_docs_say_how_much_they_saw():
    run = Run(run_id="r-2", flow_name="news-etl", started_at=datetime(2026, 1, 1), input_paths=["a", "b"],
              code_version="v1")
    empty = {**SUMMARY, "reject_reasons": [], "expectation_failures": [], "date_anomalies": []}
    docs = {"index": "/x/index.html", "successful_expectations": 13, "evaluated_expectations": 14,
            "articles_validated": 10, "articles_loaded": 10}
    md = run_markdown(run, empty, data_docs=docs)
    assert md.count("None.") == 3
    assert "13 of 14 expectations met over the whole run: [Data Docs](file:///x/index.html)" in md
    assert _sample({**docs, "articles_validated": 5}) == "a random sample of 5 of the run's 10 articles"


def test_the_summary_says_how_many_stories_were_new_or_grew_and_how_many_copies_were_found():
    run = Run(run_id="r-3", flow_name="news-etl", started_at=datetime(2026, 1, 1), input_paths=["a"], code_version="v1")
    stories = {"signed": 7, "stories": 5, "new_stories": 2, "grown_stories": 1, "near_duplicates": 3,
               "new_near_duplicates": 2, "story_evidence": 1, "skipped": 0}
    md = run_markdown(run, {**SUMMARY, "stories": stories})
    assert "## Stories (the whole database)" in md and "| 5 | 2 | 1 | 3 | 2 | 1 |" in md
    assert "Stories" not in run_markdown(run, SUMMARY)
