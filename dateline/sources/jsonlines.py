"""JSON Lines (``.jsonl``/``.ndjson``) and JSON arrays, streamed: one record per line or array item.

A line is handed on as its bytes; the parse worker decodes it, so a broken line is a reject with its
line number while the lines around it load. A JSON array is read with an incremental ``raw_decode``
over a buffer that holds one item at a time: memory stays flat however many items the array has
(``json.load`` of a 1 GB array would hold it all, several times over).

A broken array item is a reject of its own (``item:N``, its byte offset and the parser's reason) and the
items after it still load: the reader finds where the broken item ends by the array's own structure, the
comma or closing bracket outside any string or nested bracket after it (a raw newline ends a string that
lost its closing quote: JSON strings cannot hold one), or, when a lost bracket leaves the brackets
unbalanced, at the next line at the items' own indentation that opens a whole item. Only when neither
shows an end within one item's size limit (items written inline, ``[{...}, {...}]``, one of which lost a
bracket) is the rest of the file one reject (``rest:item:N``), as before.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator

from dateline.sources.records import Limits, RawRecord, StreamError, record_of, reject_of

_WS = " \t\r\n"
_HEAD = 256  # an item's indentation longer than this is not looked for


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


# What an array item's structure turns on: brackets, the comma between items, strings and their escapes, and
# a raw newline (JSON strings hold none).
_STRUCTURE = re.compile(r'[][{},"\n\\]')


class ItemEnd:
    """Where an array item ends, found by the array's structure alone, so also for an item that does not
    parse (``{"title": oops}``): the ``,`` or ``]`` after it outside any string and nested bracket. Resumed
    where it stopped as the buffer grows (``rel`` counts from the item's start, which the buffer keeps).

    Two repairs keep one broken item from swallowing the items after it: a raw newline closes a string
    (its closing quote was lost; in an array written an item a line the next item starts on the next
    line), and a closing bracket closes back to its own opener (``{"b": [1, 2}`` lost a ``]``)."""

    __slots__ = ("rel", "stack", "in_str")

    def __init__(self) -> None:
        self.rel, self.stack, self.in_str = 0, [], False

    def find(self, buf: str, start: int) -> int:
        """The index in ``buf`` of the ``,`` or ``]`` that ends the item starting at ``start``, or -1 if
        ``buf`` does not reach it yet."""
        i, stack = start + self.rel, self.stack
        while (m := _STRUCTURE.search(buf, i)) is not None:
            i, c = m.start(), m[0]
            if self.in_str:
                if c == "\\":
                    if i + 1 == len(buf):
                        break  # what it escapes is in the next chunk: read on from the backslash
                    i += 2
                    continue
                if c in '"\n':
                    self.in_str = False
            elif c == '"':
                self.in_str = True
            elif c in "[{":
                stack.append(c)
            elif c in "]}":
                if stack:
                    opener = "[" if c == "]" else "{"
                    while stack and stack.pop() != opener:
                        pass
                elif c == "]":
                    return i
            elif c == ",":
                if not stack:
                    return i
            i += 1
        else:
            i = len(buf)
        self.rel = i - start
        return -1


def next_item_line(decoder: json.JSONDecoder, buf: str, start: int, indent: str | None) -> int:
    """Where the next whole item starts after a broken one at ``start`` whose end the structure does not
    show (it lost a bracket: the brackets after it never balance): the first later line at the broken
    item's own indentation ``indent`` that opens a whole item (an object or array that parses, followed by
    ``,`` or ``]``). Nested objects of a pretty-printed array are indented deeper, so they are not taken
    for items. -1 when the broken item does not begin its line (``indent`` None: items written inline,
    ``[{...}, {...}]``), or no such line follows in ``buf``."""
    if indent is None:
        return -1
    i = start
    while (i := buf.find("\n", i) + 1) > 0:
        j = i + len(indent)
        if buf.startswith(indent, i) and j < len(buf) and buf[j] in "{[":
            try:
                _, end = decoder.raw_decode(buf, j)
            except ValueError:
                continue
            while end < len(buf) and buf[end] in _WS:
                end += 1
            if end < len(buf) and buf[end] in ",]":
                return j
    return -1


def _held(pending: RawRecord | None) -> Iterator[RawRecord]:
    if pending is not None:
        yield pending


def _broken_item(path: str, n: int, fmt: str, size: int | None, offset: int, exc: ValueError, start: int,
                 text: str) -> RawRecord:
    """The reject of array item ``n``, which does not parse: where it starts in the file and why."""
    return reject_of(path, f"item:{n}", fmt, size, "malformed JSON item",
                     f"item {n} at byte {offset:,}: {_why(exc, start)}; the items after it were read on"[:500],
                     text.rstrip()[:4096].encode("utf-8"))


def _why(exc: ValueError, start: int) -> str:
    """The parser's reason, its position counted from the item's start (the buffer's own lines and columns
    mean nothing to a reader of the file)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (character {exc.pos - start + 1} of the item)"
    return str(exc)


