"""JSON Lines (``.jsonl``/``.ndjson``) and JSON arrays, streamed: one record per line or array item.

A line is handed on as its bytes; the parse worker decodes it, so a broken line is a reject with its
line number while the lines around it load. A JSON array is read with an incremental ``raw_decode``
over a buffer that holds one item at a time: memory stays flat however many items the array has
(``json.load`` of a 1 GB array would hold it all, several times over). A broken item ends the array
(nothing says where the next item starts): the items before it load and the rest is one reject with
the item number and the reason.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator

from dateline.sources.records import Limits, RawRecord, StreamError, record_of, reject_of

_WS = " \t\r\n"


def jsonl_records(path: str, parts: Iterable[bytes], fmt: str, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    """One record per non-blank line, keyed ``line:N``."""
    from dateline.sources.records import lines  # noqa: PLC0415

    n = 0
    try:
        for n, line in lines(parts, lim.max_bytes):
            if line is None:
                yield reject_of(path, f"line:{n}", fmt, size, f"too large: line over {lim.max_bytes / 1e6:g} MB",
                                "set --max-file-mb or $DATELINE_MAX_FILE_MB to raise the limit")
                continue
            line = line.rstrip(b"\r\n")
            if n == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield record_of(path, f"line:{n}", line, fmt, size)
    except StreamError as exc:
        yield reject_of(path, f"rest:line:{n + 1}", fmt, size, exc.reason,
                        f"{exc.detail}; lines before {n + 1} were read (a partial last line is part of the rest)")


def json_records(path: str, parts: Iterable[bytes], fmt: str, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    """The items of a top-level JSON array (``item:N``, from 1), or the objects of a file of one object
    (key ``""``, a one-article file) or of objects one after another (``item:N``)."""
    decoder = json.JSONDecoder()
    text_of = codecs.getincrementaldecoder("utf-8")("replace")
    buf, pos, n, eof = "", 0, 0, False
    parts = iter(parts)
    array = None
    pending: RawRecord | None = None  # held back one item: a file of a single object is keyed ""

    def more() -> bool:
        nonlocal buf, pos, eof
        chunk = next(parts, None)
        if chunk is None:
            eof = True
            buf = buf[pos:] + text_of.decode(b"", final=True)
        else:
            buf = buf[pos:] + text_of.decode(chunk)
        pos = 0
        return chunk is not None

    def skip(chars: str) -> None:
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in chars:
                pos += 1
            if pos < len(buf) or not more():
                return

    try:
        skip(_WS + "\ufeff")
        if pos >= len(buf):
            return
        array = buf[pos] == "["
        if array:
            pos += 1
        while True:
            skip(_WS + ("," if array and n else ""))
            if pos >= len(buf):
                if array:  # the closing bracket never came
                    raise StreamError("malformed JSON: the array is not closed", "the file ends inside the array")
                break
            if array and buf[pos] == "]":
                pos += 1
                break
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    # A number or literal may be cut at a chunk's end; read on to be sure it is whole.
                    if end == len(buf) and not eof and more():
                        continue
                    break
                except ValueError as exc:
                    if not eof and len(buf) - pos <= lim.max_bytes and more():
                        continue
                    too_big = len(buf) - pos > lim.max_bytes
                    raise StreamError(
                        f"too large: item over {lim.max_bytes / 1e6:g} MB" if too_big else "malformed JSON",
                        f"item {n + 1}: {exc}"[:500] + "; nothing after it could be read") from None
            n += 1
            item = buf[pos:end].encode("utf-8")
            pos = end
            if pending is not None:
                yield pending
            pending = record_of(path, f"item:{n}", item, fmt, size)
        if not array and n == 1 and pending is not None:
            pending = record_of(path, "", pending.data, fmt, size)
        if pending is not None:
            yield pending
        pending = None
        skip(_WS)
        if pos < len(buf):
            raise StreamError("malformed JSON: data after the document", f"{buf[pos:pos + 80]!r}")
    except StreamError as exc:
        if pending is not None:
            yield pending
        yield reject_of(path, f"rest:item:{n + 1}", fmt, size, exc.reason, exc.detail)
