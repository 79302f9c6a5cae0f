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
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def read_files(paths: list[str]) -> list[RawFile | Unreadable]:
    return [sources.read_file(p) for p in paths]


# The database may be held for a moment by another writer (DuckDB allows one process per file).
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def drop_loaded(db_path: str, files: list[RawFile | Unreadable]) -> tuple[list[RawFile | Unreadable], int]:
    """Leave out files whose exact content an earlier run already loaded or rejected."""
    hashes = [f.sha256 for f in files if isinstance(f, RawFile)]
    with store.connect(db_path) as con:
        known = store.loaded_hashes(con, hashes)
    kept = [f for f in files if not (isinstance(f, RawFile) and f.sha256 in known)]
    return kept, len(files) - len(kept)
