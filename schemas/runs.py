from datetime import datetime

from schemas.base import TableModel


class Run(TableModel):
    """One flow run of news-etl: what it was asked to do and what it did."""

    table = "runs"
    primary_key = ("run_id",)

    run_id: str  # the Prefect flow-run id
    flow_name: str
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
