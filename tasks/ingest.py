from prefect import task
from prefect.cache_policies import NO_CACHE

from dateline.sources import files as sources
from dateline.store import database as store
from dateline.sources.files import FileBatch, RawFile


# Drop folders are often network mounts (NFS, SMB) whose listings fail transiently; a second look
# a moment later usually succeeds, so retry rather than fail the run.
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def discover_files(paths: list[str]) -> list[str]:
    return sources.discover_files(paths)


# Stat-ing is listing's cousin on a network mount, and the ledger query may meet another writer: retry.
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def drop_unchanged(db_path: str, paths: list[str]) -> tuple[list[str], int]:
    """Leave out files an earlier run handled for good whose size and mtime have not changed since: a
    re-run over an unchanged folder stats its files and reads none. Returns the paths left, and how
    many were left out."""
    stats = sources.stat_files(paths)
    with store.connect(db_path) as con:
        changed = store.changed_paths(con, [s for s in stats if s])
    kept = [p for p, s in zip(paths, stats, strict=True) if s is None or s[0] in changed]
    return kept, len(paths) - len(kept)


# Reading retries for the same reason. Caching is off: the inputs are file names whose contents
# change, and hashing megabytes of results for a cache key would cost more than re-reading them.
# A file that cannot be read is not an error here: read_file returns an Unreadable with the reason.
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def read_files(paths: list[str], max_bytes: int | None = None) -> FileBatch:
    return FileBatch(sources.read_file(p, max_bytes=max_bytes) for p in paths)


# The database may be held for a moment by another writer (DuckDB allows one process per file).
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def drop_loaded(db_path: str, files: FileBatch, seen: dict[str, str], rejected: dict[str, str]
                ) -> tuple[FileBatch, int, dict[str, str], dict[str, str]]:
    """Leave out files (same path, same bytes) that an earlier run already handled for good.

    Returns the files to process, how many were left out, and what is known of the kept files' content,
    by the ledger (earlier runs) and by ``seen``/``rejected`` (this run so far): content hash -> article
    id ("" if rejected), and the rejected hashes' reasons. Bytes met before under another path make a
    ``duplicate``, not a second article. Only the kept files' hashes are returned, so what goes to the
    parse workers stays small however long the run. Unreadable files are always kept: the ledger row of
    this run is what accounts for them.
    """
    pairs = [(sources.storable_path(f.path), f.sha256) for f in files if isinstance(f, RawFile)]
    with store.connect(db_path) as con:
        state = store.ledger_state(con, pairs)
    kept = FileBatch(f for f in files
                     if not (isinstance(f, RawFile) and (sources.storable_path(f.path), f.sha256) in state.done))
    known, reasons = {**state.articles, **{h: "" for h in state.rejected}}, dict(state.rejected)
    for f in kept:
        if isinstance(f, RawFile) and f.sha256 in seen:
            known[f.sha256] = seen[f.sha256]
            if f.sha256 in rejected:
                reasons[f.sha256] = rejected[f.sha256]
    return kept, len(files) - len(kept), known, reasons
