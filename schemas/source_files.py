from datetime import datetime
from typing import Literal

from schemas.base import TableModel


class SourceFile(TableModel):
    """Every input file a run saw, and what became of it: the ledger that accounts for each file.

    Every discovered path gets a row, readable or not; a run's rows plus the files it skipped as already
    handled add up to the files it discovered. A rejected file also has a ``rejects`` row with the reason.
    """

    table = "source_files"
    primary_key = ("source_path", "content_sha256")

    source_path: str
    content_sha256: str  # empty string when the file could not be read at all
    size_bytes: int | None  # None when not even the size could be had
    outcome: Literal["loaded", "duplicate", "rejected"]
    article_id: str | None
    run_id: str
    seen_at: datetime
