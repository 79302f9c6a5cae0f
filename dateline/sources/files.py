"""Where data comes from: finding input files, reading their bytes, and decoding them honestly.

Decoding never mangles silently: bytes that are not UTF-8 are either repaired with a recorded
encoding (UTF-16 with a BOM, Windows-1252, UTF-8 that was once mis-decoded as Windows-1252) or
rejected with a reason a person can read. Every path discovery finds ends as a ``RawFile`` or an
``Unreadable`` with a reason: reading never raises. ``docs/bad-input.md`` lists the reasons.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".json",)
HTML_SUFFIXES = (".html", ".htm")
#: Files of many records, streamed (``dateline.sources.records``); each may also be gzipped (``.gz``).
STREAM_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".warc")
#: The formats a run reads; any other file is still listed, and rejected unread with its suffix as the
#: reason, unless its bytes say it is one of them (``records.detect_format``).
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + HTML_SUFFIXES + STREAM_SUFFIXES

# How often a file that changes while it is read is read again before it is given up on.
READ_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class RawFile:
    path: str
    data: bytes
    sha256: str
    mtime_ns: int | None = None  # when it was last modified, as read: a later run skips it unchanged, unread
    fmt: str | None = None  # txt, json or html as its bytes said; None: as its suffix says

    @property
    def size(self) -> int:
        return len(self.data)

    # A one-article file is one record: the same fields as ``records.RawRecord``, so a batch mixes both.
    record_key = ""
    url = None
    reject = None

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A discovered path that could not be read: it becomes a reject, not an exception."""

    path: str
    reason: str
    detail: str
    size: int | None = None  # known when the file could be stat-ed (e.g. too large)


class FileBatch(Sequence):
    """The files one task run works on: a read-only sequence of ``RawFile | Unreadable``.

    Deliberately not a list, tuple or dataclass. Prefect walks task parameters of those kinds item by
    item, field by field (looking for futures and upstream results), on both sides of a process pool:
    with 5,000 files a batch that was 12% of a parse worker's CPU. It leaves other objects whole.
    """

    __slots__ = ("_files",)

    def __init__(self, files: Iterable[RawFile | Unreadable] = ()) -> None:
        self._files = tuple(files)

    def __getitem__(self, index):
        return FileBatch(self._files[index]) if isinstance(index, slice) else self._files[index]

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"FileBatch({len(self._files)} files)"

    def __getstate__(self):
        return self._files

    def __setstate__(self, files) -> None:
        self._files = files


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str | None  # None when the bytes are rejected
    encoding: str | None
    reject_reason: str | None = None
    detail: str | None = None


