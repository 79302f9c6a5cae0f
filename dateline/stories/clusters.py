"""Near-duplicates and story clusters over a corpus of article features.

Every edge of the graphs below depends only on the two articles it joins (their keys, signatures, terms
and dates), never on the rest of the corpus; term weights that do depend on other articles are computed
within one candidate group, itself a connected component (or a split of one) of those edges. So the result
over a set of articles is the union of the results over its candidate components, and re-clustering only
the components new articles touch gives the same tables as clustering everything again: that is what lets
the stage be incremental and still independent of batches and file order.
Pure functions; nothing here knows about DuckDB or Prefect.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dateline.stories.features import MIN_SHINGLES, N_PERM, features, organisation_words
from dateline.stories.group_worker import GroupWorker, GroupWorkerFailed

log = logging.getLogger(__name__)

#: LSH bands x rows = N_PERM: a pair with Jaccard 0.3 meets in some band with probability ~0.23,
#: at 0.5 ~0.87; candidates are then checked on their estimated containment.
BANDS, ROWS = 32, 4
#: A copy: at least this share of the shorter text's shingles are in the longer one...
NEAR_DUP_CONTAINMENT = 0.5
#: ... and at least this share of the numbers of the one with fewer are in the other's (when both have
#: numbers): a copy carries the facts it copies. Without it, 18 of the 31 near-duplicate rows of
#: reuters_dev paired texts under exact 3-gram Jaccard 0.5 (dividend notices, weekly figures of one
#: template for other companies or days); syndication set P/R 0.962/0.971 -> 0.993/0.971 (stop 22).
NUMBERS_AGREE = 0.7
#: Two articles tell the same story at this cosine of their tf-idf story terms (idf within their group)...
STORY_COSINE = 0.12
#: ... and when both claim a date, at most this many days apart (a story spans days or weeks, not years).
STORY_DAYS = 30
#: An article is found by its KEY_TERMS rarest story terms (rarest in general English, wordfreq's Zipf
#: scale, not in the corpus: a corpus count would make a pair's edge depend on every other article).
KEY_TERMS = 30
#: A key term held by more than KEY_DF_MAX articles of the database finds no candidates: a corpus's own
#: jargon ("mln", "dlrs", "pct" in every Reuters story) would make every pair a candidate. This is the one
#: rule that looks beyond a pair; the stage re-clusters every article of a key whose side of it changed.
KEY_DF_MAX = 50
#: Candidate edge: a shared key term and this cosine of the statically weighted story terms.
CANDIDATE_COSINE = 0.10
#: ... sharing at least SHARED_KEYS key terms. The lever on component size (what an increment
#: re-clusters), measured on 5,000 replicated reuters articles / giveme ARI: 1 key and cosine 0.10 ->
#: largest component 4,315 / 0.931; 3 keys and 0.15 -> 354 / 0.905 (docs/performance.md, Stories).
SHARED_KEYS = 1
#: Static weight of a term: ZIPF_TOP minus its Zipf frequency (7 = "the" ... 0 = unknown), at least 1.
ZIPF_TOP = 8.0
#: The distance of two reports that open with different organisations, neither naming the other's
#: (``_organisations_apart``): past the cut, so that an average over a story that would hold them is too.
#: At 1.0 (no closer than unrelated), other members still joined them: reuters_dev's same-story pairs of
#: tickered titles sharing none 441 of 521; at 2.0 201 of 278 (10.0: 197 of 274), giveme5w1h unchanged.
APART_DISTANCE = 2.0
#: Average link holds a group's distance matrix (MAX_GROUP^2 doubles: 18 MB at 1,500); larger candidate
#: components are split at a cosine GROUP_STEP higher until they fit.
MAX_GROUP, GROUP_STEP = 1500, 0.05
#: Terms in more than this share of a group say nothing about which story within it; groups smaller
#: than MIN_DF_CAP keep all of them.
MAX_DF_SHARE, MIN_DF_CAP = 0.05, 20
#: A group's term vectors are held dense up to this many cells (8 MB).
DENSE_CELLS = 1_000_000
#: Candidate pairs checked at once (their signatures or term rows gathered): small enough to stay in
#: the CPU's cache. At 100k articles, 2.5 million pairs each: 200,000 -> 3.3 + 4.0 s, 20,000 -> 2.1 + 2.1 s.
PAIR_BLOCK = 20_000
#: Pairs a tile of the stage in parts checks at most on the rows it reads (``tiles``): what a tile holds
#: grows with its pairs (their arrays: ~40 bytes a pair), and two are checked at once. Unbounded, 30,000
#: distinct wire reports made 6 tiles of 391,000 pairs at the median, 524,000 at most, and the stage alone
#: peaked 444-453 MB against 398; tiles of one PAIR_BLOCK each read their rows again and took the story
#: pair search at 100k from 6.0 to 9.5 s.
TILE_PAIRS = 5 * PAIR_BLOCK
#: Items whose key terms are ranked at once (``item_keys``).
ROW_BLOCK = 10_000
#: A clustering of this many articles or more groups half its candidate groups' stories in a second
#: process (``_stories_by_group``), when the machine has a second core: the group loop is Python and numpy
#: in small steps, which threads cannot share (the GIL), and at the stage's end the parse workers' cores
#: are idle. Measured on distinct wire reports, the loop with the worker against without: 10,000 articles
#: 0.49-0.51 s against 0.61-0.62, 24,000 0.99-1.04 against 1.19-1.21, 100,000 2.5-2.7 against 3.5. Smaller
#: runs (a drop folder's few files) do not start a process for it.
GROUP_WORKER_MIN = 10_000


@dataclass(frozen=True)
class Item:
    """One article's features, as tests and evaluations make them (``features.features``); the clustering
    reads them as ``Articles``."""

    article_id: str
    claimed: date | None
    signature: np.ndarray
    n_shingles: int
    terms: tuple[str, ...]
    numbers: tuple[str, ...] = ()  # the body's distinct digit runs (features.numbers)
    orgs: tuple[str, ...] = ()  # the organisations title and body open with (features.organisations)

    @classmethod
    def of_text(cls, article_id: str, title: str | None, body: str, claimed: date | None = None) -> Item:
        """An article's features from its title and cleaned body, as the stage reads them back."""
        f = features(title, body)
        return cls(article_id, claimed, f.signature, f.n_shingles, f.terms, f.numbers, f.orgs)


