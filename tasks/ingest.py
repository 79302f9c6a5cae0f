from prefect import task
from prefect.cache_policies import NO_CACHE

from dateline import sources, store
from dateline.sources import RawFile, Unreadable


# Drop folders are often network mounts (NFS, SMB) whose listings fail transiently; a second look
# a moment later usually succeeds, so retry rather than fail the run.
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def discover_files(paths: list[str]) -> list[str]:
    return sources.discover_files(paths)


# Reading retries for the same reason. Caching is off: the inputs are file names whose contents
# change, and hashing megabytes of results for a cache key would cost more than re-reading them.
# A file that cannot be read is not an error here: read_file returns an Unreadable with the reason.
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def read_files(paths: list[str], max_bytes: int | None = None) -> list[RawFile | Unreadable]:
    return [sources.read_file(p, max_bytes=max_bytes) for p in paths]


# The database may be held for a moment by another writer (DuckDB allows one process per file).
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def drop_loaded(db_path: str, files: list[RawFile | Unreadable]) -> tuple[list[RawFile | Unreadable], int, store.LedgerState]:
    """Leave out files (same path, same bytes) that an earlier run already handled for good.

    Returns the files to process, how many were left out, and the ledger's knowledge of the kept files'
    hashes (bytes an earlier run met under another path make a ``duplicate``, not a second article).
    Unreadable files are always kept: the ledger row of this run is what accounts for them.
    """
    pairs = [(sources.storable_path(f.path), f.sha256) for f in files if isinstance(f, RawFile)]
    with store.connect(db_path) as con:
        state = store.ledger_state(con, pairs)
    kept = [f for f in files
            if not (isinstance(f, RawFile) and (sources.storable_path(f.path), f.sha256) in state.done)]
    return kept, len(files) - len(kept), state
