"""dateline.quality.datadocs: a real file-based Great Expectations context, its checkpoint and Data Docs."""

from __future__ import annotations

from datetime import date

from tests.test_quality import article, frame


def test_publish_builds_the_pages_and_counts_what_was_met(tmp_path):
    from dateline.quality.datadocs import index_path, publish_data_docs

    articles = frame(article("a"), article("b", title=None))  # b fails a warning expectation
    docs = publish_data_docs(articles, tmp_path, run_name="run-1", today=date(2024, 6, 20))
    assert docs["index"] == str(index_path(tmp_path).resolve()) and index_path(tmp_path).is_file()
    assert docs["evaluated_expectations"] > docs["successful_expectations"] > 0
    assert not docs["success"]
    # a second run reuses the project and adds its own validation to the same site
    again = publish_data_docs(frame(article("c")), tmp_path, run_name="run-2", today=date(2024, 6, 20))
    assert again["success"] and again["evaluated_expectations"] == docs["evaluated_expectations"]
    pages = list((index_path(tmp_path).parent / "validations").rglob("*.html"))
    assert len(pages) == 2
