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
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dateline.store import stories as store
from dateline.store.database import Database
from dateline.stories.build import ArticleInfo, build
from dateline.stories.clusters import (KEY_DF_MAX, Articles, day_numbers_of, forget_frequencies, linked,
                                       terms_of_lists)
from dateline.stories.signing import Signer, signatures_of_blobs, stored_number_lists, stored_term_lists


#: Articles whose signatures and dates one hold of the file reads (~1.5 s per 20,000 at 100k).
READ_CHUNK = 20_000


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


def _read_by_chunks(db: Database, article_ids: list[str], read) -> list:
    """``read(con, ids)`` for READ_CHUNK of the ids at a time, each chunk in its own hold of the file."""
    parts = []
    for start in range(0, len(article_ids), READ_CHUNK):
        with db.cursor() as con:
            parts.append(read(con, article_ids[start:start + READ_CHUNK]))
    return parts


def update_stories(db: Database, run_id: str, *, rebuild: bool = False) -> dict[str, int]:
    """Bring the story tables up to date with the articles; ``rebuild`` recomputes every signature too.

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
    # What is clustered is read by id, READ_CHUNK articles per hold of the file: a cold 100k run read it in
    # one hold of ~10 s (signatures 7.4 s, dates 2.1 s) and kept readers out past 15 s (issue 22).
    read = _read_by_chunks(db, affected, store.features_for_clustering)
    # The clustering runs with the file let go: readers get in while the stage computes (issue 22).
    table = pa.concat_tables(read) if read else None
    read.clear()  # the Arrow rows (every term as a string) go once articles_of has what it needs
    articles, info = articles_of(table)
    del table
    pa.default_memory_pool().release_unused()  # mimalloc keeps what Arrow freed (~160 MB of RSS at 100k
    # when signatures were read as 64-bit numbers)

    def member_dates(article_ids: list[str]) -> dict:  # after the clustering, a hold per chunk too
        return {a: d for part in _read_by_chunks(db, article_ids, store.member_dates) for a, d in part.items()}

    tables = build(articles, info, previous, copies, run_id, hot, member_dates)
    reclustered = len(articles)
    del articles, info  # the signature block and the numbered terms are Arrow's memory (released below)
    with db.cursor() as con:
        totals = store.replace_affected(con, touched, tables.near_duplicates, tables.stories, tables.members,
                                        tables.evidence)
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
