"""The stories stage over a database: sign the articles that have no signature, then rebuild the story
tables from every stored signature. Knows the store's functions, not SQL and not Prefect.

Rebuilding the clustering from stored signatures after every load (instead of attaching new articles to
old stories) is what makes the result independent of batches and file order: the clusters are a function
of the set of articles only. The text of an article is read once, when it gets its signature.
"""

from __future__ import annotations

from dateline.store import stories as store
from dateline.store.database import Database
from dateline.stories.build import ArticleInfo, build, item
from dateline.stories.features import features
from schemas import StorySignature


def sign_new_articles(db: Database, run_id: str) -> int:
    """Compute and keep the signatures of articles that have none; return how many."""
    signed = 0
    for chunk in store.articles_without_signature(db):
        rows = []
        for article_id, title, body in chunk:
            f = features(title, body or "")
            rows.append(StorySignature(article_id=article_id, minhash=f.signature.tolist(), n_shingles=f.n_shingles,
                                       terms=list(f.terms), run_id=run_id))
        store.save_signatures(db, rows)
        signed += len(rows)
    return signed


def update_stories(db: Database, run_id: str, *, rebuild: bool = False) -> dict[str, int]:
    """Bring the story tables up to date with the articles; ``rebuild`` recomputes every signature too.

    Returns counts: articles signed, stories (new, grown, with more than one article), near-duplicates
    (new, in all), story evidence rows. Nothing new to sign and every article in a story: nothing to do.
    """
    if rebuild:
        store.forget_signatures(db)
    signed = sign_new_articles(db, run_id)
    previous, copies, missing = store.previous_state(db)
    if not signed and not missing and not rebuild:
        return {"signed": 0, "stories": len(previous), "new_stories": 0, "grown_stories": 0,
                "near_duplicates": len(copies), "new_near_duplicates": 0, "story_evidence": 0, "skipped": 1}
    rows = store.stored_features(db)
    items = [item(a, claimed, minhash, n, terms) for a, claimed, minhash, n, terms, _, _ in rows]
    info = {a: ArticleInfo(title, publisher) for a, _, _, _, _, title, publisher in rows}
    tables = build(items, info, previous, copies, run_id, lambda ids: store.member_dates(db, ids))
    store.replace_stories(db, tables.near_duplicates, tables.stories, tables.members, tables.evidence)
    return {"signed": signed, **tables.counts, "skipped": 0}
