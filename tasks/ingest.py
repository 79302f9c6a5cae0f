"""Prefect tasks: thin wrappers over the pure functions in ``dateline`` that add retries and logging.

Every task works on a batch of files, never on one article: a task run costs ~12 ms of client and
~50 ms of server CPU here, more than parsing an article does.
"""
from prefect import task
from prefect.cache_policies import NO_CACHE

from dateline.orchestration.run_ledger import split_known
from dateline.sources import files as sources
from dateline.sources.files import FileBatch, RawFile
from dateline.sources.records import RawRecord, RecordReader
from dateline.store import ledger
from dateline.store.database import Database
from dateline.store.dedup import ContentIndex


# Drop folders are often network mounts (NFS, SMB) whose listings fail transiently; a second look
# a moment later usually succeeds, so retry rather than fail the run.
@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def discover_files(paths: list[str]) -> list[str]:
    return sources.discover_files(paths)


# Stat-ing is listing's cousin on a network mount: retry.
@task(retries=3, retry_delay_seconds=5, cache_policy=NO_CACHE)
def drop_unchanged(database: Database, paths: list[str]) -> tuple[list[str], int]:
    """Leave out files an earlier run handled for good whose size and mtime have not changed since: a
    re-run over an unchanged folder stats its files and reads none. Returns the paths left, and how
    many were left out."""
    stats = sources.stat_files(paths)
    changed = ledger.changed_paths(database, [s for s in stats if s])
    kept = [p for p, s in zip(paths, stats, strict=True) if s is None or s[0] in changed]
    return kept, len(paths) - len(kept)


# No retries, unlike listing and stat-ing: the reader is a stream part-way through the run's files, and a
# retry would skip what the failed attempt consumed; reading never raises for a bad file anyway (a file
# that cannot be read, or breaks mid-read, becomes a reject with the reason). Caching is off: the inputs
# are files whose contents change, and hashing megabytes of results for a cache key would cost more than
# re-reading them.
@task(cache_policy=NO_CACHE)
def read_records(reader: RecordReader, n: int) -> FileBatch:
    """The next ``n`` records of the run: one-article files, and lines, rows and WARC records of files
    of many, streamed (a file of millions of lines spans many batches)."""
    return reader.take(n)


@task(cache_policy=NO_CACHE)  # reads the run's own open database: nothing transient to retry
def drop_loaded(database: Database, files: FileBatch, met: ContentIndex) -> tuple[FileBatch, int, ContentIndex]:
    """Leave out records (same path, same bytes, same place in the file) that an earlier run already handled
    for good: a file re-read after a run died in the middle of it loads only the records that run did not.

    Returns the records to process, how many were left out, and what is known of the kept records'
    content (see ``split_known``): bytes met before elsewhere make a ``duplicate``, not a second article.
    """
    pairs = [(sources.storable_path(f.path), f.sha256, f.record_key) for f in files
             if isinstance(f, (RawFile, RawRecord))]
    state = ledger.ledger_state(database, pairs)
    kept, known = split_known(files, state, met)
    # A file's last record found handled: the file is unchanged in content, only touched; note its new
    # mtime so the next run skips it unread.
    ledger.refresh_mtimes(database, [
        (key[0], key[1], key[2], f.file_size, f.mtime_ns) for f, key in zip(files, _keys(files))
        if key is not None and f.mtime_ns is not None and key in state.done])
    return kept, len(files) - len(kept), known


def _keys(files: FileBatch) -> list[tuple[str, str, str] | None]:
    return [(sources.storable_path(f.path), f.sha256, f.record_key) if isinstance(f, (RawFile, RawRecord)) else None
            for f in files]
