"""CSV exports (``.csv``), streamed: one record per data row, keyed ``row:N`` (N from 1, the header not
counted), handed on as the row's columns as a JSON object so that the same field mapping as for JSON
applies ("All the news": ``id,title,publication,author,date,year,month,url,content``).

Python's ``csv`` module reads quoted fields with embedded newlines and doubled quotes; the delimiter
(``,`` ``;`` tab ``|``) is sniffed from the file's first 64 KiB, a BOM dropped. Bytes that are not
UTF-8 are read as Windows-1252, line by line, as plain-text dumps are. A row the csv module cannot
read is a reject with its row number; the rows after it still load.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from dateline.sources.records import HEAD_BYTES, Limits, RawRecord, StreamError, lines, record_of, reject_of

DELIMITERS = ",;\t|"


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", "replace")


def sniff_delimiter(sample: str) -> str:
    """The delimiter of the header line (and the rows after it), ``,`` when the sniffer cannot tell."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def csv_records(path: str, parts: Iterable[bytes], fmt: str, size: int | None, lim: Limits) -> Iterator[RawRecord]:
    state = {"error": None}

    def text_lines() -> Iterator[str]:
        try:
            for n, line in lines(parts, lim.max_bytes):
                if line is None:
                    raise StreamError(f"too large: a line over {lim.max_bytes / 1e6:g} MB", f"line {n}")
                yield _decode(line.removeprefix(b"\xef\xbb\xbf") if n == 1 else line)
        except StreamError as exc:
            state["error"] = exc

    src = text_lines()
    head: list[str] = []
    for line in src:  # enough lines for the sniffer; replayed to the reader below
        head.append(line)
        if sum(map(len, head)) >= HEAD_BYTES:
            break
    if not head:
        if state["error"]:
            yield reject_of(path, "rest:row:1", fmt, size, state["error"].reason, state["error"].detail)
        return

    def replay() -> Iterator[str]:
        yield from head
        yield from src

    # Fields as long as an article: the csv module's default limit is 128 KiB.
    csv.field_size_limit(max(lim.max_bytes, csv.field_size_limit()))
    reader = csv.reader(replay(), delimiter=sniff_delimiter("".join(head)))
    header: list[str] | None = None
    row_no = 0
    # Each row waits until the next is read: when the stream stops on an error (a truncated gzip), the
    # row being read then may be cut short, and becomes part of the reject instead of a partial article.
    pending: RawRecord | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                yield reject_of(path, "row:0", fmt, size, "malformed CSV: the header cannot be read", str(exc))
                return
            row_no += 1
            rec = reject_of(path, f"row:{row_no}", fmt, size, "malformed CSV row", f"{exc} (line {reader.line_num})")
        else:
            if header is None:
                header = [h.strip() for h in row]
                continue
            if not any(c.strip() for c in row):
                continue  # a blank line is no row
            row_no += 1
            obj = {h or f"column {i + 1}": v for i, (h, v) in enumerate(zip(header, row))}
            if len(row) != len(header):
                obj["_fields"] = f"{len(row)} fields, header has {len(header)}"
            rec = record_of(path, f"row:{row_no}", json.dumps(obj, ensure_ascii=False).encode("utf-8"), fmt, size)
        if pending is not None:
            yield pending
        pending = rec
    if state["error"]:
        last = row_no if pending is not None else row_no + 1
        yield reject_of(path, f"rest:row:{last}", fmt, size, state["error"].reason,
                        f"{state['error'].detail}; rows before {last} were read")
    elif pending is not None:
        yield pending
