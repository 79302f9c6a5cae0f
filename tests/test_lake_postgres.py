"""A lake with a real PostgreSQL catalog: a throw-away server from Debian's packages (`.ci/run` installs
them), a cluster in a temporary folder on a free local port, two writers at once."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from dateline.store.database import query
from tests.test_failures import Cli, api_url, write_articles  # noqa: F401 - api_url is a fixture


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own; call it with a name for a new database's connection string."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server not installed (Debian's postgresql package; .ci/run installs it)")
    bin_dir = Path(found[-1]).parent
    # initdb refuses to run as root: as root, the cluster belongs to the unprivileged user "nobody".
    as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    if as_user and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
    root = Path(tempfile.mkdtemp(prefix="dateline-pg-"))
    root.chmod(0o755)
    if as_user:
        os.chown(root, 65534, 65534)
    port = _free_port()
    data = root / "cluster"
    subprocess.run([*as_user, bin_dir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, bin_dir / "pg_ctl", "-D", data, "-l", root / "server.log", "-w", "start", "-o",
                    f"-p {port} -k {root} -c listen_addresses=''"], check=True, capture_output=True)
    def new_database(name: str) -> str:
        subprocess.run([*as_user, bin_dir / "createdb", "-h", root, "-p", str(port), "-U", "postgres", name],
                       check=True, capture_output=True)
        return f"dbname={name} host={root} port={port} user=postgres"

    try:
        yield new_database
    finally:
        subprocess.run([*as_user, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_two_writers_into_a_postgres_catalog_lake_one_article_per_bytes(api_url, postgres, tmp_path):
    """Two runs at once: each loads its own articles, and the bytes both meet become one article and one
    duplicate. (One pair of runs tests both: each run of the CLI spends ~10 s starting.)"""
    # PostgreSQL commits two transactions that append to one table side by side: only the loads' claim
    # on their runs' rows keeps the second copy of the bytes from becoming a second article
    write_articles(tmp_path / "a", 150)
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # the same bytes under other paths
    write_articles(tmp_path / "b", 100, start=200)  # and articles of b's own
    lake = f"ducklake:postgres:{postgres('writers')}"
    env = {"DATELINE_LAKE_DATA_PATH": str(tmp_path / "files"), "DATELINE_DATA_DOCS": "false"}
    runs = [Cli(["run", str(tmp_path / half), "--db", lake, "--batch-size", "25"], api_url, **env) for half in "ab"]
    for run in runs:
        assert run.finish() == 0, run.output
    # readers need no data path: the catalog records it
    assert query(lake, "SELECT count(*), count(DISTINCT article_id) FROM articles")[1] == [(250, 250)]
    per_hash = query(lake, "SELECT count(*) FILTER (outcome = 'loaded'), count(*) FILTER (outcome = 'duplicate')"
                           " FROM source_files GROUP BY content_sha256")[1]
    assert sorted(per_hash) == [(1, 0)] * 100 + [(1, 1)] * 150
    assert query(lake, "SELECT count(*) FROM quality_results q ANTI JOIN articles USING (article_id)")[1] == [(0,)]
    assert query(lake, "SELECT list(DISTINCT status), sum(articles_loaded) FROM runs")[1] == [(["Completed"], 250)]
    assert list((tmp_path / "files").rglob("*.parquet"))
