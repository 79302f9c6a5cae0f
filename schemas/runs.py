from datetime import datetime

from schemas.base import TableModel


class Run(TableModel):
    """One flow run of news-etl: what it was asked to do and what it did."""

    table = "runs"
    primary_key = ("run_id",)

    run_id: str  # the Prefect flow-run id
    flow_name: str
    flow_run_name: str | None = None  # as shown in the Prefect UI
    deployment: str | None = None  # the Prefect deployment that started the run; None for a direct run
    parameters: str | None = None  # the flow parameters, as JSON
    started_at: datetime
    ended_at: datetime | None = None
    status: str = "Running"  # then Prefect's final state: Completed, Failed, Crashed
    input_paths: list[str]
    code_version: str
    files_seen: int = 0
    articles_loaded: int = 0
    duplicates: int = 0
    already_loaded: int = 0
    rejected: int = 0
    quarantined: int = 0
    warned: int = 0
    date_anomalies: int = 0
    duration_s: float | None = None
    # Records read (lines, rows, WARC records; a one-article file is one) plus files skipped unread:
    # records_seen = already_loaded + articles_loaded + duplicates + rejected.
    records_seen: int | None = None
    # A lake's snapshot once the run's batches and stories were in: `AT (VERSION => snapshot_id)` reads
    # the lake as the run left it. None for a DuckDB file.
    snapshot_id: int | None = None
    # The last time the run committed a batch into a lake. A lake has no run lock to tell a dead run from a live one:
    # a run still 'Running' whose heartbeat is older than Settings.stale_run_minutes is taken for dead.
    heartbeat_at: datetime | None = None
