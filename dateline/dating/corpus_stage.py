"""The corpus check over a database: every dated article against its nearest articles, after the stories
stage has stored their terms. Knows the store's functions, not SQL and not Prefect.

It is recomputed whole on every run that adds or removes articles: a new article can change any article's
neighbours and every term's document frequency (so its weights), and an incremental form would need
weights that do not move with the corpus. The rows are therefore the same whatever the batches, file
order and number of runs; the cost is one read of the terms' weights and their sparse products per run
(docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa

from dateline.dating import corpus, neighbours
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
    return judge_by_weights(read_weights(con))


def read_weights(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The terms' weights the check compares articles by, with its document-frequency bounds."""
    return store.read_term_weights(con, df_max=corpus.TERM_DF_MAX, df_share=corpus.TERM_DF_SHARE)


def judge_by_weights(weights: pa.Table) -> Iterator[tuple[str, corpus.CorpusAccusation | None]]:
    """``judge_all`` from the terms' weights (``read_weights``), in order of id. Only an article that
    ``corpus.may_accuse`` by its counts of neighbours gets them as ``Neighbour``s and a hearing: at 100,000
    distinct wire reports, building them all took about half the check."""
    for b in neighbours.neighbour_blocks(weights, top=corpus.NEIGHBOURS, min_similarity=corpus.MIN_SIMILARITY):
        near = np.abs(b.days[b.rows] - b.days[b.cols]) <= corpus.GAP.days
        heard = corpus.may_accuse(np.diff(b.bounds), np.add.reduceat(near, b.bounds[:-1])).tolist()
        cols, sims = b.cols.tolist(), b.sims.tolist()
        for (i, lo, hi), hear in zip(b.spans(), heard):
            if not hear:
                yield b.ids[i], None
                continue
            found = [corpus.Neighbour(b.ids[j], b.claimed[j], s) for j, s in zip(cols[lo:hi], sims[lo:hi])]
            yield b.ids[i], corpus.judge_by_neighbours(b.ids[i], b.claimed[i], found)


def check_dates_against_corpus(db: Database, run_id: str) -> dict[str, int]:
    """Replace the ``corpus`` rows of ``date_evidence``; return how many articles were checked and accused."""
    # The weights are read in one hold of the file; the neighbours are found and judged after it is let go,
    # readers in meanwhile, and DuckDB's memory for the query (~380 MB at 100,000 articles) given back first.
    with db.cursor() as con:
        weights = read_weights(con)
    checked = 0
    rows: list[DateEvidence] = []
    for _, accusation in judge_by_weights(weights):
        checked += 1
        if accusation is not None:
            rows.append(evidence_row(accusation, run_id))
    del weights
    pa.default_memory_pool().release_unused()  # mimalloc would keep the weights' pages
    store.replace_corpus_evidence(db, rows)
    return {"checked": checked, "accused": len(rows)}
