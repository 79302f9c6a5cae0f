"""Sources yield records, not files: which format a file is, and the stream of records a run reads.

A one-article file (``.txt``, ``.html``, one ``.json`` object) is one record, read whole as a ``RawFile``
(``dateline.sources.files``) with the record key ``""``. A file of many articles (JSON Lines, a JSON
array, CSV, WARC, and any of them gzipped) is streamed: ``RecordReader`` yields one ``RawRecord`` per
line, row, array item or WARC record, so a 1 GB export is read with flat memory, never held whole.

Every record ends as an article, a duplicate or a reject, and the reader makes a record of what it
could not read too (a truncated gzip, a WARC cut mid-record, an inflation past the cap): a ``RawRecord``
carrying ``reject``, keyed where reading stopped (``rest:line:43``). Pure: no Prefect, no database.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

from dateline.sources.files import (
    _HTML_RE, FileBatch, RawFile, Unreadable, read_file, storable_path, unsupported_format,
)

#: Formats read as one article per file (whole, like ``.txt``).
ONE_ARTICLE = frozenset({"txt", "html", "json"})
#: Suffix -> format. ``.gz`` on top of any of them is inflated as the file is read.
SUFFIX_FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".json": "json", ".jsonl": "jsonl",
                  ".ndjson": "jsonl", ".csv": "csv", ".warc": "warc"}
# Enough of a file's start to tell its format and, for CSV, its delimiter.
HEAD_BYTES = 64 * 1024
CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record of a file of many: its own bytes (a JSON object's text, a CSV row as JSON, a page's HTML)."""

    path: str
    record_key: str  # "line:42", "item:3", "row:17", a WARC-Record-ID
    data: bytes
    sha256: str
    fmt: str  # jsonl, json, csv, warc, txt, html; ".gz" appended when the file was gzipped
    file_size: int | None
    # Set on a file's last record only: a later run skips the file unread when its size and mtime match
    # this row, so a run that died mid-file (earlier records loaded, later ones not) reads it again.
    mtime_ns: int | None = None
    url: str | None = None  # what the container says the record's address is (WARC-Target-URI)
    reject: tuple[str, str | None] | None = None  # the reader could not make it a record: (reason, detail)

    @property
    def size(self) -> int:
        return len(self.data)


def record_of(path: str, key: str, data: bytes, fmt: str, file_size: int | None, **kw) -> RawRecord:
    return RawRecord(path, key, data, hashlib.sha256(data).hexdigest(), fmt, file_size, **kw)


def reject_of(path: str, key: str, fmt: str, file_size: int | None, reason: str, detail: str | None,
              data: bytes = b"") -> RawRecord:
    """A record the reader could not read. Its hash covers the path and key as well as the bytes it had:
    two files cut at the same spot are two rejects, not a duplicate of one."""
    digest = hashlib.sha256(storable_path(path).encode() + b"\0" + key.encode() + b"\0" + data).hexdigest()
    return RawRecord(path, key, data, digest, fmt, file_size, reject=(reason, detail))


# ---------------------------------------------------------------------------------------------------
# Which format a file is
# ---------------------------------------------------------------------------------------------------

def _suffix_format(path: str) -> tuple[str | None, bool]:
    """(format named by the suffix, gzipped by name)."""
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return SUFFIX_FORMATS.get(Path(name).suffix), gz


def sniff_format(head: bytes) -> str | None:
    """The format the bytes say, for files whose name says none (or a wrong one): WARC, JSON Lines, a JSON
    array or object, an HTML document, CSV with a header of known column names; None for anything else
    (plain text is only read from ``.txt``: a stray README is not an article)."""
    if head.startswith(b"WARC/"):
        return "warc"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:HEAD_BYTES].decode("utf-8", "replace")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl" if _looks_like_jsonl(text) else "json"
    if text.startswith("<") and _HTML_RE.search(text[:4096]):
        return "html"
    first = text.split("\n", 1)[0].lower()
    from dateline.sources.jsonfile import FIELD_KEYS  # noqa: PLC0415 - the column names an export may use

    for sep in (",", ";", "\t", "|"):
        cols = {c.strip().strip('"') for c in first.split(sep)}
        if len(cols) >= 2 and cols & set(FIELD_KEYS["body"]):
            return "csv"
    return None


