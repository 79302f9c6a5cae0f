from datetime import datetime

from schemas.base import TableModel

#: How every reject reason that is dateline's fault, not the file's, begins ("internal error while
#: parsing: KeyError"). Such files are retried by the next run; see ``dateline.store``.
INTERNAL_ERROR = "internal error"


class Reject(TableModel):
    """An input record (a file, or a line, row or WARC record of one) that could not become an article, with a reason a person can act on."""

    table = "rejects"
    primary_key = ("source_path", "content_sha256", "record_key")

    source_path: str
    content_sha256: str  # empty string when the file could not be read at all
    size_bytes: int | None
    reason: str
    detail: str | None
    run_id: str
    rejected_at: datetime
    record_key: str = ""  # as in source_files: which line, row or WARC record of the file ("" the whole file)
