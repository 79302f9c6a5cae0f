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
    # 2,000 measured 1.2x the articles/s of 500 at 20k (Great Expectations costs ~0.25 s per validation
    # whatever the rows, and Prefect ~5 task runs per batch); a batch of 2,000 holds ~35 MB more.
    batch_size: int = Field(2000, ge=1, le=100_000, description="Files per task run.")
    schedule_cron: str = Field("0 * * * *", description="Cron of scheduled runs (UTC).")
    data_docs: bool = Field(True, description="Rebuild Great Expectations Data Docs after each run.")
    # Data Docs are an overview for people; every article's own results are already in quality_results.
    # Validating a whole 100k-file run again held ~500 MB (flow peak 1,438 MB against 942 MB without).
    data_docs_rows: int = Field(20_000, ge=1, description="Data Docs validate at most this many of the run's "
                                "articles (a repeatable random sample when there are more).")
    # Default: the flow's own process. Measured on a 2-core machine (bench/throughput.py, N=20k) a local
    # process pool ran at 0.49x of it: the workers starve the single DuckDB writer, and batches cross
    # process boundaries twice. Parse workers pay where they do not share the writer's cores.
    task_runner: Literal["process", "dask", "thread"] = Field(
        "thread", description="Where the parse stage (normalize + validate) runs: the flow's own process "
        "(thread), a local process pool (process), or a Dask cluster (dask, via prefect-dask).")
    workers: int | None = Field(
        None, ge=1, le=512, description="Parse workers: processes, or Dask workers of a local cluster; default: one per CPU.")
    dask_address: str | None = Field(
        None, description="Scheduler of an existing Dask cluster (tcp://host:8786); default: a LocalCluster per run.")


    @property
    def gx_root(self) -> Path:
        return self.gx_dir or self.db_path.parent


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (flow parameters, CLI options) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
