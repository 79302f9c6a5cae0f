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
2. *Anchored* year-less mentions are resolved around the best anchor we have (the claimed date when
   the hard evidence allows it, else its window) in the direction their tense says.
3. *Ties*: ``next month`` names the month of the nearest upcoming event the story mentions, so the
   article was written the month before; ``earlier this month`` names the month of the latest past
   day-dated event.

4. *News recency* (a second opinion, not a bound): a story's explicit dates cluster just before the
   day it was written. A table fitted on the development split gives, per kind of mention, how likely
   each gap between mention and publication is; a claimed date that the story's dates (two or more)
   find e^6 times less likely than some month within six years is ``inconsistent``, unless the story
   names a date within a year of the claim. The same table vetoes a hard accusation resting on one
   misprinted or misread date that the rest of the story contradicts.

Before any explicit date bounds the window, its tense must be its own: not a noun modifier without a
determiner (``1986 net profit``, ``1988 feedgrains crops``), not a past read off a modal or a plan in
its clause (``in 1988 was not unlikely``, ``agreed to cut ... in fiscal 1989``), not an upcoming year that
is the baseline of a later one in its sentence, not a future read off ``due to`` (because of); a date
coordinated with a deadline, or offered ``whichever comes first``, is a deadline; a month, quarter or
year told as upcoming stays news for a month after it closed.

Hard evidence can confirm a claimed date (``consistent``) or make it ``inconsistent``, the latter only
with the loose bounds plus one day of tolerance (time zones), after the heaviest mutually consistent set
of bounds has outvoted lone misread tenses. Anchored evidence and ties agree with the claimed date by
construction: they narrow the window but never accuse.

Each article is judged on its own text, so a verdict does not depend on the batch it came in. What
the story's other articles say (a year a syndicated rewrite dropped, siblings that agree on a date) is
the stories stage's ``story`` evidence, added after loading.
"""

from __future__ import annotations

import bisect
import dataclasses
import calendar
import functools
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

from dateline.parse.text import DatelineDay
from dateline.parse.timex import Mention
from dateline.vocabulary import MONTH_ABBREVIATIONS, MONTH_NAMES, MONTH_NUMBER, WEEKDAY_NAMES

YEAR_RANGE = (1800, 2200)  # elapsed-time arithmetic outside this is a misread number
TOLERANCE = timedelta(days=1)  # a date a day off across time zones is still the same day somewhere
COARSE_SLACK = timedelta(days=31)  # how long after a month, quarter or year closes it is still "upcoming" news

_YEARLESS_VALUE = re.compile(r"^(?:\d{4}|XXXX)-(\d{2})(?:-(\d{2}))?$")
# The month words the tagger reads (timex.MONTH, in any case): a full name, or an abbreviation with or
# without its dot.
_MONTH_NAME = re.compile(rf"\b(?:(?:{'|'.join(sorted(MONTH_NAMES, key=len, reverse=True))})\b"
                         rf"|(?:{'|'.join(sorted(MONTH_ABBREVIATIONS, key=len, reverse=True))})(?:\.|\b))",
                         re.IGNORECASE)
_PART_OF_MONTH = re.compile(r"\b(early|beginning of|mid|middle of|late|end of)\b", re.IGNORECASE)
# A dated noun modifier ("the 2020 election", "that July 2018 summit") names a known event: the
# clause's tense says nothing about when it happened relative to the article.
_DETERMINERS = {"the", "that", "this", "those", "these", "its", "his", "her", "their", "our", "a", "an"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One bound on the publication date and the mention that gives it."""

    bound: str  # "min" or "max"
    day: date  # the tight bound
    loose_day: date  # the bound the verdict uses (never tighter than `day`)
    strength: str  # "hard" | "elapsed" | "dateline" | "weekday" | "anchored" | "tie" | "recency"
    mention: str
    reason: str
    start: int | None = None  # the mention's offsets in ArticleDates.text (None: no single mention)
    end: int | None = None

    @property
    def kind(self) -> str:
        """The ``date_evidence.kind`` this evidence is recorded under."""
        return EVIDENCE_KINDS[self.strength]

    def describe(self) -> str:
        op = ">=" if self.bound == "min" else "<="
        return f"{op} {self.day.isoformat()}: '{self.mention}' ({self.reason})"


#: How each strength of evidence is recorded in ``date_evidence``, and how much the verdict trusts it.
EVIDENCE_KINDS = {"hard": "explicit_date", "anchored": "yearless_date", "tie": "relative_month",
                  "recency": "news_recency", "dateline": "dateline", "weekday": "weekday_date",
                  "elapsed": "elapsed_time"}


def evidence_weight(e: Evidence, verdict: DateVerdict) -> float:
    """How much the verdict trusts a piece of evidence, 0..1: its strength's share of the heaviest (news
    recency: the verdict's score when it accused, else nothing bound by it)."""
    if e.strength == "recency":
        return verdict.score or 0.0 if e in verdict.evidence else 0.0
    return _WEIGHT[e.strength] / max(_WEIGHT.values())


