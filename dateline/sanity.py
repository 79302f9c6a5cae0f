"""Does the claimed publication date agree with the dates the story itself mentions?

Pure functions, no Prefect. The input is the date mentions of each article (``timex.Mention``) and
its claimed date; the output is an inferred publication window ``[min, max]``, the evidence that
bounds it, and a verdict: ``consistent``, ``inconsistent``, ``no_evidence`` or ``missing``.

How the window is built, strongest evidence first:

1. *Hard* evidence does not depend on the claimed date: a mention that carries its own year and is
   told in the past (``met in July 2018``) puts the publication after its first day; one told as
   upcoming (``will meet on June 16, 2021``) puts it before its first day (tight) and at the latest
   on its last day (loose). Not hard evidence: deadlines, maturities and period boundaries (``by
   1992``, ``due 2000``, ``matures on November 15, 2004``, ``the 8-1/2 pct of 2011``, ``runs from
   1990``), decades and centuries (too coarse), a value the story tells both as past and as upcoming
   (a tense was misread), and noun modifiers after a determiner (``the 2020 election``). A fiscal
   year (``fiscal 1988``) counts as April of the year before to March of the year after.
2. *Borrowed years*: a year-less mention (``on June 16``, ``mid-June``) takes the year that a related
   article in the same batch gives the same day or month explicitly. Syndicated rewrites routinely
   drop the year their source printed; the story they share still pins it. Related = sharing enough
   distinctive proper nouns (names most of the batch uses are left out).
3. *Anchored* year-less mentions are resolved around the best anchor we have (the claimed date when
   the hard and borrowed evidence allow it, else their window) in the direction their tense says.
4. *Ties*: ``next month`` names the month of the nearest upcoming event the story mentions, so the
   article was written the month before; ``earlier this month`` names the month of the latest past
   day-dated event.

Hard and borrowed evidence can confirm a claimed date (``consistent``); only hard evidence can make
it ``inconsistent``, and only with the loose bounds plus one day of tolerance (time zones), after the
heaviest mutually consistent set of bounds has outvoted lone misread tenses. Borrowed years rest on
a guess that two articles tell one story, anchored evidence and ties agree with the claimed date by
construction: they narrow the window but never accuse.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateline.timex import Mention

TOLERANCE = timedelta(days=1)  # a date a day off across time zones is still the same day somewhere

_YEARLESS_VALUE = re.compile(r"^(?:\d{4}|XXXX)-(\d{2})(?:-(\d{2}))?$")
_MONTH_NAME = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?)\b",
    re.IGNORECASE,
)
_PART_OF_MONTH = re.compile(r"\b(early|beginning of|mid|middle of|late|end of)\b", re.IGNORECASE)
_PROPER_NOUN = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")
# A dated noun modifier ("the 2020 election", "that July 2018 summit") names a known event: the
# clause's tense says nothing about when it happened relative to the article.
_DETERMINERS = {"the", "that", "this", "those", "these", "its", "his", "her", "their", "our", "a", "an"}
_SENTENCE_WORDS = {"The", "This", "That", "And", "But", "For", "With", "From", "They", "There", "When"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One bound on the publication date and the mention that gives it."""

    bound: str  # "min" or "max"
    day: date  # the tight bound
    loose_day: date  # the bound the verdict uses (never tighter than `day`)
    strength: str  # "hard" | "borrowed" | "anchored" | "tie"
    mention: str
    reason: str

    def describe(self) -> str:
        op = ">=" if self.bound == "min" else "<="
        return f"{op} {self.day.isoformat()}: '{self.mention}' ({self.reason})"


@dataclass(frozen=True, slots=True)
class DateVerdict:
    status: str
    score: float | None
    inferred_min: date | None
    inferred_max: date | None
    evidence: tuple[Evidence, ...] = field(default=())

    def evidence_text(self) -> str | None:
        return "; ".join(e.describe() for e in self.evidence) or None


@dataclass(frozen=True, slots=True)
class ArticleDates:
    """What the sanity check needs of one article."""

    article_id: str
    claimed: date | None
    mentions: Sequence[Mention]
    text: str = ""  # the text the mentions' offsets point into (title and body): for context and relatedness


