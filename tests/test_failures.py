"""Failures to survive: a killed run, two runs at once, transient and permanent task errors, and a
query tool that must not write. Subprocess tests run the real `dateline` CLI against the session's
Prefect test server (PREFECT_API_URL), so they do not each start their own (12-27 s).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from dateline import cli
from dateline.store import loads, locks
from dateline.store.database import Database, query
from tests.conftest import ROOT

BODY = ("The regional council met on Tuesday to discuss the new budget, which officials said would fund "
        "schools, clinics and roads across the province for the coming year.")


def write_articles(root: Path, n: int, start: int = 0) -> list[str]:
    """``n`` small, distinct, plausible articles; returns their paths, sorted as discovery sorts them."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        p = root / f"{i:05d}.txt"
        p.write_text(f"Council approves budget, item {i}\nMarch 3, 2021\n\n{BODY} Item {i} of the series.\n")
        paths.append(str(p))
    return sorted(paths)


@pytest.fixture(scope="module")
def api_url(prefect_harness) -> str:
    import prefect.settings

    return prefect.settings.PREFECT_API_URL.value()


class Cli:
    """A `dateline` subprocess whose merged stdout/stderr lines are collected by a thread. ``prelude`` is
    Python run in that process before the CLI (to inject a fault)."""

    def __init__(self, args: list[str], api_url: str, prelude: str = "", **env: str):
        full_env = {**os.environ, "PREFECT_API_URL": api_url, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", **env}
        command = [sys.executable, "-m", "dateline.cli", *args]
        if prelude:
            command = [sys.executable, "-c", f"{prelude}\nimport sys\nfrom dateline.cli import main\n"
                                             "sys.exit(main(sys.argv[1:]))", *args]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=full_env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)  # its own process group: see kill()
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def kill(self) -> None:
        """SIGKILL the run and its parse workers at once, as a machine that dies would. (Killing only the
        flow's process orphans its workers, which hold the output pipe open until they notice; they
        never write to the database.)"""
        os.killpg(self.proc.pid, signal.SIGKILL)

    def wait_for(self, text: str, timeout: float = 180) -> str:
        """Block until a line containing ``text`` appears; fail if the process ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"process ended before printing {text!r}:\n{self.output}")
            self.lines.append(line)
            if text in line:
                return line
        pytest.fail(f"no {text!r} after {timeout} s:\n{self.output}")

    def finish(self, timeout: float = 240) -> int:
        rc = self.proc.wait(timeout=timeout)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return rc

    @property
    def output(self) -> str:
        return "".join(self.lines)


# --------------------------------------------------------------------------------------------------
# SIGKILL in the middle of loading
# --------------------------------------------------------------------------------------------------

def test_readers_see_whole_batches_during_a_run_and_a_killed_run_is_finished_by_a_rerun(api_url, tmp_path):
    """`dateline sql` answers while a run loads, with the batches committed so far; then the run is killed,
    the file holds whole batches only, and a re-run finishes the job. (One run serves both: each run of
    the CLI spends ~10 s starting.)"""
    from flows.news_etl import news_etl

    n, batch = 1500, 100  # fifteen batches: the readers and the kill land well before the last
    paths = write_articles(tmp_path / "in", n)
    db = tmp_path / "killed.duckdb"
    # the default runner, a pool of parse workers: the kill must take them down with the run
    run = Cli(["run", str(tmp_path / "in"), "--db", str(db), "--batch-size", str(batch)], api_url,
              DATELINE_TASK_RUNNER="process")
    seen = []
    try:
        run.wait_for("loaded into")  # the first batch has committed; the run goes on loading
        for _ in range(3):
            reader = subprocess.run(
                [sys.executable, "-m", "dateline.cli", "sql", "SELECT count(*) AS n FROM articles",
                 "--db", str(db), "--format", "csv", "--wait", "10"],
                cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert reader.returncode == 0, reader.stderr
            seen.append(int(reader.stdout.split()[-1]))
        still_running = run.proc.poll() is None
    finally:
        if run.proc.poll() is None:
            run.kill()
    assert still_running, "the run ended before the queries: nothing was read during it"
    assert run.finish() == -signal.SIGKILL
    assert all(k % batch == 0 and 0 < k < n for k in seen), seen  # whole batches, never half of one
    assert seen == sorted(seen)

    # DuckDB opens cleanly (read-write: replays its WAL) and holds only whole batches
    with duckdb.connect(str(db)) as con:
        ledger = sorted(r[0] for r in con.execute("SELECT source_path FROM source_files").fetchall())
        committed = len(ledger) // batch
        assert 1 <= committed < n // batch, "kill came too late to test anything"
        assert ledger == paths[: committed * batch], "a batch is half-written"
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (committed * batch,)
        assert seen[-1] <= committed * batch
        no_quality = con.execute("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                                 "(SELECT 1 FROM quality_results q WHERE q.article_id = a.article_id)").fetchone()
        assert no_quality == (0,)
        assert con.execute("SELECT status FROM runs").fetchall() == [("Running",)]

    result = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=500)
    assert result["already_loaded"] == committed * batch
    assert result["loaded"] == n - committed * batch and result["unaccounted"] == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT source_path), count(DISTINCT content_sha256) "
                           "FROM articles").fetchone() == (n, n, n)
        assert con.execute("SELECT count(*), count(DISTINCT source_path) FROM source_files").fetchone() == (n, n)
        statuses = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
        assert statuses == [("Crashed",), ("Completed",)]  # the killed run no longer claims to be running


def test_a_run_killed_in_the_middle_of_a_jsonl_file_is_finished_by_a_rerun(api_url, tmp_path):
    """A file of many records spans batches: the killed run committed some of its lines. The re-run reads
    the file again (its mtime is only on the last line's row, which never came), skips the lines already
    in, and loads the rest: every line once."""
    import json

    from flows.news_etl import news_etl

    n, batch = 600, 100
    (tmp_path / "in").mkdir()
    with open(tmp_path / "in" / "export.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"title": f"Story {i}", "date_publish": "2021-03-02",
                                 "maintext": f"Item {i}: the council met on Tuesday and voted on budget line {i}. "
                                             f"The mayor said line {i} would be paid next month."}) + "\n")
    db = tmp_path / "killed.duckdb"
    run = Cli(["run", str(tmp_path / "in"), "--db", str(db), "--batch-size", str(batch)], api_url)
    try:
        run.wait_for("loaded into")
    finally:
        run.kill()
    assert run.finish() == -signal.SIGKILL
    with duckdb.connect(str(db)) as con:
        keys = [k for (k,) in con.execute("SELECT record_key FROM source_files").fetchall()]
        committed = len(keys) // batch
        assert 1 <= committed < n // batch and len(keys) == committed * batch, "kill came too late, or a half batch"
        assert sorted(keys, key=lambda k: int(k.split(":")[1])) == [f"line:{i + 1}" for i in range(len(keys))]
        assert con.execute("SELECT count(*) FROM source_files WHERE mtime_ns IS NOT NULL").fetchone() == (0,)

    result = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=500, data_docs=False)
    assert (result["already_loaded"], result["loaded"], result["unaccounted"]) == (committed * batch,
                                                                                   n - committed * batch, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT record_key) FROM source_files").fetchone() == (n, n)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (n,)
    again = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=500, data_docs=False)
    assert (again["already_loaded"], again["records_seen"], again["loaded"]) == (1, 1, 0)  # skipped unread now


# --------------------------------------------------------------------------------------------------
# Two runs on one database
# --------------------------------------------------------------------------------------------------

def test_a_second_run_waits_or_fails_clearly(api_url, tmp_path):
    n = 600
    write_articles(tmp_path / "in", n)
    db = tmp_path / "shared.duckdb"
    args = ["run", str(tmp_path / "in"), "--db", str(db), "--batch-size", "100"]
    first = Cli(args, api_url)
    try:
        first.wait_for("discovered")  # running, holding the run lock
        impatient = Cli([*args, "--wait", "0"], api_url)
        assert impatient.finish(timeout=60) == cli.EXIT_BUSY
        assert f"being written by another dateline run (pid {first.proc.pid}" in impatient.output
        assert "--wait SECONDS" in impatient.output
        patient = Cli([*args, "--wait", "300"], api_url)
        patient.wait_for("waiting up to 300 s")
        assert first.finish() == 0, first.output
    finally:
        first.proc.kill()
    assert patient.finish() == 0, patient.output
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute("SELECT status, files_seen, articles_loaded, already_loaded FROM runs "
                           "ORDER BY started_at").fetchall()
        assert runs == [("Completed", n, n, 0), ("Completed", n, 0, n)]  # nothing skipped silently, nothing twice
        assert con.execute("SELECT count(*), count(DISTINCT source_path) FROM source_files").fetchone() == (n, n)
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (n,)


def test_run_lock_is_exclusive_across_processes(tmp_path):
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from dateline.store.locks import RunLock
            with RunLock({str(db)!r}):
                print("ready", flush=True)
                sys.stdin.readline()
        """)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(locks.RunInProgressError, match=f"pid {holder.pid}.*--wait SECONDS"):
            with locks.RunLock(db, wait_s=0):
                pass
        with pytest.raises(locks.RunInProgressError):
            locks.wait_until_free(db, wait_s=0)
        told: list[str] = []

        def release() -> None:
            holder.stdin.write("\n")
            holder.stdin.flush()

        threading.Timer(1.0, release).start()
        locks.wait_until_free(db, wait_s=60, poll_s=0.1, on_wait=told.append)  # what the CLI does first
        with locks.RunLock(db, wait_s=0) as lock:  # then the flow takes it
            assert lock.holder().startswith(f"pid {os.getpid()}, started ")
        assert len(told) == 1 and "another dateline run" in told[0]
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------------------------------
# Injected faults: transient ones are retried, permanent ones fail the run cleanly
# --------------------------------------------------------------------------------------------------