def _looks_like_jsonl(text: str) -> bool:
    """A first line that is a whole JSON object with more after it: JSON Lines, not one (pretty) object."""
    first, _, rest = text.partition("\n")
    if not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def detect_format(path: str, head: bytes) -> tuple[str | None, bool]:
    """(format, gzipped) of a file from its name and first bytes; format None when dateline reads none.

    The bytes win where the name lies: gzip (a ``story.txt`` that is gzipped is inflated, then read as
    text) and WARC by their magic; a ``.json`` holding JSON Lines or an array, a ``.jsonl`` holding an array. ``.txt`` stays plain text whatever it holds (its reader then says
    "not plain text: HTML document"), so wire copy in angle brackets is never taken for markup.
    """
    named, _ = _suffix_format(path)
    gz = head.startswith(_GZIP_MAGIC)
    if gz:
        return named, True  # the inner format is told from the inflated bytes where the name gives none
    if named == "txt":
        return "txt", False
    if head.startswith(b"WARC/"):
        return "warc", False
    if named in ("json", "jsonl") or named is None:
        sniffed = sniff_format(head)
        if named is None or sniffed in ("json", "jsonl"):
            return sniffed, False
    return named, False


# ---------------------------------------------------------------------------------------------------
# Reading a byte stream in chunks, with gzip's failures and the inflation cap as exceptions
# ---------------------------------------------------------------------------------------------------

class StreamError(Exception):
    """Reading stopped: the rest of the file cannot be read (``reason``, ``detail``)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def chunks(stream, *, gz: bool, max_inflated: int) -> Iterator[bytes]:
    """The bytes of ``stream`` in chunks, inflated when ``gz``. A truncated or corrupt gzip, or one inflating
    past ``max_inflated`` bytes, raises ``StreamError`` after the chunks that could be read."""
    src = gzip.GzipFile(fileobj=stream, mode="rb") if gz else stream
    total = 0
    # read1 for gzip: what one step inflates, so a truncated file still hands on what came before the cut.
    read = src.read1 if gz else src.read
    while True:
        try:
            chunk = read(CHUNK)
        except EOFError as exc:
            raise StreamError("truncated gzip: the file ends mid-stream",
                              f"{exc}; {total:,} bytes inflated before it") from None
        except (OSError, zlib.error) as exc:
            raise StreamError("corrupt gzip", f"{type(exc).__name__}: {exc}; {total:,} bytes inflated before it") from None
        if not chunk:
            return
        total += len(chunk)
        if gz and total > max_inflated:
            yield chunk[:len(chunk) - (total - max_inflated)]  # the records wholly inside the cap still load
            raise StreamError(f"gzip inflates past the size cap ({max_inflated / 1e6:g} MB)",
                              "set --max-inflated-mb or $DATELINE_MAX_INFLATED_MB to raise the cap")
        yield chunk


def lines(parts: Iterable[bytes], max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number from 1, the line's bytes with its end) of a chunk stream; ``None`` for a line longer
    than ``max_line`` bytes, which is skipped without being held."""
    buf = b""
    n = 0
    oversize = False
    for part in parts:
        buf += part
        start = 0
        while (end := buf.find(b"\n", start)) >= 0:
            n += 1
            yield n, None if oversize else buf[start:end + 1]
            oversize = False
            start = end + 1
        buf = buf[start:]
        if len(buf) > max_line:
            oversize, buf = True, b""
    if buf or oversize:
        yield n + 1, None if oversize else buf


