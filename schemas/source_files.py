from datetime import datetime
from typing import Literal

from schemas.base import TableModel


class SourceFile(TableModel):
    """Every input record a run saw, and what became of it: the ledger that accounts for each record.

    A record is a one-article file (``record_key`` "") or one line, row, array item or WARC record of a
    file of many. Every discovered path gets at least one row, readable or not; a run's rows plus what it
    skipped as already handled add up to the records it saw. A rejected record also has a ``rejects`` row
    with the reason.
    """

    table = "source_files"
    primary_key = ("source_path", "content_sha256", "record_key")

    source_path: str
    content_sha256: str  # of the record's own bytes; empty string when the file could not be read at all
    size_bytes: int | None  # of the whole file; None when not even the size could be had
    outcome: Literal["loaded", "duplicate", "rejected"]
    article_id: str | None
    run_id: str
    seen_at: datetime
    # The file's modification time when read (ns since the epoch; None if unread). A later run skips a path
    # whose size and mtime are both unchanged without reading it: a re-run over a big unchanged folder
    # costs a stat per file, not a read and a hash. (Tools that rewrite a file and restore its old mtime
    # at the same size defeat this; `touch` the file to have it read again.)
    # Set on a file's last record only: a file that a crashed run read half of is read again.
    mtime_ns: int | None = None
    # Where in its file the record is: "line:42", "row:17", "item:3", a WARC-Record-ID, "rest:line:43" for
    # what a truncated file could not give; "" for a one-article file (and for rows older versions wrote).
    record_key: str = ""
    source_format: str | None = None  # txt, json, jsonl, csv, html, warc; ".gz" appended when gzipped
