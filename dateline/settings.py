"""All of dateline's configuration in one typed object.

Precedence, lowest first: the defaults below, environment variables ``DATELINE_<FIELD>`` (e.g.
``DATELINE_DB_PATH``), then flow parameters / CLI options, which override per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATELINE_", extra="ignore")

    db_path: Path = Field(Path("data/dateline.duckdb"), description="The DuckDB file the flow loads into.")
    drop_folder: Path = Field(Path("inbox"), description="Folder scheduled runs ingest (dateline serve, deployments).")
    gx_dir: Path | None = Field(
        None, description="Root of the file-based Great Expectations project (Data Docs); default: the database's folder."
    )
    # 5,000 measured 1,304 against 1,223 articles/s for 2,000 at 100k files (process runner, 2 cores): a
    # Great Expectations validation costs ~0.15 s whatever its rows, and Prefect ~5 task runs per batch
    # (107 task runs instead of 257; the Prefect server's CPU halved). The price is latency: the first
    # batch lands later (~16 s against ~12 s after the run starts), and up to 2 x workers batches wait
    # in memory (the 100k run peaked at ~1.0 GB).
    batch_size: int = Field(5000, ge=1, le=100_000, description="Files per task run.")
    schedule_cron: str = Field("0 * * * *", description="Cron of scheduled runs (UTC).")
    data_docs: bool = Field(True, description="Rebuild Great Expectations Data Docs after each run.")
    # Data Docs are an overview for people; every article's own results are already in quality_results.
    # Validating a whole 100k-file run again held ~500 MB (flow peak 1,438 MB against 942 MB without).
    data_docs_rows: int = Field(20_000, ge=1, description="Data Docs validate at most this many of the run's "
                                "articles (a repeatable random sample when there are more).")
    # Default: a local process pool. Its workers only parse (decode, text, dates, sanity: ~0.8 ms of CPU
    # per article); the flow's process validates and loads (~0.35 ms), so on 2 cores the pool ran
    # 1,456 articles/s at 100k files against 919 in the flow's own process. A run of one batch parses in
    # the flow's process whatever this says (starting workers would cost more than they save).
    task_runner: Literal["process", "dask", "thread"] = Field(
        "process", description="Where the parse stage (decode, text, dates, sanity) runs: a local process "
        "pool (process), the flow's own process (thread), or a Dask cluster (dask, via prefect-dask).")
    workers: int | None = Field(
        None, ge=1, le=512, description="Parse workers: processes, or Dask workers of a local cluster; default: one per CPU.")
    # A run's DuckDB peak: with DuckDB's default (80% of RAM) the flow reached 1.04 GB over 100k files,
    # with 384 MiB it stayed at 800-875 MB, loading as fast.
    duckdb_memory: str = Field("384MiB", pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$",
                               description="DuckDB memory_limit while a run holds the database open.")
    dask_address: str | None = Field(
        None, description="Scheduler of an existing Dask cluster (tcp://host:8786); default: a LocalCluster per run.")


    @property
    def gx_root(self) -> Path:
        return self.gx_dir or self.db_path.parent


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (flow parameters, CLI options) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