@dataclass(frozen=True, slots=True)
class DateVerdict:
    status: str
    score: float | None
    inferred_min: date | None
    inferred_max: date | None
    evidence: tuple[Evidence, ...] = field(default=())  # what decided: the bounds of the window, what accused
    considered: tuple[Evidence, ...] = field(default=())  # every piece of evidence read, in text order
    basis: str = ""  # what kind of evidence decided, e.g. "inconsistent:dateline" (see calibrated)

    def evidence_text(self) -> str | None:
        return "; ".join(e.describe() for e in self.evidence) or None


@dataclass(frozen=True, slots=True)
class ArticleDates:
    """What the sanity check needs of one article."""

    article_id: str
    claimed: date | None
    mentions: Sequence[Mention]
    text: str = ""  # the text the mentions' offsets point into (title and body): for context and relatedness
    #: datelines in the title or opening the body that did not give the claimed date (offsets into ``text``)
    datelines: Sequence[tuple[str, DatelineDay]] = ()  # ("title" | "body", the dateline)


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
                             r"series|loans?|paper)\b|^,?\s*whichever\b)")
# "record and distribution dates were May 13, 1987, and June 29, 1987": a date coordinated with a
# deadline is a deadline too.
_COORDINATED = re.compile(r"^,?\s*(?:and|or|to|through|-)\s*$")


def _asked_twice(test: Callable[[str, Mention], bool]) -> Callable[[str, Mention], bool]:
    """Remember a pure ``test(text, m)`` for the mentions of the text it was last asked about.

    The verdict (judge_article) and the recency test (recency_feature) ask the deadline and tense tests
    of the same explicit dates, one article at a time, and the deadline test is costly (a 30-word
    alternation tried at each of 48 positions). An answer is reused only for the very same text and
    mention objects (both held with it, so their ids stay theirs), and only the last text's answers are
    kept, so at most one article is held past its verdict. The state is swapped in one assignment, so
    threads that judge different texts at once only miss, never mix answers."""
    state: tuple[str | None, dict[int, tuple[Mention, bool]]] = (None, {})

    @functools.wraps(test)
    def asked(text: str, m: Mention) -> bool:
        nonlocal state
        last, answers = state
        if last is not text:
            answers = {}
            state = (text, answers)
        hit = answers.get(id(m))
        if hit is not None and hit[0] is m:
            return hit[1]
        answer = test(text, m)
        answers[id(m)] = (m, answer)
        return answer

    return asked


@_asked_twice
def _deadline(text: str, m: Mention) -> bool:
    """Is the mention a deadline or a bond's maturity rather than an event?"""
    if not text:
        return False
    return bool(_DEADLINE_BEFORE.search(text[max(0, m.start - 48) : m.start])
                or _DEADLINE_AFTER.match(text[m.end : m.end + 16]))


_SENTENCE_END = re.compile(r"[.;?!][\'\"”’)]*\s|\n\s*\n")


def _sentence(text: str, m: Mention) -> tuple[int, int]:
    """The offsets of the sentence (at most 240 characters either side) holding the mention."""
    return _sentence_of(text, m.start, m.end)


def _sentence_of(text: str, first: int, last: int) -> tuple[int, int]:
    """The offsets of the sentence (at most 240 characters either side) holding ``text[first:last]``."""
    lo = max(0, first - 240)
    ends = list(_SENTENCE_END.finditer(text, lo, first))
    start = ends[-1].end() if ends else lo
    end = _SENTENCE_END.search(text, last, last + 240)
    return start, (end.start() if end else min(len(text), last + 240))


# A bare year used as a noun modifier ("1986 net profit", "1988 feedgrains crops", "with 1986 sales of")
# names a period, not an event: the clause's tense says nothing about which side of it the story is.
_BARE_YEAR = re.compile(r"^(?:fiscal\s+|fy\s+)?\d{4}(?:/\d{2,4})?$", re.IGNORECASE)
_NOT_A_NOUN = frozenset("""and or nor but to from in on at for of with by when after before while as was were is are
will would could should may might can than compared versus vs because due through until against over under into
since if that which who where whose the a an it he she they we you i its their his her our has have had be been being
do does did not also so such both either neither per pct percent only alone according amid despite following
including excluding ending ended year years period periods month months quarter levels level figure figures
and""".split())
_NOUN_AFTER = re.compile(r"[\s-]+([a-z]{3,})\b")


def _noun_modifier(text: str, m: Mention) -> bool:
    if not text or not _BARE_YEAR.match(m.text):
        return False
    nxt = _NOUN_AFTER.match(text, m.end, m.end + 24)
    if not nxt:
        return False
    w = nxt.group(1)
    return w not in _NOT_A_NOUN and not w.endswith(("ed", "ing", "ly"))


# A past tense does not survive a modal or a plan in the mention's own clause: "a sale in 1988 was not
# unlikely", "agreed to cut 1.6 billion from the farm budget in fiscal 1989 and 2.45 billion in 1990":
# the year belongs to the forecast or the plan, which may lie on either side of the article.
_MODAL = re.compile(
    r"\b(?:will|would|could|should|may|might|shall|likely|unlikely|possibly|probably|expects?|expected|"
    r"forecasts?|projects?|projected|plans?|planned|planning|intends?|intended|aims?|"
    r"proposed|proposes?|(?:agreed|decided|voted|promised|pledged|wants?|wanted|seeks?|sought|hopes?|hoped|"
    r"set|due)\s+to)\b"
)
_BASELINE = re.compile(r"\b(?:(?:from|against|versus|vs\.?|compared\s+(?:with|to))\s+[\d$][^,;]{0,40}|since\s+)$")
_CLAUSE_BREAK = re.compile(r"[,\"“”:;()]|--|\s-\s")
# "due to" and "owing to" mean "because of": not a deadline, whatever the tagger read into "due".
_BECAUSE = re.compile(r"(?i:\b(?:due|owing)\s+to\b)")


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