@dataclass(frozen=True)
class Articles:
    """What the clustering reads of a set of articles, column by column, one row per article in order of
    id: what ``Item``s hold, as arrays. The stage reads its articles straight into these (at 100,000
    articles, ``Item`` objects and a signature block stacked again from them held ~85 MB more); tests and
    evaluations give ``Item``s (``of``)."""

    ids: list[str]  # ascending
    ordinals: np.ndarray  # float64 (n,): claimed dates as day numbers (date.toordinal), NaN undated (NaN
    # compares False: undated is never too far); an array, not dates, which the stage reads from Arrow
    # without a Python date each (0.17-0.2 s at 100,000 articles) and the group worker gets without pickling one
    signatures: np.ndarray  # uint32 (n, N_PERM)
    n_shingles: np.ndarray  # int64 (n,)
    terms: Terms  # story terms (``features.story_terms``), numbered
    numbers: Terms  # the bodies' digit runs (``features.numbers``), numbered as terms are
    orgs: list[tuple[str, ...]]  # the organisations title and body open with (``features.organisations``)

    def __post_init__(self) -> None:
        if any(a >= b for a, b in zip(self.ids, self.ids[1:])):
            raise ValueError("Articles: ids must be distinct and ascending")

    @classmethod
    def of(cls, items: Sequence[Item]) -> Articles:
        """The columns of ``items``, in any order, their own terms and numbers numbered."""
        items = sorted(items, key=lambda it: it.article_id)  # input order must not matter
        signatures = (np.stack([np.asarray(it.signature, np.uint32) for it in items]) if items
                      else np.zeros((0, N_PERM), np.uint32))
        return cls([it.article_id for it in items], day_numbers([it.claimed for it in items]), signatures,
                   np.fromiter((it.n_shingles for it in items), np.int64, len(items)),
                   _numbered([it.terms for it in items]), _numbered([it.numbers for it in items]),
                   [it.orgs for it in items])

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, rows: np.ndarray) -> Articles:
        """The articles ``rows`` (ascending) alone, their terms and numbers numbered anew (``Terms.subset``)."""
        take = rows.tolist()
        return Articles([self.ids[r] for r in take], self.ordinals[rows], self.signatures[rows],
                        self.n_shingles[rows], self.terms.subset(rows), self.numbers.subset(rows),
                        [self.orgs[r] for r in take])

    @cached_property
    def rank(self) -> np.ndarray:
        """Each article's place, earliest first: claimed date (undated last), then id, the content hash
        (the rows are in order of id). Load order differs between a run at once and a run in halves or in
        another file order; the content hash does not."""
        days = np.where(np.isnan(self.ordinals), np.inf, self.ordinals)
        rank = np.empty(len(self), np.int64)
        rank[np.lexsort((np.arange(len(self)), days))] = np.arange(len(self))
        return rank


def day_numbers(claimed: Sequence[date | None]) -> np.ndarray:
    """``Articles.ordinals`` of claimed dates."""
    return np.array([c.toordinal() if c else np.nan for c in claimed], np.float64)


#: date(1970, 1, 1)'s day number: Arrow's date32 counts days from it.
_EPOCH = date(1970, 1, 1).toordinal()


def day_numbers_of(claimed: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """``Articles.ordinals`` of Arrow's date32 dates (NULL: NaN), as the stage reads them."""
    if isinstance(claimed, pa.ChunkedArray):
        claimed = claimed.combine_chunks()
    return claimed.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.float64) + _EPOCH


def dates_of(ordinals: np.ndarray) -> pa.Array:
    """Day numbers (NaN: none) back as Arrow's date32, as the story tables keep them."""
    undated = np.isnan(ordinals)
    return pa.array(np.where(undated, 0, ordinals - _EPOCH).astype(np.int32), pa.int32(), mask=undated).cast(pa.date32())


@dataclass
class Clustering:
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)  # (article, duplicate_of, sim)
    members: dict[str, tuple[str, float]] = field(default_factory=dict)  # article -> (story_id, similarity)
    components: dict[str, str] = field(default_factory=dict)  # article -> its candidate component's least id


