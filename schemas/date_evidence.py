from datetime import date

from schemas.base import TableModel


class DateEvidence(TableModel):
    """One piece of evidence about when an article was written, and the publication dates it allows.

    A person reads these rows to see why a verdict was reached (``articles.date_status``). Kinds written by
    the dating stage with the article: ``explicit_date`` (a date with its year, told as past or upcoming),
    ``yearless_date`` (placed around the claimed date: it narrows, never accuses), ``relative_month``
    ("next month"), ``news_recency``, ``dateline`` (title or body dateline; for a year-less one, the
    occurrence nearest the claimed date), ``weekday_date`` (a date with its weekday), ``elapsed_time`` ("a
    108-year wait" counted from the year its sentence prints) and
    ``malformed_date_line`` (why a date line names no date). Written by the stories stage: ``story`` (the
    agreeing dates of the article's siblings, or a year they print, named in ``detail``). Written by the corpus
    check: ``corpus`` (the claim lies far from the dates of every one of the article's nearest articles, which
    ``detail`` names; one row per accused article, replaced whole every run). Offsets are into
    ``articles.body``; evidence from the title or from no single mention has none.
    """

    table = "date_evidence"
    key_indexed = False  # written with its article, or replaced whole by the stage that owns its kind
    primary_key = ("article_id", "kind", "evidence_index")

    article_id: str
    kind: str
    evidence_index: int  # position among the article's evidence of this kind
    start_char: int | None
    end_char: int | None
    text: str | None
    earliest: date | None  # the publication dates this evidence allows: [earliest, latest], open if None
    latest: date | None
    weight: float  # how much the verdict trusts it, 0..1
    detail: str | None  # e.g. the sibling article ids of story evidence, or why a date line is not a date
    run_id: str
