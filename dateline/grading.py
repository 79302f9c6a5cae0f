"""Grade a batch: validate its articles with the Great Expectations suite and turn the outcome into
each article's ``quality_status`` and one ``quality_results`` row per (article, expectation).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dateline.normalize import Normalized
from dateline.store import Batch
from schemas import Article, QualityResult

# The columns the suite in expectations/articles.py reads.
FRAME_COLUMNS = (
    "article_id", "title", "body", "word_count", "published_claimed", "published_inferred_min",
    "published_inferred_max", "date_status", "date_score",
)


def articles_frame(articles: Sequence[Article]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: getattr(a, c) for c in FRAME_COLUMNS} for a in articles], columns=list(FRAME_COLUMNS))
    for c in ("published_claimed", "published_inferred_min", "published_inferred_max"):
        frame[c] = pd.to_datetime(frame[c])
    return frame


def grade(normalized: Normalized, run_id: str) -> Batch:
    """Validate the batch's articles and return the batch ready to load."""
    from dateline.quality import validate_articles  # imports Great Expectations: 5-6 s, only when validating

    articles = normalized.articles
    results: list[QualityResult] = []
    if articles:
        outcome = validate_articles(articles_frame(articles))
        articles = [a.model_copy(update={"quality_status": outcome.status[a.article_id]}) for a in articles]
        results = [
            QualityResult(
                run_id=run_id, article_id=r["article_id"], suite=outcome.suite_name, expectation=r["expectation"],
                column_name=r.get("column"), severity=r["severity"], success=bool(r["success"]),
                observed=r.get("observed"), details=r.get("details"),
            )
            for r in outcome.results
        ]
    return Batch(
        source_files=normalized.source_files,
        articles=articles,
        date_mentions=normalized.date_mentions,
        quality_results=results,
        rejects=normalized.rejects,
    )