@_asked_twice
def _tense_holds(text: str, m: Mention) -> bool:
    """Can the tense the tagger gave an explicit date be trusted to place the article?"""
    if not text:
        return True
    start, end = _sentence(text, m)
    if m.tense == "past":
        # the mention's clause: back to a comma or a quote (at most 60 characters), on to the next one
        left = text[max(start, m.start - 100) : m.start]
        cuts = list(_CLAUSE_BREAK.finditer(left))
        left = left[cuts[-1].end() :] if cuts else left
        if _BASELINE.search(left):
            return True  # "would jump to 2 mln in fiscal 1990 from 617,000 in 1986": a baseline is past
        right = text[m.end : min(end, m.end + 30)]
        cut = _CLAUSE_BREAK.search(right)
        right = right[: cut.start()] if cut else right
        return not (_MODAL.search(left) or _MODAL.search(right))
    return not _BECAUSE.search(text, start, m.start)


def _baseline(text: str, m: Mention, dated: Sequence[Mention]) -> bool:
    """Is an upcoming-told date the baseline of a later one in its sentence ("will earn 100 mln marks
    in 1987 after losing 141.5 mln in 1986", "to rise to 5 pct in 1988 from 4 pct in 1987")?"""
    if not text or m.latest is None:
        return False
    start, end = _sentence(text, m)
    return any(start <= o.start < end and o.earliest is not None and o.earliest > m.latest for o in dated)


def _bounds_from_span(first: date, last: date, tense: str) -> tuple[str, date, date] | None:
    """Map an event's span and the tense it is told in to (bound, tight day, loose day)."""
    if tense == "past":
        return "min", first, first
    if tense == "future":
        return "max", first - timedelta(days=1), last
    return None


# --- datelines and weekdays ----------------------------------------------------------------------
#
# A dateline in the title or at the head of the body ("WASHINGTON, March 13 -") names the day the story
# was filed; a date with its weekday ("Friday, March 12") fits only the years where that day falls on
# that weekday. Neither depends on the claimed date, so both may accuse it. A year-less one allows the
# same days in every year: the bounds are those of the occurrence nearest the claimed date, which
# excludes the claimed date exactly when every occurrence does.

#: A dateline's day and the header's may differ by time zones and late filing.
DATELINE_SLACK = timedelta(days=1)
#: A date told with its weekday lies within this of the day the story was written.
WEEKDAY_REACH = timedelta(days=183)
_WEEKDAY_DATE = re.compile(
    rf"\b(?P<wd>{'|'.join(WEEKDAY_NAMES)})\s*,?\s+(?:(?P<mon>{'|'.join(sorted(MONTH_NAMES, key=len, reverse=True))}"
    rf"|(?:{'|'.join(sorted(MONTH_ABBREVIATIONS, key=len, reverse=True))})\.?)\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{'|'.join(sorted(MONTH_NAMES, key=len, reverse=True))}))"
    rf"(?!\s*,?\s*\d{{4}})\b")


_WEEKDAY_PREFIXES = frozenset(w[:3] for w in WEEKDAY_NAMES)

# Elapsed time counted from a year the same sentence prints: "ended a 108-year wait ... since winning the
# championship in 1908" puts the story in 2016 (or early 2017). Only spans that count time from an event to
# now (a wait, a drought, an absence), not ages or terms ("a 30-year-old", "a 10-year bond").
_ELAPSED = re.compile(r"\b(?P<n>\d{1,3})-year(?:s)?[-\s]+(?:long\s+)?(?P<what>wait|drought|absence|hiatus|"
                      r"losing streak|title drought|exile|ban|gap)\b", re.IGNORECASE)


def _nearest_occurrence(month: int, day: int, claimed: date, years: Sequence[int]) -> date | None:
    days = [date(y, month, day) for y in years if day <= calendar.monthrange(y, month)[1]]
    return min(days, key=lambda d: abs((d - claimed).days)) if days else None


def _dateline_evidence(article: ArticleDates) -> list[Evidence]:
    out = []
    for where, dl in article.datelines:
        years = [dl.year] if dl.year else [article.claimed.year - 1, article.claimed.year, article.claimed.year + 1]
        day = _nearest_occurrence(dl.month, dl.day, article.claimed, years)
        if day is None:
            continue
        why = f"the {where}'s dateline: {day.isoformat() if dl.year else day.isoformat()[5:]}"
        out += [Evidence("min", day - DATELINE_SLACK, day - DATELINE_SLACK, "dateline", dl.text, why, dl.start, dl.end),
                Evidence("max", day + DATELINE_SLACK, day + DATELINE_SLACK, "dateline", dl.text, why, dl.start, dl.end)]
    return out


