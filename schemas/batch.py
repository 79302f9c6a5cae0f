"""The records one batch of files produced, as they travel between stages (parse -> validate -> load)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemas.articles import Article
from schemas.base import TableModel
from schemas.date_evidence import DateEvidence
from schemas.date_mentions import DateMention
from schemas.ddl import to_arrow
from schemas.quality_results import QualityResult
from schemas.rejects import Reject
from schemas.source_files import SourceFile
from schemas.story_signatures import StorySignature

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa


@dataclass
class Batch:
    """Everything one batch of files produced, loaded together in one transaction.

    Each field is one table's rows as an Arrow table with the schema derived from that table's model
    (``schemas.ddl.arrow_schema``); a list of models given instead is converted on construction. Rows are
    validated as pydantic models where they are made and travel as Arrow from there: a batch crosses from
    a parse worker to the flow's process as a few buffers instead of tens of thousands of pickled models,
    and goes into DuckDB as is.
    """

    source_files: "pa.Table | list[SourceFile]" = field(default_factory=list)
    articles: "pa.Table | list[Article]" = field(default_factory=list)
    date_mentions: "pa.Table | list[DateMention]" = field(default_factory=list)
    date_evidence: "pa.Table | list[DateEvidence]" = field(default_factory=list)
    quality_results: "pa.Table | list[QualityResult]" = field(default_factory=list)
    rejects: "pa.Table | list[Reject]" = field(default_factory=list)
    # made by the parse workers, where the text is (``dateline.stories.signing``), for the stories stage
    story_signatures: "pa.Table | list[StorySignature]" = field(default_factory=list)

    def __post_init__(self) -> None:
        for model, rows in self.rows():
            setattr(self, model.table, to_arrow(model, rows))

    @classmethod
    def of(cls, records) -> "Batch":
        """The batch of a parse result (``dateline.parse.normalize.Normalized``), before validation."""
        return cls(source_files=records.source_files, articles=records.articles, date_mentions=records.date_mentions,
                   date_evidence=records.date_evidence, rejects=records.rejects,
                   story_signatures=records.story_signatures)

    def rows(self) -> Iterable[tuple[type[TableModel], "pa.Table"]]:
        """(model, rows) per table, in load order (the ledger first, an article before its details)."""
        yield SourceFile, self.source_files
        yield Article, self.articles
        yield DateMention, self.date_mentions
        yield DateEvidence, self.date_evidence
        yield QualityResult, self.quality_results
        yield StorySignature, self.story_signatures
        yield Reject, self.rejects
