"""The stories stage over a database: sign the articles that have no signature (keeping their keys), then
re-cluster only the candidate components the new articles touch. Knows the store's functions, not SQL and
not Prefect.

Articles a run loads arrive signed: the parse workers compute each one's signature and keys where the text
is, and they are loaded with it (``dateline.stories.signing``); the stage signs only what has none.

Every candidate edge depends on its two articles only (``clusters``), so the clustering of a set is the
union of the clusterings of its components: re-clustering the components a run touches, whole, gives the
same tables as clustering everything again (``rebuild``), whatever the batches and file order. The new
articles find the stored ones they may link to by joining their key terms and LSH band hashes against the
stored ones (``story_signatures.keys`` and ``bands``) in SQL; the stage reads no text, and untouched
stories are not read at all.

The touched articles are clustered in memory (``cluster_in_memory``, the faster way) while that fits the
memory the stage may take (``Settings.stories_memory_mb``), in parts past it (``cluster_in_parts``: pairs
listed in DuckDB, static vectors and tables in scratch files, groups a batch at a time). Both give the same
tables.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dateline.store import stories as store
from dateline.store.database import Database, capped_memory
from dateline.stories.build import ArticleInfo, StoryTables, build, tables_of
from dateline.stories.clusters import (GROUP_WORKER_MIN, KEY_DF_MAX, PAIR_BLOCK, ROW_BLOCK, SHARED_KEYS, TILE_PAIRS,
                                       Articles, Clustering, candidate_groups, check_copies, checked_blocks,
                                       component_roots, day_numbers_of, forget_frequencies, linked, number_vectors,
                                       static_vectors_by_parts, stories_of_groups, terms_of_lists, tiles)
from dateline.stories.group_worker import GroupWorker
from dateline.stories.signing import Signer, signatures_of_blobs, stored_number_lists, stored_term_lists
from dateline.stories.spill import SpilledRows, SpilledTables


log = logging.getLogger(__name__)

#: Articles whose signatures and dates one hold of the file reads (~1.5 s per 20,000 at 100k).
READ_CHUNK = 20_000
#: What clustering in memory holds an article (``cluster_in_memory``): the stage alone over 100,000
#: distinct wire reports rose 153 -> 582-617 MB of RSS, 30,000 153 -> 369 MB (docs/performance.md).
IN_MEMORY_BYTES = 4_300
#: Articles whose candidate groups are grouped at once (``cluster_in_parts``): their features are read,
#: grouped and let go before the next batch's.
GROUP_BATCH = 20_000
#: DuckDB's memory while the stage in parts holds the file (``cluster_in_parts``): its joins are a block of
#: rows at a time, and its scans of the signatures fill whatever limit it has (the run's 384 MiB) with cached
#: blocks. Both pair searches alone at 100,000 articles: +298-355 MB of RSS at 384 MiB, +253-254 MB at
#: 128 MiB, in 4.6-5.4 s either way. The reads by id too: one of 20,000 articles' features (20 MB of
#: Arrow) at 200,000 articles held +235 MB at 384 MiB, +160 MB at 128 MiB, in 0.30 s either way.
STAGE_DUCKDB_MEMORY = "128MiB"


def sign_new_articles(db: Database, run_id: str) -> int:
    """Compute and keep the signatures and keys of articles that have none; return how many. Articles
    loaded by a run get theirs at parse time (``normalize_files``): this signs what a ``--rebuild``
    forgot and what was loaded before that."""
    signed = 0
    for chunk in store.articles_without_signature(db):
        signer = Signer(run_id)
        for article_id, title, body in chunk:
            signer.sign(article_id, title, body)
        store.save_signatures(db, signer.signature_rows())
        signed += len(chunk)
    return signed


def linked_stored_articles(con, pairs: pa.Table) -> list[str]:
    """The stored articles of ``pairs`` (``store.Changes.pairs``: new, stored, band, term) that an edge
    joins to a new one: only their components need re-clustering (a shared key alone is no edge)."""
    if not pairs.num_rows:
        return []
    ids = pc.unique(pa.concat_arrays([pairs["new_id"].combine_chunks(), pairs["stored_id"].combine_chunks()]))
    articles, _ = articles_of(store.features_for_clustering(con, sorted(ids.to_pylist())))
    index = pa.array(articles.ids, pa.string())
    rows = [pc.index_in(pairs[side], value_set=index) for side in ("new_id", "stored_id")]
    found = pc.and_(pc.is_valid(rows[0]), pc.is_valid(rows[1]))  # articles read (a pair's both ends are)
    p = np.stack([r.filter(found).to_numpy() for r in rows], axis=1).astype(np.int64)
    edges = linked(articles, p, pairs["band"].filter(found).to_numpy(), pairs["term"].filter(found).to_numpy())
    return sorted({articles.ids[j] for j in p[edges, 1].tolist()})


def articles_of(rows: pa.Table | None) -> tuple[Articles, dict[str, ArticleInfo]]:
    """The clustering's columns (terms and numbers numbered straight from Arrow: ``clusters.terms_of_lists``)
    and what a story row says of each article, from ``store.features_for_clustering``'s table (ordered
    by id)."""
    if rows is None or not rows.num_rows:
        return Articles.of([]), {}
    signatures = signatures_of_blobs(rows["minhash"])
    ids = rows["article_id"].to_pylist()
    orgs = [tuple(o.split()) if o else () for o in rows["orgs"].to_pylist()]  # '' none (NULL: re-signed first)
    articles = Articles(ids, day_numbers_of(rows["published_claimed"]), signatures,
                        rows["n_shingles"].to_numpy().astype(np.int64), terms_of_lists(stored_term_lists(rows["terms"])),
                        terms_of_lists(stored_number_lists(rows["numbers"])), orgs)
    info = {a: ArticleInfo(t, p) for a, t, p in zip(ids, rows["title"].to_pylist(), rows["publisher"].to_pylist())}
    return articles, info


def _reads_by_chunks(db: Database, article_ids: list[str], read, memory: str | None = None) -> Iterator:
    """``read(con, ids)`` for READ_CHUNK of the ids at a time, each chunk in its own hold of the file and
    given before the next is read; ``memory``: DuckDB's limit for the hold (``capped_memory``), else the
    run's."""
    for start in range(0, len(article_ids), READ_CHUNK):
        with db.cursor() as con, capped_memory(con, memory) if memory else contextlib.nullcontext(con):
            part = read(con, article_ids[start:start + READ_CHUNK])
        yield part


