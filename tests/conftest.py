import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Same settings the CLI applies: a fresh ephemeral server needs more than Prefect's 20 s default.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# Runs in tests parse in the flow's own process (and so do the `dateline` subprocesses, which inherit
# this), unless a test is about the parse pool: tests/test_task_runners.py runs the process pool and
# Dask against it, the first SIGKILL test in tests/test_failures.py kills a run with its workers. The
# tables are the same either way (test_task_runners); a pool's two workers each import for ~3 s, on 2 cores:
# two CLI runs at once over 200 articles each (test_lake_writers' same-bytes test) took 42.5 s, 28.8 in-process.
os.environ.setdefault("DATELINE_TASK_RUNNER", "thread")


def seed_text(prefix: str) -> str:
    """The text of the seed file whose name starts with ``prefix`` (e.g. "001")."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def prefect_harness():
    """One real (ephemeral, throw-away) Prefect server for the whole test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seeded(prefect_harness, tmp_path_factory):
    """The news-etl flow run twice over seeds/ into one DuckDB file (the second run must add nothing)."""
    import duckdb

    from flows.news_etl import news_etl

    db = tmp_path_factory.mktemp("db") / "dateline.duckdb"
    first = news_etl(paths=[str(SEEDS)], db=str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("articles", "date_mentions", "quality_results")}
    second = news_etl(paths=[str(SEEDS)], db=str(db))
    return {"db": db, "first": first, "second": second, "counts_after_first": counts}


@pytest.fixture(scope="session")
def seeded_db(seeded):
    return seeded["db"]