def storable_path(path: str) -> str:
    """``path`` as text a database can hold: names that are not valid UTF-8 (Linux allows any bytes)
    come out of ``os.walk`` with lone surrogates, which Arrow and DuckDB refuse; write those bytes as
    ``\\xNN`` escapes instead, so the file is still reported, under a name a person can recognise."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def discover_files(paths: Iterable[str | Path]) -> list[str]:
    """Every file under the given files and folders, sorted, each listed once.

    Files of formats dateline does not read are listed too, so that reading rejects them with the reason
    (``unsupported format: .pdf``) instead of a folder of them giving "seen 0". Folders named ``*.txt``
    and entries that are not regular files (FIFOs, dangling or looping symlinks) are listed, so that
    reading reports them instead of them vanishing unaccounted; so is a folder whose contents cannot be
    listed.
    """
    found: set[str] = set()
    for root in paths:
        root = Path(root)
        if root.is_file() or (root.exists() and not root.is_dir()):
            found.add(str(root))
            continue
        if not root.exists():
            raise FileNotFoundError(f"input path does not exist: {root}")

        def unlistable(exc: OSError) -> None:
            if exc.filename:
                found.add(str(exc.filename))

        # os.walk without followlinks: a symlink loop cannot make discovery run forever.
        for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable):
            found.update(os.path.join(dirpath, name) for name in filenames)
            found.update(os.path.join(dirpath, name) for name in dirnames if name.lower().endswith(TEXT_SUFFIXES))
    return sorted(found)


def _read_all(fd: int, limit: int) -> bytes:
    """Read up to ``limit`` bytes from ``fd`` (a separate function so tests can interleave edits)."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _fingerprint(st: os.stat_result) -> tuple:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "FIFO (named pipe)"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def stat_files(paths: Iterable[str]) -> list[tuple[str, int, int] | None]:
    """(storable path, size, mtime in ns) of each path, or None where it cannot be stat-ed (the read
    then says why). A run compares these with the ledger to skip unchanged files without reading them."""
    out: list[tuple[str, int, int] | None] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append(None)
            continue
        out.append((storable_path(p), st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None)
    return out


def read_file(path: str, *, max_bytes: int | None = None, fmt: str | None = None,
              _reader: Callable[[int, int], bytes] | None = None) -> RawFile | Unreadable:
    """The file's bytes and SHA-256, or why they could not be had. Never raises for a bad path.

    The file is opened non-blocking (a FIFO named ``x.txt`` must not hang the run), must be a regular
    file, and must not change while it is read: its inode, size, mtime and ctime are compared before
    and after (and with what the path points to by then, for editors that save by renaming a new file
    over the old). A file edited meanwhile is read again, up to ``READ_ATTEMPTS`` times, so the bytes
    hashed are one consistent version, never a torn mix. Files over ``max_bytes`` (default:
    ``Settings.max_file_mb``) are rejected unread. ``fmt``: the format its bytes were found to be, which
    then stands instead of the suffix. ``_reader`` is for tests only.
    """
    if max_bytes is None:
        from dateline.settings import get_settings  # noqa: PLC0415 - only callers that give no limit pay for it

        max_bytes = get_settings().max_file_bytes
    limit = max_bytes
    size = None
    for _attempt in range(READ_ATTEMPTS):
        result = _read_once(path, limit, _reader or _read_all, fmt)
        if not isinstance(result, int):
            return result
        size = result
    return Unreadable(path, "unreadable: file kept changing while being read",
                      f"{READ_ATTEMPTS} attempts; it is read again on the next run", size)


def _read_once(path: str, limit: int, reader: Callable[[int, int], bytes], fmt: str | None = None
               ) -> RawFile | Unreadable | int:
    """One attempt: the file, why not, or (an int, its size) when it changed while being read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return _unreadable_open(path, exc)
    try:
        before = os.fstat(fd)
        if stat.S_ISDIR(before.st_mode):
            return _unreadable_dir(path)
        if not stat.S_ISREG(before.st_mode):
            return Unreadable(path, f"not a regular file: {_kind(before.st_mode)}", "")
        if fmt is None and (unsupported := unsupported_format(path, before.st_size)) is not None:
            return unsupported
        if before.st_size > limit:
            return Unreadable(path, f"too large: {before.st_size / 1e6:.1f} MB > limit {limit / 1e6:g} MB",
                              f"set --max-file-mb or $DATELINE_MAX_FILE_MB to raise the limit", before.st_size)
        data = reader(fd, limit + 1)
        after = os.fstat(fd)
        try:
            on_disk = os.stat(path)
        except OSError:  # deleted just now: what we read was whole, if unchanged
            on_disk = after
        if not (_fingerprint(before) == _fingerprint(after) == _fingerprint(on_disk) and len(data) == after.st_size):
            return on_disk.st_size
        if len(data) > limit:
            return Unreadable(path, f"too large: more than {limit / 1e6:g} MB (grew while being read)",
                              f"set --max-file-mb or $DATELINE_MAX_FILE_MB to raise the limit", len(data))
    except OSError as exc:
        return Unreadable(path, "unreadable: operating-system error", f"{type(exc).__name__}: {exc}")
    finally:
        os.close(fd)
    return RawFile(path, data, hashlib.sha256(data).hexdigest(), after.st_mtime_ns, fmt)


def unsupported_format(path: str, size: int | None = None, *, sniffed: bool = False) -> Unreadable | None:
    """The reject for a file whose suffix dateline does not read, or None when it does (``sniffed``: its
    bytes were looked at too, and are none of the formats, whatever the suffix says).

    Left unread and without a hash on purpose: such a file is looked at again by every run, so once its
    format is supported an unchanged file is read rather than skipped as handled for good.
    """
    suffix = Path(path).suffix.lower()
    if suffix in SUPPORTED_SUFFIXES and not sniffed:
        return None
    return Unreadable(path, f"unsupported format: {suffix or 'no file extension'}",
                      f"dateline reads {', '.join(SUPPORTED_SUFFIXES)} files (and .gz of them); export the "
                      "article's text", size)


def _unreadable_open(path: str, exc: OSError) -> Unreadable:
    detail = f"{type(exc).__name__}: {exc.strerror or exc}"
    if exc.errno == errno.ELOOP:
        return Unreadable(path, "unreadable: symlink loop", detail)
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return Unreadable(path, "unreadable: dangling symlink (its target does not exist)",
                              f"points to {os.readlink(path)!r}")
        return Unreadable(path, "file vanished before it could be read", detail)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Unreadable(path, "unreadable: permission denied", detail)
    if exc.errno == errno.EISDIR:
        return _unreadable_dir(path)
    if exc.errno == errno.ENXIO:  # e.g. a socket
        return Unreadable(path, "not a regular file: socket or device", detail)
    return Unreadable(path, "unreadable: operating-system error", detail)


def _unreadable_dir(path: str) -> Unreadable:
    try:
        os.listdir(path)
    except OSError as exc:
        return Unreadable(path, "unreadable folder: its files could not be listed", f"{type(exc).__name__}: {exc.strerror}")
    return Unreadable(path, "not a file: it is a directory", "a folder named *.txt; the .txt files inside it are read on their own")


# ---------------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------------

# Magic numbers of the binary formats most often found mislabelled in scrape folders.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive (or .docx/.xlsx)"), (b"\x1f\x8b", "gzip data"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"), (b"\x7fELF", "executable"), (b"RIFF", "RIFF media"),
    (b"SQLite format 3\x00", "SQLite database"), (b"\x00\x00\x00\x1cftyp", "MP4 video"),
)

# Mojibake: UTF-8 bytes that were decoded as Windows-1252 (then saved as UTF-8 again), e.g. "’" -> "â€™".
# The characters Windows-1252 gives the bytes 0x80-0xFF (Python leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D
# undefined; mis-decoders that use Latin-1 for those give U+0081 etc., so accept those too).
_CP1252_BYTE: dict[str, int] = {}
for _b in range(0x80, 0x100):
    try:
        _CP1252_BYTE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:
        _CP1252_BYTE[chr(_b)] = _b


def _chars(lo: int, hi: int) -> str:
    return "".join(re.escape(c) for c, b in _CP1252_BYTE.items() if lo <= b <= hi)


_CONT = f"[{_chars(0x80, 0xBF)}]"
# Only the lead bytes real mojibake is made of: C2/C3 (Latin-1 letters and signs: "Ã©" for "é", "Â£"
# for "£"), C4/C5 (Latin Extended-A: "Å‚" for "ł"), E2 (punctuation, "€", "™": "â€™", "â€œ").
# Other two-byte leads are ordinary capitals ("É", "Ü") that a legitimate "É»" must not be "repaired"
# into "ɻ"; four-byte sequences (emoji) are too rare in news to be worth the risk.
_MOJIBAKE_RE = re.compile(f"[{_chars(0xC2, 0xC5)}]{_CONT}|[{_chars(0xE2, 0xE2)}]{_CONT}{{2}}")


def repair_mojibake(text: str) -> tuple[str, int]:
    """Undo UTF-8-read-as-Windows-1252 damage, sequence by sequence. Returns (text, sequences repaired).

    Each candidate sequence is turned back into the bytes it was decoded from and re-decoded as UTF-8;
    a sequence is only replaced when that succeeds (valid UTF-8), so clean text is left alone. Run twice
    for text mangled twice.
    """
    if text.isascii():
        return text, 0  # every sequence repaired starts with a non-ASCII character: skip the scans
    total = 0
    for _ in range(2):
        count = 0

        def fix(m: re.Match) -> str:
            nonlocal count
            try:
                repaired = bytes(_CP1252_BYTE[c] for c in m.group()).decode("utf-8")
            except UnicodeDecodeError:
                return m.group()
            count += 1
            return repaired

        text = _MOJIBAKE_RE.sub(fix, text)
        # A right double quote (E2 80 9D) loses its last byte: 0x9D is undefined in Windows-1252, so
        # mis-decoders wrote U+FFFD for it. Of the characters "â€" + one lost byte can be, "”" is the
        # one news text is full of; the others (U+2001, U+200D, U+200F, U+2010) are next to absent.
        if "â€\ufffd" in text:
            count += text.count("â€\ufffd")
            text = text.replace("â€\ufffd", "”")
        total += count
        if not count:
            break
    return text, total


_HTML_RE = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)
# Only tags named like HTML elements count as markup: wire copy writes tickers and company names in angle
# brackets (Reuters' "<NOVA> WINS ... <HYO> DEAL", "<Union Faith Canada Holding Ltd>"), and those are prose.
_HTML_ELEMENTS = frozenset(
    "a abbr article aside b blockquote br caption cite code dd div dl dt em figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr i iframe img input label li link main meta nav noscript ol option p pre "
    "script section select small source span strong style sub sup table tbody td textarea th thead time "
    "title tr u ul".split())
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")


def _looks_like_html_fragment(head: str) -> bool:
    """Five or more tags named like HTML elements, of which two or more are closing tags: a ticker is
    never closed, so even tickers that happen to be element names (``<B>``, ``<P>``, ``<T>``) do not pass."""
    tags = [(slash, name) for slash, name in _TAG_RE.findall(head) if name.lower() in _HTML_ELEMENTS]
    return len(tags) >= 5 and sum(1 for slash, _ in tags if slash) >= 2


def sniff_structured(text: str) -> str | None:
    """'HTML document', 'XML document' or 'JSON document' when the text is markup or data, not prose.

    HTML is rejected rather than stripped: a saved web page carries menus, scripts, cookie banners and
    related-article lists that the boilerplate rules (written for text dumps) do not know, so the
    "article" would be page furniture with dates in it, poisoning the date checks. Exporting the page
    as text is the user's fix, and the reject says so.
    """
    head = text.lstrip()[:4096]
    if not head:
        return None
    if head[0] == "<":
        if _HTML_RE.search(head):
            return "HTML document"
        if head.startswith("<?xml"):
            return "XML document"
        if _looks_like_html_fragment(head):  # an HTML fragment: <p>, <div> ...
            return "HTML document"
    if head[0] in "{[":
        try:
            value = json.loads(text)
        except ValueError:
            value = None
            # JSON Lines: every non-empty line a JSON object.
            lines = [ln for ln in text.splitlines() if ln.strip()]
            try:
                if len(lines) > 1 and all(isinstance(json.loads(ln), dict) for ln in lines[:50]):
                    return "JSON document"
            except ValueError:
                pass
        if isinstance(value, (dict, list)):
            return "JSON document"
    return None


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a BOM (Windows tools do this): ASCII-range text has every other byte NUL."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    for zeros, codec in ((sample[1::2], "utf-16-le"), (sample[0::2], "utf-16-be")):
        if zeros.count(0) >= 0.7 * len(zeros) and sample.count(0) < 0.6 * len(sample):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


# C0 controls other than \t \n \v \f \r, DEL and the C1 controls: characters no article text has.
# Counted with one regex scan (a per-character generator cost ~0.07 ms per 4 KiB sample).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def decode_bytes(data: bytes, *, plain_text: bool = True) -> Decoded:
    """Decode article bytes, or say why they are not an article's text. ``plain_text=False`` for a
    format whose own reader parses the structure (JSON): markup and data are then expected, not refused."""
    if not data:
        return Decoded(None, None, "empty file")
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return Decoded(None, None, "not text: binary content", f"{what} (file signature)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            return Decoded(None, None, "not text: invalid UTF-16", str(exc))
    elif (utf16 := _bomless_utf16(data)) is not None:
        text, encoding = utf16
    else:
        if data[:4096].count(b"\x00") > len(data[:4096]) // 100 + 1:
            return Decoded(None, None, "not text: binary content", "NUL bytes in the first 4 KiB")
        try:
            if data.startswith(b"\xef\xbb\xbf"):
                text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
            else:
                text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # Not UTF-8. Windows-1252 is what scraped Western text almost always is then; it maps nearly
            # every byte. Latin-1 maps all of them, so it takes the rest; the control-character check below
            # then refuses the result if it is really binary.
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
    sample = text[:4096]
    controls = len(_CONTROL_RE.findall(sample))
    if controls > len(sample) // 100 + 1:
        return Decoded(None, None, "not text: binary content", f"{controls} control characters in the first 4 KiB")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").lstrip("\ufeff")
    if not text.strip():
        return Decoded(None, encoding, "empty: whitespace only")
    structured = sniff_structured(text) if plain_text else None
    if structured:
        return Decoded(None, encoding, f"not plain text: {structured}",
                       "export the article's text (dateline reads plain-text dumps)")
    text, repaired = repair_mojibake(text)
    if repaired:
        encoding = f"{encoding}+mojibake-repaired"
    return Decoded(text, encoding)
