"""Where data comes from: finding input files, reading their bytes, and decoding them honestly.

Decoding never mangles silently: bytes that are not UTF-8 are either repaired with a recorded
encoding (UTF-16 with a BOM, Windows-1252) or rejected with a reason a person can read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = (".txt",)


@dataclass(frozen=True, slots=True)
class RawFile:
    path: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A discovered path that could not be read: it becomes a reject, not an exception."""

    path: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str | None  # None when the bytes are rejected
    encoding: str | None
    reject_reason: str | None = None
    detail: str | None = None


def discover_files(paths: Iterable[str | Path]) -> list[str]:
    """All ``.txt`` files under the given files and folders, sorted, each listed once."""
    found: set[str] = set()
    for root in paths:
        root = Path(root)
        if root.is_file():
            found.add(str(root))
            continue
        if not root.exists():
            raise FileNotFoundError(f"input path does not exist: {root}")
        # os.walk without followlinks: a symlink loop cannot make discovery run forever.
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                if name.lower().endswith(TEXT_SUFFIXES):
                    found.add(os.path.join(dirpath, name))
    return sorted(found)


def read_file(path: str) -> RawFile | Unreadable:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return Unreadable(path, "file vanished before it could be read", "")
    except IsADirectoryError:
        return Unreadable(path, "not a file: it is a directory", "")
    except PermissionError as exc:
        return Unreadable(path, "unreadable: permission denied", str(exc))
    except OSError as exc:
        return Unreadable(path, "unreadable: operating-system error", str(exc))
    return RawFile(path, data, hashlib.sha256(data).hexdigest())


def decode_bytes(data: bytes) -> Decoded:
    """Decode article bytes, or say why they are not an article's text."""
    if not data:
        return Decoded(None, None, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            return Decoded(None, None, "not text: invalid UTF-16", str(exc))
    if b"\x00" in data[:4096] and data[:4096].count(b"\x00") > len(data[:4096]) // 100:
        return Decoded(None, None, "not text: binary content", "NUL bytes in the first 4 KiB")
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        else:
            text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Not UTF-8. Windows-1252 is what scraped Western text almost always is then; it maps nearly
        # every byte, so we only accept it when the result has no C1 control characters.
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            return Decoded(None, None, "not text: undecodable bytes", str(exc))
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > len(text[:4096]) // 100 + 1:
        return Decoded(None, None, "not text: binary content", f"{controls} control characters in the first 4 KiB")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        return Decoded(None, encoding, "empty: whitespace only")
    return Decoded(text, encoding)
