"""All of dateline's configuration in one typed object, and the only place that reads the environment.

Precedence, lowest first: the defaults below, environment variables ``DATELINE_<FIELD>`` (e.g.
``DATELINE_DB_PATH``), then flow parameters / CLI options, which override per run.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DATELINE_", extra="ignore")

    db_path: Path = Field(Path("data/dateline.duckdb"), description="The DuckDB file the flow loads into, or a "
                          "DuckLake: ducklake:sqlite:PATH or ducklake:postgres:CONNINFO (dateline.store.lake).")
    lake_data_path: Path | None = Field(
        None, description="Where a DuckLake keeps its Parquet files; default: <catalog file>.files/ beside a "
        "SQLite catalog. A PostgreSQL catalog needs it when the lake is created (it is recorded there).")
    run_input: Path = Field(Path("seeds"), description="What `dateline run` ingests when given no paths.")
    drop_folder: Path = Field(Path("inbox"), description="What the flow ingests when given no paths: "
                              "scheduled runs (dateline serve, deployments).")
    gx_dir: Path | None = Field(
        None, description="Root of the file-based Great Expectations project (Data Docs); default: the database's folder."
    )
    # Larger batches mean fewer task runs and validations per article, smaller ones an earlier first
    # load and less memory in flight (docs/performance.md).
    batch_size: int = Field(5000, ge=1, le=100_000, description="Files per task run.")
    # A real article is a few kB; a file of many MB is a mis-dropped dump or binary, and would hold a
    # parse worker for minutes.
    max_file_mb: float = Field(10.0, gt=0, description="Larger files are rejected unread; so are larger "
                               "records (a line, a row, a WARC payload) of files of many, which are streamed.")
    # A gzip bomb (a few kB inflating to many GB) must not fill the disk-less memory of a run or hold it for
    # an hour: past this, the rest of the file is rejected with the reason; records before it load.
    max_inflated_mb: float = Field(4096.0, gt=0, description="What one gzipped file (.jsonl.gz, .csv.gz, "
                                   ".warc.gz ...) may inflate to; the rest is rejected past it.")
    # Exports that name fields their own way: "body=content,published=date". The keys are dateline's fields
    # (dateline.sources.jsonfile.FIELD_KEYS); each given name is tried before the known ones.
    field_map: str = Field("", description="JSON/CSV field names, e.g. body=content,published=date "
                           "(fields: title, body, published, url, publisher, authors, language).")
    schedule_cron: str = Field("0 * * * *", description="Cron of scheduled runs (UTC).")
    data_docs: bool = Field(True, description="Rebuild Great Expectations Data Docs after each run.")
    # Stories cost a run its parse workers' signing, the keys' load and the stage (docs/performance.md);
    # a dump that must land fast can leave them to a later `dateline stories`, which signs what has none.
    stories: bool = Field(True, description="Sign articles as they are parsed and build near-duplicates, "
                          "stories and the corpus date check at the end of each run.")
    # Clustering every affected article in memory is the faster way and takes ~4.3 KB an article; past this
    # the stage clusters in parts, its pairs listed in DuckDB, its static vectors and tables in scratch
    # files and its groups a batch at a time (1.2-1.7x slower; its peak a batch's, ~0.2 KB an article
    # more; docs/performance.md, stop 33). An increment that touches a wire corpus's giant
    # component re-clusters most of the database. 480 MB (~111,000 articles): about where the stage in
    # memory starts to set the run's peak (at 100k it peaked 25 MB under the load's; at 200k it raised the
    # run's peak by 203 MB, in parts it stayed under it; docs/performance.md, stop 32).
    stories_memory_mb: int = Field(480, ge=64, description="What the stories stage may hold in memory to "
                                   "cluster the articles a run touches; past it, it clusters them in parts.")
    # Data Docs are an overview for people; every article's own results are already in quality_results.
    data_docs_rows: int = Field(20_000, ge=1, description="Data Docs validate at most this many of the run's "
                                "articles (a repeatable random sample when there are more).")
    # Parsing is CPU-bound and independent per batch; validating and loading stay in the flow's process.
    task_runner: Literal["process", "dask", "thread"] = Field(
        "process", description="Where the parse stage (decode, text, dates, sanity) runs: a local process "
        "pool (process), the flow's own process (thread), or a Dask cluster (dask, via prefect-dask).")
    workers: int | None = Field(
        None, ge=1, le=512, description="Parse workers: processes, or Dask workers of a local cluster; default: one per CPU.")
    # DuckDB's default (80% of RAM) lets a long run's memory grow with no gain in speed.
    duckdb_memory: str = Field("384MiB", pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$",
                               description="DuckDB memory_limit while a run holds the database open.")
    # Researchers load archives: a plausible claimed date is anything from a far floor (dates before it are
    # parser defaults or mangled years, not news) up to tomorrow (time zones), never "recent years only".
    claimed_floor: date = Field(date(1800, 1, 1), description="Claimed publication dates before this are "
                                "implausible and quarantine their article.")
    claimed_future_days: int = Field(1, ge=0, le=366, description="Claimed dates more than this many days "
                                     "after the day of the run are implausible and quarantine their article.")
    # A lake has no run lock: a run that commits nothing for this long is taken for dead (killed, machine
    # lost). Longer than the longest stage between two commits (the stories stage and the corpus check at
    # the end of a large run take minutes).
    stale_run_minutes: int = Field(60, ge=1, description="On a DuckLake, a run still 'Running' that has "
                                   "committed nothing for this many minutes is marked 'Crashed' by the next run.")
    dask_address: str | None = Field(
        None, description="Scheduler of an existing Dask cluster (tcp://host:8786); default: a LocalCluster per run.")

    @property
    def gx_root(self) -> Path:
        if self.gx_dir:
            return self.gx_dir
        if str(self.db_path).startswith("ducklake:"):
            from dateline.store.lake import Lake

            return Lake.parse(self.db_path, self.lake_data_path).folder
        return self.db_path.parent

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_inflated_bytes(self) -> int:
        return int(self.max_inflated_mb * 1_000_000)

    @property
    def stories_memory_bytes(self) -> int:
        return self.stories_memory_mb * 1_000_000

    @field_validator("field_map")
    @classmethod
    def _check_field_map(cls, value: str) -> str:
        parse_field_map(value)
        return value

    @property
    def field_mapping(self) -> dict[str, str]:
        return parse_field_map(self.field_map)


#: The fields ``--map`` may name (dateline.sources.jsonfile.FIELD_KEYS; a test keeps the two equal).
MAPPABLE_FIELDS = ("title", "body", "published", "url", "publisher", "authors", "language")


def parse_field_map(text: str) -> dict[str, str]:
    """``"body=content,published=date"`` -> ``{"body": "content", "published": "date"}``; a clear error
    for an unknown field or a missing ``=``."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        field, sep, key = (x.strip() for x in part.partition("="))
        if not sep or not key:
            raise ValueError(f"--map wants FIELD=KEY pairs separated by commas, got {part!r}")
        if field not in MAPPABLE_FIELDS:
            raise ValueError(f"--map: unknown field {field!r}; fields: {', '.join(MAPPABLE_FIELDS)}")
        out[field] = key
    return out


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with non-None ``overrides`` (flow parameters, CLI options) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


#: What Prefect needs on a fresh, offline machine. A first ephemeral-server start with a fresh
#: PREFECT_HOME takes 20-27 s here, over Prefect's 20 s default; telemetry would only log errors.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def apply_prefect_defaults() -> None:
    """Set ``PREFECT_DEFAULTS`` in this process's environment, where the user has not set them."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
