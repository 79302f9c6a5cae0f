"""The stories stage over a database: sign the articles that have no signature (keeping their keys), then
re-cluster only the candidate groups around the links new articles change, a time window of new articles
at a time. Knows the store's functions, not SQL and not Prefect.

A story link joins two articles that are each among the other's TOP_K best candidates (``clusters``); the
lists are kept (``story_neighbours``), so a run computes the lists of its new articles, merges them into
the lists of the stored articles they reach, and knows which links appeared or went. A group (the unit
average link clusters) is an article's component at the lowest split level where it holds at most
MAX_GROUP articles, so the groups that can change are found by a bounded search from the ends of those
links (``regroup``), and re-clustering them, whole, gives the same tables as clustering everything again
(``rebuild``), whatever the batches, file order or passes. The new articles find their candidates by
joining their keys against ``story_keys`` in SQL; the text of an article is read once, when it gets its
signature, and untouched stories are not read at all.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyarrow as pa

from dateline.store import stories as store
from dateline.store.database import Database
from dateline.stories.build import ArticleInfo, build, item
from dateline.stories.clusters import (KEY_DF_MAX, SHARED_KEYS, TOP_K, Item, article_keys, groups_around,
                                       near_duplicate_pairs, pair_links, top_k)
from dateline.stories.features import features
from schemas import StoryKey, StoryNeighbour, StorySignature
from schemas.ddl import arrow_schema


def sign_new_articles(db: Database, run_id: str) -> int:
    """Compute and keep the signatures and keys of articles that have none; return how many."""
    signed = 0
    for chunk in store.articles_without_signature(db):
        rows, key_articles, keys = [], [], []
        for article_id, title, body in chunk:
            f = features(title, body or "")
            rows.append(StorySignature(article_id=article_id, minhash=f.signature.tolist(), n_shingles=f.n_shingles,
                                       terms=list(f.terms), run_id=run_id))
            for k in article_keys(Item(article_id, None, f.signature, f.n_shingles, f.terms)):
                key_articles.append(article_id), keys.append(k)
        # ~60 keys an article: built as Arrow columns, not one pydantic model each (310,000 models at
        # 5,000 articles took ~0.4 GB and a second of the stage)
        key_rows = pa.Table.from_pydict({"article_id": key_articles, "key": keys, "run_id": [run_id] * len(keys)},
                                        schema=arrow_schema(StoryKey))
        store.save_signatures(db, rows, key_rows)
        signed += len(rows)
    return signed


def _neighbour_rows(lists: dict[str, list[tuple[str, float]]], run_id: str) -> pa.Table:
    rows = [(a, n, c) for a, ns in sorted(lists.items()) for n, c in ns]
    return pa.Table.from_pydict({"article_id": [r[0] for r in rows], "neighbour_id": [r[1] for r in rows],
                                 "cosine": [r[2] for r in rows], "run_id": [run_id] * len(rows)},
                                schema=arrow_schema(StoryNeighbour))


def relink(con) -> tuple[dict[str, list[tuple[str, float]]], set[str], list[tuple[str, str]]]:
    """The neighbour lists that change with this run's new articles; the stored articles around a link
    that changed (the two ends of a link that appeared or went, near-duplicates of new ones); and the
    near-duplicate pairs of new articles.

    A new article's list is computed whole from its candidates (its keys joined against ``story_keys``);
    so is the list of a stored article that lost a listed candidate to a key term turning hot, or whose
    list named a gone article (``store.relisted``). Any other stored article's candidates are those it had plus
    new articles, so its new list is the best TOP_K of its kept list and the new candidates."""
    new_ids = [a for (a,) in con.execute("SELECT article_id FROM stories_new ORDER BY 1").fetchall()]
    relist = store.relisted(con, KEY_DF_MAX, SHARED_KEYS)
    owners = set(new_ids) | set(relist)
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)  # owner -> its candidates
    gained: dict[str, list[tuple[str, float]]] = defaultdict(list)  # other stored article -> new candidates
    copies: list[tuple[str, str]] = []
    new = set(new_ids)
    wanted = new_ids + relist
    for start in range(0, len(wanted), RELINK_BLOCK):  # up to ~1,500 candidate pairs an article: in blocks
        pairs = store.candidate_pairs_of(con, wanted[start:start + RELINK_BLOCK], KEY_DF_MAX)
        rows = store.features_of(con, sorted({a for a, _, _, _ in pairs} | {b for _, b, _, _ in pairs}))
        index = {r[0]: k for k, r in enumerate(rows)}
        items = [item(a, claimed, minhash, n, terms) for a, claimed, minhash, n, terms in rows]
        candidates = [(index[a], index[b], band, term) for a, b, band, term in pairs if a in index and b in index]
        del pairs, rows
        for (i, j, _, _), (dup, cosine) in zip(candidates, pair_links(items, candidates)):
            a, b = items[i].article_id, items[j].article_id
            if dup and a in new:  # near-duplicate pairs never change: only new articles bring new ones
                copies.append((a, b))
            if cosine is not None:
                found[a].append((b, cosine))
                if a in new and b not in owners:
                    gained[b].append((a, cosine))
    old = store.neighbour_lists(con, sorted(set(relist) | set(gained)))
    lists = {a: top_k(found.get(a, ())) for a in owners}
    lists.update({b: top_k(old.get(b, []) + extra) for b, extra in gained.items()})
    changed = {a: ns for a, ns in lists.items() if a in new or ns != old.get(a, [])}
    # A link is a pair in each other's lists: it changes only with an article that entered or left a
    # changed list, and only if the pair was or is linked (most entries are one-sided).
    moved = {a: {n for n, _ in ns} ^ {n for n, _ in old.get(a, ())} for a, ns in changed.items()}
    others = {n for ns in moved.values() for n in ns}
    before = {a: {n for n, _ in ns} for a, ns in store.neighbour_lists(con, sorted(others | set(changed))).items()}
    after = {**before, **{a: {n for n, _ in ns} for a, ns in changed.items()}}
    around = {b for _, b in copies}
    for a, ns in moved.items():
        for b in ns:
            if (b in before.get(a, ()) and a in before.get(b, ())) != (b in after.get(a, ()) and a in after.get(b, ())):
                around |= {a, b}
    return changed, around - new, copies


def regroup(con) -> tuple[dict[str, list[tuple[str, float]]], list[list[str]]]:
    """The lists that change (``relink``) and the groups to cluster again: those of the new articles and
    of the stored articles around a changed link, found as ``candidate_groups`` would over the whole
    database (``clusters.groups_around``), with the old groups they touch. The links are read from the kept
    lists (with the changed ones in their place) and ``near_duplicates``, a few hundred articles at a time.

    Why that is all: an article's group is its component at the lowest level at which that component has at
    most MAX_GROUP articles. A link that appears joins components that were either small (their groups, at
    that level, hold an endpoint) or already too large (and stay so); one that disappears splits a group
    holding both endpoints, or a large component into parts that each hold an endpoint. So every group that
    changes holds an article around a changed link, in its old or in its new shape."""
    changed, around, copies = relink(con)
    new = [a for (a,) in con.execute("SELECT article_id FROM stories_new ORDER BY 1").fetchall()]
    gone = [a for (a,) in con.execute("SELECT article_id FROM stories_gone ORDER BY 1").fetchall()]
    # A near-duplicate group is kept as a star on its earliest member; one that lost a member (an edited
    # file's old version) is read as the pairs its current members form now, which may be fewer.
    broken = store.copy_groups_of(con, gone)
    broken_roots = {d for _, d in broken}
    survivors = sorted(({a for a, _ in broken} | broken_roots) - set(gone))
    rows = store.features_of(con, survivors)
    kept = [item(a, claimed, minhash, n, terms) for a, claimed, minhash, n, terms in rows]
    copies = copies + [(kept[i].article_id, kept[j].article_id) for i, j, _ in near_duplicate_pairs(kept)]
    around |= set(survivors) | set(store.group_mates(con, gone))
    new_copies: dict[str, list[str]] = defaultdict(list)
    for a, b in copies:
        new_copies[a].append(b)
        new_copies[b].append(a)

    def lists_of(ids) -> dict[str, list[tuple[str, float]]]:
        out = store.neighbour_lists(con, sorted(i for i in ids if i not in changed))
        out.update({i: changed[i] for i in ids if i in changed})
        return out

    def adjacency(ids: list[str]) -> dict[str, list[tuple[str, float]]]:
        mine = lists_of(ids)
        theirs = lists_of({n for ns in mine.values() for n, _ in ns} - set(mine))
        theirs.update(mine)
        listed = {a: {n for n, _ in ns} for a, ns in theirs.items()}
        out: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for a, ns in mine.items():
            out[a] += [(n, cosine) for n, cosine in ns if a in listed.get(n, ())]
        wanted = set(ids)
        for a, b in store.near_duplicate_links(con, ids):
            if b in broken_roots:
                continue
            if a in wanted:
                out[a].append((b, math.inf))
            if b in wanted:
                out[b].append((a, math.inf))
        for a in ids:
            out[a] += [(b, math.inf) for b in new_copies.get(a, ())]
        return out

    around -= set(gone)  # a gone article's links went with it: it is no start, and no member
    starts = set(new) | around | set(store.group_mates(con, sorted(around)))
    groups = groups_around(starts, adjacency)
    affected = {a for g in groups for a in g}
    while True:  # an old group of which only part was reached is reached whole (see above: never, but cheap)
        rest = set(store.group_mates(con, sorted(affected - set(new)))) - affected
        if not rest:
            return changed, groups
        more = groups_around(rest, adjacency)
        groups += more
        affected |= {a for g in more for a in g}


#: New articles clustered per pass, in claimed-date order: a first build of a database larger than this
#: goes by time windows of this many articles, each pass written (and the file held) on its own. Not
#: smaller: on replicated wire copies (dates a few weeks apart) every window links to the one before, and
#: 20,000 articles in passes of 5,000 took 5.4 ms/article and 2.3 GB against 3.0 and 1.4 for main's single
#: pass (docs/performance.md, Stories).
CHUNK = 50_000
#: Articles whose candidate pairs are read and checked at once (a few hundred pairs each).
RELINK_BLOCK = 500


def update_stories(db: Database, run_id: str, *, rebuild: bool = False) -> dict[str, int]:
    """Bring the story tables up to date with the articles; ``rebuild`` recomputes every signature too.

    New articles are taken CHUNK at a time, earliest claimed date first; each pass is one incremental
    step (and one write), so any number of passes ends with the tables one pass over everything gives.

    Returns counts: articles signed, articles re-clustered (summed over passes), passes, stories (new,
    grown, with more than one article, in all), near-duplicates (new, in all), story evidence rows (in
    all). Nothing new and nothing gone: nothing to do.
    """
    if rebuild or store.built_before_components(db, TOP_K):
        store.forget_all(db)
    signed = sign_new_articles(db, run_id)
    before_sizes: dict[str, int] = {}  # stories as they were before this run, of those a pass rewrote
    before_copies: set[str] = set()
    written_stories: set[str] = set()
    written_copies: set[str] = set()
    reclustered = passes = 0
    while True:
        step = _one_pass(db, run_id, crossings=passes == 0)
        if step is None:
            break
        tables, previous, copies, n = step
        before_sizes.update({s: k for s, k in previous.items() if s not in written_stories and s not in before_sizes})
        before_copies |= copies - written_copies
        written_stories |= {s.story_id for s in tables.stories}
        written_copies |= {d.article_id for d in tables.near_duplicates}
        reclustered += n
        passes += 1
    with db.cursor() as con:
        totals = store.totals(con)
        stories = con.execute("SELECT story_id, n_articles FROM stories WHERE run_id = ?", [run_id]).fetchall()
        copies_now = [a for (a,) in con.execute("SELECT article_id FROM near_duplicates WHERE run_id = ?",
                                                [run_id]).fetchall()]
    return {"signed": signed, "reclustered": reclustered, "passes": passes, **totals,
            "new_stories": sum(1 for s, k in stories if s not in before_sizes and k > 1),
            "grown_stories": sum(1 for s, k in stories if s in before_sizes and k > before_sizes[s]),
            "new_near_duplicates": sum(1 for a in copies_now if a not in before_copies),
            "skipped": int(passes == 0)}


def _one_pass(db: Database, run_id: str, crossings: bool):
    """Cluster the next CHUNK new articles (and whatever they touch) and write the result; None when there
    is nothing new and nothing gone. Returns the tables written, the sizes of the stories and the copies
    they replaced, and how many articles were clustered."""
    with db.cursor() as con:  # one cursor: the scratch tables are temporary, this cursor's own
        first = not store.has_stories(con)
        new, gone = store.new_and_gone(con, KEY_DF_MAX, CHUNK, crossings)
        if not new and not gone:
            return None
        everything = first  # a first build clusters its window whole and computes every list itself
        changed, groups = ({}, None) if everything else regroup(con)
        store.set_affected(con, None if everything else sorted({a for g in groups for a in g}))
        rows, hot = store.affected_features(con, KEY_DF_MAX)
        previous, copies = store.previous_state(con)
        touched = store.touched_articles(con)
        dates = store.member_dates(con, [r[0] for r in rows])
        gone_ids = [a for (a,) in con.execute("SELECT article_id FROM stories_gone").fetchall()]
        lists = None if everything else {**store.neighbour_lists(con, [r[0] for r in rows]), **changed}
    # The clustering runs with the file let go: readers get in while the stage computes (issue 22).
    items = [item(a, claimed, minhash, n, terms) for a, claimed, minhash, n, terms, _, _ in rows]
    info = {a: ArticleInfo(title, publisher) for a, _, _, _, _, title, publisher in rows}
    tables = build(items, info, previous, copies, run_id, hot, dates, lists, groups)
    relisted = tables.neighbours if everything else changed
    with db.cursor() as con:
        store.replace_affected(con, touched, tables.near_duplicates, tables.stories, tables.members, tables.evidence,
                               touched if everything else sorted(set(changed) | set(gone_ids)),
                               _neighbour_rows(relisted, run_id))
    return tables, previous, copies, len(items)
