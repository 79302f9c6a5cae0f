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

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from dateline.stories.features import MIN_SHINGLES, N_PERM

#: LSH bands x rows = N_PERM: a pair with Jaccard 0.3 meets in some band with probability ~0.23,
#: at 0.5 ~0.87; candidates are then checked on their estimated containment.
BANDS, ROWS = 32, 4
#: A copy: at least this share of the shorter text's shingles are in the longer one.
NEAR_DUP_CONTAINMENT = 0.5
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
#: Average link holds a group's distance matrix (MAX_GROUP^2 doubles: 18 MB at 1,500); larger candidate
#: components are split at a cosine GROUP_STEP higher until they fit.
MAX_GROUP, GROUP_STEP = 1500, 0.05
#: Terms in more than this share of a group say nothing about which story within it; groups smaller
#: than MIN_DF_CAP keep all of them.
MAX_DF_SHARE, MIN_DF_CAP = 0.05, 20
#: A group's term vectors are held dense up to this many cells (8 MB).
DENSE_CELLS = 1_000_000
#: Candidate pairs whose cosine is computed at once (memory: a few arrays of this length).
PAIR_BLOCK = 200_000


@dataclass(frozen=True)
class Item:
    article_id: str
    claimed: date | None
    signature: np.ndarray
    n_shingles: int
    terms: tuple[str, ...]


@dataclass
class Clustering:
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)  # (article, duplicate_of, sim)
    members: dict[str, tuple[str, float]] = field(default_factory=dict)  # article -> (story_id, similarity)
    components: dict[str, str] = field(default_factory=dict)  # article -> its candidate component's least id


def order_key(item: Item) -> tuple:
    """Earliest first: claimed date (undated last), then the content hash. Load order differs between a
    run at once and a run in halves or in another file order; the content hash does not."""
    return (item.claimed is None, item.claimed or date.min, item.article_id)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            out[self.find(i)].append(i)
        return out


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
    freqs = _frequencies()
    total = 0.0
    for word in _plain(term).split("_"):
        f = freqs.get(word)
        if not f:
            return 0.0
        total += 1.0 / f
    return round(math.log10(1e9 / total), 2)


@lru_cache(maxsize=500_000)
def term_weight(term: str) -> float:
    return max(1.0, ZIPF_TOP - zipf(term))


def key_terms(terms: Iterable[str]) -> list[str]:
    """The terms an article is found by: its KEY_TERMS rarest, title duplicates folded."""
    plain = sorted((zipf(t), t) for t in {_plain(t) for t in terms})
    return [t for _, t in plain[:KEY_TERMS]]


def hot_keys(items: Sequence[Item], keys: Sequence[Sequence[str]] | None = None) -> set[str]:
    """Key terms held by more than KEY_DF_MAX of ``items`` (``keys``: their key terms, if known)."""
    df: dict[str, int] = defaultdict(int)
    for ks in keys if keys is not None else (key_terms(it.terms) for it in items):
        for t in ks:
            df[t] += 1
    return {t for t, c in df.items() if c > KEY_DF_MAX}


def band_keys(signature: np.ndarray) -> list[str]:
    """The LSH band keys of a signature: two articles are near-duplicate candidates when one agrees."""
    raw = np.ascontiguousarray(signature, dtype=np.uint32).tobytes()
    step = 4 * ROWS
    return [f"{b}:{raw[b * step:(b + 1) * step].hex()}" for b in range(BANDS)]


def article_keys(item: Item) -> list[str]:
    """Every key an article is looked up by: "b" band keys (if long enough to compare), "t" key terms."""
    bands = ["b" + k for k in band_keys(item.signature)] if item.n_shingles >= MIN_SHINGLES else []
    return bands + ["t" + t for t in key_terms(item.terms)]


