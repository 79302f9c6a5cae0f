"""Grade a batch: validate its articles with the Great Expectations suite and turn the outcome into
each article's ``quality_status`` and one ``quality_results`` row per (article, expectation).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from dateline.normalize import Normalized
from dateline.quality import INPUT_COLUMNS, QualityOutcome, validate_articles  # cheap: GX is imported when validating
from dateline.store import Batch
from schemas import Article, QualityResult
from schemas.ddl import arrow_schema


def articles_frame(articles: Sequence[Article]) -> pd.DataFrame:
    """The suite's input columns of each article; ``validate_articles`` sets the dtypes GX needs."""
    return pd.DataFrame({c: [getattr(a, c) for a in articles] for c in INPUT_COLUMNS}, columns=list(INPUT_COLUMNS))


def quality_results_table(outcome: QualityOutcome, run_id: str) -> pa.Table:
    """The outcome's ``quality_results`` rows as one Arrow table with the model's schema.

    Built column by column: a batch of 2,000 articles has 28,000 results, and a pydantic object each
    (then dumped again for Arrow) cost more than the validation itself. What the rows share per
    expectation (its name, column, severity, the suite) is checked against ``QualityResult`` once per
    expectation; what varies per row is typed by the Arrow schema derived from the same model.
    """
    for exp in outcome.expectations:
        QualityResult(run_id=run_id, article_id="", suite=outcome.suite_name, expectation=exp.name,
                      column_name=exp.column, severity=exp.severity, success=True, observed=None, details=None)
    cols = outcome.columns()
    n = len(cols["success"])
    return pa.Table.from_pydict({
        "run_id": [run_id] * n,
        "article_id": cols["article_id"],
        "suite": [outcome.suite_name] * n,
        "expectation": cols["expectation"],
        "column_name": cols["column"],
        "severity": cols["severity"],
        "success": cols["success"],
        "observed": cols["observed"],
        "details": cols["details"],
    }, schema=arrow_schema(QualityResult))


def grade(normalized: Normalized, run_id: str) -> Batch:
    """Validate the batch's articles and return the batch ready to load."""
    articles = normalized.articles
    batch = Batch(source_files=normalized.source_files, articles=articles, date_mentions=normalized.date_mentions,
                  rejects=normalized.rejects)
    if articles:
        outcome = validate_articles(articles_frame(articles))
        batch.articles = [a.model_copy(update={"quality_status": outcome.status[a.article_id]}) for a in articles]
        batch.quality_results = quality_results_table(outcome, run_id)
    return batch