def _articles_read(db: Database, article_ids: list[str],
                   memory: str | None = None) -> tuple[Articles, dict[str, ArticleInfo]]:
    """``articles_of`` the articles ``article_ids`` (ascending), read a chunk per hold of the file: a cold
    100k run read them in one hold of ~10 s (signatures 7.4 s, dates 2.1 s) and kept readers out past 15
    s (issue 22). The clustering then runs with the file let go."""
    read = list(_reads_by_chunks(db, article_ids, store.features_for_clustering, memory))
    table = pa.concat_tables(read) if read else None
    read.clear()  # the Arrow rows (every term as a string) go once articles_of has what it needs
    articles, info = articles_of(table)
    del table
    pa.default_memory_pool().release_unused()  # mimalloc keeps what Arrow freed (~160 MB of RSS at 100k
    # when signatures were read as 64-bit numbers)
    return articles, info


def cluster_in_memory(db: Database, article_ids: list[str], hot: set[str] | None, previous: dict[str, int],
                      previous_copies: set[str], run_id: str) -> StoryTables:
    """``build`` of the articles ``article_ids`` (ascending; whole candidate components), every one's
    features held at once (~4.3 KB an article: IN_MEMORY_BYTES)."""
    articles, info = _articles_read(db, article_ids)
    return build(articles, info, previous, previous_copies, run_id, hot, lambda ids: _member_dates(db, ids))


