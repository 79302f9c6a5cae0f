"""Near-duplicates and story clusters over a whole corpus of article features.

Both are the connected components of a graph whose edges depend only on the two articles they join (and,
for stories, on the corpus's term frequencies): the result is the same whatever order or batches the
articles came in, which is what lets the stage recompute it from stored features after every run.
Pure functions; nothing here knows about DuckDB or Prefect.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from dateline.stories.features import MIN_SHINGLES, N_PERM

#: LSH bands x rows = N_PERM: a pair with Jaccard 0.3 meets in some band with probability ~0.23,
#: at 0.5 ~0.87; candidates are then checked on their estimated containment.
BANDS, ROWS = 32, 4
#: A copy: at least this share of the shorter text's shingles are in the longer one.
NEAR_DUP_CONTAINMENT = 0.5
#: Two articles tell the same story at this cosine of their tf-idf story terms...
STORY_COSINE = 0.12
#: ... and when both claim a date, at most this many days apart (a story spans days or weeks, not years).
STORY_DAYS = 30
#: Pairs below this cosine are never compared further (they bound the groups average link runs on).
CANDIDATE_COSINE = 0.10
#: Average link holds a group's distance matrix (MAX_GROUP^2 doubles: 18 MB at 1,500); larger candidate
#: components are split at a cosine GROUP_STEP higher until they fit.
MAX_GROUP, GROUP_STEP = 1500, 0.05
#: Rows of the similarity product computed at once (memory: BLOCK x the corpus's co-occurring articles).
BLOCK = 1000
#: Terms in more than this share of the corpus say nothing about which story (and would make the
#: similarity product quadratic); corpora smaller than MIN_DF_CAP keep all of them.
MAX_DF_SHARE, MIN_DF_CAP = 0.05, 20


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


def near_duplicate_pairs(items: Sequence[Item]) -> list[tuple[int, int, float]]:
    """(i, j, estimated Jaccard) for pairs whose shingle containment passes NEAR_DUP_CONTAINMENT."""
    comparable = [i for i, it in enumerate(items) if it.n_shingles >= MIN_SHINGLES]
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for i in comparable:
        sig = items[i].signature
        for b in range(BANDS):
            buckets[(b, sig[b * ROWS:(b + 1) * ROWS].tobytes())].append(i)
    candidates = {(a, b) for group in buckets.values() if len(group) > 1
                  for x, a in enumerate(group) for b in group[x + 1:]}
    pairs = []
    for i, j in sorted(candidates):
        jac = float(np.count_nonzero(items[i].signature == items[j].signature)) / N_PERM
        na, nb = items[i].n_shingles, items[j].n_shingles
        containment = jac * (na + nb) / (1 + jac) / min(na, nb)
        if containment >= NEAR_DUP_CONTAINMENT:
            pairs.append((i, j, round(jac, 4)))
    return pairs


def term_vectors(items: Sequence[Item]):
    """Rows of L2-normalised tf-idf weights of the story terms (binary tf, idf log(1 + N/df))."""
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


def _components(n: int, pairs: np.ndarray, members: list[int]) -> list[list[int]]:
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
    """Groups small enough for average link: components at CANDIDATE_COSINE; a component over MAX_GROUP
    is split again at a cosine GROUP_STEP higher, and one still too large at STORY_COSINE + 0.3 (copies and
    their close rewrites) is one story as it is. Near-duplicate pairs (``forced``) always stay together."""
    out, todo = [], [(list(range(n)), CANDIDATE_COSINE)]
    while todo:
        members, threshold = todo.pop()
        inside = np.zeros(n, bool)
        inside[members] = True
        keep = inside[pairs[:, 0]] & inside[pairs[:, 1]] & (sims >= threshold)
        edges = np.concatenate([pairs[keep], forced[inside[forced[:, 0]] & inside[forced[:, 1]]]])
        for group in _components(n, edges, members):
            if len(group) <= MAX_GROUP or threshold >= STORY_COSINE + 0.3:
                out.append(sorted(group))
            else:
                todo.append((group, threshold + GROUP_STEP))
    return sorted(out)


def candidate_pairs(x, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) rows with i < j, and their cosines, for pairs at CANDIDATE_COSINE whose dates allow a story.

    The product is taken BLOCK rows at a time and only candidates are kept: the whole x @ x.T of a corpus
    of wire copies held 3.5 GB at 20,000 articles."""
    rows, cols, vals = [], [], []
    for start in range(0, x.shape[0], BLOCK):
        block = (x[start:start + BLOCK] @ x.T).tocoo()
        i, j, v = block.row + start, block.col, block.data
        keep = (j > i) & (v >= CANDIDATE_COSINE) & ~(np.abs(ordinals[i] - ordinals[j]) > STORY_DAYS)
        rows.append(i[keep]), cols.append(j[keep]), vals.append(v[keep])
    if not rows:
        return np.zeros((0, 2), np.int64), np.zeros(0)
    return np.stack([np.concatenate(rows), np.concatenate(cols)], axis=1).astype(np.int64), np.concatenate(vals)