class InjectedFault(RuntimeError):
    """A load that fails after the batch's ledger rows went in, inside the transaction."""


@pytest.fixture
def fault(monkeypatch):
    """``fault(fail=N)``: the next N loads of a batch's articles raise; returns the list of attempts.
    The load task retries after 0.1 s instead of 5."""
    import flows.news_etl

    attempts: list[bool] = []
    real = loads.insert_rows

    def inject(fail: int) -> list[bool]:
        def insert_rows(con, model, rows, new_articles):
            if model.table == "articles":
                attempts.append(len(attempts) >= fail)
                if not attempts[-1]:
                    raise InjectedFault(f"injected fault in load_batch (attempt {len(attempts)})")
            return real(con, model, rows, new_articles)

        monkeypatch.setattr(loads, "insert_rows", insert_rows)
        monkeypatch.setattr(flows.news_etl, "load_batch",
                            flows.news_etl.load_batch.with_options(retry_delay_seconds=0.1))
        return attempts
    return inject


def test_a_transient_load_error_is_retried_and_the_run_completes(prefect_harness, tmp_path, fault):
    from flows.news_etl import news_etl

    write_articles(tmp_path / "in", 30)
    attempts = fault(fail=2)
    db = tmp_path / "transient.duckdb"
    result = news_etl(paths=[str(tmp_path / "in")], db=str(db), batch_size=10)
    assert attempts == [False, False, True, True, True]  # 2 failed attempts, then 3 batches loaded
    assert result["loaded"] == 30 and result["unaccounted"] == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, articles_loaded FROM runs").fetchall() == [("Completed", 30)]
        assert con.execute("SELECT count(*) FROM source_files").fetchone() == (30,)