def _labels(n: int, pairs: np.ndarray) -> np.ndarray:
    """The connected-component label of each of ``n`` nodes under ``pairs`` ((i, j) rows): scipy's
    connected_components, not a Python union-find (12 million unions took 11 s at 100,000 articles)."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by label, ascending within a group, groups in the order of their least index."""
    if not len(labels):
        return []
    order = np.argsort(labels, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
    return sorted(groups, key=lambda g: int(g[0]))


def _plain(term: str) -> str:
    return term[2:] if term.startswith("t:") else term


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en")


@lru_cache(maxsize=500_000)
def zipf(term: str) -> float:
    """General-English frequency of a story term on the Zipf scale (log10 per billion words, 0 unknown);
    a multi-word name's words combine as wordfreq combines a phrase's (1/f = sum of 1/f_i). Looked up in
    wordfreq's table directly: its zipf_frequency() re-tokenizes every call (3 s for 27,000 terms)."""
    return _zipf(_plain(term), _frequencies())


def _zipf(plain: str, freqs: dict[str, float]) -> float:
    """``zipf`` of a plain term, uncached."""
    total = 0.0
    for word in plain.split("_"):
        f = freqs.get(word)
        if not f:
            return 0.0
        total += 1.0 / f
    return round(math.log10(1e9 / total), 2)


@lru_cache(maxsize=1)
def _frequency_table() -> tuple[pa.Array, np.ndarray]:
    """wordfreq's English words as an Arrow array and 1/frequency of each: what ``zipf_of_plain`` looks
    words up in. Made from wordfreq's list of frequency buckets, which its dict is made from, without the
    dict (0.25 s and ~34 MB). Last bucket first: a word in two buckets is found where the dict keeps it."""
    from wordfreq import cB_to_freq, get_frequency_list

    buckets = get_frequency_list("en")
    inverse = [1.0 / cB_to_freq(-index) for index in range(len(buckets))]  # as get_frequency_dict's values
    words = [w for bucket in reversed(buckets) for w in bucket]
    return pa.array(words, pa.string()), np.repeat(inverse[::-1], [len(b) for b in reversed(buckets)])


def zipf_of_plain(plain: pa.Array) -> np.ndarray:
    """``_zipf`` of many plain terms at once, the same floats: the words looked up in Arrow, 1/f summed
    word by word in each term's order (as ``_zipf`` adds them; 1/f is exact division either way), then
    rounded as Python rounds (``_round2``). At 100,000 distinct wire reports, 287,000 plain forms: 0.23 s,
    ~0.6 s one by one in Python (stop 28's slow machine; wordfreq's tables loaded before, in both)."""
    n = len(plain)
    if not n:
        return np.zeros(0)
    words, inverse = _frequency_table()
    split = pc.split_pattern(plain, "_")
    lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    at = pc.fill_null(pc.index_in(split.flatten(), value_set=words), -1).to_numpy().astype(np.int64)
    per_word = np.where(at >= 0, inverse[np.maximum(at, 0)], np.inf)  # unknown word: no frequency
    total = np.zeros(n)
    for k in range(int(lengths.max())):  # word k of every term that has one: the sum in _zipf's order
        has = lengths > k
        total[has] += per_word[starts[has] + k]
    out = np.zeros(n)
    known = np.isfinite(total)
    out[known] = _round2(np.log10(1e9 / total[known]), total[known])
    del split, at
    # the split words and look-ups go back to the OS: Arrow's pool kept ~55 MB through the pair searches at 100k
    pa.default_memory_pool().release_unused()
    return out


def _round2(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Python's ``round(log10(1e9 / total), 2)`` of each of ``totals``, given numpy's ``values`` of the
    log: the nearest hundredth, k / 100, except within reach of a tie (numpy's log10 and the product by
    100 may be an ulp off Python's), where Python computes it (1 of the 250,937 known plain forms at 100,000 articles)."""
    scaled = values * 100
    k = np.rint(scaled)
    out = k / 100
    near_tie = np.abs(np.abs(scaled - k) - 0.5) < 1e-6
    out[near_tie] = [round(math.log10(1e9 / t), 2) for t in totals[near_tie].tolist()]
    return out


def _alphabetical_ranks(strings: list[str]) -> np.ndarray:
    """Each of the distinct ``strings``' place in Python's order of them: Arrow's sort of their UTF-8
    bytes, which orders code points as Python does (``sorted`` of 300,000 terms compared them in Python,
    0.2-0.4 s)."""
    order = pc.sort_indices(pa.array(strings, pa.string())).to_numpy()
    rank = np.empty(len(strings), np.int64)
    rank[order] = np.arange(len(strings))
    del order
    pa.default_memory_pool().release_unused()  # the strings' copy: Arrow's pool would keep it
    return rank


def forget_frequencies() -> None:
    """Drop wordfreq's tables and ``zipf``'s cache, which the rest of a run in this process has no use
    for; the next stage loads them again (~0.1 s). wordfreq caches its list and dict itself (~45 MB)."""
    import wordfreq

    for cached in (zipf, _frequencies, _frequency_table, wordfreq.get_frequency_dict, wordfreq.get_frequency_list):
        cached.cache_clear()


def key_terms(terms: Iterable[str]) -> list[str]:
    """The terms an article is found by: its KEY_TERMS rarest, title duplicates folded."""
    plain = sorted((zipf(t), t) for t in {_plain(t) for t in terms})
    return [t for _, t in plain[:KEY_TERMS]]


#: Odd 64-bit multiplier mixing a band's first two rows into its hash.
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_hashes(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64: each LSH band's ROWS (4) 32-bit values as one number, first two rows mixed, last
    two xored in. Two articles are near-duplicate candidates when they agree in some band: the clustering
    buckets bands by these numbers and ``story_signatures.bands`` keeps them, so an incremental run joins
    a new article's bands against the stored ones in SQL (kept as 32 rows of a key table an article
    instead, they cost the load ~0.17 s per 5,000 articles)."""
    v = np.asarray(signatures, dtype=np.uint32)
    out = np.empty((len(v), BANDS), np.uint64)
    # band by band: all bands at once held the signatures as 64-bit numbers (~100 MB at 100,000 articles)
    for b in range(BANDS):
        r = [v[:, b * ROWS + k].astype(np.uint64) for k in range(ROWS)]
        out[:, b] = ((r[0] << np.uint64(32) | r[1]) * _BAND_MIX) ^ (r[2] << np.uint64(32) | r[3])
    return out


@dataclass(frozen=True)
class Terms:
    """The items' story terms as ids: item ``i``'s are ``ids[offsets[i]:offsets[i + 1]]``, in its order."""

    vocab: list[str]  # distinct terms in order of first appearance
    ids: np.ndarray  # int32: ~5 million entries at 100,000 articles (42 MB as int64)
    offsets: np.ndarray

    def of(self, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of the items ``members``, and each one's position in ``members``."""
        starts, lengths = self.offsets[members], self.offsets[members + 1] - self.offsets[members]
        entries = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
        return self.ids[entries], np.repeat(np.arange(len(members)), lengths)

    @cached_property
    def plain(self) -> tuple[np.ndarray, dict[str, int]]:
        """Each term id's plain form ("t:acme" and "acme" are one) as a number, and those numbers by
        name: the key terms and the organisation test both read terms so."""
        # numbered in order of first appearance, in Arrow: a dict lookup a term cost 2.2 s of the five
        # batches' and the static vectors' 730,000 terms at 100,000 articles
        vocab = pa.array(self.vocab, pa.string())
        titled = pc.starts_with(vocab, "t:")
        encoded = pc.dictionary_encode(pc.if_else(titled, pc.utf8_slice_codeunits(vocab, 2), vocab))
        ids = encoded.indices.to_numpy().astype(np.int64)
        # each plain form named by its first term, the term's own string where it has no "t:" (the
        # dictionary's strings as new Python objects held ~15 MB more at 100,000 articles)
        first = np.unique(ids, return_index=True)[1]  # every form's first term (the forms are 0.. in order)
        titled = titled.to_numpy(zero_copy_only=False)
        names = [self.vocab[k][2:] if titled[k] else self.vocab[k] for k in first.tolist()]
        return ids, dict(zip(names, range(len(names))))

    @cached_property
    def plain_zipf(self) -> np.ndarray:
        """``zipf`` of each plain form (numbered as ``plain``), looked up once a form: a term and its "t:"
        twin, and the static weights and the key ranks that both read them, share one lookup."""
        return zipf_of_plain(pa.array(list(self.plain[1]), pa.string()))

    @cached_property
    def by_name(self) -> np.ndarray:
        """Each term id's rank in alphabetical order (``term_vectors`` orders its columns so)."""
        return _alphabetical_ranks(self.vocab)

    def subset(self, items: np.ndarray) -> Terms:
        """The terms of ``items`` (ascending) alone, numbered anew. What ``plain`` and ``by_name`` already
        hold is carried over, restricted and renumbered, not computed again from the strings (a worker
        process would spend ~0.3 s of 50,000 articles on it)."""
        ids, _ = self.of(items)
        used = np.zeros(len(self.vocab), bool)
        used[ids] = True
        distinct = np.flatnonzero(used)  # a mark per term, not a sort of every entry
        local = (np.cumsum(used) - 1)[ids]
        lengths = self.offsets[items + 1] - self.offsets[items]
        out = Terms([self.vocab[k] for k in distinct.tolist()], local.astype(np.int32),
                    np.concatenate([[0], np.cumsum(lengths)]))
        # cached_property keeps its value in the instance's __dict__, which a frozen dataclass allows
        if "plain" in self.__dict__:
            plain_ids, index = self.plain
            kept = np.unique(plain_ids[distinct])  # the parent's numbers of the subset's plain forms
            names = list(index)
            out.__dict__["plain"] = (np.searchsorted(kept, plain_ids[distinct]),
                                     {names[k]: i for i, k in enumerate(kept.tolist())})
        if "by_name" in self.__dict__:
            rank = np.empty(len(distinct), np.int64)
            rank[np.argsort(self.by_name[distinct], kind="stable")] = np.arange(len(distinct))
            out.__dict__["by_name"] = rank
        return out


def terms_of_lists(terms: pa.ListArray) -> Terms:
    """``Terms`` straight from an Arrow list column of the items' terms (in the items' order): no Python
    string per term and article (100,000 articles' term tuples held ~900 MB)."""
    encoded = pc.dictionary_encode(terms.flatten())  # numbered in order of first appearance, as _numbered numbers them
    # offsets from the lengths, as flatten() counts them (a null list has no terms, whatever its offsets say)
    lengths = pc.list_value_length(terms).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return Terms(encoded.dictionary.to_pylist(), encoded.indices.to_numpy(),  # int32, as Arrow numbers them
                 np.concatenate([[0], np.cumsum(lengths)]))


def _numbered(lists: Sequence[tuple[str, ...]]) -> Terms:
    """Numbered terms: one hash pass (pandas.factorize) instead of a dict lookup per term and item."""
    import pandas as pd

    lengths = np.fromiter((len(x) for x in lists), np.int64, len(lists))
    flat = [t for x in lists for t in x]
    ids, vocab = pd.factorize(np.array(flat, dtype=object)) if flat else (np.zeros(0, np.int64), [])
    return Terms(list(vocab), ids.astype(np.int32), np.concatenate([[0], np.cumsum(lengths)]))


def number_vectors(numbers: Terms):
    """Rows of 0/1 over the numbers the items' bodies print (``Articles.numbers``)."""
    from scipy import sparse

    return sparse.csr_matrix((np.ones(len(numbers.ids), np.float32), numbers.ids.astype(np.int32), numbers.offsets),
                             shape=(len(numbers.offsets) - 1, max(1, len(numbers.vocab))))


def _numbers_agree(x, p: np.ndarray) -> np.ndarray:
    """For (i, j) rows of ``p``: the share of the numbers of the one with fewer that the other prints too
    (``x = number_vectors(...)``); 1.0 where either prints none (nothing to disagree on)."""
    shared = _row_dots(x, p)
    counts = np.diff(x.indptr)
    fewer = np.minimum(counts[p[:, 0]], counts[p[:, 1]])
    return np.where(fewer > 0, shared / np.maximum(fewer, 1), 1.0)


def static_vectors(terms: Terms):
    """Rows of L2-normalised static weights of the items' story terms (a pair's cosine depends on the pair
    only)."""
    from scipy import sparse

    n = len(terms.offsets) - 1
    plain_ids, _ = terms.plain
    weights = np.maximum(1.0, ZIPF_TOP - terms.plain_zipf)[plain_ids][terms.ids]
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(terms.offsets))
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=n))
    norms[norms == 0] = 1.0
    weights /= norms[rows]
    # an item's terms are its row already (offsets are the row pointers): no (row, column) pairs to sort,
    # which held ~230 MB at 100,000 articles for a 60 MB matrix
    # ids copied (they are int32 already): sort_indices() sorts the matrix's own indices in place, and these
    # are the terms every group's tf-idf reads after. float32: the cosines are only compared with
    # CANDIDATE_COSINE and GROUP_STEP's thresholds, and the pair search's row gathers and products move
    # half the bytes (15.1-15.6 -> 14.8 s and -17 MB at 100,000 distinct wire reports, tables identical)
    x = sparse.csr_matrix((weights.astype(np.float32), terms.ids.astype(np.int32), terms.offsets), shape=(n, len(terms.vocab)))
    x.sort_indices()
    return x


