"""Story evidence for dating: what a story's other members say about when one of them was written.

Two kinds of ``story`` rows in ``date_evidence``, both computed from the members of one story only, so
they do not depend on batches or load order (stories are a function of the set of articles):

* **siblings' dates**: a member whose claimed date lies outside the window the agreeing claimed dates of
  its *other* members allow. Siblings the dating stage already found ``inconsistent`` do not vote: one
  lying date line must not accuse the articles that tell the truth.
* **a year the siblings print**: syndicated rewrites drop the year their source printed ("on June 16"
  where the wire copy had "June 16, 2021"). A year-less mention told as past or upcoming takes the year
  the other members give that day (or month) explicitly, when they all give the same one, and bounds
  the publication date as the dating stage's own explicit dates do.

The dating stage (``dateline/dating``) judges each article on its own text; these rows are the story's
labelled evidence beside it. This module only says which rows a story gives.
"""

from __future__ import annotations

import bisect
import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from schemas import DateEvidence

#: Siblings' claimed dates agree when they lie within this many days of their median...
AGREE_DAYS = 14
#: ... and the story allows its members this much before the first and after the last agreeing date.
SLACK_DAYS = 14
#: Agreement needs at least this many siblings.
MIN_AGREEING = 1
#: Weight per agreeing sibling, up to MAX_WEIGHT: other publishers' datelines are evidence, not proof
#: (one sibling against one article cannot say which of the two is wrong; the dating stage weighs it).
WEIGHT_PER_SIBLING, MAX_WEIGHT = 0.3, 0.9
#: A year taken from the siblings' text is as good as the guess that they tell the same story.
BORROWED_WEIGHT = 0.75


@dataclass(frozen=True, slots=True)
class YearlessMention:
    """A member's date mention without a year, told as past or upcoming (from ``date_mentions``)."""

    index: int
    start: int
    end: int
    text: str
    month: int
    day: int | None  # None: the whole month
    tense: str  # "past" | "future"


@dataclass(frozen=True, slots=True)
class MemberDates:
    """What the story evidence needs of one member."""

    article_id: str
    claimed: date | None
    status: str  # the dating stage's verdict
    yearless: Sequence[YearlessMention] = ()
    #: (month, day) and (month, None) -> the years the member's explicit dates give them
    printed: dict[tuple[int, int | None], set[int]] = field(default_factory=dict)


def story_evidence(members: Sequence[MemberDates], run_id: str) -> list[DateEvidence]:
    """The ``story`` evidence rows of one story (see the module docstring), sorted by article."""
    rows: list[DateEvidence] = []
    # Every member's siblings are the story less itself: the story's dates sorted and its printed years
    # gathered once, each member then left out by index (a story of 50 copies made 5 million comparisons
    # per 100,000 articles when each member's siblings were listed apart).
    dated = sorted((o.claimed, o.article_id) for o in members if o.claimed is not None and o.status != "inconsistent")
    printed = _printed_years(members) if any(m.yearless for m in members) else {}
    # Trusted dates all within min(AGREE_DAYS, SLACK_DAYS) of each other: every sibling agrees and the
    # window reaches past them, so no member dated inside their span is accused; only one dated outside it
    # (one the dating stage found inconsistent) is looked at. Most stories are such (0.76 s of 100,000
    # members' look-ups at 100k).
    tight = bool(dated) and (dated[-1][0] - dated[0][0]).days <= min(AGREE_DAYS, SLACK_DAYS)
    for m in sorted(members, key=lambda m: m.article_id):
        inside = tight and m.claimed is not None and dated[0][0] <= m.claimed <= dated[-1][0]
        row = None if inside else _siblings_dates(m, dated, run_id)
        own = [row] if row else []
        rows += own + _borrowed_years(m, printed, run_id, start_index=len(own))
    return rows


