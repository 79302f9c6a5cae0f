"""A run's own bookkeeping: its row in ``runs``, the content it has settled so far, and what it counts.

The flow creates one ``RunLedger`` per run and hands it to the steps that need it; nothing here runs SQL
itself (``dateline.store`` does) and nothing here knows about Prefect.
"""

from __future__ import annotations

import json
import logging

import duckdb

from dateline.parse.normalize import utcnow
from dateline.sources.files import FileBatch, RawFile, storable_path
from dateline.sources.records import RawRecord
from dateline.store import runs
from dateline.store.database import Database, DatabaseBusyError
from dateline.store.dedup import ContentIndex
from dateline.store.ledger import LedgerState
from dateline.versioning import code_version
from schemas import Run

log = logging.getLogger(__name__)

#: A failed run records its end after letting go of the file; a reader may hold it for a query meanwhile.
RECORD_END_WAIT_S = 30.0


class RunLedger:
    """One run: its ``runs`` row, the contents it has met (content hash -> article id or reject reason),
    and its counts. ``records_seen == already_loaded + records handled``; see ``unaccounted``. A record is
    a one-article file or a line, row or WARC record of a file of many; a file skipped unread counts one."""

    def __init__(self, run: Run):
        self.run = run
        self.met = ContentIndex()
        self.files_seen = 0
        self.records_seen = 0  # records read, plus files skipped unread
        self.already_loaded = 0
        self.files_loaded = 0  # records settled (loaded, duplicate or rejected) so far

    @classmethod
    def start(cls, *, run_id: str, flow_run_name: str | None, deployment: str | None, paths: list[str],
              parameters: dict) -> "RunLedger":
        return cls(Run(run_id=run_id, flow_name="news-etl", flow_run_name=flow_run_name, deployment=deployment,
                       started_at=utcnow(), parameters=json.dumps(parameters), input_paths=paths,
                       code_version=code_version()))

    def renamed(self, name: str) -> None:
        self.run = self.run.model_copy(update={"flow_run_name": name})

    def settled(self, contents: ContentIndex, n_files: int) -> None:
        """A batch of ``n_files`` files is loaded; later batches learn what its content became."""
        self.met.update(contents)
        self.files_loaded += n_files

    def progress(self) -> str:
        return (f"progress: {self.files_loaded + self.already_loaded} records settled of {self.records_seen} read "
                f"so far, {self.files_seen} files ({self.already_loaded} already loaded before)")

    def finished(self, summary: dict) -> Run:
        """The run's row once it has done its work: counts from ``store.runs.run_summary``, end, duration."""
        ended = utcnow()
        self.run = self.run.model_copy(update={
            "ended_at": ended, "status": "Completed", "files_seen": self.files_seen,
            "records_seen": self.records_seen,
            "already_loaded": self.already_loaded, "articles_loaded": summary["loaded"],
            "duplicates": summary["duplicates"], "rejected": summary["rejected"],
            "quarantined": summary["quarantined"], "warned": summary["warned"],
            "date_anomalies": len(summary["date_anomalies"]),
            "duration_s": (ended - self.run.started_at).total_seconds(),
            "snapshot_id": summary.get("snapshot_id"),
        })
        return self.run

    def unaccounted(self, summary: dict) -> int:
        """Records neither skipped nor recorded in the ledger by this run: 0 unless dateline has a bug."""
        return (self.records_seen - self.already_loaded - summary["loaded"] - summary["duplicates"]
                - summary["rejected"])


def split_known(files: FileBatch, state: LedgerState, met: ContentIndex) -> tuple[FileBatch, ContentIndex]:
    """The files an earlier run has not handled for good, and what is known of their content.

    Known content comes from the ledger (earlier runs, any path) and from ``met`` (this run so far):
    bytes met before under another path make a ``duplicate``, not a second article. Only the kept files'
    hashes are returned, so what goes to the parse workers stays small however long the run. Unreadable
    files are always kept: this run's ledger row is what accounts for them.
    """
    kept = FileBatch(f for f in files if not (isinstance(f, (RawFile, RawRecord))
                                              and (storable_path(f.path), f.sha256, f.record_key) in state.done))
    known = ContentIndex({**state.articles, **{h: "" for h in state.rejected}}, dict(state.rejected))
    for f in kept:
        if isinstance(f, (RawFile, RawRecord)) and f.sha256 in met.articles:
            known.articles[f.sha256] = met.articles[f.sha256]
            if f.sha256 in met.reasons:
                known.reasons[f.sha256] = met.reasons[f.sha256]
    return kept, known


def record_end(db_path: str, run_id: str, status: str) -> None:
    """Say in ``runs`` how a run ended that could not finish normally (Failed, Crashed).

    Called from the flow's state hooks, after the run let go of the database. It must never mask the
    run's own error, so a database it cannot open or write is logged, not raised.
    """
    try:
        with Database.open(db_path, wait_s=RECORD_END_WAIT_S) as database:  # readers hold it for a query
            runs.mark_run_ended(database, run_id, status, utcnow())
    except (duckdb.Error, DatabaseBusyError, OSError) as exc:
        log.warning("could not record in %s that run %s ended %s: %s", db_path, run_id, status, exc)
