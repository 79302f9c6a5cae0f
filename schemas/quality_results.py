from typing import Literal

from schemas.base import TableModel


class QualityResult(TableModel):
    """The outcome of one Great Expectations expectation for one article in one run."""

    table = "quality_results"
    key_indexed = False  # written with its article only (see TableModel.key_indexed)
    primary_key = ("run_id", "article_id", "expectation")

    run_id: str
    article_id: str
    suite: str
    expectation: str
    column_name: str | None
    severity: Literal["critical", "warning"]
    success: bool
    observed: str | None
    details: str | None