def static_vectors(items: Sequence[Item]):
    """Rows of L2-normalised static weights of the story terms (a pair's cosine depends on the pair only)."""
    from scipy import sparse

    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, it in enumerate(items):
        weights = [(vocab.setdefault(t, len(vocab)), term_weight(t)) for t in it.terms]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        for k, w in weights:
            rows.append(i), cols.append(k), vals.append(w / norm)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(items), len(vocab)))


def _pairs_sharing(keys: Sequence[Sequence[str]], n: int, at_least: int = 1) -> np.ndarray:
    """(i, j) rows, i < j, of items that share at least ``at_least`` keys (the item x key incidence matrix
    times its transpose, above the diagonal)."""
    from scipy import sparse

    columns: dict[str, int] = {}
    rows, cols = [], []
    for i, ks in enumerate(keys):
        for k in ks:
            rows.append(i), cols.append(columns.setdefault(k, len(columns)))
    if not rows:
        return np.zeros((0, 2), np.int64)
    incidence = sparse.csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(n, len(columns)))
    shared = sparse.triu(incidence @ incidence.T, k=1).tocoo()
    if at_least > 1:
        keep = shared.data >= at_least
        shared = sparse.coo_matrix((shared.data[keep], (shared.row[keep], shared.col[keep])), shape=shared.shape)
    order = np.lexsort((shared.col, shared.row))
    return np.stack([shared.row[order], shared.col[order]], axis=1).astype(np.int64)


def near_duplicate_pairs(items: Sequence[Item]) -> list[tuple[int, int, float]]:
    """(i, j, estimated Jaccard) for LSH candidates whose shingle containment passes NEAR_DUP_CONTAINMENT."""
    keys = [band_keys(it.signature) if it.n_shingles >= MIN_SHINGLES else [] for it in items]
    pairs = []
    for i, j in _pairs_sharing(keys, len(items)).tolist():
        jac = float(np.count_nonzero(items[i].signature == items[j].signature)) / N_PERM
        na, nb = items[i].n_shingles, items[j].n_shingles
        containment = jac * (na + nb) / (1 + jac) / min(na, nb)
        if containment >= NEAR_DUP_CONTAINMENT:
            pairs.append((i, j, round(jac, 4)))
    return pairs


def _ordinals(items: Sequence[Item]) -> np.ndarray:
    return np.array([it.claimed.toordinal() if it.claimed else np.nan for it in items] or [np.nan])