def _siblings_dates(m: MemberDates, dated: Sequence[tuple[date, str]], run_id: str) -> DateEvidence | None:
    """A row when ``m``'s claimed date lies outside the window its agreeing siblings allow; ``dated`` is
    the story's (claimed date, article id), sorted, less the undated and those the dating stage found
    inconsistent (``m`` among them or not: it is left out here)."""
    if m.claimed is None:
        return None
    k = bisect.bisect_left(dated, (m.claimed, m.article_id))
    skip = k if k < len(dated) and dated[k] == (m.claimed, m.article_id) else len(dated)  # m's index, if there
    n = len(dated) - (skip < len(dated))
    if n < MIN_AGREEING:
        return None

    def sibling(j: int) -> tuple[date, str]:  # the j-th of the siblings: the sorted list less m
        return dated[j + (j >= skip)]

    median = sibling(n // 2)[0]
    # the siblings within AGREE_DAYS of the median are one run of the sorted list
    lo = bisect.bisect_left(dated, median - timedelta(days=AGREE_DAYS), key=lambda e: e[0])
    hi = bisect.bisect_right(dated, median + timedelta(days=AGREE_DAYS), key=lambda e: e[0])
    agreeing = range(lo - (lo > skip), hi - (hi > skip))  # as indices of the siblings
    if len(agreeing) < MIN_AGREEING:
        return None
    earliest = sibling(agreeing[0])[0] - timedelta(days=SLACK_DAYS)
    latest = sibling(agreeing[-1])[0] + timedelta(days=SLACK_DAYS)
    if earliest <= m.claimed <= latest:
        return None
    return DateEvidence(
        article_id=m.article_id, kind="story", evidence_index=0, start_char=None, end_char=None, text=None,
        earliest=earliest, latest=latest, weight=min(MAX_WEIGHT, WEIGHT_PER_SIBLING * len(agreeing)),
        detail=",".join(sorted(sibling(j)[1] for j in agreeing)), run_id=run_id)


def _printed_years(members: Sequence[MemberDates]) -> dict[tuple[int, int | None], dict[int, set[str]]]:
    """(month, day) and (month, None) -> year -> the members whose explicit dates print it so."""
    printed: dict[tuple[int, int | None], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for o in members:
        for key, years in o.printed.items():
            for y in years:
                printed[key][y].add(o.article_id)
    return printed


def _borrowed_years(m: MemberDates, printed: dict[tuple[int, int | None], dict[int, set[str]]], run_id: str,
                    start_index: int) -> list[DateEvidence]:
    """Bounds from ``m``'s year-less mentions whose year every sibling that prints the day agrees on;
    ``printed``: the story's ``_printed_years`` (``m``'s own are left out here)."""
    if not m.yearless:
        return []

    def siblings(key: tuple[int, int | None]) -> dict[int, set[str]]:
        return {y: rest for y, ids in printed.get(key, {}).items() if (rest := ids - {m.article_id})}

    # A value the article tells both as past and as upcoming has a misread tense somewhere ("should the
    # meeting go ahead in June" read as past beside "will travel in June"): it bounds nothing, as in the
    # dating stage.
    tenses: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    for y in m.yearless:
        tenses[(y.month, y.day)].add(y.tense)
    rows = []
    for y in m.yearless:
        if len(tenses[(y.month, y.day)]) > 1:
            continue
        years = siblings((y.month, y.day)) if y.day is not None else {}
        years = years or siblings((y.month, None))
        if len(years) != 1:
            continue  # nobody prints it, or the siblings disagree: no year to borrow
        (year, ids), = years.items()
        first, last = _span(year, y.month, y.day)
        earliest, latest = (first, None) if y.tense == "past" else (None, first - timedelta(days=1))
        rows.append(DateEvidence(
            article_id=m.article_id, kind="story", evidence_index=start_index + len(rows), start_char=y.start,
            end_char=y.end, text=y.text, earliest=earliest, latest=latest, weight=BORROWED_WEIGHT,
            detail=f"{y.tense}; year {year} as printed by " + ",".join(sorted(ids)), run_id=run_id))
    return rows


def _span(year: int, month: int, day: int | None) -> tuple[date, date]:
    last = calendar.monthrange(year, month)[1]
    return (date(year, month, min(day, last)), date(year, month, min(day, last))) if day is not None \
        else (date(year, month, 1), date(year, month, last))
