from datetime import date
from typing import Literal

from schemas.base import TableModel


class DateMention(TableModel):
    """A date or time expression found in an article's body, normalized TIMEX3-style."""

    table = "date_mentions"
    key_indexed = False  # written with its article only (see TableModel.key_indexed)
    primary_key = ("article_id", "mention_index")

    article_id: str
    mention_index: int
    start_char: int  # offsets into articles.body
    end_char: int
    text: str
    timex_type: Literal["DATE", "TIME", "DURATION", "SET"]
    value: str
    kind: str
    granularity: str
    tense: str
    explicit_year: bool
    earliest: date | None
    latest: date | None
    run_id: str
