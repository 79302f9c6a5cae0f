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
    ended_at: datetime | None
    status: str
    input_paths: list[str]
    code_version: str
    files_seen: int
    articles_loaded: int
    duplicates: int
    already_loaded: int
    rejected: int
    quarantined: int
    warned: int
    date_anomalies: int
    duration_s: float | None = None