def json_records(path: str, parts: Iterable[bytes], fmt: str, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    """The items of a top-level JSON array (``item:N``, from 1), or the objects of a file of one object
    (key ``""``, a one-article file) or of objects one after another (``item:N``). A broken array item is a
    reject keyed ``item:N`` with its byte offset, and the items after it are read on."""
    decoder = json.JSONDecoder()
    text_of = codecs.getincrementaldecoder("utf-8")("replace")
    buf, pos, n, eof = "", 0, 0, False
    consumed = 0  # UTF-8 bytes of the text dropped from the buffer's front: byte offsets in the file
    # The dropped text since its last newline ("" at the file's start; None when longer than _HEAD): the
    # indentation of an item that starts at the buffer's front.
    line_head: str | None = ""
    parts = iter(parts)
    array = None
    pending: RawRecord | None = None  # held back one item: a file of a single object is keyed ""

    def more() -> bool:
        nonlocal buf, pos, eof, consumed, line_head
        chunk = next(parts, None)
        dropped = buf[:pos]
        consumed += len(dropped.encode("utf-8"))  # exact for UTF-8 input; a byte it replaced counts 3
        nl = dropped.rfind("\n")
        line_head = dropped[nl + 1:] if nl >= 0 else None if line_head is None else line_head + dropped
        if line_head is not None and len(line_head) > _HEAD:
            line_head = None
        if chunk is None:
            eof = True
            buf = buf[pos:] + text_of.decode(b"", final=True)
        else:
            buf = buf[pos:] + text_of.decode(chunk)
        pos = 0
        return chunk is not None

    def indentation() -> str | None:
        """The whitespace before the item at ``pos`` on its line, None if it does not begin its line."""
        nl = buf.rfind("\n", 0, pos)
        head = buf[nl + 1:pos] if nl >= 0 else None if line_head is None else line_head + buf[:pos]
        return head if head is not None and not head.strip(" \t") else None

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
            scan = None
            while True:
                try:
                    obj, end = decoder.raw_decode(buf, pos)
                    # A number or literal may be cut at a chunk's end; read on to be sure it is whole.
                    if end == len(buf) and not eof and more():
                        continue
                    break
                except ValueError as exc:
                    # Where the item ends, by the array's structure; failing that once no more can be read
                    # for it, by its lines. Found: the item is a reject of its own and the array is read on.
                    scan = scan or ItemEnd()
                    stop = scan.find(buf, pos) if array else -1
                    if stop < 0 and not eof and len(buf) - pos <= lim.max_bytes and more():
                        continue
                    if stop < 0 and array:
                        stop = next_item_line(decoder, buf, pos, indentation())
                    if stop >= 0:
                        n += 1
                        yield from _held(pending)
                        pending = _broken_item(path, n, fmt, size, consumed + len(buf[:pos].encode("utf-8")),
                                               exc, pos, buf[pos:stop])
                        pos, end = stop, None
                        break
                    too_big = len(buf) - pos > lim.max_bytes
                    raise StreamError(
                        f"too large: item over {lim.max_bytes / 1e6:g} MB" if too_big else "malformed JSON",
                        f"item {n + 1} at byte {consumed + len(buf[:pos].encode('utf-8')):,}: {_why(exc, pos)}"[:500]
                        + "; nothing after it could be read") from None
            if end is None:  # a broken item, already recorded
                continue
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
