from datetime import datetime
from typing import Literal

from schemas.base import TableModel


class SourceFile(TableModel):
    """Every input file a run saw, and what became of it: the ledger that accounts for each file."""

    table = "source_files"
    primary_key = ("source_path", "content_sha256")

    source_path: str
    content_sha256: str
    size_bytes: int
    outcome: Literal["loaded", "duplicate", "rejected"]
    article_id: str | None
    run_id: str
    seen_at: datetime