def cluster_in_parts(db: Database, article_ids: list[str], hot: set[str] | None, previous: dict[str, int],
                     previous_copies: set[str], run_id: str) -> SpilledTables:
    """``build`` of the articles ``article_ids`` (ascending; whole candidate components), without holding
    their features at once. What the stage holds of every article is bookkeeping: ids, dates, row
    pointers, the kept pairs and the groups (the stage alone: ~0.2 KB an article from 100k to 200k, ~3.4
    in memory; docs/performance.md). Its peak is a pair search's or a batch's, each of a bounded size.

    1. The static vectors are weighed a read chunk at a time and written to a scratch file
       (``clusters.static_vectors_by_parts``, ``spill.SpilledRows``).
    2. The pairs are listed in SQL, a block at a time (``store.copy_candidates``, ``store.story_pairs``):
       near-duplicates are checked on the signatures and numbers of each block's own articles, read for
       it; story candidates a tile at a time (``clusters.tiles``), on the static vectors of the tile's
       rows, read back for it.
    3. The candidate groups and components are found from the edges kept (``clusters.candidate_groups``).
    4. The groups are grouped GROUP_BATCH articles at a time, each batch's features read by id and let go
       after (a group's stories depend on its members only); each batch's tables go to scratch files
       (``spill.SpilledTables``), which ``store.replace_affected`` streams into the database.

    Reads hold the file a chunk at a time (READ_CHUNK), each pair search in a hold of its own: readers
    get in between (issue 22). DuckDB may hold STAGE_DUCKDB_MEMORY in each."""
    n, started = len(article_ids), time.perf_counter()
    if not n:
        return tables_of(Clustering(), Articles.of([]), {}, previous, previous_copies, run_id)  # type: ignore[return-value]
    days: list[np.ndarray] = []

    def terms_by_chunks():  # a chunk's terms read, weighed and let go before the next chunk's
        for table in _reads_by_chunks(db, article_ids, store.terms_for_clustering, STAGE_DUCKDB_MEMORY):
            days.append(day_numbers_of(table["published_claimed"]))
            yield terms_of_lists(stored_term_lists(table["terms"]))

    with SpilledRows(PAIR_BLOCK) as x:  # the static vectors in a scratch file, read back a tile of pairs at a time
        for part in static_vectors_by_parts(terms_by_chunks()):
            x.append(part)
        x.finish()
        ordinals = np.concatenate(days)
        forget_frequencies()  # wordfreq's tables (~70 MB) served the static weights; the groups need none
        pa.default_memory_pool().release_unused()
        log.info("stories: %d articles' story terms read and weighed in %.1f s", n, time.perf_counter() - started)
        with db.cursor() as con, capped_memory(con, STAGE_DUCKDB_MEMORY):
            store.number_rows(con, article_ids)
            forced = _copies_of(con, n)
        log.info("stories: %d near-duplicate pairs found at %.1f s", len(forced), time.perf_counter() - started)
        with db.cursor() as con, capped_memory(con, STAGE_DUCKDB_MEMORY), \
                ThreadPoolExecutor(2, thread_name_prefix="stories-pairs") as pool:
            store.number_rows(con, article_ids)
            blocks = (tile for p in store.story_pairs(con, n, hot, KEY_DF_MAX, SHARED_KEYS, ROW_BLOCK)
                      for tile in tiles(p, ROW_BLOCK, TILE_PAIRS))
            pairs, sims = checked_blocks(x, ordinals, blocks, pool)
    log.info("stories: %d story candidate pairs kept at %.1f s", len(pairs), time.perf_counter() - started)
    groups = candidate_groups(n, pairs, sims, forced)
    roots = component_roots(n, pairs, forced)
    del pairs, sims
    out = SpilledTables()
    # one worker for every batch (it imports once), when there is enough to share (``clusters.cluster``)
    with GroupWorker() if n >= GROUP_WORKER_MIN and (os.cpu_count() or 1) > 1 else contextlib.nullcontext() as worker:
        for rows, batch_groups in _batches(groups):
            part = _tables_of_batch(db, article_ids, rows, batch_groups, forced, roots, worker, previous,
                                    previous_copies, run_id)
            out.add(part)
            log.info("stories: %d of %d articles grouped into stories at %.1f s", out.members.num_rows, n,
                     time.perf_counter() - started)
    return out


def _tables_of_batch(db: Database, article_ids: list[str], rows: np.ndarray, groups: list[list[int]], forced: np.ndarray,
                     roots: np.ndarray, worker: GroupWorker | None, previous: dict[str, int], previous_copies: set[str],
                     run_id: str) -> StoryTables:
    """The tables of one batch of candidate groups (``rows`` of ``article_ids``, ``groups`` as positions
    among them), its features read for it and let go after."""
    articles, info = _articles_read(db, [article_ids[r] for r in rows.tolist()], STAGE_DUCKDB_MEMORY)
    inside = np.zeros(len(article_ids), bool)
    inside[rows] = True  # a near-duplicate pair lies in one group: one end inside is both
    result = stories_of_groups(articles, groups, np.searchsorted(rows, forced[inside[forced[:, 0]]]).reshape(-1, 2),
                               worker or False)
    result.components = {article_ids[r]: article_ids[roots[r]] for r in rows.tolist()}
    tables = tables_of(result, articles, info, previous, previous_copies, run_id,
                       lambda ids: _member_dates(db, ids, STAGE_DUCKDB_MEMORY))
    del articles, info, result
    pa.default_memory_pool().release_unused()  # the batch's columns are Arrow's memory, which mimalloc keeps
    return tables


