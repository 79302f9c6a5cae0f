"""dateline.orchestration: where batches are parsed, the batch pipeline's order and bound, and a run's
own bookkeeping (counts, known content)."""

from __future__ import annotations

import pytest
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from dateline.orchestration import pipeline as pipeline_module
from dateline.orchestration.pipeline import BatchPipeline
from dateline.orchestration.run_ledger import RunLedger, split_known
from dateline.orchestration.runners import task_runner_for
from dateline.settings import Settings
from dateline.sources.files import FileBatch, RawFile, Unreadable
from dateline.store.dedup import ContentIndex
from dateline.store.ledger import LedgerState


def test_the_task_runner_follows_the_settings():
    assert isinstance(task_runner_for(Settings(task_runner="thread")), ThreadPoolTaskRunner)
    runner = task_runner_for(Settings(task_runner="process", workers=3))
    assert isinstance(runner, ProcessPoolTaskRunner) and runner._max_workers == 3


def test_parallel_runs_see_the_shared_api(prefect_harness):
    from dateline.orchestration.runners import runs_in_parallel

    assert runs_in_parallel(ProcessPoolTaskRunner(max_workers=2))
    assert not runs_in_parallel(ThreadPoolTaskRunner(max_workers=1))


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


class _Parse:
    """Stands in for the parse task: records what was submitted, parses by upper-casing."""

    def __init__(self):
        self.submitted = []

    def __call__(self, files, tag):
        return [f.upper() for f in files], tag

    def submit(self, files, tag):
        self.submitted.append(tag)
        return _Done(self(files, tag))


def test_the_pipeline_loads_batches_in_order_and_keeps_at_most_two_per_worker_in_flight(monkeypatch):
    monkeypatch.setattr(pipeline_module, "runs_in_parallel", lambda runner: True)
    parse, loaded = _Parse(), []
    settings = Settings(batch_size=2, workers=1)

    def load(parsed, n_files):
        loaded.append((parsed, n_files, len(parse.submitted)))

    pipe = BatchPipeline(parse, load, runner=ProcessPoolTaskRunner(max_workers=1), settings=settings, n_files=7)
    assert pipe.parallel and pipe.depth == 2
    for i, files in enumerate([["a", "b"], [], ["c"], ["d", "e"], ["f"]]):
        pipe.put(files, i)
    assert len(pipe.in_flight) == 2  # the empty batch was never submitted
    pipe.drain()
    assert [(p, n) for p, n, _ in loaded] == [((["A", "B"], 0), 2), ((["C"], 2), 1), ((["D", "E"], 3), 2),
                                             ((["F"], 4), 1)]
    assert [submitted for *_, submitted in loaded] == [3, 4, 4, 4]  # loading waited until 2 were ahead


def test_a_run_of_one_batch_parses_and_loads_at_once_in_the_flows_process():
    parse, loaded = _Parse(), []
    pipe = BatchPipeline(parse, lambda parsed, n: loaded.append(parsed), runner=ThreadPoolTaskRunner(max_workers=1),
                         settings=Settings(batch_size=10), n_files=3)
    pipe.put(["x", "y", "z"], "only")
    assert loaded == [(["X", "Y", "Z"], "only")] and parse.submitted == [] and not pipe.in_flight


def _raw(path: str, sha: str) -> RawFile:
    return RawFile(path, b"x", sha)


def test_split_known_keeps_new_files_and_says_what_their_content_became(tmp_path):
    files = FileBatch([_raw("done.txt", "1" * 64), _raw("copy.txt", "1" * 64), _raw("new.txt", "2" * 64),
                       _raw("again.txt", "3" * 64), Unreadable("gone.txt", "file vanished before it could be read", "")])
    state = LedgerState(done={("done.txt", "1" * 64, "")}, articles={"1" * 64: "1" * 16})
    met = ContentIndex({"3" * 64: ""}, {"3" * 64: "empty file"})  # rejected earlier in this run
    kept, known = split_known(files, state, met)
    assert [f.path for f in kept] == ["copy.txt", "new.txt", "again.txt", "gone.txt"]
    assert known.articles == {"1" * 64: "1" * 16, "3" * 64: ""} and known.reasons == {"3" * 64: "empty file"}


def test_the_run_ledger_counts_every_file_once():
    ledger = RunLedger.start(run_id="r", flow_run_name="n", deployment=None, paths=["in"], parameters={"db": "x"})
    assert ledger.run.status == "Running" and ledger.run.files_seen == 0
    ledger.files_seen, ledger.records_seen, ledger.already_loaded = 10, 10, 3
    ledger.settled(ContentIndex({"a" * 64: "a" * 16}), 4)
    assert ledger.progress() == "progress: 7 records settled of 10 read so far, 10 files (3 already loaded before)"
    summary = {"loaded": 4, "duplicates": 1, "rejected": 2, "quarantined": 1, "warned": 0,
               "date_anomalies": [{"article_id": "x"}]}
    run = ledger.finished(summary)
    assert (run.status, run.files_seen, run.already_loaded, run.articles_loaded, run.date_anomalies) == (
        "Completed", 10, 3, 4, 1)
    assert run.duration_s is not None and run.duration_s >= 0
    assert ledger.unaccounted(summary) == 0
    assert ledger.unaccounted({**summary, "rejected": 1}) == 1


@pytest.mark.parametrize("status", ["Failed", "Crashed"])
def test_record_end_marks_the_run_and_never_raises(tmp_path, status):
    from dateline.orchestration.run_ledger import record_end
    from dateline.store import runs
    from dateline.store.database import Database, open_read_only

    db = tmp_path / "r.duckdb"
    with Database.open(db) as database:
        runs.save_run(database, RunLedger.start(run_id="r", flow_run_name=None, deployment=None, paths=[],
                                                parameters={}).run)
    record_end(str(db), "r", status)
    with open_read_only(db) as con:
        assert con.execute("SELECT status, ended_at IS NOT NULL FROM runs").fetchall() == [(status, True)]
    (tmp_path / "a-folder.duckdb").mkdir()
    record_end(str(tmp_path / "a-folder.duckdb"), "r", status)  # cannot open it: logged, not raised