#: Run in the CLI's process: the first batch loads, every later load of articles fails.
PERMANENT_FAULT = """
from dateline.store import loads
import flows.news_etl
class InjectedFault(RuntimeError):
    pass
real, calls = loads.insert_rows, []
def insert_rows(con, model, rows, new_articles):
    if model.table == "articles":
        calls.append(1)
        if len(calls) > 1:
            raise InjectedFault("injected fault in load_batch")
    return real(con, model, rows, new_articles)
loads.insert_rows = insert_rows
flows.news_etl.load_batch = flows.news_etl.load_batch.with_options(retry_delay_seconds=0.1)
"""


def test_a_permanent_load_error_fails_the_run_and_keeps_whole_batches(api_url, tmp_path):
    paths = write_articles(tmp_path / "in", 30)
    db = tmp_path / "permanent.duckdb"
    run = Cli(["run", str(tmp_path / "in"), "--db", str(db), "--batch-size", "10"], api_url,
              prelude=PERMANENT_FAULT)
    assert run.finish() == 1, run.output
    assert "dateline: run failed: InjectedFault: injected fault in load_batch" in run.output
    assert "The database holds only whole batches" in run.output
    assert "Retries are exhausted" in run.output  # Prefect did retry before giving up
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, ended_at IS NOT NULL FROM runs").fetchall() == [("Failed", True)]
        ledger = sorted(r[0] for r in con.execute("SELECT source_path FROM source_files").fetchall())
        assert ledger == paths[:10]  # batch 1 whole; batch 2 rolled back although its first table went in
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (10,)
        assert con.execute("SELECT count(DISTINCT article_id) FROM quality_results").fetchone() == (10,)


# --------------------------------------------------------------------------------------------------
# `dateline sql` cannot write
# --------------------------------------------------------------------------------------------------

def test_dateline_sql_refuses_to_write(tmp_path, capsys):
    db = tmp_path / "ro.duckdb"
    with Database.open(db) as database:
        database.connection.execute("INSERT INTO rejects VALUES ('a.txt', '', NULL, 'empty file', NULL, 'r1', now(), '')")
    out = tmp_path / "out"
    statements = [
        "DELETE FROM rejects",
        "DROP TABLE rejects",
        "INSERT INTO rejects VALUES ('b.txt', '', NULL, 'x', NULL, 'r1', now(), '')",
        "UPDATE rejects SET reason = 'x'",
        "CREATE TABLE t (i INT)",
        f"COPY rejects TO '{out}.csv'",
        f"COPY (SELECT * FROM rejects) TO '{out}.parquet' (FORMAT parquet)",
        f"EXPORT DATABASE '{out}'",
        f"ATTACH '{out}.duckdb' AS other",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "SELECT * FROM read_text('/etc/hostname')",
    ]
    for sql in statements:
        assert cli.main(["sql", sql, "--db", str(db)]) == 1, sql
        err = capsys.readouterr().err
        assert err.startswith("dateline: "), (sql, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro.duckdb"]  # no file written, no database attached
    assert cli.main(["sql", "SELECT source_path, reason FROM rejects", "--db", str(db)]) == 0
    assert "empty file" in capsys.readouterr().out
    assert query(db, "SELECT count(*) FROM rejects") == (["count_star()"], [(1,)])


def test_dateline_sql_says_when_the_database_is_busy(tmp_path, capsys):
    db = tmp_path / "busy.duckdb"
    Database.open(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
                               "sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert cli.main(["sql", "SELECT 1", "--db", str(db), "--wait", "0"]) == cli.EXIT_BUSY
        assert "in use by another process" in capsys.readouterr().err
    finally:
        holder.communicate("\n", timeout=30)