def _elapsed_evidence(article: ArticleDates) -> list[Evidence]:
    """Bounds from an elapsed span and the one past year its sentence counts it from."""
    text, out = article.text, []
    if "-year" not in text:
        return out
    for m in _ELAPSED.finditer(text):
        sentence = _sentence_of(text, m.start(), m.end())
        years = {e.earliest.year for e in article.mentions if e.type == "DATE" and e.explicit_year and e.earliest
                 and e.granularity in ("year", "month", "day") and e.tense == "past"
                 and _sentence(text, e) == sentence}
        if len(years) != 1:
            continue  # no year to count from, or two: which one is the start is anybody's guess
        (since,) = years
        year = since + int(m["n"])
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            continue
        why = f"a {m['n']}-year {m['what'].lower()} since {since}: {year}"
        out += [Evidence("min", date(year, 1, 1), date(year, 1, 1), "elapsed", m.group(), why, m.start(), m.end()),
                Evidence("max", date(year + 1, 6, 30), date(year + 1, 6, 30), "elapsed", m.group(), why,
                         m.start(), m.end())]
    return out


def _weekday_evidence(article: ArticleDates) -> list[Evidence]:
    """Year-less dates told with their weekday ("on Friday, March 12"); a date printed with its year is
    explicit evidence already (and a weekday that does not fit it is the writer's slip, not a clue)."""
    out = []
    claimed = article.claimed
    # The tagger has found every weekday already, alone ("Friday") or with its date ("Friday, March 12"):
    # read a date only where one stands (a regex over every text cost a quarter of the verdict's time).
    starts = sorted({m.start for m in article.mentions if m.text[:3] in _WEEKDAY_PREFIXES})
    for m in filter(None, (_WEEKDAY_DATE.match(article.text, k) for k in starts)):
        month = MONTH_NUMBER.get((m["mon"] or m["mon2"]).lower().rstrip("."))
        if month is None:
            continue
        day, weekday = int(m["d"] or m["d2"]), WEEKDAY_NAMES.index(m["wd"])
        fits = [y for y in range(claimed.year - 7, claimed.year + 8)
                if day <= calendar.monthrange(y, month)[1] and date(y, month, day).weekday() == weekday]
        near = _nearest_occurrence(month, day, claimed, fits)
        if near is None:
            continue
        why = f"{m['wd']} {near.isoformat()[5:]} falls in {', '.join(map(str, fits))}"
        out += [Evidence("min", near - WEEKDAY_REACH, near - WEEKDAY_REACH, "weekday", m.group(), why, m.start(), m.end()),
                Evidence("max", near + WEEKDAY_REACH, near + WEEKDAY_REACH, "weekday", m.group(), why, m.start(), m.end())]
    return out


# --- the window ---------------------------------------------------------------------------------


def _window(evidence: Sequence[Evidence], *, loose: bool = False) -> tuple[date | None, date | None]:
    mins = [e.loose_day if loose else e.day for e in evidence if e.bound == "min"]
    maxs = [e.loose_day if loose else e.day for e in evidence if e.bound == "max"]
    return (max(mins) if mins else None), (min(maxs) if maxs else None)


def _gap_bucket(days: int) -> str:
    return "months" if days < 92 else "year" if days < 366 else "years"


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


def judge_article(article: ArticleDates) -> DateVerdict:
    """Infer the publication window of one article and judge its claimed date against it.

    The article alone decides: what its siblings say comes later, from the stories stage, as its own
    labelled evidence, so that a verdict never depends on which articles shared a batch. The verdict
    carries every piece of evidence read (``considered``), for ``date_evidence``."""
    evidence: list[Evidence] = []
    verdict = _judge(article, evidence)
    considered = sorted(dict.fromkeys([*evidence, *verdict.evidence]),
                        key=lambda e: (e.start is None, e.start or 0, e.bound))
    score, seen = calibrated(verdict.basis)
    status = verdict.status
    if status == "inconsistent" and seen >= CALIBRATION_MIN and score < ACCUSE_PROBABILITY:
        status = "no_evidence"  # this kind of exclusion was wrong too often on the development split
    return dataclasses.replace(verdict, status=status, score=score, considered=tuple(considered))


# --- calibration ---------------------------------------------------------------------------------
#
# date_score is the probability that the claimed date is wrong given the kind of evidence that decided
# the verdict (its ``basis``), counted by bench/fit_dating.py on the development split with half the date
# lines shifted (eval_sanity's protocol): a probability under that 50% prior. A basis seen fewer than
# CALIBRATION_MIN times there takes the rate of its parent ("inconsistent:dateline:years" ->
# "inconsistent:dateline" -> "inconsistent").

CALIBRATION_MIN = 20
#: An exclusion whose kind was right less often than this on the development split does not accuse.
ACCUSE_PROBABILITY = 0.9


@functools.cache
def _calibration() -> dict[str, tuple[int, int]]:
    raw = json.loads(resources.files("dateline.data").joinpath("dating_tables.json").read_text())
    return {k: (v[0], v[1]) for k, v in raw.get("calibration", {}).items()}


