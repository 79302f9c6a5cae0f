"""The stories stage as one pure step: stored features of every current article in, the rows of
``near_duplicates``, ``stories``, ``story_members`` and the ``story`` rows of ``date_evidence`` out, with
what changed since the previous build. The store reads and writes; this decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dateline.stories.clusters import Item, Terms, cluster, order_key
from dateline.stories.evidence import MemberDates, story_evidence
from schemas import DateEvidence, NearDuplicate, Story, StoryMember


@dataclass(frozen=True)
class ArticleInfo:
    """What a story's row says of its members."""

    title: str | None
    publisher: str | None


@dataclass
class StoryTables:
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    stories: list[Story] = field(default_factory=list)
    members: list[StoryMember] = field(default_factory=list)
    evidence: list[DateEvidence] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def build(items: Sequence[Item], info: Mapping[str, ArticleInfo], previous: Mapping[str, int],
          previous_copies: set[str], run_id: str, hot: set[str] | None = None,
          member_dates: Mapping[str, MemberDates] | None = None, terms: Terms | None = None) -> StoryTables:
    """Cluster ``items`` (every current article, or whole candidate components of them) and give the
    tables' rows; ``hot`` is the database's hot key terms (held by more than ``clusters.KEY_DF_MAX``; default: of ``items``).

    ``previous`` is each story's size before this build (story_id -> n_articles), ``previous_copies`` the
    articles ``near_duplicates`` held: ``counts`` says how many stories are new, how many grew, and how
    many near-duplicates are new and in all (of ``items``). ``member_dates`` holds the dating facts of the
    affected articles, by id (for the ``story`` evidence of stories with more than one article); without
    it there is none. ``terms``: the items' terms numbered already (see ``cluster``).
    """
    result = cluster(items, hot, terms)
    by_id = {it.article_id: it for it in items}
    groups: dict[str, list[Item]] = defaultdict(list)
    for article_id, (story_id, _) in result.members.items():
        groups[story_id].append(by_id[article_id])
    out = StoryTables()
    out.near_duplicates = [NearDuplicate(article_id=a, duplicate_of=d, similarity=s, method="minhash-lsh",
                                         run_id=run_id) for a, d, s in result.near_duplicates]
    out.members = [StoryMember(article_id=a, story_id=s, similarity=sim, component_id=result.components[a],
                               run_id=run_id)
                   for a, (s, sim) in sorted(result.members.items())]
    member_dates = member_dates or {}
    for story_id, members in sorted(groups.items()):
        members.sort(key=order_key)
        dates = [m.claimed for m in members if m.claimed]
        titled = [info[m.article_id].title for m in members if info[m.article_id].title]
        out.stories.append(Story(
            story_id=story_id, title=titled[0] if titled else None,
            first_published=min(dates) if dates else None, last_published=max(dates) if dates else None,
            n_articles=len(members), n_publishers=len({p for m in members if (p := info[m.article_id].publisher)}),
            run_id=run_id))
        if len(members) > 1:
            out.evidence += story_evidence([member_dates[m.article_id] for m in members if m.article_id in member_dates],
                                           run_id)
    out.counts = {
        "stories": len(out.stories),
        "new_stories": sum(1 for s in out.stories if s.story_id not in previous and s.n_articles > 1),
        "grown_stories": sum(1 for s in out.stories if s.story_id in previous and s.n_articles > previous[s.story_id]),
        "multi_article_stories": sum(1 for s in out.stories if s.n_articles > 1),
        "near_duplicates": len(out.near_duplicates),
        "new_near_duplicates": sum(1 for d in out.near_duplicates if d.article_id not in previous_copies),
        "story_evidence": len(out.evidence),
    }
    return out