# --- year-less mentions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Yearless:
    mention: Mention
    month: int
    first_day: int  # day range inside the month the mention covers
    last_day: int | None  # None = to the end of the month

    def span(self, year: int) -> tuple[date, date]:
        last = calendar.monthrange(year, self.month)[1]
        first = min(self.first_day, last)
        return date(year, self.month, first), date(year, self.month, min(self.last_day or last, last))


def _yearless(m: Mention) -> _Yearless | None:
    """The month (and days) of a DATE mention that does not carry its own year, if it names one."""
    if m.type != "DATE" or m.explicit_year or m.kind == "weekday":
        return None
    match = _YEARLESS_VALUE.match(m.value)
    if not match or not _MONTH_NAME.search(m.text):
        return None
    month = int(match.group(1))
    if match.group(2):
        first = int(match.group(2))
        last = m.latest.day if m.latest and m.earliest and m.latest.month == month else first
        return _Yearless(m, month, first, last)
    part = _PART_OF_MONTH.search(m.text)
    if part:
        word = part.group(1).lower()
        if word in ("early", "beginning of"):
            return _Yearless(m, month, 1, 10)
        if word in ("mid", "middle of"):
            return _Yearless(m, month, 11, 20)
        return _Yearless(m, month, 21, None)
    return _Yearless(m, month, 1, None)


def _attributive(text: str, m: Mention) -> bool:
    """Is the mention a modifier of a noun phrase, introduced by a determiner or a possessive?"""
    if not text:
        return False
    before = text[max(0, m.start - 24) : m.start].split()
    if not before:
        return False
    word = before[-1].lower()
    return word in _DETERMINERS or word.endswith(("'s", "’s"))


# A date a deadline, maturity, validity limit or period boundary is attached to ("by 1992", "due
# 2000", "matures on November 15, 2004", "the three years ending March 31, 1990", "runs from 1990
# to 1999", "record dates were May 13") is a term of an agreement, not an event the story tells:
# the clause's tense says nothing about which side of it the article was written.
_DEADLINE_BEFORE = re.compile(
    r"(?i:\b(?:by|due|until|till|through|thru|to|from|starting|beginning|beyond|before|after|ending|ends|"
    r"end|effective|payable|matur\w*|expir\w*|record\s+dates?(?:\s+(?:is|are|was|were|of|on))?|"
    r"(?:no|not)\s+later\s+than|pct(?:\s+of)?|\d/\d(?:\s+pct)?(?:\s+of)?|dates?(?:\s+(?:is|are|was|were|will\s+be))?|"
    r"shipments?|delivery|deliveries|[-–])"
    r"(?:\s+(?:on|in|at|of|around|about))?(?:\s+(?:the\s+)?(?:end|beginning|start|middle|close)\s+of)?"
    r"(?:\s+(?:the|fiscal|fiscal\s+year|calendar|calendar\s+year|year))?\s*)$"
)
_DEADLINE_AFTER = re.compile(r"(?i:^(?:/\d\d)?\s*(?:notes?|bonds?|debentures?|eurobonds?|issues?|maturit\w*|"
                             r"series|loans?|paper)\b)")


def _deadline(text: str, m: Mention) -> bool:
    """Is the mention a deadline or a bond's maturity rather than an event?"""
    if not text:
        return False
    return bool(_DEADLINE_BEFORE.search(text[max(0, m.start - 48) : m.start])
                or _DEADLINE_AFTER.match(text[m.end : m.end + 16]))


def _hard_span(text: str, m: Mention) -> tuple[date, date] | None:
    """The days an explicit-year DATE mention can denote, if it can bound the publication date."""
    if m.type != "DATE" or not m.explicit_year or not m.earliest or not m.latest:
        return None
    if m.granularity in ("decade", "century"):  # too coarse to judge a dateline by
        return None
    if _deadline(text, m):
        return None
    if m.kind == "fiscal":
        # fiscal 1988 runs anywhere from April 1987 (Japan's fiscal 1987 starts then) to March 1989
        y = m.earliest.year
        return date(y - 1, 4, 1), date(y + 1, 3, 31)
    return m.earliest, m.latest