def calibrated(basis: str) -> tuple[float | None, int]:
    """(P(claimed date wrong | basis), how many development articles the rate rests on)."""
    if not basis or basis == "missing":
        return None, 0
    table = _calibration()
    key = basis
    while True:
        wrong, total = table.get(key, (0, 0))
        if total >= CALIBRATION_MIN or ":" not in key:
            break
        key = key.rsplit(":", 1)[0]
    if total == 0:
        return None, 0
    return round((wrong + 0.5) / (total + 1), 3), total


def _judge(article: ArticleDates, evidence: list[Evidence]) -> DateVerdict:
    """judge_article's verdict; ``evidence`` receives the evidence read."""
    reading = _read_mentions(article)
    evidence += _hard_evidence(article.text, reading)
    # Datelines and weekdays allow the same day in many years: they check the claimed date's day but do
    # not vote for its year (the occurrence nearest the claimed date would always side with it).
    periodic = _dateline_evidence(article) + _weekday_evidence(article) if article.claimed is not None else []
    evidence += periodic + _elapsed_evidence(article)
    unresolved = reading.yearless

    # Hard evidence places the window, can confirm a claimed date and can accuse one.
    supporting = [e for e in evidence if e.strength in ("hard", "elapsed")]
    claimed = article.claimed
    # The evidence a single publication day can satisfy best (loose bounds, one day of tolerance).
    # A mention whose tense was misread then stands alone and is outvoted.
    best_support, agreed = _consistent(supporting, loose=True, tol=TOLERANCE)
    claimed_fits = claimed is not None and _support(supporting, claimed, loose=True, tol=TOLERANCE) >= best_support

    # Resolve the remaining year-less mentions around the best anchor available.
    tight_min, tight_max = _window(_consistent(agreed)[1])
    # Without a claimed date that fits, only a window closed on both sides within a year says which year a
    # "June 16" is in; a lone bound ("after July 2018") would pin it to the bound's year, a guess.
    closed = tight_min is not None and tight_max is not None and (tight_max - tight_min).days <= 366
    anchor = claimed if claimed_fits else (tight_max if closed else None)
    if anchor is not None:
        evidence += _anchored(unresolved, anchor, directional=claimed_fits)

    evidence.extend(_ties(article.mentions, evidence))

    lo, hi = _window(_consistent(evidence)[1])
    used = tuple(e for e in evidence if (e.bound == "min" and e.day == lo) or (e.bound == "max" and e.day == hi))
    if claimed is None:
        return DateVerdict("missing", None, lo, hi, used, basis="missing")
    misfits = tuple(e for e in periodic if not _satisfies(e, claimed, loose=True, tol=TOLERANCE))
    if misfits:
        gap_days = max(abs((claimed - e.day).days) for e in misfits)
        return DateVerdict("inconsistent", None, lo, hi, misfits + used,
                           basis=f"inconsistent:{misfits[0].kind}:{_gap_bucket(gap_days)}")
    rec = recency(article)
    if supporting and not claimed_fits:
        verdict = _hard_accusation(supporting, claimed, rec, lo, hi, used)
        if verdict is not None:
            return verdict
    verdict = _recency_accusation(article, rec, lo, hi, used)
    if verdict is not None:
        return verdict
    if supporting and claimed_fits:
        return DateVerdict("consistent", None, lo, hi, used, basis="consistent:explicit_date")
    if periodic:  # the day agrees with a dateline or a weekday, and nothing speaks against the year
        return DateVerdict("consistent", None, lo, hi, used + tuple(periodic), basis=f"consistent:{periodic[0].kind}")
    return DateVerdict("no_evidence", None, lo, hi, used, basis="no_evidence")


@dataclass(slots=True)
class _Reading:
    """An article's DATE mentions sorted by what they may say about its publication date."""

    hard: list[tuple[Mention, date, date]] = field(default_factory=list)  # explicit dates in their own tense
    yearless: list[_Yearless] = field(default_factory=list)  # told in a tense, no year
    told: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # value -> tenses, modifiers included
    dated: list[Mention] = field(default_factory=list)  # every explicit-year DATE mention


def _read_mentions(article: ArticleDates) -> _Reading:
    text = article.text
    r = _Reading()
    frame_end = -1  # where the last deadline-like explicit date ended
    for m in article.mentions:
        if m.type == "DATE" and m.explicit_year:
            r.dated.append(m)
            span = _hard_span(text, m)
            if frame_end >= 0 and _COORDINATED.match(text[frame_end : m.start]):
                span = None
            frame_end = m.end if span is None else -1
            if span is None or m.tense not in ("past", "future"):
                continue
            r.told[m.value].add(m.tense)
            if _attributive(text, m) or _noun_modifier(text, m) or not _tense_holds(text, m):
                continue
            r.hard.append((m, *span))
        elif m.tense in ("past", "future") and (y := _yearless(m)) is not None and not _attributive(text, m):
            r.yearless.append(y)
    return r


def _hard_evidence(text: str, reading: _Reading) -> list[Evidence]:
    # A value told both as past and as upcoming in one story ("down from 11.3 mln in 1986/87" next to
    # "the same rate as in 1986, according to a forecast", or "Armco's 1988 earnings could be higher"
    # next to "2.50 dlrs in 1988, he said") has a misread tense somewhere: drop it.
    evidence = []
    for m, first, last in reading.hard:
        if len(reading.told[m.value]) != 1 or (m.tense == "future" and _baseline(text, m, reading.dated)):
            continue
        b = _bounds_from_span(first, last, m.tense)
        if b:
            loose = b[2]
            if m.tense == "future" and m.granularity != "day":
                # whether a month, quarter or year "would" turn out so is still told for weeks after it
                # closed, until the figures are out
                loose = max(loose, last + COARSE_SLACK)
            evidence.append(Evidence(b[0], b[1], loose, "hard", m.text, f"{m.value} told as {m.tense}",
                                     m.start, m.end))
    return evidence


