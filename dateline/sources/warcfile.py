"""WARC archives (``.warc``, ``.warc.gz``), streamed with warcio: one record per WARC record, keyed by its
WARC-Record-ID.

A ``response`` (or ``resource``) record whose payload is HTML goes on as that page's HTML, with the
WARC-Target-URI as its address, through the same path as a saved ``.html`` page. Every other record
(``request``, ``metadata``, ``warcinfo``, ``revisit``; responses holding images, PDFs, DNS answers) is
rejected with its type as the reason, ``not an article: WARC request record``: a WARC's every record
then has a ledger row, and ``SELECT reason, count(*) FROM rejects`` shows what an archive held
besides pages (decided over "skipped and counted": a count in a log cannot be queried).

A WARC cut mid-record (a download stopped early): the whole records before the cut load, the record
cut short is rejected, and so are any bytes after the last record warcio could read. warcio was
chosen over fastwarc for its tolerance of such files (it reads what is there and says how much of a
record was missing); ``bench/warc_readers.py`` measures both.
"""

from __future__ import annotations

from collections.abc import Iterator

from dateline.sources.records import Limits, RawRecord, record_of, reject_of

_PAGE_RECORDS = ("response", "resource")


def _content_type(rec) -> str:
    headers = rec.http_headers if rec.http_headers is not None else rec.rec_headers
    return (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()


def records(path: str, fh, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    from warcio.archiveiterator import ArchiveIterator  # noqa: PLC0415 - only runs that meet a WARC pay for it

    fmt = "warc.gz" if path.lower().endswith(".gz") else "warc"
    it = ArchiveIterator(fh)
    n = 0
    total = 0
    try:
        for rec in it:
            n += 1
            key = rec.rec_headers.get_header("WARC-Record-ID") or f"record:{n}"
            ctype = _content_type(rec)
            if rec.rec_type not in _PAGE_RECORDS or "html" not in ctype:
                what = (f"not an article: WARC {rec.rec_type} record" if rec.rec_type not in _PAGE_RECORDS
                        else f"not HTML: WARC {rec.rec_type} of {ctype or 'unknown type'}")
                yield reject_of(path, key, fmt, size, what, rec.rec_headers.get_header("WARC-Target-URI"))
                continue
            payload = rec.content_stream().read(lim.max_bytes + 1)
            total += len(payload)
            if len(payload) > lim.max_bytes:
                yield reject_of(path, key, fmt, size, f"too large: WARC payload over {lim.max_bytes / 1e6:g} MB",
                                "set --max-file-mb or $DATELINE_MAX_FILE_MB to raise the limit")
                continue
            if rec.raw_stream.limit:  # the record says it is longer than what the file holds
                yield reject_of(path, key, fmt, size, "WARC cut mid-record: the record is incomplete",
                                f"{rec.raw_stream.limit:,} bytes of it missing", payload[:4096])
                continue
            if total > lim.max_inflated:
                yield reject_of(path, f"rest:record:{n}", fmt, size,
                                f"WARC payloads past the size cap ({lim.max_inflated / 1e6:g} MB)",
                                "set --max-inflated-mb or $DATELINE_MAX_INFLATED_MB to raise the cap")
                return
            yield record_of(path, key, payload, fmt, size, url=rec.rec_headers.get_header("WARC-Target-URI"))
    except Exception as exc:  # warcio's ArchiveLoadFailed, zlib errors: what was read is kept, the rest rejected
        yield reject_of(path, f"rest:record:{n + 1}", fmt, size, "malformed WARC: the rest could not be read",
                        f"{type(exc).__name__}: {exc}"[:500])
        return
    if size is not None and it.offset < size:
        yield reject_of(path, f"rest:record:{n + 1}", fmt, size, "WARC cut mid-record: the rest could not be read",
                        f"{size - it.offset:,} bytes after the last whole record at byte {it.offset:,}")
