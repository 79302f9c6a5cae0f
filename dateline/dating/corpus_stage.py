"""The corpus check over a database: every dated article against its nearest articles, after the stories
stage has stored their terms. Knows the store's functions, not SQL and not Prefect.

It is recomputed whole on every run that adds or removes articles: a new article can change any article's
neighbours and every term's document frequency (so its weights), and an incremental form would need
weights that do not move with the corpus. The rows are therefore the same whatever the batches, file
order and number of runs; the cost is one query per run (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb

from dateline.dating import corpus
from dateline.store import corpus_dates as store
from dateline.store.database import Database
from schemas import DateEvidence


def evidence_row(a: corpus.CorpusAccusation, run_id: str) -> DateEvidence:
    return DateEvidence(article_id=a.article_id, kind="corpus", evidence_index=0, start_char=None, end_char=None,
                        text=None, earliest=a.earliest, latest=a.latest, weight=round(a.share, 3),
                        detail=a.reason(), run_id=run_id)


def judge_all(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, corpus.CorpusAccusation | None]]:
    """(article_id, accusation or None) of every dated article with a neighbour, over tables ``articles``
    and ``story_signatures`` on ``con`` (bench/eval_sanity.py gives it the same tables in memory)."""
    for article_id, claimed, neighbours in store.nearest_articles(
            con, top=corpus.NEIGHBOURS, min_similarity=corpus.MIN_SIMILARITY, df_max=corpus.TERM_DF_MAX,
            df_share=corpus.TERM_DF_SHARE):
        yield article_id, corpus.judge_by_neighbours(article_id, claimed, [corpus.Neighbour(*n) for n in neighbours])


def check_dates_against_corpus(db: Database, run_id: str) -> dict[str, int]:
    """Replace the ``corpus`` rows of ``date_evidence``; return how many articles were checked and accused."""
    checked = 0
    rows: list[DateEvidence] = []
    with db.cursor() as con:
        for _, accusation in judge_all(con):
            checked += 1
            if accusation is not None:
                rows.append(evidence_row(accusation, run_id))
    store.replace_corpus_evidence(db, rows)
    return {"checked": checked, "accused": len(rows)}