def _anchored(unresolved: list[_Yearless], anchor: date, *, directional: bool) -> list[Evidence]:
    """Bounds from year-less mentions placed in the year nearest the anchor (see _nearest_year)."""
    evidence = []
    for y in unresolved:
        year = _nearest_year(y.span, anchor, y.mention.tense, directional=directional)
        first, last = y.span(year)
        b = _bounds_from_span(first, last, y.mention.tense)
        if b:
            evidence.append(Evidence(b[0], b[1], b[2], "anchored", y.mention.text,
                                     f"{y.mention.tense} {first.isoformat()[:7]}, year from the anchor",
                                     y.mention.start, y.mention.end))
    return evidence


def _hard_accusation(accusing: list[Evidence], claimed: date, rec: Recency | None, lo: date | None,
                     hi: date | None, used: tuple[Evidence, ...]) -> DateVerdict | None:
    """``inconsistent`` when the heaviest agreeing hard bounds exclude the claimed date, unless recency
    finds the claimed day much likelier than the day they ask for."""
    best_hard, agreed_hard = _consistent(accusing, loose=True, tol=TOLERANCE)
    if _support(accusing, claimed, loose=True, tol=TOLERANCE) >= best_hard:
        return None
    blamed = tuple(e for e in agreed_hard if not _satisfies(e, claimed, loose=True, tol=TOLERANCE))
    gap_days = max(abs((claimed - e.loose_day).days) for e in blamed)
    # The hard bounds could rest on one misread or misprinted date ("rose to 5.4 billion from 4.9
    # billion in 1996" in a story full of 1987 results): when the story's dates as a whole find the
    # claimed day much likelier than the day the blamed bound asks for, do not accuse.
    wanted = max(e.loose_day for e in blamed) if blamed[0].bound == "min" else min(e.loose_day for e in blamed)
    if rec is None or rec.claimed - rec.scorer(wanted) < RECENCY_VETO:
        return DateVerdict("inconsistent", None, lo, hi, blamed + tuple(e for e in used if e not in blamed),
                           basis=f"inconsistent:{blamed[0].kind}:{_gap_bucket(gap_days)}")
    return None


def _recency_accusation(article: ArticleDates, rec: Recency | None, lo: date | None, hi: date | None,
                        used: tuple[Evidence, ...]) -> DateVerdict | None:
    """``inconsistent`` when the story's explicit dates find some other month far likelier than the claim."""
    claimed = article.claimed
    if not (rec is not None and rec.ratio >= RECENCY_ACCUSE and not _has_current(article, claimed) and
            rec.values >= (RECENCY_MIN_VALUES if rec.best_day > claimed else RECENCY_MIN_VALUES_LATE)):
        return None
    e = Evidence("min" if rec.best_day > claimed else "max", rec.best_day, rec.best_day, "recency",
                 ", ".join(dict.fromkeys(m.text for m in article.mentions
                                         if recency_feature(article.text, m) is not None)),
                 f"news recency: the story's explicit dates are e^{rec.ratio:.1f} times likelier around "
                 f"{rec.best_day.isoformat()[:7]} than on the claimed date")
    return DateVerdict("inconsistent", None, lo, hi, (e, *used),
                       basis=f"inconsistent:news_recency:{'strong' if rec.ratio >= 2 * RECENCY_ACCUSE else 'weak'}")


# --- news recency -------------------------------------------------------------------------------
#
# A news story tells what is current: the explicit dates it mentions cluster just before (and a little
# after) the day it was written, whatever tense they are told in. For each kind of mention, how far the
# publication day lies from the mention's span is a distribution we can count on stories with known
# dates; a claimed date that this distribution finds far less likely than some date a few years or
# months away is suspect. Historical references cost nothing: a mention decades away from every date
# the test tries falls in the same open-ended bin for all of them.

# Bins of (publication day - mention span), well before its first day ... inside ... well after its last,
# counted in the unit of the mention: days for a day, months for a month or quarter, calendar years for
# a year (so that the season a corpus was written in does not leak into the table). The test compares
# densities (a bin's probability over its width), so that a wide bin does not win by being wide; the
# open-ended bins get a nominal width.
RECENCY_BINS = {
    "day": ((-732, None, 365), (-367, -731, 365), (-93, -366, 274), (-32, -92, 61), (-1, -31, 31), (0, 0, 0),
            (1, 31, 31), (32, 92, 61), (93, 366, 274), (367, 731, 365), (732, 1827, 1096), (1828, None, 1096)),
    "part": ((-13, None, 24), (-4, -12, 9), (-2, -3, 2), (-1, -1, 1), (0, 0, 0), (1, 1, 1), (2, 3, 2), (4, 6, 3),
             (7, 12, 6), (13, 24, 12), (25, 60, 36), (61, None, 36)),
    "year": ((-2, None, 3), (-1, -1, 1), (0, 0, 0), (1, 1, 1), (2, 2, 1), (3, 3, 1), (4, 5, 2), (6, None, 3)),
}  # (nearest gap, farthest gap or None when open-ended, width); width 0 = the span's own length
RECENCY_SPAN_MONTHS = 72  # the test tries every month within six years of the claimed date


