"""The stories stage as one pure step: stored features of every current article in, the rows of
``near_duplicates``, ``stories``, ``story_members`` and the ``story`` rows of ``date_evidence`` out, with
what changed since the previous build. The store reads and writes; this decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from dateline.stories.clusters import Articles, Clustering, Item, cluster, dates_of
from dateline.stories.evidence import MemberDates, story_evidence
from schemas import DateEvidence, NearDuplicate, Story, StoryMember
from schemas.ddl import arrow_schema


@dataclass(frozen=True)
class ArticleInfo:
    """What a story's row says of its members."""

    title: str | None
    publisher: str | None


@dataclass
class StoryTables:
    """The rows a build gives. ``near_duplicates``, ``members`` (a row per article) and ``stories`` as
    Arrow tables in their models' schema, built column by column: the first two's 200,000 pydantic rows
    and their dumps took ~2 s of a 100,000-article stage (stop 21), the stories' ~0.2 s (``_story_rows``)."""

    near_duplicates: pa.Table
    members: pa.Table
    stories: pa.Table
    evidence: list[DateEvidence] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build(articles: Articles | Sequence[Item], info: Mapping[str, ArticleInfo], previous: Mapping[str, int],
          previous_copies: set[str], run_id: str, hot: set[str] | None = None,
          member_dates: Callable[[list[str]], Mapping[str, MemberDates]] | None = None) -> StoryTables:
    """Cluster ``articles`` (every current article, or whole candidate components of them; ``Item``s in
    any order or ``Articles``) and give the tables' rows; ``hot`` is the database's hot key terms (held by
    more than ``clusters.KEY_DF_MAX``; default: of the articles).

    ``previous`` is each story's size before this build (story_id -> n_articles), ``previous_copies`` the
    articles ``near_duplicates`` held: ``counts`` says how many stories are new, how many grew, and how
    many near-duplicates are new and in all (of the articles). ``member_dates`` reads the dating facts of
    articles by id (``store.member_dates``) for the ``story`` evidence; it is called once, after the
    clustering, with the members of stories of more than one article (read during it, 100,000 articles'
    facts held ~67 MB through the clustering's peak). Without it there is no evidence.
    """
    articles = articles if isinstance(articles, Articles) else Articles.of(articles)
    return tables_of(cluster(articles, hot), articles, info, previous, previous_copies, run_id, member_dates)


def tables_of(result: Clustering, articles: Articles, info: Mapping[str, ArticleInfo], previous: Mapping[str, int],
              previous_copies: set[str], run_id: str,
              member_dates: Callable[[list[str]], Mapping[str, MemberDates]] | None = None) -> StoryTables:
    """``build``'s tables of a clustering of ``articles`` (whole stories; ``result.components`` covers
    them): what the stage makes of each batch of candidate groups (``spill.SpilledTables``)."""
    row = {a: k for k, a in enumerate(articles.ids)}
    groups: dict[str, list[int]] = defaultdict(list)  # story -> its members' rows
    for article_id, (story_id, _) in result.members.items():
        groups[story_id].append(row[article_id])
    copies, members, story_ids = result.near_duplicates, sorted(result.members.items()), sorted(groups)
    out = StoryTables(
        near_duplicates=pa.Table.from_pydict(
            {"article_id": [a for a, _, _ in copies], "duplicate_of": [d for _, d, _ in copies],
             "similarity": [s for _, _, s in copies], "method": ["minhash-lsh"] * len(copies),
             "run_id": [run_id] * len(copies)}, schema=arrow_schema(NearDuplicate)),
        members=pa.Table.from_pydict(
            {"article_id": [a for a, _ in members], "story_id": [s for _, (s, _) in members],
             "similarity": [sim for _, (_, sim) in members],
             "component_id": [result.components[a] for a, _ in members], "run_id": [run_id] * len(members)},
            schema=arrow_schema(StoryMember)),
        stories=_story_rows(articles, info, story_ids, [groups[s] for s in story_ids], run_id))
    ids, rank = articles.ids, articles.rank
    shared = sorted(ids[k] for rows in groups.values() if len(rows) > 1 for k in rows)
    member_dates = member_dates(shared) if member_dates and shared else {}
    for story_id in story_ids:
        rows = groups[story_id]
        if len(rows) > 1:
            rows.sort(key=rank.__getitem__)  # earliest first (``Articles.rank``)
            out.evidence += story_evidence([member_dates[ids[k]] for k in rows if ids[k] in member_dates], run_id)
    sizes = dict(zip(story_ids, (len(groups[s]) for s in story_ids)))
    out.counts = {
        "stories": len(sizes),
        "new_stories": sum(1 for s, n in sizes.items() if s not in previous and n > 1),
        "grown_stories": sum(1 for s, n in sizes.items() if s in previous and n > previous[s]),
        "multi_article_stories": sum(1 for n in sizes.values() if n > 1),
        "near_duplicates": len(copies),
        "new_near_duplicates": sum(1 for a, _, _ in copies if a not in previous_copies),
        "story_evidence": len(out.evidence),
    }
    return out


def _story_rows(articles: Articles, info: Mapping[str, ArticleInfo], story_ids: list[str],
                members: list[list[int]], run_id: str) -> pa.Table:
    """The ``stories`` rows of ``story_ids`` (``members``: each one's rows of ``articles``), column by
    column: a story's title is its earliest titled member's (``Articles.rank``), its dates the least and
    greatest claimed, its publishers the distinct named ones. A ``Story`` model a story and a loop over
    its members made the build 0.64-0.69 s instead of 0.44-0.45 at 100,000 articles (61,000 stories) under
    the run's collector settings, 0.85-0.91 under CPython's defaults."""
    ids = articles.ids
    sizes = np.fromiter((len(m) for m in members), np.int64, len(members))
    rows = np.fromiter((k for m in members for k in m), np.int64, int(sizes.sum()))
    story = np.repeat(np.arange(len(members)), sizes)
    order = np.lexsort((articles.rank[rows], story))  # by story, earliest member first
    rows, story, starts = rows[order], story[order], np.cumsum(sizes) - sizes
    # claimed dates as days: a story's least and greatest, NaN (undated) left out; all undated stays NaN
    days = articles.ordinals[rows]
    first, last = (np.fmin.reduceat(days, starts), np.fmax.reduceat(days, starts)) if len(rows) else (days, days)
    titles = [info[ids[k]].title or None for k in rows.tolist()]  # "" names nothing, as None
    titled = np.flatnonzero(np.fromiter((t is not None for t in titles), bool, len(titles)))
    at = np.searchsorted(titled, starts)  # each story's first titled member, if it is the story's own
    own = at < len(titled)
    own[own] = titled[at[own]] < (starts + sizes)[own]
    # distinct (story, publisher) numbers, counted by story; "" and None name no publisher
    numbered: dict[str, int] = {}
    codes = np.fromiter((numbered.setdefault(p, len(numbered)) if (p := info[ids[k]].publisher) else -1
                         for k in rows.tolist()), np.int64, len(rows))
    width = max(1, int(codes.max()) + 1 if len(codes) else 1)
    pairs = np.unique(story[codes >= 0] * width + codes[codes >= 0])
    n_publishers = np.bincount(pairs // width, minlength=len(members))
    return pa.Table.from_pydict(
        {"story_id": story_ids, "title": [titles[titled[a]] if o else None for a, o in zip(at.tolist(), own.tolist())],
         "first_published": dates_of(first), "last_published": dates_of(last), "n_articles": sizes,
         "n_publishers": n_publishers, "run_id": [run_id] * len(story_ids)}, schema=arrow_schema(Story))