def candidate_pairs(items: Sequence[Item], x, hot: set[str] | None = None,
                    keys: Sequence[Sequence[str]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) rows with i < j sharing a key term that is not ``hot``, within STORY_DAYS when both are dated, at a static
    cosine (``x = static_vectors(items)``) of at least CANDIDATE_COSINE; and those cosines."""
    keys = [key_terms(it.terms) for it in items] if keys is None else keys
    hot = hot_keys(items, keys) if hot is None else hot
    pairs = _pairs_sharing([[k for k in ks if k not in hot] for ks in keys], len(items), SHARED_KEYS)
    ordinals = _ordinals(items)
    keep_pairs, keep_sims = [], []
    for start in range(0, len(pairs), PAIR_BLOCK):
        p = pairs[start:start + PAIR_BLOCK]
        sims = np.asarray(x[p[:, 0]].multiply(x[p[:, 1]]).sum(axis=1)).ravel()
        keep = (sims >= CANDIDATE_COSINE) & ~(np.abs(ordinals[p[:, 0]] - ordinals[p[:, 1]]) > STORY_DAYS)
        keep_pairs.append(p[keep]), keep_sims.append(sims[keep])
    if not keep_pairs:
        return np.zeros((0, 2), np.int64), np.zeros(0)
    return np.concatenate(keep_pairs), np.concatenate(keep_sims)


def linked(items: Sequence[Item], pairs: Sequence[tuple[int, int, bool, int]]) -> list[bool]:
    """Which candidate pairs (i, j, share a band key, key terms shared that are not hot) are edges of the
    graph ``cluster`` builds: a near-duplicate, or a story candidate (dates and static cosine)."""
    if not pairs:
        return []
    x = static_vectors(items)
    p = np.array([(i, j) for i, j, _, _ in pairs], np.int64)
    sims = np.asarray(x[p[:, 0]].multiply(x[p[:, 1]]).sum(axis=1)).ravel()
    ordinals = _ordinals(items)
    story = (sims >= CANDIDATE_COSINE) & ~(np.abs(ordinals[p[:, 0]] - ordinals[p[:, 1]]) > STORY_DAYS)
    out = []
    for (i, j, band, term), is_story in zip(pairs, story.tolist()):
        if term >= SHARED_KEYS and is_story:
            out.append(True)
            continue
        if band:
            a, b = items[i], items[j]
            jac = float(np.count_nonzero(a.signature == b.signature)) / N_PERM
            containment = jac * (a.n_shingles + b.n_shingles) / (1 + jac) / min(a.n_shingles, b.n_shingles)
            out.append(containment >= NEAR_DUP_CONTAINMENT)
            continue
        out.append(False)
    return out


def _components(pairs: np.ndarray, members: list[int]) -> list[list[int]]:
    """Connected components of ``members`` under ``pairs`` (an array of (i, j) rows within them)."""
    local = {m: k for k, m in enumerate(members)}
    uf = _UnionFind(len(members))
    for i, j in pairs.tolist():
        uf.union(local[i], local[j])
    groups: dict[int, list[int]] = defaultdict(list)
    for m in members:
        groups[uf.find(local[m])].append(m)
    return list(groups.values())


def candidate_groups(n: int, pairs: np.ndarray, sims: np.ndarray, forced: np.ndarray) -> list[list[int]]:
    """Groups small enough for average link: components of the candidate edges; a component over MAX_GROUP
    is split again at a cosine GROUP_STEP higher, and one still too large at STORY_COSINE + 0.3 (copies and
    their close rewrites) is one story as it is. Near-duplicate pairs (``forced``) always stay together."""
    out, todo = [], [(list(range(n)), CANDIDATE_COSINE)]
    while todo:
        members, threshold = todo.pop()
        inside = np.zeros(n, bool)
        inside[members] = True
        keep = inside[pairs[:, 0]] & inside[pairs[:, 1]] & (sims >= threshold)
        edges = np.concatenate([pairs[keep], forced[inside[forced[:, 0]] & inside[forced[:, 1]]]])
        for group in _components(edges, members):
            if len(group) <= MAX_GROUP or threshold >= STORY_COSINE + 0.3:
                out.append(sorted(group))
            else:
                todo.append((group, threshold + GROUP_STEP))
    return sorted(out)


def term_vectors(items: Sequence[Item]):
    """Rows of L2-normalised tf-idf weights of the story terms of one candidate group (binary tf, idf
    log(1 + N/df) over the group; terms of one article only are left out, as they say nothing of which
    story within the group)."""
    from scipy import sparse

    n = len(items)
    df: dict[str, int] = defaultdict(int)
    for it in items:
        for t in it.terms:
            df[t] += 1
    cap = max(MIN_DF_CAP, MAX_DF_SHARE * n)
    vocab = {t: k for k, t in enumerate(sorted(t for t, c in df.items() if 1 < c <= cap))}
    rows, cols, vals = [], [], []
    for i, it in enumerate(items):
        weights = [(vocab[t], math.log(1 + n / df[t])) for t in it.terms if t in vocab]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        for k, w in weights:
            rows.append(i), cols.append(k), vals.append(w / norm)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)))


def _average_link(items: Sequence[Item], copies: set[tuple[int, int]]) -> tuple[list[list[int]], object]:
    """Average-link clusters of one candidate group (indices into ``items``), cut at STORY_COSINE of the
    group's tf-idf; ``copies`` (pairs of indices) share a story. Returns the clusters and the vectors.

    Average link, not single link: one article mentioning two stories would chain them (measured on
    giveme5w1h: single link at the same cut merged 12 events into 11 stories, ARI 0.32)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    x = term_vectors(items)
    n = len(items)
    if n * x.shape[1] <= DENSE_CELLS:  # most groups are a handful of articles: numpy beats scipy's overhead
        x = x.toarray()
    product = x @ x.T
    dist = np.clip(1.0 - (product.toarray() if hasattr(product, "toarray") else product), 0.0, 1.0)
    days = _ordinals(items)
    dist[np.abs(days[:, None] - days[None, :]) > STORY_DAYS] = 1.0  # NaN (undated) compares False
    for i, j in copies:
        dist[i, j] = dist[j, i] = 0.0  # copies: one story
    np.fill_diagonal(dist, 0.0)
    labels = fcluster(linkage(dist[np.triu_indices(n, 1)], "average"), 1.0 - STORY_COSINE, "distance")
    by_label: dict[int, list[int]] = defaultdict(list)
    for g, label in enumerate(labels.tolist()):
        by_label[label].append(g)
    return list(by_label.values()), x


def cluster(items: Sequence[Item], hot: set[str] | None = None) -> Clustering:
    """Near-duplicate groups and stories of a set of articles. A near-duplicate group lies in one story;
    an article with nothing to compare is a story of one. A story's id is its earliest member's id.

    ``hot``: the database's hot key terms (``hot_keys``), by default those of ``items``. Clustering a set
    gives, for every candidate component, what clustering that component alone (with the same ``hot``)
    gives."""
    items = sorted(items, key=lambda it: it.article_id)  # input order must not matter
    out = Clustering()
    dup_pairs = near_duplicate_pairs(items)
    dups = _UnionFind(len(items))
    for i, j, _ in dup_pairs:
        dups.union(i, j)
    for group in dups.groups().values():
        if len(group) < 2:
            continue
        root = min(group, key=lambda g: order_key(items[g]))
        for g in sorted(group):
            if g != root:
                sim = float(np.count_nonzero(items[g].signature == items[root].signature)) / N_PERM
                out.near_duplicates.append((items[g].article_id, items[root].article_id, round(sim, 4)))
    pairs, sims = candidate_pairs(items, static_vectors(items), hot)
    forced = np.array([(i, j) for i, j, _ in dup_pairs], np.int64).reshape(-1, 2)
    copies_by_item: dict[int, list[int]] = defaultdict(list)
    for i, j, _ in dup_pairs:
        copies_by_item[i].append(j)
    for component in _components(np.concatenate([pairs, forced]), list(range(len(items)))):
        for g in component:  # items are sorted by id: the component's first is its least id
            out.components[items[g].article_id] = items[component[0]].article_id
    for group in candidate_groups(len(items), pairs, sims, forced):
        sub = [items[g] for g in group]
        if len(group) == 1:
            stories, x = [[0]], None
        elif len(group) > MAX_GROUP:
            stories, x = [list(range(len(group)))], term_vectors(sub)
        else:
            position = {g: k for k, g in enumerate(group)}
            copies = {(position[i], position[j]) for i in group for j in copies_by_item.get(i, ()) if j in position}
            stories, x = _average_link(sub, copies)
        for story in stories:
            story_id = sub[min(story, key=lambda k: order_key(sub[k]))].article_id
            if len(story) == 1:
                out.members[sub[story[0]].article_id] = (story_id, 1.0)
                continue
            # similarity: cosine of the member with the story's mean term vector (within its group)
            rows = x[story]
            centroid = np.asarray(rows.mean(axis=0)).ravel()
            norm = float(np.linalg.norm(centroid)) or 1.0
            for k, sim in zip(story, np.asarray(rows @ centroid).ravel().tolist()):
                out.members[sub[k].article_id] = (story_id, round(float(sim) / norm, 4))
    out.near_duplicates.sort()
    return out