def _copies_of(con, n: int) -> np.ndarray:
    """The near-duplicate pairs among the ``n`` articles of ``store.number_rows``, as (i, j) rows: the
    candidates listed in SQL, each PAIR_BLOCK checked on the signatures and numbers of its own articles
    alone, read for it (every article's signature is 48 MB at 100,000)."""
    kept = []
    for pairs in store.copy_candidates(con, n, ROW_BLOCK):
        for start in range(0, len(pairs), PAIR_BLOCK):
            p = pairs[start:start + PAIR_BLOCK]
            ends = np.unique(p)
            read = store.copy_features(con, ends)
            numbers = number_vectors(terms_of_lists(stored_number_lists(read["numbers"])))
            copy, _ = check_copies(signatures_of_blobs(read["minhash"]), read["n_shingles"].to_numpy(), numbers,
                                   np.searchsorted(ends, p))
            kept.append(p[copy])
    return np.concatenate(kept) if kept else np.zeros((0, 2), np.int32)


def _batches(groups: list[list[int]]):
    """Candidate groups (in order) a batch of about GROUP_BATCH articles at a time: each batch's rows
    (ascending) and its groups as positions among them."""
    batch: list[list[int]] = []
    size = 0
    for k, group in enumerate(groups):
        batch.append(group)
        size += len(group)
        if size >= GROUP_BATCH or k == len(groups) - 1:
            rows = np.sort(np.concatenate([np.asarray(g, np.int64) for g in batch]))
            yield rows, [np.searchsorted(rows, g).tolist() for g in batch]
            batch, size = [], 0


def _member_dates(db: Database, article_ids: list[str], memory: str | None = None) -> dict:
    """``store.member_dates`` a hold per READ_CHUNK of the ids (``memory``: as ``_reads_by_chunks``)."""
    return {a: d for part in _reads_by_chunks(db, article_ids, store.member_dates, memory) for a, d in part.items()}


def update_stories(db: Database, run_id: str, *, rebuild: bool = False, memory: int | None = None) -> dict[str, int]:
    """Bring the story tables up to date with the articles; ``rebuild`` recomputes every signature too.
    ``memory``: the bytes the clustering may hold (``Settings.stories_memory``); past it, it clusters in
    parts (``cluster_in_parts``), by default never.

    Returns counts: articles signed, articles re-clustered, stories (new, grown, with more than one
    article, in all), near-duplicates (new, in all), story evidence rows (in all). Nothing new and nothing
    gone: nothing to do.
    """
    if rebuild or store.built_before_components(db) or store.signed_before_features(db):
        store.forget_all(db)
    signed = sign_new_articles(db, run_id)
    with db.cursor() as con:  # one cursor: the scratch tables are temporary, this cursor's own
        changes = store.new_and_gone(con, KEY_DF_MAX)
        if not changes.new and not changes.gone:
            totals = store.totals(con)
            return {"signed": signed, "reclustered": 0, **totals, "new_stories": 0, "grown_stories": 0,
                    "new_near_duplicates": 0, "skipped": 1}
        hot = None if changes.first_build else store.hot_terms(con, KEY_DF_MAX)
        # DuckDB kept what the key rows and the pair search held (~380 MB, its limit, at 100,000 articles)
        # through the pairs' check: an increment peaked above a cold build of the same articles
        store.forget_keys(con)
        store.add_seeds(con, linked_stored_articles(con, changes.pairs))
        affected = store.affected_ids(con)
        previous, copies = store.previous_state(con)
        touched = store.touched_articles(con)
    # in parts only past the memory it may take: in memory is faster (the stage alone over 100,000 distinct
    # wire reports: 17.3-25.4 s against 27.3 s, at +436-464 MB against +340; docs/performance.md)
    cluster_these = cluster_in_parts if memory is not None and len(affected) * IN_MEMORY_BYTES > memory \
        else cluster_in_memory
    tables = cluster_these(db, affected, hot, previous, copies, run_id)
    reclustered = len(affected)
    try:
        with db.cursor() as con:
            totals = store.replace_affected(con, touched, tables.near_duplicates, tables.stories, tables.members,
                                            tables.evidence)
    finally:
        if isinstance(tables, SpilledTables):
            tables.close()
    counts = {"signed": signed, "reclustered": reclustered, **totals,
              "new_stories": tables.counts["new_stories"], "grown_stories": tables.counts["grown_stories"],
              "new_near_duplicates": tables.counts["new_near_duplicates"], "skipped": 0}
    del tables
    # What the stage leaves in this process stays under the corpus check's DuckDB memory, which follows it
    # (at 100k that check set the run's peak: 1,249 MB, the load's 1,136): Arrow's freed memory, which
    # mimalloc would keep (~120 MB), and the Zipf table and its caches (~70 MB).
    pa.default_memory_pool().release_unused()
    forget_frequencies()
    return counts
