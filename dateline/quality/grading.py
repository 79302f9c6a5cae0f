"""Grade a batch: validate its articles with the Great Expectations suite and turn the outcome into
each article's ``quality_status`` and one ``quality_results`` row per (article, expectation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from dateline.quality.validation import INPUT_COLUMNS, QualityOutcome, validate_articles  # cheap: GX is imported when validating
from schemas import Batch
from schemas import Article, DateMention, QualityResult
from schemas.ddl import arrow_schema

if TYPE_CHECKING:
    import pandas as pd


#: The suite's input columns an article row carries; ``misplaced_mentions`` is derived from its mentions.
ARTICLE_COLUMNS = [c for c in INPUT_COLUMNS if c != "misplaced_mentions"]


def articles_frame(articles: "pa.Table | Sequence[Article]",
                   mentions: "pa.Table | Sequence[DateMention] | None" = None) -> pd.DataFrame:
    """The suite's input columns of each article; ``validate_articles`` sets the dtypes GX needs.

    ``misplaced_mentions`` is computed from the article's ``date_mentions`` (none given: none misplaced)."""
    import pandas as pd  # here, not at the top: parse workers import this module and run without pandas

    if isinstance(articles, pa.Table):
        frame = articles.select(ARTICLE_COLUMNS).to_pandas()
    else:
        frame = pd.DataFrame({c: [getattr(a, c) for a in articles] for c in ARTICLE_COLUMNS}, columns=ARTICLE_COLUMNS)
    return with_misplaced_mentions(frame, mentions)


def with_misplaced_mentions(frame: pd.DataFrame, mentions: "pa.Table | Sequence[DateMention] | None") -> pd.DataFrame:
    """``frame`` (articles with ``ARTICLE_COLUMNS``) with its ``misplaced_mentions`` column set."""
    frame["misplaced_mentions"] = misplaced_mentions(frame["article_id"].tolist(), frame["body"].tolist(), mentions)
    return frame


def misplaced_mentions(article_ids: list[str], bodies: list[str],
                       mentions: "pa.Table | Sequence[DateMention] | None") -> list[int]:
    """Per article, its date mentions whose offsets fall outside its body or do not hold the mention's text:
    dates the checker read from text the body does not contain (offsets of another text, or a stale body)."""
    if mentions is None:
        return [0] * len(article_ids)
    if isinstance(mentions, pa.Table):
        cols = mentions.select(["article_id", "start_char", "end_char", "text"]).to_pydict()
        rows = zip(cols["article_id"], cols["start_char"], cols["end_char"], cols["text"])
    else:
        rows = ((m.article_id, m.start_char, m.end_char, m.text) for m in mentions)
    body_of = dict(zip(article_ids, bodies))
    bad: dict[str, int] = {}
    for aid, start, end, text in rows:
        body = body_of.get(aid)
        if body is not None and not (0 <= start < end <= len(body) and body[start:end] == text):
            bad[aid] = bad.get(aid, 0) + 1
    return [bad.get(aid, 0) for aid in article_ids]


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


def grade(batch: Batch, run_id: str) -> Batch:
    """Validate the batch's articles and return the batch ready to load: each article's
    ``quality_status`` set, and its ``quality_results`` rows added."""
    articles = batch.articles
    if not articles.num_rows:
        return batch
    outcome = validate_articles(articles_frame(articles, batch.date_mentions))
    status = pa.array([outcome.status[a] for a in articles["article_id"].to_pylist()], pa.string())
    column = articles.schema.get_field_index("quality_status")
    return dataclasses.replace(batch, articles=articles.set_column(column, articles.schema.field(column), status),
                               quality_results=quality_results_table(outcome, run_id))
