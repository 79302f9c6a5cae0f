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
    # The file's modification time when read (ns since the epoch; None if unread). A later run skips a path
    # whose size and mtime are both unchanged without reading it: a re-run over a big unchanged folder
    # costs a stat per file, not a read and a hash. (Tools that rewrite a file and restore its old mtime
    # at the same size defeat this; `touch` the file to have it read again.)
    mtime_ns: int | None = None