def story_groups(items: Sequence[Item], linked: Sequence[tuple[int, int, float]], x) -> list[list[int]]:
    """Stories: average-link clusters of the tf-idf cosine, cut at STORY_COSINE, within candidate groups
    (``candidate_groups``); ``x`` is ``term_vectors(items)``. Near-duplicates (``linked``) share a story.

    Average link, not single link: one article mentioning two stories would chain them (measured on
    giveme5w1h: single link at the same cut merged 12 events into 11 stories, ARI 0.32).
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    ordinals = np.array([it.claimed.toordinal() if it.claimed else np.nan for it in items] or [np.nan])
    pairs, pair_sims = candidate_pairs(x, ordinals)
    forced_pairs = np.array([(i, j) for i, j, _ in linked], np.int64).reshape(-1, 2)
    forced = {(i, j) for i, j, _ in linked}
    copies_of: dict[int, list[int]] = defaultdict(list)
    for i, j in forced:
        copies_of[i].append(j)
    out = []
    for group in candidate_groups(len(items), pairs, pair_sims, forced_pairs):
        if len(group) < 3 or len(group) > MAX_GROUP:
            pair = len(group) == 2 and (tuple(group) in forced or x[group[0]].dot(x[group[1]].T).sum() >= STORY_COSINE)
            out.extend([group] if len(group) != 2 or pair else [[g] for g in group])
            continue
        sub = x[group]
        dist = np.clip(1.0 - (sub @ sub.T).toarray(), 0.0, 1.0)
        days = ordinals[group]
        dist[np.abs(days[:, None] - days[None, :]) > STORY_DAYS] = 1.0  # NaN (undated) compares False
        position = {g: k for k, g in enumerate(group)}
        for i in group:
            for j in copies_of.get(i, ()):
                if j in position:
                    dist[position[i], position[j]] = dist[position[j], position[i]] = 0.0  # copies: one story
        np.fill_diagonal(dist, 0.0)
        labels = fcluster(linkage(dist[np.triu_indices(len(group), 1)], "average"), 1.0 - STORY_COSINE, "distance")
        by_label: dict[int, list[int]] = defaultdict(list)
        for g, label in zip(group, labels.tolist()):
            by_label[label].append(g)
        out.extend(by_label.values())
    return out


def cluster(items: Sequence[Item]) -> Clustering:
    """Near-duplicate groups and stories of a whole corpus. A near-duplicate group lies in one story;
    an article with nothing to compare is a story of one. A story's id is its earliest member's id."""
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
    x = term_vectors(items)
    for group in story_groups(items, dup_pairs, x):
        story_id = items[min(group, key=lambda g: order_key(items[g]))].article_id
        if len(group) == 1:
            out.members[story_id] = (story_id, 1.0)
            continue
        # similarity: cosine of the member with the story's mean term vector
        centroid = np.asarray(x[group].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid)) or 1.0
        for g in group:
            sim = float(x[g].dot(centroid)[0]) / norm
            out.members[items[g].article_id] = (story_id, round(sim, 4))
    out.near_duplicates.sort()
    return out
