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


class _Buffer:
    """The decoded text of a stream, a chunk at a time, with the read position ``pos`` into ``text``: the
    text before ``pos`` is dropped when the next chunk comes, counted in ``consumed`` (UTF-8 bytes, for byte
    offsets in the file) and in ``line_head`` (the dropped text since its last newline, "" at the file's
    start, None when longer than _HEAD: the indentation of an item that starts at the buffer's front)."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self.parts = iter(parts)
        self.decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self.text, self.pos, self.eof, self.consumed = "", 0, False, 0
        self.line_head: str | None = ""

    def more(self) -> bool:
        """Read the next chunk; False at the end of the stream."""
        chunk = next(self.parts, None)
        dropped = self.text[:self.pos]
        self.consumed += len(dropped.encode("utf-8"))  # exact for UTF-8 input; a byte it replaced counts 3
        nl = dropped.rfind("\n")
        head = self.line_head
        head = dropped[nl + 1:] if nl >= 0 else None if head is None else head + dropped
        self.line_head = head if head is not None and len(head) <= _HEAD else None
        self.eof = chunk is None
        self.text = self.text[self.pos:] + self.decode(b"" if chunk is None else chunk, final=chunk is None)
        self.pos = 0
        return chunk is not None

    def offset(self) -> int:
        """The byte offset in the file of ``pos``."""
        return self.consumed + len(self.text[:self.pos].encode("utf-8"))

    def indentation(self) -> str | None:
        """The whitespace before the item at ``pos`` on its line, None if it does not begin its line."""
        nl = self.text.rfind("\n", 0, self.pos)
        head = self.text[nl + 1:self.pos] if nl >= 0 else \
            None if self.line_head is None else self.line_head + self.text[:self.pos]
        return head if head is not None and not head.strip(" \t") else None

    def skip(self, chars: str) -> None:
        """Move ``pos`` past any of ``chars``, reading on as needed."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in chars:
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return

    @property
    def at_end(self) -> bool:
        return self.pos >= len(self.text)


def json_records(path: str, parts: Iterable[bytes], fmt: str, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    """The items of a top-level JSON array (``item:N``, from 1), or the objects of a file of one object
    (key ``""``, a one-article file) or of objects one after another (``item:N``). A broken array item is a
    reject keyed ``item:N`` with its byte offset, and the items after it are read on."""
    decoder = json.JSONDecoder()
    b = _Buffer(parts)
    n = 0
    pending: RawRecord | None = None  # held back one item: a file of a single object is keyed ""
    try:
        b.skip(_WS + "\ufeff")
        if b.at_end:
            return
        array = b.text[b.pos] == "["
        if array:
            b.pos += 1
        while True:
            b.skip(_WS + ("," if array and n else ""))
            if b.at_end:
                if array:  # the closing bracket never came
                    raise StreamError("malformed JSON: the array is not closed", "the file ends inside the array")
                break
            if array and b.text[b.pos] == "]":
                b.pos += 1
                break
            scan = None
            while True:
                try:
                    _, end = decoder.raw_decode(b.text, b.pos)
                    # A number or literal may be cut at a chunk's end; read on to be sure it is whole.
                    if end == len(b.text) and not b.eof and b.more():
                        continue
                    break
                except ValueError as exc:
                    # Where the item ends, by the array's structure; failing that once no more can be read
                    # for it, by its lines. Found: the item is a reject of its own and the array is read on.
                    scan = scan or ItemEnd()
                    stop = scan.find(b.text, b.pos) if array else -1
                    if stop < 0 and not b.eof and len(b.text) - b.pos <= lim.max_bytes and b.more():
                        continue
                    if stop < 0 and array:
                        stop = next_item_line(decoder, b.text, b.pos, b.indentation())
                    if stop >= 0:
                        n += 1
                        yield from _held(pending)
                        pending = _broken_item(path, n, fmt, size, b.offset(), exc, b.pos, b.text[b.pos:stop])
                        b.pos, end = stop, None
                        break
                    too_big = len(b.text) - b.pos > lim.max_bytes
                    raise StreamError(
                        f"too large: item over {lim.max_bytes / 1e6:g} MB" if too_big else "malformed JSON",
                        f"item {n + 1} at byte {b.offset():,}: {_why(exc, b.pos)}"[:500]
                        + "; nothing after it could be read") from None
            if end is None:  # a broken item, already recorded
                continue
            n += 1
            item = b.text[b.pos:end].encode("utf-8")
            b.pos = end
            yield from _held(pending)
            pending = record_of(path, f"item:{n}", item, fmt, size)
        if not array and n == 1 and pending is not None:
            pending = record_of(path, "", pending.data, fmt, size)
        yield from _held(pending)
        pending = None
        b.skip(_WS)
        if not b.at_end:
            raise StreamError("malformed JSON: data after the document", f"{b.text[b.pos:b.pos + 80]!r}")
    except StreamError as exc:
        yield from _held(pending)
        yield reject_of(path, f"rest:item:{n + 1}", fmt, size, exc.reason, exc.detail)