def static_vectors_by_parts(parts: Iterable[Terms]) -> Iterator:
    """``static_vectors`` of items that come a part at a time, each part's terms numbered on its own (the
    stage reads its articles' terms a chunk at a time): each part's rows, their columns numbering the terms
    across the parts in order of first appearance, as ``static_vectors`` numbers them over all items at
    once, so the rows are the same and so are the cosines, to the last bit (a row's sum follows its
    columns' order). The terms seen are held as one Arrow array (a dict of Python strings held ~24 MB more
    at 200,000 articles); reading every article's terms at once set the stage's peak in parts (+600 MB)."""
    from scipy import sparse

    seen = pa.array([], pa.string())  # every term so far, in order of first appearance
    for terms in parts:
        x = static_vectors(terms)
        vocab = pa.array(terms.vocab, pa.string())  # the part's terms, in order of first appearance in it
        ids = pc.index_in(vocab, value_set=seen).fill_null(-1).to_numpy().astype(np.int64)
        new = ids < 0
        ids[new] = len(seen) + np.arange(int(new.sum()))
        seen = pa.concat_arrays([seen, vocab.filter(pa.array(new))])
        x = sparse.csr_matrix((x.data, ids[x.indices].astype(np.int32), x.indptr), shape=(x.shape[0], max(1, len(seen))))
        x.sort_indices()  # a row's terms in order of their numbers across the parts
        yield x


