"""The stories stage as one pure step: stored features of every current article in, the rows of
``near_duplicates``, ``stories``, ``story_members`` and the ``story`` rows of ``date_evidence`` out, with
what changed since the previous build. The store reads and writes; this decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from dateline.stories.clusters import Articles, Item, cluster
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
    """The rows a build gives. ``near_duplicates`` and ``members`` (a row per article) as Arrow tables in
    their models' schema, built column by column: 200,000 pydantic rows and their dumps took ~2 s of a
    100,000-article stage."""

    near_duplicates: pa.Table
    members: pa.Table
    stories: list[Story] = field(default_factory=list)
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
    result = cluster(articles, hot)
    row = {a: k for k, a in enumerate(articles.ids)}
    groups: dict[str, list[int]] = defaultdict(list)  # story -> its members' rows
    for article_id, (story_id, _) in result.members.items():
        groups[story_id].append(row[article_id])
    copies, members = result.near_duplicates, sorted(result.members.items())
    out = StoryTables(
        near_duplicates=pa.Table.from_pydict(
            {"article_id": [a for a, _, _ in copies], "duplicate_of": [d for _, d, _ in copies],
             "similarity": [s for _, _, s in copies], "method": ["minhash-lsh"] * len(copies),
             "run_id": [run_id] * len(copies)}, schema=arrow_schema(NearDuplicate)),
        members=pa.Table.from_pydict(
            {"article_id": [a for a, _ in members], "story_id": [s for _, (s, _) in members],
             "similarity": [sim for _, (_, sim) in members],
             "component_id": [result.components[a] for a, _ in members], "run_id": [run_id] * len(members)},
            schema=arrow_schema(StoryMember)))
    ids, claimed, rank = articles.ids, articles.claimed, articles.rank
    shared = sorted(ids[k] for rows in groups.values() if len(rows) > 1 for k in rows)
    member_dates = member_dates(shared) if member_dates and shared else {}
    for story_id, rows in sorted(groups.items()):
        rows.sort(key=rank.__getitem__)  # earliest first (``Articles.rank``)
        dates = [claimed[k] for k in rows if claimed[k]]
        titled = [t for k in rows if (t := info[ids[k]].title)]
        out.stories.append(Story(
            story_id=story_id, title=titled[0] if titled else None,
            first_published=min(dates) if dates else None, last_published=max(dates) if dates else None,
            n_articles=len(rows), n_publishers=len({p for k in rows if (p := info[ids[k]].publisher)}),
            run_id=run_id))
        if len(rows) > 1:
            out.evidence += story_evidence([member_dates[ids[k]] for k in rows if ids[k] in member_dates], run_id)
    out.counts = {
        "stories": len(out.stories),
        "new_stories": sum(1 for s in out.stories if s.story_id not in previous and s.n_articles > 1),
        "grown_stories": sum(1 for s in out.stories if s.story_id in previous and s.n_articles > previous[s.story_id]),
        "multi_article_stories": sum(1 for s in out.stories if s.n_articles > 1),
        "near_duplicates": len(copies),
        "new_near_duplicates": sum(1 for a, _, _ in copies if a not in previous_copies),
        "story_evidence": len(out.evidence),
    }
    return out
