"""A second interpreter that groups candidate groups' stories beside the stage's own process.

The group loop (``clusters.group_stories`` over thousands of groups) is Python and numpy in small steps,
which threads cannot share (the GIL). At the stage's end the parse workers' cores are idle, so half the
groups go to this worker: jobs of ``(articles, groups)`` in on stdin, each job's stories out on stdout
before the next job is read, all pickled. The stage in parts sends one job a batch to one worker, which
imports once. Started as ``python -m dateline.stories.group_worker``: a fresh process, not a fork of the
flow's (which holds DuckDB's and Prefect's threads), and not ``multiprocessing``'s spawn, which imports
the caller's main module again (a script without a ``__main__`` guard would run a second time in it).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path


class GroupWorkerFailed(RuntimeError):
    """The worker died or gave no result; what it printed is in the message."""


class GroupWorker:
    """One job in a worker process started now (its imports, ~0.4 s, run while the caller works)."""

    def __init__(self, command: list[str] | None = None) -> None:
        """``command``: what to run instead of this module (tests give one that fails)."""
        self._stderr = tempfile.TemporaryFile()
        # One BLAS thread: OpenBLAS's threads in two processes on two cores take turns with the work itself
        # (the caller's half of the loop ran 2.7 s instead of 1.3 with them; it limits its own, see clusters)
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        # run from the directory this dateline was imported from: ``-m`` puts it first on the worker's path,
        # so the worker runs the same code (a checkout a benchmark put on sys.path is not the installed one)
        self._process = subprocess.Popen(command or [sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._stderr, env=env,
                                         cwd=Path(__file__).resolve().parents[2])

    def send(self, articles, groups: list) -> None:
        """Give the worker a job: ``clusters.group_stories`` of each (group, copies) of ``articles``. One
        job at a time: ``result`` before the next."""
        try:
            pickle.dump((articles, groups), self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except OSError as error:  # a broken pipe: the worker is gone
            raise self._failed(f"could not send the job: {error}") from error

    def result(self) -> list:
        """The stories of each group of the job sent, in order (waits for the worker)."""
        try:
            return pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError) as error:  # it died, or printed what is no result
            self._process.kill()
            raise self._failed(f"no result ({type(error).__name__}), exit code {self._process.wait()}") from error

    def close(self) -> None:
        if self._process.stdin and not self._process.stdin.closed:
            with contextlib.suppress(OSError):
                self._process.stdin.close()  # no more jobs: the worker ends
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdin, self._process.stdout, self._stderr):
            if stream and not stream.closed:
                stream.close()

    def __enter__(self) -> GroupWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _failed(self, what: str) -> GroupWorkerFailed:
        self._stderr.seek(0)
        printed = self._stderr.read().decode(errors="replace").strip().splitlines()[-5:]
        return GroupWorkerFailed(f"story group worker: {what}" + ("\n" + "\n".join(printed) if printed else ""))


def main() -> None:
    from dateline.stories.clusters import group_stories

    while True:
        try:
            articles, groups = pickle.load(sys.stdin.buffer)
        except EOFError:  # no more jobs
            return
        stories = [group_stories(articles, group, copies) for group, copies in groups]
        pickle.dump(stories, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
