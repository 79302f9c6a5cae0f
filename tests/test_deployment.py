"""A real `prefect server`, a process work pool, `prefect deploy` from deploy/prefect.yaml, a worker,
and a deployment run read back through the Prefect API: what a scheduled production run does.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "DATELINE_HOME": str(ROOT),
    }
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def healthy():
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                return r.read().strip() == b"true"
        except OSError:
            return False

    try:
        wait_for(healthy, 120, "prefect server /api/health")
        yield {"url": url, "env": env, "home": home}
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()


def prefect(server, *args, timeout=180) -> str:
    out = subprocess.run([PREFECT, "--no-prompt", *args], env=server["env"], cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f"prefect {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_deployment_runs_on_a_worker_and_reports_through_the_api(server, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    prefect(server, "work-pool", "create", "dateline-local", "--type", "process")
    deployed = prefect(server, "deploy", "--prefect-file", "deploy/prefect.yaml", "--all")
    assert "seeds-hourly" in deployed and "drop-folder-hourly" in deployed

    db = tmp_path / "deployed.duckdb"
    started = prefect(server, "deployment", "run", "news-etl/seeds-hourly", "--param", f"db={db}")
    run_id = next(line.split()[-1] for line in started.splitlines() if "UUID" in line)

    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "dateline-local"], env=server["env"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with temporary_settings({PREFECT_API_URL: server["url"]}), get_client(sync_client=True) as client:
            def finished():
                run = client.read_flow_run(run_id)
                return run if run.state and run.state.is_final() else None

            run = wait_for(finished, 300, f"flow run {run_id} to finish")
            assert run.state.type.value == "COMPLETED", run.state
            assert run.deployment_id is not None and "dateline" in run.tags

            task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
            names = {t.name.rsplit("-", 1)[0] for t in task_runs}
            assert {"discover_files", "read_records", "normalize_batch", "validate_batch", "load_batch"} <= names
            assert all(t.state.type.value == "COMPLETED" for t in task_runs)

            assert run.name.startswith("news-etl-") and run.name.endswith("seeds 5 files")

            artifacts = {a.key: a for a in client.read_artifacts() if a.flow_run_id == run.id}
            summary = artifacts["news-etl-summary"].data
            # files seen, loaded, already loaded, duplicates, rejected, passed, warned, quarantined
            assert "| 5 | 5 | 0 | 0 | 0 | 2 | 2 | 1 |" in summary
            assert "2024-03-29" in summary and "Data Docs" in summary
            anomalies = artifacts["news-etl-date-anomalies"]
            assert anomalies.type == "table"
            assert "2024-03-29" in str(anomalies.data) and "1fc29f74509bb7b8" in str(anomalies.data)
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker stuck in shutdown must not hide the test's own failure
            os.killpg(worker.pid, 9)
            worker.wait(timeout=30)

    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (5,)
        assert con.execute("SELECT run_id, status FROM runs").fetchall() == [(str(run_id), "Completed")]
