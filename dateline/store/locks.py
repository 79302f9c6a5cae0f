"""One run per database at a time.

DuckDB lets one process write a file, but a run also reads the ledger, parses, and only then writes: two
runs would interleave, both read the same files, and one's accounting would silently come up short. A run
therefore holds an exclusive ``flock`` on ``<db>.lock`` for its whole length; the kernel releases it when
the process dies, even by SIGKILL. The holder writes its pid into the file so a waiting run can say who.

A DuckLake (``--db ducklake:...``) has no run lock: several runs write it at once, each load deciding
against what is committed (``dateline.store.loads``).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from dateline.store.database import DatabaseBusyError
from dateline.store.lake import is_lake


class RunInProgressError(DatabaseBusyError):
    """Another ``dateline run`` is writing to the same database file."""


def lock_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


class RunLock:
    """The run lock of one database file. Use as a context manager, or ``acquire``/``release``."""

    def __init__(self, db_path: str | Path, *, wait_s: float = 0.0, poll_s: float = 0.5,
                 on_wait: Callable[[str], None] | None = None):
        self.db_path = Path(db_path)
        self.path = lock_path(db_path)
        self.wait_s, self.poll_s, self.on_wait = wait_s, poll_s, on_wait
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``wait_s`` seconds for another run to finish.

        Raises ``RunInProgressError`` (saying which process holds it) when the wait runs out; ``on_wait``
        is called once, with that message, when the lock is found taken.
        """
        if is_lake(self.db_path):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            self._wait_for(fd)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        self.fd = fd

    def _wait_for(self, fd: int) -> None:
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                message = (f"{self.db_path} is being written by another dateline run ({self.holder()}); "
                           "wait for it (dateline run --wait SECONDS) or use another --db")
                if time.monotonic() >= deadline:
                    raise RunInProgressError(message) from None
                if self.on_wait and not told:
                    self.on_wait(message)
                    told = True
                time.sleep(self.poll_s)

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it ("pid 123, started ...")."""
        try:
            return self.path.read_text().strip() or "pid unknown"
        except OSError:
            return "pid unknown"

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def wait_until_free(db_path: str | Path, *, wait_s: float = 0.0, poll_s: float = 0.5,
                    on_wait: Callable[[str], None] | None = None) -> None:
    """Return once no run holds ``db_path`` (taking and dropping the lock), or raise ``RunInProgressError``.

    The CLI asks this before it starts Prefect (12-27 s), so a second run learns at once that it has to
    wait; the flow then takes the lock for real.
    """
    with RunLock(db_path, wait_s=wait_s, poll_s=poll_s, on_wait=on_wait):
        pass