def recency_gap(day: date, first: date, last: date, unit: str) -> int:
    """How far a publication day lies before (< 0) or after (> 0) a span, 0 inside, in the unit."""
    if first <= day <= last:
        return 0
    if unit == "day":
        return (day - last).days if day > last else (day - first).days
    if unit == "year":
        return day.year - last.year if day > last else day.year - first.year
    k = day.year * 12 + day.month
    return k - (last.year * 12 + last.month) if day > last else k - (first.year * 12 + first.month)


def _upper(near: int, far: int | None) -> float:
    return near if near <= 0 else (math.inf if far is None else far)


_BIN_UPPER = {unit: [_upper(near, far) for near, far, _ in bins] for unit, bins in RECENCY_BINS.items()}


def recency_bin(gap: int, unit: str) -> int:
    """The index in RECENCY_BINS[unit] of a gap."""
    return bisect.bisect_left(_BIN_UPPER[unit], gap)


def _span_width(first: date, last: date, unit: str) -> int:
    if unit == "day":
        return (last - first).days + 1
    if unit == "year":
        return last.year - first.year + 1
    return (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1


def recency_feature(text: str, m: Mention) -> tuple[str, date, date] | None:
    """(category, first day, last day) of an explicit date the recency test reads, or None.

    Category = granularity (day / part of a year / year) - tense (past / future / other) - role (an
    event, or a frame: a deadline, maturity or noun modifier, whose tense says little)."""
    if m.type != "DATE" or not m.explicit_year or not m.earliest or not m.latest:
        return None
    if m.granularity in ("decade", "century"):
        return None
    first, last = m.earliest, m.latest
    g = "day" if m.granularity == "day" else "year" if m.granularity == "year" or m.kind == "fiscal" else "part"
    if g == "year" and m.kind == "fiscal":
        first, last = date(first.year + 1, 1, 1), date(first.year + 1, 12, 31)  # in calendar years: the one it mostly ends in

    t = m.tense if m.tense in ("past", "future") and _tense_holds(text, m) else "other"
    frame = _deadline(text, m) or _attributive(text, m) or _noun_modifier(text, m)
    return f"{g}-{t}-{'frame' if frame else 'event'}", first, last


# log P(bin | category) on stories with known dates, fitted on the development split (reuters_dev files
# whose name's sha1 is even) by `bench/fit_dating.py`, kept in dateline/data/dating_tables.json; smoothed
# towards the category's granularity. Bins as RECENCY_BINS.
_RECENCY_LOGP: dict[str, tuple[float, ...]] = {
    k: tuple(v) for k, v in json.loads(resources.files("dateline.data").joinpath("dating_tables.json").read_text())[
        "recency"].items()}

_RECENCY_FLOOR = -9.0  # a category the table lacks counts for nothing either way

RECENCY_ACCUSE = 6.0  # log-likelihood ratio above which recency alone makes a date inconsistent (dev: lowest with precision >= 0.98)
RECENCY_MIN_VALUES = 2  # ... and only when at least this many distinct explicit dates take part
# A claim later than the story's dates is what history looks like ("in 1979", "in 1992 ... in 1994"):
# recency says "too late" only on three distinct dates or more.
RECENCY_MIN_VALUES_LATE = 3
RECENCY_VETO = 5.0  # a hard accusation recency finds this much less likely than the claim is dropped


def _has_current(article: ArticleDates, claimed: date) -> bool:
    """Does the story name, with its year, a date within a year of the claimed one? Then recency does not
    accuse: older dates are history (a timeline, "when the Oval Office last changed hands in 2008"), and
    how a date a few months away sits in the table depends on the season the table was counted in."""
    return any(f is not None and f[1] - timedelta(days=366) <= claimed <= f[2] + timedelta(days=366)
               for f in (recency_feature(article.text, m) for m in article.mentions))


def _months_later(d: date, k: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    # every month has a 28th: only a later day needs the month's length (monthrange, which also
    # computes a weekday, is most of the cost of the recency search's 144 days)
    return date(y, m + 1, d.day if d.day <= 28 else min(d.day, calendar.monthrange(y, m + 1)[1]))


@functools.lru_cache(maxsize=1024)
def _search_days(claimed: date) -> tuple[date, ...]:
    """The days the recency search tries, in order: the claimed day in every other month within six
    years of it. Memoized: a batch has few distinct claimed dates."""
    return tuple(_months_later(claimed, k) for k in range(-RECENCY_SPAN_MONTHS, RECENCY_SPAN_MONTHS + 1) if k)


def _last_day_within(first: date, last: date, unit: str, upper: int) -> date:
    """The last day whose recency_gap to the span [first, last] is at most ``upper``."""
    ref = last if upper >= 0 else first  # a gap >= 0 is counted from the span's end, one < 0 to its start
    if unit == "day":
        return ref + timedelta(days=upper)
    if unit == "year":
        return date(ref.year + upper, 12, 31)
    y, m = divmod(ref.year * 12 + ref.month - 1 + upper, 12)
    return date(y, m + 1, calendar.monthrange(y, m + 1)[1])


def _terms(dens: tuple[float, ...], first: date, last: date, unit: str, n: int, days: Sequence[date]) -> list[float]:
    """``n * dens[recency_bin(recency_gap(day, first, last, unit), unit)]`` for each of the sorted ``days``.

    The gap grows with the day, so the bins run in order along the days: each bin's stretch ends at
    the last day within its upper bound, found by bisection, instead of a gap and a bin per day (the
    recency search scores 144 days per feature)."""
    if first > last:
        raise ValueError("an empty span: its gap does not grow with the day")
    out: list[float] = []
    done = 0
    for b, upper in enumerate(_BIN_UPPER[unit]):
        end = len(days) if upper == math.inf else \
            bisect.bisect_right(days, _last_day_within(first, last, unit, upper), done)
        out += [n * dens[b]] * (end - done)
        done = end
        if done == len(days):
            break
    return out


@dataclass(frozen=True, slots=True)
class Recency:
    """How the recency test sees an article: log-likelihood of the claimed date and of the best date."""

    claimed: float
    best: float
    best_day: date
    mentions: int
    values: int  # distinct (first, last) spans among them
    scorer: object = field(repr=False, compare=False, default=None)

    @property
    def ratio(self) -> float:
        return self.best - self.claimed


@functools.lru_cache(maxsize=4096)
def _densities(category: str, width: int) -> tuple[float, ...]:
    """log P(bin | category) over each bin's width (a span of ``width`` units for the inside bin).
    Memoized: a function of the fitted table alone, and the same few widths come up in every story."""
    unit = category.split("-")[0]
    return tuple(p - math.log(w or width) for p, (_, _, w) in zip(_RECENCY_LOGP[category], RECENCY_BINS[unit]))


def recency(article: ArticleDates) -> Recency | None:
    """Score the claimed date and every month within six years of it by the recency table."""
    if article.claimed is None:
        return None
    feats: dict[tuple[tuple[float, ...], date, date, str], int] = defaultdict(int)
    for m in article.mentions:
        f = recency_feature(article.text, m)
        if f is None or f[0] not in _RECENCY_LOGP:
            continue
        unit = f[0].split("-")[0]
        feats[(_densities(f[0], _span_width(f[1], f[2], unit)), f[1], f[2], unit)] += 1
    if not feats:
        return None
    items = list(feats.items())

    def score(day: date) -> float:
        # sum() of a list rather than of a generator: the same additions in the same order, faster
        return sum([n * dens[recency_bin(recency_gap(day, first, last, unit), unit)]
                    for (dens, first, last, unit), n in items])

    claimed = article.claimed
    here = score(claimed)
    bound = sum(n * max(dens) for (dens, *_), n in items)
    if bound - here < RECENCY_ACCUSE:
        # no day can beat the claimed one by the accusing margin: skip the search (most articles)
        return Recency(here, here, claimed, sum(feats.values()), len({k[1:3] for k in feats}), score)
    best, best_day = here, claimed
    days = _search_days(claimed)
    try:
        # each day's score: the same terms added in the same order as score(day), a column per feature
        scores = map(sum, zip(*[_terms(dens, first, last, unit, n, days) for (dens, first, last, unit), n in items]))
    except (OverflowError, ValueError):  # a span at the edge of the calendar: score day by day
        scores = map(score, days)
    for d, v in zip(days, scores):
        if v > best + 1e-9:
            best, best_day = v, d
    return Recency(here, best, best_day, sum(feats.values()), len({k[1:3] for k in feats}), score)


# How much each kind of evidence counts when evidence conflicts.
_WEIGHT = {"hard": 4, "elapsed": 4, "dateline": 4, "weekday": 3, "tie": 2, "anchored": 1, "recency": 0}


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
        if m.anchor not in ("+1M", "0M"):
            continue
        if _MONTH_NAME.search(m.text):  # "in March" is not "this month", whatever the tagger's anchor says
            continue
        if m.anchor == "+1M" and upcoming:
            event = upcoming[0].loose_day  # the last day of the nearest upcoming event's span
            month_start = (event.replace(day=1) - timedelta(days=1)).replace(day=1)
            month_end = event.replace(day=1) - timedelta(days=1)
            ties += [
                Evidence("min", month_start, month_start, "tie", m.text, f"the month before {upcoming[0].mention!r}",
                         m.start, m.end),
                Evidence("max", month_end, month_end, "tie", m.text, f"the month before {upcoming[0].mention!r}",
                         m.start, m.end),
            ]
        elif m.anchor == "0M" and m.tense == "past" and past_days:
            event = past_days[-1].day
            month_end = (event.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            ties.append(Evidence("max", month_end, month_end, "tie", m.text, f"the month of {past_days[-1].mention!r}",
                                 m.start, m.end))
    return ties


def judge_batch(articles: Sequence[ArticleDates]) -> list[DateVerdict]:
    """Judge every article of a batch, each on its own evidence (see judge_article)."""
    return [judge_article(a) for a in articles]
