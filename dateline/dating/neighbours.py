"""Each dated article's nearest articles by the cosine of their terms' tf-idf weights: the corpus check's
voters (``dateline.dating.corpus``). Pure pyarrow, numpy and scipy over the weights the store reads
(``dateline.store.corpus_dates.read_term_weights``); nothing here knows about DuckDB.

Until stop 29 this was a SQL self-join per part of the corpus (a pair row per shared term, summed, a window
for the top ten, a list aggregate per article): with the weights, 10.5 s of CPU-bound wall time on 100,000
distinct wire reports. The same sums as sparse products, a block of articles at a time, take a fraction of
that, and their memory follows the block, not the corpus.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

#: Articles whose neighbours one sparse product finds: its memory follows this many rows.
BLOCK = 5_000


@dataclass(frozen=True)
class Neighbours:
    """The neighbours of a block of articles: ``rows[k]``'s neighbour ``cols[k]`` at cosine ``sims[k]``, sorted
    by row, then cosine descending, then neighbour; rows and columns index ``ids``, ``claimed`` and ``days``
    (the claimed dates as days since 1970, for arithmetic over a whole block)."""

    ids: list[str]
    claimed: list[date]
    days: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    sims: np.ndarray

    @cached_property
    def bounds(self) -> np.ndarray:
        """Where each row's entries start, and their end: row k's are ``bounds[k]:bounds[k + 1]``."""
        return np.flatnonzero(np.r_[True, self.rows[1:] != self.rows[:-1], True])

    def spans(self) -> Iterator[tuple[int, int, int]]:
        """(row, lo, hi): each row with a neighbour and its entries ``lo:hi``, in order of id."""
        yield from zip(self.rows[self.bounds[:-1]].tolist(), self.bounds[:-1].tolist(), self.bounds[1:].tolist())


def neighbour_blocks(weights: pa.Table, *, top: int, min_similarity: float, block: int = BLOCK
                     ) -> Iterator[Neighbours]:
    """The neighbours of every article of ``weights`` (article_id, claimed, term, w; ordered by id and term)
    at ``min_similarity`` or more, at most ``top`` of each, best first and ties by id, ``block`` articles at
    a time in order of id."""
    if not weights.num_rows:
        return
    # rows come ordered by id: the dictionary of the ids is in that order, so row order is id order
    articles = pc.dictionary_encode(weights["article_id"].combine_chunks())
    terms = pc.dictionary_encode(weights["term"].combine_chunks())
    rows, term_ids = articles.indices.to_numpy(), terms.indices.to_numpy()
    if np.any((rows[1:] == rows[:-1]) & (term_ids[1:] == term_ids[:-1])):  # ordered by (id, term): repeats meet
        raise ValueError("story_signatures.terms: an article's terms must be distinct (they weigh its cosines)")
    ids = articles.dictionary.to_pylist()
    firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    claimed = weights["claimed"].combine_chunks().take(pa.array(firsts))
    days = claimed.cast(pa.int32()).to_numpy(zero_copy_only=False)
    claimed = claimed.to_pylist()
    w = weights["w"].to_numpy()
    norms = np.sqrt(np.add.reduceat(w * w, firsts))
    norms[norms == 0] = 1.0  # a term in every article of a corpus of a few: weights 0, no neighbours
    w = w / np.repeat(norms, np.diff(np.r_[firsts, len(w)]))  # L2 per article: sums of products are cosines
    matrix = sparse.csr_matrix((w, (rows, term_ids)), shape=(len(ids), len(terms.dictionary)))
    del articles, terms, rows, term_ids, w
    for found, cols, sims in top_neighbours(matrix, top=top, min_similarity=min_similarity, block=block):
        yield Neighbours(ids, claimed, days, found, cols, sims)


def top_neighbours(weights: sparse.csr_matrix, *, top: int, min_similarity: float, block: int
                   ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For ``block`` rows of ``weights`` (articles x terms, rows L2-normalised) at a time, every other row
    whose cosine with it is at least ``min_similarity``, at most ``top`` of them, best first and ties in
    row order: (rows, neighbours, cosines), sorted by row, then cosine descending, then neighbour. A row
    with no such neighbour gives nothing, nor does a block of such rows. scipy sums a pair's products in
    the terms' order, so two rows with the same weights get the same cosine to the bit and their tie goes
    by row."""
    by_term = weights.T.tocsr()
    for start in range(0, weights.shape[0], block):
        product = (weights[start:start + block] @ by_term).tocoo()
        rows, cols, sims = product.row.astype(np.int64) + start, product.col.astype(np.int64), product.data
        keep = (cols != rows) & (sims >= min_similarity)
        rows, cols, sims = rows[keep], cols[keep], sims[keep]
        order = np.lexsort((cols, -sims, rows))
        rows, cols, sims = rows[order], cols[order], sims[order]
        firsts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        rank = np.arange(len(rows)) - np.repeat(firsts, np.diff(np.r_[firsts, len(rows)]))
        best = rank < top
        if best.any():  # a block without neighbours gives nothing
            yield rows[best], cols[best], sims[best]
