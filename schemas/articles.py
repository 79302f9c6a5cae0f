from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import TableModel

DateStatus = Literal["consistent", "inconsistent", "no_evidence", "missing"]
QualityStatus = Literal["passed", "warned", "quarantined"]
PubdateConfidence = Literal["NONE", "PARTIAL", "DATE", "DATETIME"]


class BoilerplateRemoval(BaseModel):
    """One piece of text the normalizer took out of the body, and the rule that took it."""

    model_config = ConfigDict(frozen=True)

    rule: str
    text: str


class Article(TableModel):
    """One distinct article text (content-addressed: identical files share one row)."""

    table = "articles"
    primary_key = ("article_id",)

    article_id: str = Field(description="First 16 hex digits of the SHA-256 of the file's bytes.")
    source_path: str = Field(description="Path of the first file this text was loaded from.")
    content_sha256: str
    size_bytes: int
    encoding: str = Field(description="How the bytes were decoded, e.g. utf-8, utf-8-sig.")
    title: str | None
    publisher: str | None
    publisher_evidence: str | None = Field(description="The text that names the publisher.")
    byline: str | None
    dateline_text: str | None = Field(description="The claimed date exactly as the source writes it.")
    published_claimed: date | None
    published_claimed_at: datetime | None
    pubdate_method: str | None
    pubdate_confidence: PubdateConfidence
    published_inferred_min: date | None = Field(description="Earliest publication date the content allows.")
    published_inferred_max: date | None = Field(description="Latest publication date the content allows.")
    date_status: DateStatus
    date_score: float | None = Field(description="How strongly the content contradicts the claimed date (0..1).")
    date_evidence: str | None = Field(
        description="The mentions that bound the inferred window, as text; or why the dates were not judged."
    )
    body: str
    boilerplate: list[BoilerplateRemoval]
    word_count: int
    quality_status: QualityStatus
    superseded_by: str | None = Field(
        None, description="The article_id of a later version of the same file (the file was edited)."
    )
    run_id: str
    loaded_at: datetime
    # Added for issue 21, last so that tables migrated from older versions have the same column order.
    url: str | None = Field(None, description="The article's address, where its source says it (JSON metadata).")
    source_format: str | None = Field(None, description="The input format it was read from: txt, json, jsonl, "
                                      "csv, html, warc (.gz appended when gzipped).")
    record_key: str | None = Field(None, description="Where in the file it was first read: line:42, row:17, "
                                   "a WARC-Record-ID; empty for a one-article file.")
    language: str | None = Field(
        None, description="ISO 639-1 code of the language it is written in (detected; the metadata's where the "
                          "text cannot tell), null when unknown."
    )
