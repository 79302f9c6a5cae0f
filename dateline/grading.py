"""Grade a batch: validate its articles with the Great Expectations suite and turn the outcome into
each article's ``quality_status`` and one ``quality_results`` row per (article, expectation).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dateline.normalize import Normalized
from dateline.quality import INPUT_COLUMNS, validate_articles  # cheap: GX is imported when validating
from dateline.store import Batch
from schemas import Article, QualityResult


def articles_frame(articles: Sequence[Article]) -> pd.DataFrame:
    """The suite's input columns of each article; ``validate_articles`` sets the dtypes GX needs."""
    return pd.DataFrame([{c: getattr(a, c) for c in INPUT_COLUMNS} for a in articles], columns=list(INPUT_COLUMNS))


def grade(normalized: Normalized, run_id: str) -> Batch:
    """Validate the batch's articles and return the batch ready to load."""
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