def estimate_records(paths: Iterable[str], bytes_per_record: int = 4096) -> int:
    """About how many records ``paths`` hold (one per one-article file, a file of many by its size): what
    decides whether a run is worth parallel parse workers before any file is read."""
    n = 0
    for p in paths:
        fmt, gz = _suffix_format(p)
        if fmt in ("txt", "html") and not gz:
            n += 1
            continue
        try:
            n += max(1, os.path.getsize(p) * (8 if gz else 1) // bytes_per_record)
        except OSError:
            n += 1
    return n


# ---------------------------------------------------------------------------------------------------
# The run's record stream
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int  # one article (a one-article file, a line, a row, a WARC payload)
    max_inflated: int  # what one gzipped file may inflate to


class RecordReader:
    """The records under a run's paths, a batch at a time (``take``); counts what it has yielded.

    Not a list or dataclass: Prefect passes it whole as a task parameter (see ``FileBatch``).
    """

    def __init__(self, paths: Iterable[str], limits: Limits):
        self.limits = limits
        self.records = 0  # records (and unreadable files) yielded so far
        self.formats: dict[str, int] = {}
        self._it = self._all(list(paths))

    def take(self, n: int) -> FileBatch:
        batch = FileBatch(islice(self._it, n))
        self.records += len(batch)
        return batch

    def __repr__(self) -> str:
        return f"RecordReader({self.records} records so far)"

    def _all(self, paths: list[str]) -> Iterator[RawFile | Unreadable | RawRecord]:
        for path in paths:
            yield from self.read_path(path)

    def read_path(self, path: str) -> Iterator[RawFile | Unreadable | RawRecord]:
        """The records of one file; the last one carries the file's mtime (see ``RawRecord.mtime_ns``)."""
        named, gz_named = _suffix_format(path)
        if named in ("txt", "html") and not gz_named:
            # The common case, read once, as before records: only gzip's magic could make it another format.
            got = read_file(path, max_bytes=self.limits.max_bytes)
            if not (isinstance(got, RawFile) and got.data.startswith(_GZIP_MAGIC)):
                yield got
                return
        try:
            st = os.stat(path)
            regular = stat.S_ISREG(st.st_mode)
        except OSError:
            regular = False
        if not regular:  # read_file says why (a FIFO, a dangling link, a folder named *.txt ...)
            yield read_file(path, max_bytes=self.limits.max_bytes)
            return
        try:
            with open(path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except OSError:
            yield read_file(path, max_bytes=self.limits.max_bytes)
            return
        fmt, gz = detect_format(path, head)
        if not gz and fmt in ONE_ARTICLE and not (fmt == "json" and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"["):
            yield read_file(path, max_bytes=self.limits.max_bytes, fmt=fmt)
            return
        if fmt is None and not gz:
            yield unsupported_format(path, st.st_size, sniffed=True) or read_file(path, max_bytes=self.limits.max_bytes)
            return
        pending = None
        n = 0
        try:
            for rec in self._stream(path, fmt, gz, st.st_size):
                if pending is not None:
                    yield pending
                pending, n = rec, n + 1
        except Exception as exc:  # the file vanished or broke mid-read, or a reader bug: the rest is a reject
            from schemas.rejects import INTERNAL_ERROR  # noqa: PLC0415

            if pending is not None:
                yield pending
            reason = ("unreadable: operating-system error" if isinstance(exc, OSError)
                      else f"{INTERNAL_ERROR} while reading: {type(exc).__name__}")
            pending = reject_of(path, f"rest:record:{n + 1}", _fmt_name(fmt, gz), st.st_size, reason,
                                f"{exc}"[:500] or None)
        if pending is None:
            pending = reject_of(path, "", _fmt_name(fmt, gz), st.st_size, "empty: no records in the file", None)
        yield replace(pending, mtime_ns=st.st_mtime_ns)

    def _stream(self, path: str, fmt: str | None, gz: bool, size: int) -> Iterator[RawRecord]:
        from dateline.sources import csvfile, jsonlines, warcfile  # noqa: PLC0415

        lim = self.limits
        with open(path, "rb") as fh:
            if fmt == "warc":
                yield from warcfile.records(path, fh, size, lim)
                return
            parts = chunks(fh, gz=gz, max_inflated=lim.max_inflated)
            if gz:  # the inner format: from the name, else from the inflated bytes
                first = b""
                try:
                    first = next(parts, b"")
                except StreamError as exc:
                    yield reject_of(path, "rest:byte:0", _fmt_name(fmt, gz), size, exc.reason, exc.detail)
                    return
                if first.startswith(b"WARC/"):  # a .warc.gz of one gzip member; warcio reads it from the start
                    fh.seek(0)
                    yield from warcfile.records(path, fh, size, lim)
                    return
                if fmt is None or fmt == "json":
                    fmt = sniff_format(first[:HEAD_BYTES]) or fmt
                parts = _prepend(first, parts)
            name = _fmt_name(fmt, gz)
            if fmt == "jsonl":
                yield from jsonlines.jsonl_records(path, parts, name, size, lim)
            elif fmt == "json":
                yield from jsonlines.json_records(path, parts, name, size, lim)
            elif fmt == "csv":
                yield from csvfile.csv_records(path, parts, name, size, lim)
            elif fmt in ("txt", "html"):  # a gzipped one-article file: inflate it whole, up to the article limit
                yield from _one_article(path, parts, fmt, name, size, lim)
            else:
                yield reject_of(path, "", name, size, "unsupported format: gzip of an unknown format",
                                f"the inflated bytes are none of {', '.join(sorted(set(SUFFIX_FORMATS.values())))}")


def _fmt_name(fmt: str | None, gz: bool) -> str:
    return f"{fmt or 'unknown'}.gz" if gz else (fmt or "unknown")


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _one_article(path, parts, fmt, name, size, lim: Limits) -> Iterator[RawRecord]:
    data = bytearray()
    try:
        for part in parts:
            data += part
            if len(data) > lim.max_bytes:
                yield reject_of(path, "", name, size, f"too large: more than {lim.max_bytes / 1e6:g} MB inflated",
                                "set --max-file-mb or $DATELINE_MAX_FILE_MB to raise the limit")
                return
    except StreamError as exc:
        yield reject_of(path, "", name, size, exc.reason, exc.detail, bytes(data[:4096]))
        return
    yield record_of(path, "", bytes(data), name, size)