def _bounds_from_span(first: date, last: date, tense: str) -> tuple[str, date, date] | None:
    """Map an event's span and the tense it is told in to (bound, tight day, loose day)."""
    if tense == "past":
        return "min", first, first
    if tense == "future":
        return "max", first - timedelta(days=1), last
    return None


# --- related articles ---------------------------------------------------------------------------


def _names(text: str) -> frozenset[str]:
    return frozenset(w for w in _PROPER_NOUN.findall(text) if w not in _SENTENCE_WORDS)


def story_clusters(articles: Sequence[ArticleDates], *, min_jaccard: float = 0.2, min_shared: int = 4,
                   max_df: float = 0.05) -> list[int]:
    """A story-cluster label per article: articles linked, directly or through others, by shared names.

    Two articles are linked when the distinctive proper nouns they use overlap strongly (Jaccard over
    the sets); clusters are the connected components. A name that more than ``max_df`` of the batch
    uses (at least five articles: ``Reuters``, ``U.S.``, ``Treasury`` on wire copy) tells no story
    apart, so it is left out of the sets. This is deliberately cheap (pairs are counted through an
    index of the names, never all against all): it only decides where a year may be borrowed from,
    and a year is borrowed only when the whole cluster agrees on it.
    """
    names = [_names(a.text) for a in articles]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, ns in enumerate(names):
        for w in ns:
            postings[w].append(i)
    limit = max(5, int(max_df * len(articles)))
    common = {w for w, ids in postings.items() if len(ids) > limit}
    names = [ns - common for ns in names]
    parent = list(range(len(articles)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, ns in enumerate(names):
        shared: dict[int, int] = defaultdict(int)
        for w in ns:
            for j in postings[w]:
                if j > i:
                    shared[j] += 1
        for j, k in shared.items():
            if k >= min_shared and k / (len(ns | names[j]) or 1) >= min_jaccard:
                parent[root(i)] = root(j)
    return [root(i) for i in range(len(articles))]


def _explicit_days(articles: Sequence[ArticleDates]) -> list[dict[tuple[int, int | None], set[int]]]:
    """Per article: (month, day) and (month, None) -> the years its explicit mentions give them."""
    out = []
    for a in articles:
        known: dict[tuple[int, int | None], set[int]] = defaultdict(set)
        for m in a.mentions:
            if m.type == "DATE" and m.explicit_year and m.earliest and m.latest and m.granularity in ("day", "month"):
                known[(m.earliest.month, None)].add(m.earliest.year)
                if m.granularity == "day":
                    known[(m.earliest.month, m.earliest.day)].add(m.earliest.year)
        out.append(known)
    return out


# --- the window ---------------------------------------------------------------------------------


def _window(evidence: Sequence[Evidence], *, loose: bool = False) -> tuple[date | None, date | None]:
    mins = [e.loose_day if loose else e.day for e in evidence if e.bound == "min"]
    maxs = [e.loose_day if loose else e.day for e in evidence if e.bound == "max"]
    return (max(mins) if mins else None), (min(maxs) if maxs else None)


def _nearest_year(span_of, anchor: date, tense: str, *, directional: bool) -> int:
    """The year that puts a year-less span nearest the anchor.

    When the anchor is the article's (trusted) date, the span must also lie on the side its tense
    says. When the anchor is only a bound of the window, the article may lie anywhere before or after
    it, so only nearness counts.
    """
    candidates = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        first, last = span_of(year)
        if directional and tense == "past" and first > anchor + TOLERANCE:
            continue
        if directional and tense == "future" and last < anchor - TOLERANCE:
            continue
        distance = 0 if first <= anchor <= last else min(abs((first - anchor).days), abs((last - anchor).days))
        candidates.append((distance, year))
    return min(candidates)[1] if candidates else anchor.year


def judge_article(
    article: ArticleDates, borrowed_years: dict[tuple[int, int | None], set[int]] | None = None
) -> DateVerdict:
    """Infer the publication window of one article and judge its claimed date against it."""
    evidence: list[Evidence] = []
    yearless: list[_Yearless] = []
    hard: list[tuple[Mention, date, date]] = []
    for m in article.mentions:
        if _attributive(article.text, m):
            continue
        if m.type == "DATE" and m.explicit_year:
            span = _hard_span(article.text, m)
            if span is not None and m.tense in ("past", "future"):
                hard.append((m, *span))
        elif (y := _yearless(m)) is not None and m.tense in ("past", "future"):
            yearless.append(y)
    # A value told both as past and as upcoming in one story ("down from 11.3 mln in 1986/87" next to
    # "the same rate as in 1986, according to a forecast") has a misread tense somewhere: drop it.
    tenses: dict[str, set[str]] = defaultdict(set)
    for m, _, _ in hard:
        tenses[m.value].add(m.tense)
    for m, first, last in hard:
        if len(tenses[m.value]) == 1:
            b = _bounds_from_span(first, last, m.tense)
            if b:
                evidence.append(Evidence(b[0], b[1], b[2], "hard", m.text, f"{m.value} told as {m.tense}"))

    # Borrow years for year-less mentions from related articles that print them.
    unresolved: list[_Yearless] = []
    for y in yearless:
        borrowed_years = borrowed_years or {}
        # The same day printed with its year elsewhere in the story, else the same month.
        years = borrowed_years.get((y.month, y.first_day), set()) if y.last_day == y.first_day else set()
        years = years or borrowed_years.get((y.month, None), set())
        if len(years) == 1:
            year = next(iter(years))
            first, last = y.span(year)
            b = _bounds_from_span(first, last, y.mention.tense)
            if b:
                evidence.append(
                    Evidence(b[0], b[1], b[2], "borrowed", y.mention.text,
                             f"{first.isoformat()[:7] if y.last_day != y.first_day else first.isoformat()} "
                             f"(year from a related article) told as {y.mention.tense}")
                )
                continue
        unresolved.append(y)

    # Hard and borrowed evidence place the window and can confirm a claimed date; only hard evidence
    # can accuse one (a borrowed year rests on a guess that two articles tell the same story).
    supporting = [e for e in evidence if e.strength in ("hard", "borrowed")]
    accusing = [e for e in supporting if e.strength == "hard"]
    claimed = article.claimed
    # The evidence a single publication day can satisfy best (loose bounds, one day of tolerance).
    # A mention whose tense was misread then stands alone and is outvoted.
    best_support, agreed = _consistent(supporting, loose=True, tol=TOLERANCE)
    claimed_fits = claimed is not None and _support(supporting, claimed, loose=True, tol=TOLERANCE) >= best_support
    best_hard, agreed_hard = _consistent(accusing, loose=True, tol=TOLERANCE)
    hard_fits = claimed is not None and _support(accusing, claimed, loose=True, tol=TOLERANCE) >= best_hard

    # Resolve the remaining year-less mentions around the best anchor available.
    tight_min, tight_max = _window(_consistent(agreed)[1])
    anchor = claimed if claimed_fits else (tight_max or tight_min)
    if anchor is not None:
        for y in unresolved:
            year = _nearest_year(y.span, anchor, y.mention.tense, directional=claimed_fits)
            first, last = y.span(year)
            b = _bounds_from_span(first, last, y.mention.tense)
            if b:
                evidence.append(Evidence(b[0], b[1], b[2], "anchored", y.mention.text,
                                         f"{y.mention.tense} {first.isoformat()[:7]}, year from the anchor"))

    evidence.extend(_ties(article.mentions, evidence))

    lo, hi = _window(_consistent(evidence)[1])
    used = tuple(e for e in evidence if (e.bound == "min" and e.day == lo) or (e.bound == "max" and e.day == hi))
    if claimed is None:
        return DateVerdict("missing", None, lo, hi, used)
    if not supporting:
        return DateVerdict("no_evidence", None, lo, hi, used)
    if claimed_fits:
        return DateVerdict("consistent", 0.0, lo, hi, used)
    if not accusing or hard_fits:
        return DateVerdict("no_evidence", None, lo, hi, used)
    blamed = tuple(e for e in agreed_hard if not _satisfies(e, claimed, loose=True, tol=TOLERANCE))
    gap_days = max(abs((claimed - e.loose_day).days) for e in blamed)
    score = round(1 - math.exp(-gap_days / 90), 3)  # ~0.3 a month off, ~0.98 a year off
    return DateVerdict("inconsistent", score, lo, hi, blamed + tuple(e for e in used if e not in blamed))


# How much each kind of evidence counts when evidence conflicts.
_WEIGHT = {"hard": 4, "borrowed": 3, "tie": 2, "anchored": 1}


def _satisfies(e: Evidence, day: date, *, loose: bool = False, tol: timedelta = timedelta(0)) -> bool:
    bound = e.loose_day if loose else e.day
    return day >= bound - tol if e.bound == "min" else day <= bound + tol


def _support(evidence: Sequence[Evidence], day: date, *, loose: bool = False, tol: timedelta = timedelta(0)) -> int:
    return sum(_WEIGHT[e.strength] for e in evidence if _satisfies(e, day, loose=loose, tol=tol))


def _consistent(
    evidence: Sequence[Evidence], *, loose: bool = False, tol: timedelta = timedelta(0)
) -> tuple[int, list[Evidence]]:
    """The heaviest set of bounds that one publication day satisfies, and its weight.

    Support is a step function of the day that only rises at a bound, so trying every bound's own
    day finds the maximum.
    """
    if not evidence:
        return 0, []
    days = sorted({e.loose_day if loose else e.day for e in evidence})
    best = max(days, key=lambda d: _support(evidence, d, loose=loose, tol=tol))
    kept = [e for e in evidence if _satisfies(e, best, loose=loose, tol=tol)]
    return _support(kept, best, loose=loose, tol=tol), kept


def _outside(day: date, lo: date | None, hi: date | None) -> bool:
    return (lo is not None and day < lo - TOLERANCE) or (hi is not None and day > hi + TOLERANCE)


def _ties(mentions: Sequence[Mention], evidence: Sequence[Evidence]) -> list[Evidence]:
    """``next month`` / ``earlier this month`` tie the publication month to a dated event."""
    upcoming = sorted((e for e in evidence if e.bound == "max" and e.strength != "tie"), key=lambda e: e.loose_day)
    past_days = sorted(
        (e for e in evidence if e.bound == "min" and e.strength != "tie" and e.day == e.loose_day
         and re.search(r"\d", e.mention)),
        key=lambda e: e.day,
    )
    ties = []
    for m in mentions:
        if _MONTH_NAME.search(m.text):  # "in March" is not "this month", whatever the tagger's anchor says
            continue
        if m.anchor == "+1M" and upcoming:
            event = upcoming[0].loose_day  # the last day of the nearest upcoming event's span
            month_start = (event.replace(day=1) - timedelta(days=1)).replace(day=1)
            month_end = event.replace(day=1) - timedelta(days=1)
            ties += [
                Evidence("min", month_start, month_start, "tie", m.text, f"the month before {upcoming[0].mention!r}"),
                Evidence("max", month_end, month_end, "tie", m.text, f"the month before {upcoming[0].mention!r}"),
            ]
        elif m.anchor == "0M" and m.tense == "past" and past_days:
            event = past_days[-1].day
            month_end = (event.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            ties.append(Evidence("max", month_end, month_end, "tie", m.text, f"the month of {past_days[-1].mention!r}"))
    return ties


def judge_batch(articles: Sequence[ArticleDates]) -> list[DateVerdict]:
    """Judge every article of a batch, letting articles of the same story lend each other years."""
    clusters = story_clusters(articles)
    explicit = _explicit_days(articles)
    by_cluster: dict[int, dict[tuple[int, int | None], set[int]]] = defaultdict(lambda: defaultdict(set))
    for cluster, known in zip(clusters, explicit, strict=True):
        for key, years in known.items():
            by_cluster[cluster][key] |= years
    return [judge_article(a, by_cluster[c]) for a, c in zip(articles, clusters, strict=True)]
