"""One pydantic model per DuckDB table; the DDL and the Arrow schemas are derived from them (see ddl.py).

Module names match the tables they describe (``articles.py`` -> table ``articles``).
"""

from schemas.articles import Article, BoilerplateRemoval
from schemas.date_evidence import DateEvidence
from schemas.date_mentions import DateMention
from schemas.near_duplicates import NearDuplicate
from schemas.quality_results import QualityResult
from schemas.rejects import Reject
from schemas.runs import Run
from schemas.source_files import SourceFile
from schemas.stories import Story
from schemas.story_members import StoryMember
from schemas.story_signatures import StorySignature

#: Every table, in load order (parents before children).
TABLES = (Run, SourceFile, Article, DateMention, DateEvidence, QualityResult, Reject, StorySignature, NearDuplicate,
          Story, StoryMember)

from schemas.batch import Batch  # noqa: E402 - the records of one batch, built from the models above

__all__ = [
    "Article",
    "Batch",
    "BoilerplateRemoval",
    "DateEvidence",
    "DateMention",
    "NearDuplicate",
    "QualityResult",
    "Reject",
    "Run",
    "SourceFile",
    "Story",
    "StoryMember",
    "StorySignature",
    "TABLES",
]