def tiles(p: np.ndarray, tile_rows: int = ROW_BLOCK, most: int = TILE_PAIRS) -> Iterator[np.ndarray]:
    """The (i, j) rows of ``p`` (a block of a pair search: i within ROW_BLOCK rows) by ``tile_rows`` of j,
    ``most`` pairs at most each: the rows a tile's cosines read lie in two ranges of about ``tile_rows``
    (``spill.SpilledRows.row_dots``), whatever the block's spread of j."""
    p = p[np.argsort(p[:, 1], kind="stable")]
    cuts = np.flatnonzero(np.diff(p[:, 1] // tile_rows)) + 1
    for tile in np.split(p, cuts) if len(p) else []:
        for start in range(0, len(tile), most):
            yield tile[start:start + most]


def item_keys(terms: Terms) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``key_terms`` of every item at once: (item, key id) rows and the key vocabulary. Each distinct
    plain term is ranked once by (Zipf frequency, term); an item's keys are its KEY_TERMS best ranks.
    ROW_BLOCK items at a time: the sort of all items' (item, rank) entries at once held ~250 MB at
    100,000 articles for ~47 MB of keys."""
    plain_ids, index = terms.plain
    plain = list(index)  # by number
    alphabetical = _alphabetical_ranks(plain)
    # by (Zipf frequency, term): a sort of the strings alone and a lexsort, not a sort of (float, str) keys
    # (item_keys 0.60-0.69 -> 0.37-0.40 s for 290,000 plain terms at 100,000 articles)
    order = np.lexsort((alphabetical, terms.plain_zipf))
    names = [plain[k] for k in order.tolist()]
    rank_of_plain = np.empty(len(index), np.int64)
    rank_of_plain[order] = np.arange(len(names))
    rank_of = rank_of_plain[plain_ids]  # each term id's rank
    base = max(1, len(names))
    out_rows, out_keys = [], []
    n = len(terms.offsets) - 1
    for start in range(0, n, ROW_BLOCK):
        stop = min(n, start + ROW_BLOCK)
        lo, hi = terms.offsets[start], terms.offsets[stop]
        local = np.repeat(np.arange(stop - start, dtype=np.int64), np.diff(terms.offsets[start:stop + 1]))
        combined = np.sort(local * base + rank_of[terms.ids[lo:hi]])  # by item, then rank
        combined = combined[np.concatenate([[True], combined[1:] != combined[:-1]])]  # title copies folded
        rows, key = combined // base, combined % base
        keep = np.arange(len(rows)) - np.searchsorted(rows, rows) < KEY_TERMS
        out_rows.append((rows[keep] + start).astype(np.int32)), out_keys.append(key[keep].astype(np.int32))
    if not out_rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), names
    return np.concatenate(out_rows), np.concatenate(out_keys), names


def _incidence(rows: np.ndarray, columns: np.ndarray, n: int):
    """The (item, key) incidence matrix of (item, key column) entries, as CSR rows: items that share keys
    are its product with its transpose (``_pairs_sharing_from``)."""
    from scipy import sparse

    return sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, columns)),
                             shape=(n, int(columns.max()) + 1 if len(columns) else 1))


def _pairs_sharing_from(incidence, start: int, stop: int, at_least: int = 1, transposed=None) -> np.ndarray:
    """(i, j) rows, i < j, of items that share at least ``at_least`` keys (``incidence``), i one of
    ``start..stop``, in order. 32-bit, as every index array of the pair searches. The rows of the block
    times the transpose of the rows from ``start`` on: what lies left of the block is below the diagonal,
    not computed (the whole product computed both triangles and held them at once, ~9 million entries at
    100,000 distinct wire reports). With ``transposed`` (``incidence.T`` as CSR rows, made once), the
    block times all of it instead: for many entries and few pairs (LSH bands), slicing and transposing the
    rest again for each block cost more than the triangle saves."""
    if transposed is None:
        shared, offset = (incidence[start:stop] @ incidence[start:].T).tocsr(), start
    else:
        shared, offset = (incidence[start:stop] @ transposed).tocsr(), 0
    shared.sort_indices()  # row by row, columns ascending: the pairs come out sorted without a lexsort
    first = np.repeat(np.arange(start, stop, dtype=np.int32), np.diff(shared.indptr))
    second = shared.indices.astype(np.int32) + np.int32(offset)
    keep = (second > first) & (shared.data >= at_least)
    return np.stack([first[keep], second[keep]], axis=1)


def _band_entries(signatures: np.ndarray, comparable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(item, bucket) entries: a bucket is one LSH band's hash (``band_hashes``) within that band."""
    rows = np.flatnonzero(comparable).astype(np.int32)
    if not len(rows):
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    hashes = band_hashes(signatures[rows])
    items, buckets, offset = [], [], 0
    for b in range(BANDS):
        # sorted, equal neighbours share a bucket (np.unique(axis=0) of the rows sorted them as bytes:
        # 2.2 s of 100,000 articles' 32 bands)
        order = np.argsort(hashes[:, b], kind="stable")
        band = hashes[order, b]
        starts = np.concatenate([[True], band[1:] != band[:-1]])
        inverse = np.empty(len(rows), np.int32)
        inverse[order] = np.cumsum(starts) - 1
        items.append(rows), buckets.append(inverse + offset)
        offset += int(inverse.max()) + 1
    return np.concatenate(items), np.concatenate(buckets)


#: round(k / N_PERM, 4) for every count of agreeing rows k (Python's rounding, as before).
_JACCARD = np.array([round(k / N_PERM, 4) for k in range(N_PERM + 1)])


def _containment(agree: np.ndarray, na: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """The share of the shorter text's shingles in the longer one, from how many of the N_PERM signature
    rows agree (the Jaccard estimate) and the two shingle counts."""
    jac = agree / N_PERM
    return jac * (na + nb) / (1 + jac) / np.minimum(na, nb)


def _row_dots(x, p: np.ndarray) -> np.ndarray:
    """The dot product of rows i and j of sparse ``x`` for each (i, j) row of ``p``: a cosine of
    L2-normalised rows, a count of shared entries of 0/1 rows."""
    return np.asarray(x[p[:, 0]].multiply(x[p[:, 1]]).sum(axis=1)).ravel()


def check_copies(signatures: np.ndarray, n_shingles: np.ndarray, numbers, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which (i, j) rows of ``p`` are near-duplicates (shingle containment, numbers: NEAR_DUP_CONTAINMENT,
    NUMBERS_AGREE; ``numbers = number_vectors(...)``), and how many signature rows each pair agrees in."""
    agree = np.count_nonzero(signatures[p[:, 0]] == signatures[p[:, 1]], axis=1)
    copy = (_containment(agree, n_shingles[p[:, 0]], n_shingles[p[:, 1]]) >= NEAR_DUP_CONTAINMENT) & \
        (_numbers_agree(numbers, p) >= NUMBERS_AGREE)
    return copy, agree


def near_duplicate_pairs(signatures: np.ndarray, n_shingles: np.ndarray, numbers) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) rows of LSH candidates that are near-duplicates (``check_copies``) and their estimated Jaccard
    (rounded to 4 places). Candidates are checked PAIR_BLOCK at a time, in numpy."""
    n = len(signatures)
    entries, buckets = _band_entries(signatures, n_shingles >= MIN_SHINGLES)
    incidence = _incidence(entries, buckets, n)
    transposed = incidence.T.tocsr()
    del entries, buckets
    keep_pairs, keep_jaccard = [], []
    for first in range(0, n, ROW_BLOCK):  # the candidates of ROW_BLOCK items at a time, as the stories'
        pairs = _pairs_sharing_from(incidence, first, min(n, first + ROW_BLOCK), transposed=transposed)
        for start in range(0, len(pairs), PAIR_BLOCK):
            p = pairs[start:start + PAIR_BLOCK]
            keep, agree = check_copies(signatures, n_shingles, numbers, p)
            keep_pairs.append(p[keep]), keep_jaccard.append(_JACCARD[agree[keep]])
    if not keep_pairs:
        return np.zeros((0, 2), np.int32), np.zeros(0)
    return np.concatenate(keep_pairs), np.concatenate(keep_jaccard)


def _story_candidates(x, ordinals: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which (i, j) rows of ``p`` reach CANDIDATE_COSINE of their static vectors (``x``) and lie within
    STORY_DAYS when both are dated (``ordinals``; NaN undated), and those cosines."""
    near = ~(np.abs(ordinals[p[:, 0]] - ordinals[p[:, 1]]) > STORY_DAYS)  # NaN (undated) compares False
    # the cosines of pairs within STORY_DAYS only: the other rows' products are the search's dearest part
    sims = np.zeros(len(p))
    q = p[near]  # ``x``: a matrix, or rows spilled to a file (``spill.SpilledRows``), read for these pairs
    sims[near] = x.row_dots(q) if hasattr(x, "row_dots") else _row_dots(x, q)
    return near & (sims >= CANDIDATE_COSINE), sims


def candidate_pairs(articles: Articles, x, hot: set[str] | None = None,
                    pool: Executor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) rows with i < j sharing a key term that is not ``hot``, within STORY_DAYS when both are dated, at a static
    cosine (``x = static_vectors(articles.terms)``) of at least CANDIDATE_COSINE; and those cosines. ``pool``: threads
    to compute the cosines of PAIR_BLOCK pairs each on (scipy's row gathers and products let go of the GIL)."""
    return checked_candidates(x, articles.ordinals, listed_pairs(articles.terms, hot), pool)


def listed_pairs(terms: Terms, hot: set[str] | None = None) -> np.ndarray:
    """(i, j) rows, i < j, of the items that share at least SHARED_KEYS key terms that are not ``hot`` (by
    default: held by more than KEY_DF_MAX of the items), in order. What ``checked_candidates`` checks; the
    stage lists them in SQL instead (``store.story_pairs``)."""
    rows, keys, names = item_keys(terms)
    if hot is None:  # the hot key terms of the items: held by more than KEY_DF_MAX of them
        is_hot = np.bincount(keys, minlength=len(names)) > KEY_DF_MAX
    else:
        is_hot = np.fromiter((t in hot for t in names), bool, len(names))
    cold = ~is_hot[keys]
    n = len(terms.offsets) - 1
    if not cold.any():
        return np.zeros((0, 2), np.int32)
    incidence = _incidence(rows[cold], keys[cold], n)
    del rows, keys, cold
    # the pairs ROW_BLOCK items at a time (the whole product held ~9 million entries, both triangles, for
    # the 4.7 million pairs of 100,000 distinct wire reports)
    return np.concatenate([_pairs_sharing_from(incidence, start, min(n, start + ROW_BLOCK), SHARED_KEYS)
                           for start in range(0, n, ROW_BLOCK)])


def checked_candidates(x, ordinals: np.ndarray, pairs: np.ndarray,
                       pool: Executor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``pairs`` that are story candidates (``_story_candidates``: dates and static cosine,
    ``x = static_vectors(...)``) and their cosines, PAIR_BLOCK pairs at a time (``checked_blocks``)."""
    return checked_blocks(x, ordinals, (pairs[start:start + PAIR_BLOCK] for start in range(0, len(pairs), PAIR_BLOCK)),
                          pool)


def checked_blocks(x, ordinals: np.ndarray, blocks: Iterable[np.ndarray],
                   pool: Executor | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``checked_candidates`` of pairs that come a block at a time (from SQL: ``store.story_pairs``): the
    kept rows and their cosines, blocks in order whichever thread checks them. With ``pool``, each block
    is checked on one of its threads (scipy's row gathers and products let go of the GIL), at most two
    blocks ahead of the one awaited: the blocks are not all held at once."""
    def check(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep, sims = _story_candidates(x, ordinals, p)
        return p[keep], sims[keep]

    done: list[tuple[np.ndarray, np.ndarray]] = []
    if pool is None:
        done = [check(p) for p in blocks]
    else:
        pending: deque = deque()
        for p in blocks:
            pending.append(pool.submit(check, p))
            if len(pending) > 2:
                done.append(pending.popleft().result())
        done += [f.result() for f in pending]
    if not done:
        return np.zeros((0, 2), np.int32), np.zeros(0)
    return np.concatenate([p for p, _ in done]), np.concatenate([s for _, s in done])


def linked(articles: Articles, p: np.ndarray, band: np.ndarray, shared_terms: np.ndarray) -> np.ndarray:
    """Which candidate pairs of ``articles`` (``p``: (i, j) rows; whether each shares an LSH band, how many
    key terms that are not hot it shares) are edges of the graph ``cluster`` builds: a near-duplicate, or
    a story candidate (dates and static cosine). Checked PAIR_BLOCK pairs at a time, as ``cluster``
    checks them."""
    out = np.zeros(len(p), bool)
    if not len(p):
        return out
    x, numbers = static_vectors(articles.terms), number_vectors(articles.numbers)
    for start in range(0, len(p), PAIR_BLOCK):
        block = slice(start, start + PAIR_BLOCK)
        story = (shared_terms[block] >= SHARED_KEYS) & _story_candidates(x, articles.ordinals, p[block])[0]
        copy = band[block] & check_copies(articles.signatures, articles.n_shingles, numbers, p[block])[0]
        out[block] = story | copy
    return out


def _components(pairs: np.ndarray, members: list[int]) -> list[list[int]]:
    """Connected components of ``members`` (ascending) under ``pairs`` (an array of (i, j) rows within
    them), each ascending, in the order of their least member."""
    members = np.asarray(members, np.int64)
    if len(members) and members[-1] == len(members) - 1:  # all of 0..n-1 (a whole set): no renumbering
        return [g.tolist() for g in _groups(_labels(len(members), pairs))]
    local = np.full(int(members.max()) + 1 if len(members) else 0, -1, np.int64)
    local[members] = np.arange(len(members))
    labels = _labels(len(members), local[pairs].reshape(-1, 2))
    return [members[g].tolist() for g in _groups(labels)]


def candidate_groups(n: int, pairs: np.ndarray, sims: np.ndarray, forced: np.ndarray) -> list[list[int]]:
    """Groups small enough for average link: components of the candidate edges; a component over MAX_GROUP
    is split again at a cosine GROUP_STEP higher, up to past 1.0, where only near-duplicate pairs
    (``forced``, which always stay together) join articles. A group still over MAX_GROUP then is copies of
    one text, one story (``cluster``). Until stop 26 a component over MAX_GROUP at STORY_COSINE + 0.3 was
    one story as it was: on a wire corpus of 100,000 distinct reports that made one "story" of 4,270
    quarterly results of different companies over eight months (``bench/throughput.py --kind renamed``)."""
    out, todo = [], [(list(range(n)), CANDIDATE_COSINE)]
    while todo:
        members, threshold = todo.pop()
        inside = np.zeros(n, bool)
        inside[members] = True
        keep = inside[pairs[:, 0]] & inside[pairs[:, 1]] & (sims >= threshold)
        edges = np.concatenate([pairs[keep], forced[inside[forced[:, 0]] & inside[forced[:, 1]]]])
        for group in _components(edges, members):
            if len(group) <= MAX_GROUP or threshold > 1.0:
                out.append(sorted(group))
            else:
                todo.append((group, threshold + GROUP_STEP))
    return sorted(out)


def term_vectors(terms: Terms, group: np.ndarray):
    """Rows of L2-normalised tf-idf weights of the story terms of one candidate group (binary tf, idf
    log(1 + N/df) over the group; terms of one article only are left out, as they say nothing of which
    story within the group). Columns in the terms' alphabetical order. A dense array up to DENSE_CELLS
    cells (most groups are a handful of articles: numpy beats building a sparse matrix and densifying it,
    ~0.2 ms a group), a CSR matrix beyond.

    ``group``: the group's indices into the items ``terms`` numbers (the corpus's terms are numbered once,
    not once per group)."""
    from scipy import sparse

    n = len(group)
    ids, rows = terms.of(group)
    distinct, which, df = np.unique(ids, return_inverse=True, return_counts=True)
    cap = max(MIN_DF_CAP, MAX_DF_SHARE * n)
    kept = (df > 1) & (df <= cap)
    column = np.full(len(distinct), -1, np.int64)
    column[np.flatnonzero(kept)[np.argsort(terms.by_name[distinct[kept]], kind="stable")]] = np.arange(int(kept.sum()))
    # the idf of each document frequency the kept terms have (math.log, as before: the same floats), looked
    # up per term as an array: a Python loop over a group's distinct terms cost more than the rest
    idf = np.zeros(int(df.max()) + 1 if len(df) else 1)
    for c in set(df[kept].tolist()):
        idf[c] = math.log(1 + n / c)
    weights = np.where(kept, idf[df], 0.0)[which]
    use = kept[which]
    rows, columns, weights = rows[use], column[which][use], weights[use]
    norms = np.sqrt(np.bincount(rows, weights * weights, minlength=n))
    norms[norms == 0] = 1.0
    shape = (n, int(kept.sum()))
    if shape[0] * shape[1] <= DENSE_CELLS:  # an item's terms are distinct: one entry per cell, as CSR's sum
        x = np.zeros(shape)
        x[rows, columns] = weights / norms[rows]
        return x
    return sparse.csr_matrix((weights / norms[rows], (rows, columns)), shape=shape)


def _organisations_apart(articles: Articles, group: np.ndarray) -> np.ndarray:
    """The pairs of a group (positions within it, (i, j) rows) that open with different organisations
    (``features.organisations``) where neither's story terms name all the words of the other's: two
    companies' dividend notices, not a bid and its target's answer. Pair-local, as every other test of
    the clustering."""
    terms, opened = articles.terms, articles.orgs
    with_org = np.array([k for k, g in enumerate(group.tolist()) if opened[g]], np.int64)
    if len(with_org) < 2:
        return np.zeros((0, 2), np.int64)
    orgs = sorted({o for k in with_org.tolist() for o in opened[group[k]]})
    org_id = {o: i for i, o in enumerate(orgs)}
    opens = np.zeros((len(with_org), len(orgs)), np.float32)  # item opens with org (float: BLAS products)
    for r, k in enumerate(with_org.tolist()):
        opens[r, [org_id[o] for o in opened[group[k]]]] = 1
    words = [organisation_words(o) for o in orgs]  # against each item's terms
    vocab = sorted({w for ws in words for w in ws})
    word_id = {w: i for i, w in enumerate(vocab)}
    spells = np.zeros((len(orgs), len(vocab)), np.float32)
    for i, ws in enumerate(words):
        spells[i, [word_id[w] for w in ws]] = 1
    plain_ids, plain_index = terms.plain
    # the orgs' words as plain term numbers, sorted, and each one's column: looked up by searchsorted, not
    # through an array over every plain term of the corpus (one such array a group: 2.1 s at 100,000 articles)
    known = sorted((plain_index[w], c) for w, c in word_id.items() if w in plain_index)
    word_plain = np.array([k for k, _ in known], np.int64)
    word_column = np.array([c for _, c in known], np.int64)
    holds = np.zeros((len(with_org), len(vocab)), np.float32)  # item's terms hold word
    ids, rows = terms.of(group[with_org])
    entry = plain_ids[ids]
    at = np.minimum(np.searchsorted(word_plain, entry), max(len(word_plain) - 1, 0))
    hit = word_plain[at] == entry if len(word_plain) else np.zeros(len(entry), bool)
    holds[rows[hit], word_column[at[hit]]] = 1
    sizes = spells.sum(axis=1)
    names = (holds @ spells.T == sizes) & (sizes > 0)  # item names org: all of its words among its terms
    same = opens @ opens.T > 0
    named = opens @ names.T > 0  # i's org named by j
    apart = ~same & ~named & ~named.T
    i, j = np.nonzero(np.triu(apart, 1))
    return np.stack([with_org[i], with_org[j]], axis=1)


def _average_link(days: np.ndarray, copies: np.ndarray, x, apart: np.ndarray | None = None) -> list[list[int]]:
    """Average-link clusters of one candidate group (positions within it), cut at STORY_COSINE of the
    group's tf-idf (``x``, ``term_vectors`` of the group) and kept within STORY_DAYS (``days``: the
    members' ``Articles.ordinals``); ``copies`` ((i, j) rows of positions) share a story, ``apart``
    (``_organisations_apart``) do not, unless copies.

    Average link, not single link: one article mentioning two stories would chain them (measured on
    giveme5w1h: single link at the same cut merged 12 events into 11 stories, ARI 0.32)."""
    from scipy.cluster.hierarchy import linkage

    n = len(days)
    product = x @ x.T
    dist = np.clip(1.0 - (product.toarray() if hasattr(product, "toarray") else product), 0.0, 1.0)
    dist[np.abs(days[:, None] - days[None, :]) > STORY_DAYS] = 1.0  # NaN (undated) compares False
    if apart is not None and len(apart):
        dist[apart[:, 0], apart[:, 1]] = dist[apart[:, 1], apart[:, 0]] = APART_DISTANCE
    dist[copies[:, 0], copies[:, 1]] = dist[copies[:, 1], copies[:, 0]] = 0.0  # copies: one story
    np.fill_diagonal(dist, 0.0)
    return _cut(linkage(dist[np.triu_indices(n, 1)], "average"), n, 1.0 - STORY_COSINE)


def _cut(z: np.ndarray, n: int, height: float) -> list[list[int]]:
    """The flat clusters of linkage ``z`` over ``n`` points, as ``fcluster(z, height, "distance")`` gives
    them: points joined by every merge whose subtree merges nothing higher than ``height``. fcluster
    validates ``z`` first, which cost more than the cut (0.9 s of 8,000 groups at 100,000 articles)."""
    top = [0.0] * n  # the highest merge within each node's subtree (a point: none)
    point = list(range(n))  # a point of each node
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, d, _ in z.tolist():
        a, b = int(a), int(b)
        top.append(max(d, top[a], top[b]))
        point.append(point[a])
        if top[-1] <= height:
            parent[root(point[b])] = root(point[a])
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        clusters[root(i)].append(i)
    return list(clusters.values())


def cluster(articles: Articles | Sequence[Item], hot: set[str] | None = None,
            group_worker: bool | None = None) -> Clustering:
    """Near-duplicate groups and stories of a set of articles (``Articles``, or ``Item``s in any order). A
    near-duplicate group lies in one story; an article with nothing to compare is a story of one. A
    story's id is its earliest member's id (``Articles.rank``).

    ``hot``: the database's hot key terms (held by more than KEY_DF_MAX articles), by default those of
    the articles. Clustering a set gives, for every candidate component, what clustering that component
    alone (with the same ``hot``) gives. ``group_worker``: group half the candidate groups' stories in a
    second process (by default from GROUP_WORKER_MIN articles on a machine of two cores or more); the
    result is the same either way."""
    articles = articles if isinstance(articles, Articles) else Articles.of(articles)
    n = len(articles)
    # The two pair searches are independent and spend their time in numpy and scipy, which let go of the
    # GIL: the near-duplicates' on a thread beside this one, 4.6 -> 2.7 s at 100,000 articles (same pairs);
    # the story candidates' cosines, most of their search, on both threads once that one is done (2.1 ->
    # 1.1 s of 2.9 million pairs at 100,000 distinct wire reports).
    with ThreadPoolExecutor(2, thread_name_prefix="stories-pairs") as pool:
        copies = pool.submit(near_duplicate_pairs, articles.signatures, articles.n_shingles, number_vectors(articles.numbers))
        pairs, sims = candidate_pairs(articles, static_vectors(articles.terms), hot, pool)
        forced, _ = copies.result()
    out = stories_of_groups(articles, candidate_groups(n, pairs, sims, forced), forced, group_worker)
    out.components = components(articles.ids, pairs, forced)
    return out


def components(ids: list[str], pairs: np.ndarray, forced: np.ndarray) -> dict[str, str]:
    """Each article's candidate component (under the candidate ``pairs`` and the near-duplicate ``forced``
    pairs, rows of ``ids``) as the component's least id."""
    return dict(zip(ids, (ids[r] for r in component_roots(len(ids), pairs, forced).tolist())))


def component_roots(n: int, pairs: np.ndarray, forced: np.ndarray) -> np.ndarray:
    """Each of ``n`` rows' candidate component (under ``pairs`` and ``forced``) as its least row: rows are
    in order of id, so that row's id names the component."""
    labels = _labels(n, np.concatenate([pairs, forced]).reshape(-1, 2))
    least = np.full(int(labels.max()) + 1 if n else 0, n, np.int64)
    np.minimum.at(least, labels, np.arange(n))
    return least[labels]


def stories_of_groups(articles: Articles, groups: list[list[int]], forced: np.ndarray,
                      group_worker: bool | GroupWorker | None = None) -> Clustering:
    """The near-duplicates and the stories of candidate groups (``candidate_groups``) that cover
    ``articles``, given the near-duplicate pairs among them (``forced``, rows of ``articles``); no
    components. Each group's stories depend on its own members only, so the groups of a large set can
    be grouped a batch at a time, each batch read on its own (``dateline.stories.stage``).
    ``group_worker``: as ``cluster``'s, or a worker already started (left running for the next batch)."""
    n, ids, rank = len(articles), articles.ids, articles.rank
    if group_worker is None:
        group_worker = n >= GROUP_WORKER_MIN and (os.cpu_count() or 1) > 1
    out = Clustering()
    # started now, the worker imports numpy and scipy (~0.4 s) on the core the next steps leave idle
    with (contextlib.nullcontext(group_worker) if isinstance(group_worker, GroupWorker)
          else GroupWorker() if group_worker else contextlib.nullcontext()) as worker:
        for group in _groups(_labels(n, forced)):
            if len(group) < 2:
                continue
            root = int(group[np.argmin(rank[group])])  # the earliest (``Articles.rank``)
            agree = np.count_nonzero(articles.signatures[group] == articles.signatures[root], axis=1)
            out.near_duplicates += [(ids[g], ids[root], float(_JACCARD[k]))
                                    for g, k in zip(group.tolist(), agree.tolist()) if g != root]
        copies = _copies_by_group(groups, forced, n)
        stories_by_group = _stories_by_group(articles, groups, copies, worker)
    for group, stories in zip(groups, stories_by_group):
        group = np.asarray(group)
        for story, sims in stories:
            story_id = ids[group[min(story, key=lambda k: rank[group[k]])]]
            for k, sim in zip(story, sims):
                out.members[ids[group[k]]] = (story_id, sim)
    out.near_duplicates.sort()
    return out


def _stories_by_group(articles: Articles, groups: list[list[int]], copies: list[np.ndarray],
                      worker: GroupWorker | None) -> list:
    """``group_stories`` of every candidate group, in order. With ``worker``, every other group of two or
    more members goes there with the articles it reads (``Articles.subset``), while this process groups
    the rest: groups come in order of their least member, their sizes mixed, so alternate groups share
    the work about equally (100,000 distinct wire reports: 3.5 -> 2.5-2.7 s in the stage, of which ~0.45
    s is this process cutting out and pickling the worker's articles). If the worker fails, its groups are
    grouped here."""
    def here(k: int) -> list:
        return group_stories(articles, np.asarray(groups[k]), copies[k])

    if worker is None:
        return [here(k) for k in range(len(groups))]
    from threadpoolctl import threadpool_limits

    far = [k for k, g in enumerate(groups) if len(g) > 1][1::2]
    rows = np.unique(np.concatenate([np.asarray(groups[k]) for k in far])) if far else np.zeros(0, np.int64)
    try:
        worker.send(articles.subset(rows), [(np.searchsorted(rows, groups[k]), copies[k]) for k in far])
    except GroupWorkerFailed as error:
        log.warning("stories: grouping in this process only: %s", error)
        far = []
    sent = set(far)
    with threadpool_limits(1, user_api="blas"):  # as in the worker (``GroupWorker``)
        out = [None if k in sent else here(k) for k in range(len(groups))]
        try:
            stories = worker.result() if far else []
        except GroupWorkerFailed as error:  # the same stories, on one core
            log.warning("stories: grouping in this process only: %s", error)
            stories = [here(k) for k in far]
    for k, found in zip(far, stories):
        out[k] = found
    return out


def group_stories(articles: Articles, group: np.ndarray, copies: np.ndarray) -> list[tuple[list[int], list[float]]]:
    """The stories of one candidate group (``articles``' rows ``group``; ``copies``, its near-duplicate
    pairs as positions): each story's positions and each member's similarity, the cosine of its term
    vector with the story's mean (1.0 for a story of one). Groups of two take ``_pair_stories``."""
    if len(group) == 1:
        return [([0], [1.0])]
    if len(group) == 2:
        return _pair_stories(articles, group, copies)
    return _linked_stories(articles, group, copies)


def _linked_stories(articles: Articles, group: np.ndarray, copies: np.ndarray) -> list[tuple[list[int], list[float]]]:
    """``group_stories`` of a group of two or more: average link over the group's tf-idf."""
    x = term_vectors(articles.terms, group)
    if len(group) > MAX_GROUP:  # copies of one text (``candidate_groups``)
        stories = [list(range(len(group)))]
    else:
        stories = _average_link(articles.ordinals[group], copies, x, _organisations_apart(articles, group))
    out = []
    for story in stories:
        if len(story) == 1:
            out.append((story, [1.0]))
            continue
        rows = x[story]
        centroid = np.asarray(rows.mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid)) or 1.0
        out.append((story, [round(float(sim) / norm, 4) for sim in np.asarray(rows @ centroid).ravel().tolist()]))
    return out


def _pair_stories(articles: Articles, group: np.ndarray, copies: np.ndarray) -> list[tuple[list[int], list[float]]]:
    """``group_stories`` of a group of two without its tf-idf and linkage (half the groups of a wire
    corpus). Within two articles the kept terms are the shared ones (df 2), all of one idf, so both
    vectors are the same: cosine 1 if they share a term, else no terms at all. Average link then joins
    them if copies, or if they share a term, lie within STORY_DAYS and do not open with organisations
    apart; a member's similarity is 1.0 (0.0 for copies sharing no term)."""
    i, j = int(group[0]), int(group[1])
    terms = articles.terms
    shared = bool(np.intersect1d(terms.ids[terms.offsets[i]:terms.offsets[i + 1]],
                                 terms.ids[terms.offsets[j]:terms.offsets[j + 1]]).size)
    if len(copies):
        return [([0, 1], [1.0, 1.0] if shared else [0.0, 0.0])]
    days = articles.ordinals
    if shared and not abs(days[i] - days[j]) > STORY_DAYS and not len(_organisations_apart(articles, group)):
        return [([0, 1], [1.0, 1.0])]
    return [([0], [1.0]), ([1], [1.0])]


def _copies_by_group(groups: list[list[int]], forced: np.ndarray, n: int) -> list[np.ndarray]:
    """For each group, its near-duplicate pairs as positions within the group (a pair never spans two
    groups: ``candidate_groups`` keeps them together)."""
    lengths = np.array([len(g) for g in groups], np.int64)
    flat = np.concatenate([np.asarray(g, np.int64) for g in groups]) if groups else np.zeros(0, np.int64)
    group_of, local = np.empty(n, np.int64), np.empty(n, np.int64)
    group_of[flat] = np.repeat(np.arange(len(groups)), lengths)
    local[flat] = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    owner = group_of[forced[:, 0]]
    order = np.argsort(owner, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(groups)))])
    positions = local[forced[order]]
    return [positions[bounds[k]:bounds[k + 1]] for k in range(len(groups))]
