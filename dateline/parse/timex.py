"""Temporal tagger for news text (TIMEX3-style, HeidelTime 'news' behaviour as reference).

Pure Python, no I/O.  ``extract_mentions(text, dct)`` finds date / time / duration / set
expressions with one compiled regular expression (a cheap pre-pass), then normalises every
candidate against the document creation time (DCT).  Absolute dates whose layout is not trivial
(``16 June 2021``, ``06/16/2021``, ``16.06.2021`` ...) are normalised with ``dateparser.parse``,
cached on a normalised key; trivial layouts (ISO dates, ``Month D, YYYY``) are computed directly.

Under-specified expressions (``June 16``, ``Sunday``, ``in March``, ``the third quarter``) get
their year / week from the DCT and the tense of the clause around them: future -> the first
matching date at/after the DCT, past -> the last one at/before it, otherwise the nearest one.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from dateline.parse import dates
from dateline.vocabulary import MONTH_ABBREVIATIONS, MONTH_NAMES, MONTH_NUMBER, WEEKDAY_NAMES, WEEKDAY_NUMBER

__all__ = ["Mention", "extract_mentions", "mention_to_dict"]


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str
    kind: str
    granularity: str
    tense: str
    explicit_year: bool
    anchor: str | None
    earliest: date | None
    latest: date | None


def mention_to_dict(m: Mention) -> dict:
    d = asdict(m)
    d["earliest"] = m.earliest.isoformat() if m.earliest else None
    d["latest"] = m.latest.isoformat() if m.latest else None
    return d


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# Month and weekday names come from dateline.vocabulary; the patterns also take their upper-case forms.

_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "a hundred": 100,
    "one hundred": 100, "thousand": 1000, "a thousand": 1000, "two thousand": 2000,
    "half a": 0.5, "a half": 0.5, "one and a half": 1.5, "a dozen": 12, "dozen": 12,
    "a couple of": 2, "couple of": 2,
}
_VAGUE_NUM = {"several", "a few", "few", "many", "some", "a number of", "numerous"}

_UNIT_CODE = {
    "year": "Y", "yr": "Y", "month": "M", "mth": "M", "week": "W", "day": "D", "fortnight": "W",
    "hour": "H", "hr": "H", "minute": "MIN", "min": "MIN", "second": "S", "decade": "DE",
    "century": "CE", "quarter": "Q", "weekend": "WE", "night": "D", "morning": "D",
}

_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
        "last": 4, "final": 4}

_SEASON = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}

_DECADE_WORDS = {"twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6,
                 "seventies": 7, "eighties": 8, "nineties": 9}

_TOD = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

# --------------------------------------------------------------------------------------------
# Regex building blocks
# --------------------------------------------------------------------------------------------


def _trie_rx(words) -> str:
    """Regex alternation factored by first letters, so that sre rejects branches cheaply.

    A word that another one begins with is tried after it (an optional tail is greedy), as in an
    alternation of the words longest first; words neither of which begins the other cannot both match
    at one place, so their order does not matter."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node) -> str:
        alts = []
        opt = False
        for ch in sorted(node):
            if ch == "":
                opt = True
                continue
            alts.append(re.escape(ch) + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if opt:
            body = "(?:" + body + ")?"
        return body

    return build(trie)


def _alts(words):
    """An alternation of the words as a trie (see _trie_rx): it matches what the plain alternation,
    longest word first, does, and sre rejects its branches sooner."""
    return _trie_rx(words)


_MF = _alts(MONTH_NAMES + tuple(m.upper() for m in MONTH_NAMES))
_MA = _alts(MONTH_ABBREVIATIONS + tuple(m.upper() for m in MONTH_ABBREVIATIONS))
MONTH = rf"(?:(?:{_MF})\b|(?:{_MA})(?:\.|\b))"
MONTH_FULL = rf"(?:(?:{'|'.join(MONTH_NAMES)})\b)"
WEEKDAY = rf"(?:(?:{_alts(WEEKDAY_NAMES + tuple(w.upper() for w in WEEKDAY_NAMES))})\b)"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d|,\d|\.\d|:\d)"
YEAR = r"(?:1[5-9]\d\d|20\d\d)(?!\d|,\d{3}|\.\d)"
_NW = _alts([k for k in _NUM_WORDS if k not in ("a", "an")])
_NW_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_NW_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
NUMBER = (rf"(?:\d+(?:\.\d+)?(?:\s+\d/\d)?|(?i:(?:{_NW_TENS})[\s-](?:{_NW_UNITS})|{_NW}"
          rf"|{_alts(_VAGUE_NUM)}|a|an)(?![\w-]))")
UNIT = (r"(?i:years?|yrs?|months?|mths|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|"
        r"decades?|centuries|century|quarters?|fortnights?)\b")
UNIT_SG = r"(?i:year|month|week|day|hour|minute|second|decade|century|quarter)"
# a year read out in words, as broadcast transcripts write it: "nineteen ninety-four"
SPELLED_YEAR = rf"(?i:nineteen\s+(?:{_NW_TENS})(?:[\s-](?:{_NW_UNITS}))?\b)"
NUM_HY = (rf"(?:\d+(?:\.\d+)?|(?i:(?:{_NW_TENS})-(?:{_NW_UNITS})|{_NW}))")
_DURQ = (r"(?i:more than|less than|fewer than|no more than|nearly|almost|about|at least|up to|"
         r"over|some|roughly|around|approximately|only|just|another|an additional|under|"
         r"as many as|as much as|at most|upwards of)")
_REL = r"(?i:this|last|next|past|coming|previous|current|following|same)"
_MOD = (r"(?i:early|late|mid|the end of|the beginning of|the start of|the middle of|end of|"
        r"beginning of|start of|middle of|the first half of|the second half of|"
        r"the last half of|the latter part of)")

# ---- trigger words -> rules worth trying around them ----------------------------------------
# (each tuple in the order its rules are tried: the first that matches wins)
_R_MONTH = ("month_day_year", "day_month_year", "month_year", "modified_month", "bare_month", "recurrence")
_R_WEEKDAY = ("month_day_year", "day_month_year", "weekday", "plural_weekday", "recurrence")
_R_UNIT = ("quarter_of_year", "half_year", "the_quarter_or_period", "century", "units_ago", "relative_unit",
           "year_ago", "duration", "hyphenated_duration", "recurrence", "vague_reference", "day_word",
           "spelled_out_year", "year")
_R_SMALL_UNIT = ("units_ago", "duration", "hyphenated_duration", "recurrence")
_R_DAY = ("units_ago", "year_ago", "duration", "hyphenated_duration", "recurrence", "vague_reference", "day_word")
_R_WM = ("units_ago", "relative_unit", "year_ago", "duration", "hyphenated_duration", "recurrence",
         "vague_reference")
_R_YEARNUM = ("iso_date", "numeric_date", "quarter_code", "quarter_of_year", "the_quarter_or_period", "fiscal_year",
              "modified_year", "decade", "year")
_R_YEARNUM_T = ("clock_time",) + _R_YEARNUM
_CORE: dict[str, tuple[str, ...]] = {}
for _w in MONTH_NUMBER:
    _CORE[_w] = _R_MONTH
for _w in WEEKDAY_NUMBER:
    _CORE[_w] = _R_WEEKDAY
    _CORE[_w + "s"] = _R_WEEKDAY
for _w in ("year", "years", "yr", "yrs", "decade", "decades", "century", "centuries"):
    _CORE[_w] = _R_UNIT
for _w in ("quarter", "quarters", "qtr"):
    _CORE[_w] = ("quarter_of_year", "the_quarter_or_period", "units_ago", "relative_unit", "year_ago", "duration",
                 "recurrence")
for _w in ("month", "months", "mths", "week", "weeks", "fortnight", "fortnights"):
    _CORE[_w] = _R_WM
for _w in ("day", "days"):
    _CORE[_w] = _R_DAY
for _w in ("hour", "hours", "hr", "hrs", "minute", "minutes", "min", "mins", "second",
           "seconds"):
    _CORE[_w] = _R_SMALL_UNIT
_CORE["weekend"] = ("relative_unit", "the_weekend")
_CORE["period"] = ("the_quarter_or_period", "year")
_CORE["half"] = ("half_year",)
for _w in ("today", "yesterday", "tomorrow", "tonight"):
    _CORE[_w] = ("day_word",)
for _w in ("morning", "afternoon", "evening", "night", "mornings", "nights", "evenings",
           "afternoons"):
    _CORE[_w] = ("part_of_day", "recurrence")
for _w in ("now", "currently", "presently", "nowadays", "recently", "formerly", "lately",
           "previously", "past", "future", "soon", "present", "term", "date", "recent"):
    _CORE[_w] = ("vague_reference",)
for _w in ("daily", "weekly", "monthly", "annually", "yearly", "hourly", "quarterly",
           "semiannually", "semi", "biweekly", "nightly"):
    _CORE[_w] = ("recurrence",)
for _w in ("spring", "summer", "autumn", "winter", "fall", "springs", "summers", "winters"):
    _CORE[_w] = ("season", "recurrence")
for _w in _DECADE_WORDS:
    _CORE[_w] = ("decade",)
for _w in ("noon", "midnight", "midday"):
    _CORE[_w] = ("noon_or_midnight",)
for _w in ("nineteen", "thousand"):
    _CORE[_w] = ("spelled_out_year",)
_CORE["twenty"] = ("spelled_out_year",)
_CORE["q"] = ("quarter_code",)
for _w in ("thanksgiving", "christmas", "easter", "independence", "labor", "memorial", "election",
           "veterans"):
    _CORE[_w] = ("holiday",)

# words an expression may start with before its trigger word
_PREFIX = set("""the a an its their this last next past coming previous current following same
early late earlier later mid around about nearly almost more less fewer no at up over some
roughly approximately only just another additional under as upwards each every per for sometime
end beginning start middle rest remainder right these recent several few many couple half
shortly fiscal calendar fy model flat first second third fourth st nd rd th final remaining
initial entire full whole other that since until comparable corresponding
nineteen twenty two thousand dozen hundred numerous number
trading business working consecutive straight long short most much least near foreseeable
today yesterday tomorrow noon midnight midday""".split())
_PREFIX.update(k for k in _NUM_WORDS if " " not in k)
_PREFIX.update(MONTH_NUMBER)
_PREFIX.update(WEEKDAY_NUMBER)

_TOK = re.compile(r"[a-z]+|\d+")



_AMPM = re.compile(r"\s*(?:a\.?m\b|p\.?m\b)")

# The tokens (``_TOK`` matches of the lowered text) that can trigger a rule, found with two C-level
# scans rather than a Python loop over every token (triggers are a small share of the tokens): words
# of ``_CORE``, and numbers: four digits starting with 1 or 2 (a year candidate), or one or two
# digits, not "9x", followed by a character one of their rules needs (":", "/", ".", "s", "'",
# "st"/"nd"/"rd"/"th", am/pm). A superset of the tokens extract_mentions acts on: it tests each
# again. Tokens are maximal runs of [a-z] or of \d, hence the lookarounds. Both scans start with a
# bare character class, so that sre skips in C to where a match can start (a leading lookbehind
# would be tried at every position); the word scan reads " " + the text for that reason.
assert all(re.fullmatch("[a-z]+", w) for w in _CORE)  # whole tokens, as the loop's were
_TRIGGER_WORD = re.compile(r"[^a-z](" + _trie_rx(_CORE) + r")(?![a-z])")
_TRIGGER_NUM = re.compile(
    r"[0-9](?<!\d.)(?:(?<=[12])\d{3}(?!\d)|(?:(?<=[0-8])\d)?(?!\d)(?=[:/.'snrt]|\s*[ap]))"
)
# The tokens that may start an expression before its trigger: a _PREFIX word or a number (a
# maximal run of digits whose first one is ASCII: the "pw < ':'" test of the token loop it
# replaces).  Scanning for these alone skips, in C, the other words of the window.
assert all(re.fullmatch("[a-z]+", w) for w in _PREFIX)
_START_TOK = re.compile(r"(?<![a-z])(?:" + _trie_rx(_PREFIX) + r")(?![a-z])|[0-9](?<!\d.)\d*")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_UNIT_AFTER_YEAR = re.compile(
    r"\s*(?:%|(?i:pct|percent|per cent|dlrs?|dollars?|cts|cents|tonnes?|tons?|barrels?|bpd|"
    r"shares?|mln|million|billion|bln|units?|acres?|feet|ft|meters?|metres?|miles?|km|"
    r"kilometers?|kg|pounds?|lbs?|ounces?|oz|bushels?|employees|workers|people|points?|"
    r"gmt|hrs|hours|yen|marks|francs|stg|sterling|cars|vehicles|homes|rooms|beds|jobs|"
    r"troops|soldiers|students|members|tons|dwt|cubic|sq|square|contracts|lots|"
    r"[a-z]+-[a-z]+-))\b")
# a 24-hour clock time written as four digits is followed by a time zone ("1530 EST", "1700 gmt")
_CLOCK_AFTER = re.compile(
    r"\s*(?:EST|EDT|CST|CDT|MST|MDT|PST|PDT|GMT|BST|CET|CEST|UTC|JST|HKT|SGT|(?i:gmt|hrs|hours|"
    r"local time))\b")
_FISCAL_BEFORE = re.compile(r"(?i:\b(?:fiscal|fiscal year|fy|financial year|model year)\s+)$")
_YEAR_GOOD_PREV = re.compile(
    r"(?i:\b(?:in|since|of|from|by|until|till|through|to|the|during|before|after|for|"
    r"around|circa|about|early|late|mid|fiscal|and|or|than|year|spring|summer|fall|autumn|"
    r"winter|on|at|between|'s)\s*$)")

# --------------------------------------------------------------------------------------------
# Date helpers
# --------------------------------------------------------------------------------------------


def _ymd(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def _last_dom(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _week_value(d: date) -> str:
    iy, iw, _ = d.isocalendar()
    return f"{iy:04d}-W{iw:02d}"


def _quarter_of(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def _shift_quarter(y: int, q: int, k: int) -> tuple[int, int]:
    t = y * 4 + (q - 1) + k
    return t // 4, t % 4 + 1


@functools.lru_cache(maxsize=4096)  # pure, and the same values ("1987", "1987-03") recur
def _bounds(value: str) -> tuple[date | None, date | None]:
    """First and last calendar day a TIMEX3 date value can denote."""
    try:
        v = value.split("T", 1)[0]
        if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
            d = date.fromisoformat(v)
            return d, d
        if re.fullmatch(r"\d{4}-\d\d", v):
            y, m = int(v[:4]), int(v[5:])
            return date(y, m, 1), date(y, m, _last_dom(y, m))
        if re.fullmatch(r"\d{4}", v):
            y = int(v)
            return date(y, 1, 1), date(y, 12, 31)
        if re.fullmatch(r"\d{3}", v):
            y = int(v) * 10
            return date(y, 1, 1), date(y + 9, 12, 31)
        if re.fullmatch(r"\d{2}", v):
            y = int(v) * 100
            return date(max(y, 1), 1, 1), date(y + 99, 12, 31)
        m = re.fullmatch(r"(\d{4})-W(\d\d)(-WE)?", v)
        if m:
            y, w = int(m.group(1)), int(m.group(2))
            mon = date.fromisocalendar(y, w, 1)
            if m.group(3):
                return mon + timedelta(days=5), mon + timedelta(days=6)
            return mon, mon + timedelta(days=6)
        m = re.fullmatch(r"(\d{4})-Q([1-4])", v)
        if m:
            y, q = int(m.group(1)), int(m.group(2))
            m1 = 3 * q - 2
            return date(y, m1, 1), date(y, m1 + 2, _last_dom(y, m1 + 2))
        m = re.fullmatch(r"(\d{4})-H([12])", v)
        if m:
            y, h = int(m.group(1)), int(m.group(2))
            return (date(y, 1, 1), date(y, 6, 30)) if h == 1 else (date(y, 7, 1), date(y, 12, 31))
        m = re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", v)
        if m:
            y, s = int(m.group(1)), m.group(2)
            sm = _SEASON_START[s]
            ey, em = _add_months(y, sm, 2)
            return date(y, sm, 1), date(ey, em, _last_dom(ey, em))
    except ValueError:
        return None, None
    return None, None


# Without a tense cue a year-less date must be this much nearer ahead of the DCT than behind it
# to be put ahead: news mostly reports what has happened ("its record high set on Aug. 6").
_FUTURE_COST = 1.5


# dateparser results are cached on a normalised key, so "June 16th," and "june 16" share an entry.
def _dp_key(span: str) -> str:
    s = span.lower().replace(",", " ").replace("–", "-")
    s = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", s)
    s = re.sub(r"\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?", r"\1", s)
    s = re.sub(r"\bsept\b", "sep", s)
    return " ".join(s.split())


def _dp_parse(span: str, order: str = "MDY") -> tuple[int, int, int] | None:
    dt = dates.parse_date(_dp_key(span), dates.MENTION, order)
    return None if dt is None else (dt.year, dt.month, dt.day)


_NUM_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})[/.](\d{4})")


def _num_date(span: str) -> tuple[int, int, int] | None:
    """06/16/2021 (month first) and 16.06.2021 (day first) with a four-digit year, computed
    directly; anything else (two-digit years, a day-first slash date) goes to dateparser."""
    m = _NUM_DATE.fullmatch(span)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        mo, d = (b, a) if m.group(2) == "." else (a, b)
        if _safe_date(y, mo, d) is not None:
            return y, mo, d
    return _dp_parse(span, "DMY" if "." in span else "MDY")


# --------------------------------------------------------------------------------------------
# Tense
# --------------------------------------------------------------------------------------------


_FUT_W = frozenset("""will shall would ll plan plans planning planned intend intends intended
aim aims expect expects expected scheduled slated due upcoming next set going
could might likely unlikely possibly probably forecast forecasts projected predicts""".split())
_PAST_W = frozenset("""said was were had did ago last earlier previously told announced reported
met began rose fell gave took made came went won lost saw got held left paid sold bought spent
sent became ran hit cut put knew thought brought fought wrote spoke broke chose""".split())
_PRES_W = frozenset("is are am says say now currently has have".split())
_TO_STOP = frozenset("""have be the a an its his her their this that date end our your my
these those some all about around be""".split()) | frozenset(MONTH_NUMBER) | frozenset(WEEKDAY_NUMBER)
_ED_NOT_PAST = frozenset("""need needed seed speed red bed feed indeed hundred united limited
based related proposed supposed""".split())


_DUE_PAST = frozenset("fallen fell was were been became come came".split())
_PASSIVE_AUX = frozenset("be been being is are was were".split())
# Adjectives that put the noun they modify ahead of the article ("possible dates ... in mid-June").
_FUT_ADJ = frozenset("possible potential anticipated upcoming prospective".split())
# Future cues that are also nouns: after the date they count only in "plans to ...".
_NOUN_CUES = frozenset("plan plans aim aims".split())


# Every word a test in _word_tense looks at (besides a regular past "-ed" of five letters or more).
_TENSE_CUES = _FUT_W | _PAST_W | _PRES_W | _FUT_ADJ | {"to", "won"}


def _word_tense(words: list[str], reverse: bool) -> str | None:
    rng = range(len(words) - 1, -1, -1) if reverse else range(len(words))
    present = False
    weak_past = False
    infinitive = False
    for i in rng:
        w = words[i]
        if w not in _TENSE_CUES and (len(w) <= 4 or not w.endswith("ed")):
            continue  # no test below applies to it (a fast path: most words are not cues)
        if reverse and w == "to" and i + 1 < len(words) and words[i + 1].isalpha() and words[i + 1] not in _TO_STOP:
            infinitive = True  # "offered to meet Putin on June 15": maybe a verb, maybe "to Europe"
        if reverse and w == "to" and i > 0 and words[i - 1] in ("is", "are", "am") and \
                i + 1 < len(words) and words[i + 1].isalpha() and words[i + 1] not in _TO_STOP:
            return "future"  # "is to resume trading Tuesday"
        if w in _FUT_W:
            if w == "expected" and i > 0 and words[i - 1] == "than":
                continue  # "lower-than-expected earnings": an adjective, not a forecast
            if w == "due" and i > 0 and words[i - 1] in _DUE_PAST:
                return "past"  # "had fallen due in 1979", "was due in May": a past deadline
            if w == "set" and (i + 1 >= len(words) or words[i + 1] != "to"):
                continue
            if w == "going" and (i + 1 >= len(words) or words[i + 1] != "to"):
                continue
            if not reverse and w in _NOUN_CUES and (i + 1 >= len(words) or words[i + 1] != "to"):
                continue  # a noun: "On Friday, when she set aside vacation plans"
            if w == "last" and reverse is False:
                continue
            return "future"
        if w == "to" and i + 1 < len(words) and words[i + 1] == "be":
            return "future"
        if w == "won" and i + 1 < len(words) and words[i + 1] == "t":
            return "future"
        if reverse and w in _FUT_ADJ:
            return "future"
        regular_past = len(w) > 4 and w.endswith("ed") and w not in _ED_NOT_PAST
        if w in _PAST_W or regular_past:
            if reverse and i > 0 and words[i - 1] in _PASSIVE_AUX and w not in _PASSIVE_AUX:
                continue  # a passive participle ("to be held"): the auxiliary before it decides
            if reverse and infinitive and w in _PAST_W:
                # "was unlikely to continue in 1988", "agreed to cut ... in fiscal 1989": the
                # infinitive's event lies ahead of a past act; relative to the article, either side
                return "unknown"
            if reverse and regular_past and w not in _PAST_W:
                if infinitive:
                    # "offered to meet Putin on June 15-16": the meeting is ahead of the offer, and
                    # the offer is past; relative to the article it can be either.
                    return "unknown"
                # A regular -ed form may be a participle ("possible dates floated sometime in June"):
                # keep looking for a modal cue earlier in the clause before calling it past.
                weak_past = True
                continue
            if not reverse and weak_past:
                return "past"
            return "past"
        if w in _PRES_W:
            present = True
            if reverse and not weak_past:
                return "present"
    if weak_past:
        return "past"
    return "present" if present else None


_HAS_LOWER = re.compile(r"[a-z]")
_SINCE_BEFORE = re.compile(r"(?i:\bsince\s+(?:(?:early|late|mid|the\s+(?:end|beginning|start|middle)\s+of)[\s-]+)?)$")
_BASELINE_BEFORE = re.compile(
    r"(?i:\b(?:from|against|versus|vs\.?|compared\s+with|compared\s+to)\s+(?:[^\s;]+\s+){0,5}"
    r"(?:in|for|during)\s+(?:the\s+)?)$")

# a date right after these is ahead of the writer: "as soon as Tuesday", "effective Feb. 1"
_FUTURE_BEFORE = re.compile(r"(?i:\b(?:as\s+(?:soon|early)\s+as|effective)\s+(?:on\s+)?)$")


def _has_baseline_word(low: str) -> bool:
    """Does lower-case ASCII ``low`` hold a word _BASELINE_BEFORE starts with?"""
    return "from" in low or "against" in low or "vs" in low or "versus" in low or "compared" in low


_CLAUSE_END = re.compile(r'\. |"|\n\n|“|”|; |: ')


def _tense(text: str, start: int, end: int) -> str:
    left = text[max(0, start - 80):start]
    # the clause: what follows the rightmost separator (seven C-level rfind calls cost less than
    # one backtracking regex over the window)
    rf = left.rfind
    cut = max(rf(". "), rf('"'), rf("\n\n"), rf("“"), rf("”"), rf("; "), rf("? "))
    if cut >= 0:
        left = left[cut + 1:]
    if not _HAS_LOWER.search(left) and not _HAS_LOWER.search(text, end, end + 40):
        return "unknown"  # an all-caps headline: headlinese has no reliable tense ("CUT SEEN IN 1988")
    low = left.lower()
    # The three cue patterns are case-insensitive searches tried at every position of ``left``:
    # costly, and rarely matching.  Each needs a keyword, which in ASCII text can only appear as
    # its lower-case self, so a substring test skips them exactly.  (Outside ASCII, case folding
    # lets other letters match, e.g. U+017F for "s": the patterns then always run.)
    sure = not left.isascii()
    if (sure or "since" in low) and _SINCE_BEFORE.search(left) or \
            (sure or _has_baseline_word(low)) and _BASELINE_BEFORE.search(left):
        return "past"  # "since 1959"; a comparison's baseline: "down from 11.3 mln in 1986/87"
    if (sure or "soon" in low or "early" in low or "effective" in low) and _FUTURE_BEFORE.search(left):
        return "future"  # "as early as Tuesday", "effective Feb. 1"
    t = _word_tense(_TOK.findall(low), True)
    if t is not None and t != "present":
        return t
    right = text[end:end + 60]
    # up to the first separator: one search for the leftmost of them (cutting at each one's first
    # occurrence in turn ends at the same place, as no separator's tail can begin another)
    cut = _CLAUSE_END.search(right)
    if cut is not None:
        right = right[:cut.start()]
    t2 = _word_tense(_TOK.findall(right.lower()), False)
    if t2 is not None and t2 != "present":
        return t2
    return t or t2 or "unknown"


# --------------------------------------------------------------------------------------------
# Resolution helpers
# --------------------------------------------------------------------------------------------


def _pick(cands: list[tuple[date, date, object]], dct: date, tense: str, slack: int = 3,
          window: int = 280, future_cost: float = 1.0):
    """cands: (first_day, last_day, payload).  Pick by tense relative to the DCT: the first
    candidate after it (future) or the last one before it (past), as long as that one lies within
    `window` days of the DCT; otherwise (and without tense) the nearest candidate."""
    if tense == "future":
        ok = [c for c in cands if c[1] >= dct - timedelta(days=slack)]
        if ok:
            c = min(ok, key=lambda c: c[0])
            if (c[0] - dct).days <= window:
                return c
    elif tense == "past":
        ok = [c for c in cands if c[0] <= dct + timedelta(days=slack)]
        if ok:
            c = max(ok, key=lambda c: c[0])
            if (dct - c[1]).days <= window:
                return c

    def dist(c):
        if c[0] <= dct <= c[1]:
            return 0
        d = min(abs((c[0] - dct).days), abs((c[1] - dct).days))
        # news mostly reports what has happened: without a tense cue a date ahead of the DCT
        # must be clearly nearer than the one behind it
        return d * future_cost if c[0] > dct else d

    return min(cands, key=dist)


@functools.lru_cache(maxsize=4096)  # pure; a batch has few distinct DCTs, so the same questions recur
def _resolve_month_day(mon: int, day: int, dct: date, tense: str) -> int | None:
    cands = []
    for y in (dct.year - 1, dct.year, dct.year + 1):
        d = _safe_date(y, mon, day)
        if d:
            cands.append((d, d, y))
    if not cands:
        return None
    return _pick(cands, dct, tense, future_cost=_FUTURE_COST)[2]


@functools.lru_cache(maxsize=4096)  # pure; a batch has few distinct DCTs, so the same questions recur
def _resolve_month(mon: int, dct: date, tense: str) -> int:
    cands = []
    for y in (dct.year - 1, dct.year, dct.year + 1):
        cands.append((date(y, mon, 1), date(y, mon, _last_dom(y, mon)), y))
    return _pick(cands, dct, tense, slack=0, window=250, future_cost=_FUTURE_COST)[2]


@functools.lru_cache(maxsize=4096)  # pure; a batch has few distinct DCTs, so the same questions recur
def _resolve_quarter(q: int, dct: date, tense: str) -> int:
    cands = []
    for y in (dct.year - 1, dct.year, dct.year + 1):
        m1 = 3 * q - 2
        cands.append((date(y, m1, 1), date(y, m1 + 2, _last_dom(y, m1 + 2)), y))
    if tense != "future":
        tense = "past"
    # results are reported after the quarter closes: "expects to report third-quarter results"
    # in October is the quarter that just ended, so a future reference may reach back one quarter
    return _pick(cands, dct, tense, slack=92 if tense == "future" else 0, window=300)[2]


@functools.lru_cache(maxsize=4096)  # pure; a batch has few distinct DCTs, so the same questions recur
def _resolve_weekday(wd: int, dct: date, tense: str, rel: str | None) -> tuple[date, str]:
    delta = wd - dct.weekday()
    if rel in ("last", "this past", "the previous"):
        back = (dct.weekday() - wd) % 7 or 7
        return dct - timedelta(days=back), "-P"
    if rel in ("next", "this coming", "the following", "the next"):
        fwd = (wd - dct.weekday()) % 7 or 7
        return dct + timedelta(days=fwd), "+P"
    if rel == "this":
        return dct + timedelta(days=delta), ("+P" if delta >= 0 else "-P")
    if tense == "future":
        return dct + timedelta(days=(wd - dct.weekday()) % 7), "+P"
    return dct - timedelta(days=(dct.weekday() - wd) % 7), "-P"


@functools.lru_cache(maxsize=4096)  # pure, and called with the same few words over and over
def _num_value(s: str) -> float | None:
    s = s.lower().strip()
    s = re.sub(r"\s+", " ", s)
    if s in _VAGUE_NUM:
        return None
    if s in _NUM_WORDS:
        return _NUM_WORDS[s]
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?: (\d)/(\d))?", s)
    if m:
        v = float(m.group(1))
        if m.group(2):
            v += int(m.group(2)) / max(int(m.group(3)), 1)
        return v
    parts = re.split(r"[\s-]", s)
    if len(parts) == 2 and parts[0] in _NUM_WORDS and parts[1] in _NUM_WORDS:
        return _NUM_WORDS[parts[0]] + _NUM_WORDS[parts[1]]
    return None


def _unit_of(u: str) -> str:
    u = u.lower()
    if u in ("centuries", "century"):
        return "century"
    if u in ("mths",):
        return "month"
    if u in ("yr", "yrs"):
        return "year"
    if u in ("hr", "hrs"):
        return "hour"
    if u in ("min", "mins"):
        return "minute"
    return u[:-1] if u.endswith("s") else u


def _fmt_num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


def _duration_value(n: float | None, unit: str) -> str:
    code = _UNIT_CODE.get(unit, "X")
    if unit in ("hour", "minute", "second"):
        c = {"hour": "H", "minute": "M", "second": "S"}[unit]
        if n is None:
            return f"PTX{c}"
        if not float(n).is_integer() and unit == "hour":
            return f"PT{int(n)}H{int(round((n % 1) * 60))}M"
        return f"PT{_fmt_num(n)}{c}"
    if unit == "fortnight":
        return "PXW" if n is None else f"P{_fmt_num(n * 2)}W"
    if unit == "decade":
        return "PXDE" if n is None else f"P{_fmt_num(n * 10)}Y"
    if unit == "century":
        return "PXCE" if n is None else f"P{_fmt_num(n * 100)}Y"
    if n is None:
        return f"PX{code}"
    if not float(n).is_integer() and unit == "year":
        return f"P{int(n)}Y{int(round((n % 1) * 12))}M"
    return f"P{_fmt_num(n)}{code}"


_GRAN_OF_UNIT = {"year": "year", "month": "month", "week": "week", "day": "day",
                 "hour": "time", "minute": "time", "second": "time", "decade": "decade",
                 "century": "century", "quarter": "quarter", "fortnight": "week"}


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("text", "dct", "last_q", "last_q_pos", "dct_at_calendar_edge")

    def __init__(self, text: str, dct: date | None):
        self.text = text
        self.dct = dct
        # Resolving against the DCT reaches up to two years either side of it (a winter's candidates),
        # which leaves datetime.date's years 1..9999 only for a DCT at their very ends.
        self.dct_at_calendar_edge = dct is not None and not 2 < dct.year < 9998
        self.last_q: tuple[int, int] | None = None
        self.last_q_pos = -10**9


def _mk(ctx: _Ctx, s: int, e: int, typ: str, value: str, kind: str, gran: str, tense: str,
        explicit: bool = False, anchor: str | None = None, rng: tuple[date, date] | None = None):
    text = ctx.text
    # trim trailing spaces / punctuation that regex alternatives might include
    while e > s and text[e - 1] in " \t\n,":
        e -= 1
    if rng is not None:
        lo, hi = rng
    elif typ in ("DATE", "TIME") and value[:1].isdigit():
        lo, hi = _bounds(value)
    else:
        lo = hi = None
    return Mention(s, e, text[s:e], typ, value, kind, gran, tense, explicit, anchor, lo, hi)


# "March for Life", "Spring of Life": a capitalised month / season heading a proper name
_NAME_AFTER = re.compile(r"\s+(?:for|of)\s+(?:the\s+)?[A-Z][a-z]")


_PREV_WORD = re.compile(r"([A-Za-z']+)[\s-]*$")


def _prev_word(text: str, s: int) -> str:
    m = _PREV_WORD.search(text[max(0, s - 20):s])
    return m.group(1).lower() if m else ""


# Patterns of the handlers, compiled once (re.search(str, ...) pays a cache lookup per call).
_DIGITS = re.compile(r"\d+")
_FOUR_DIGITS = re.compile(r"\d{4}")
_CLOCK_PREP_BEFORE = re.compile(r"\b(?:at|by|until|from|before|after|around)\s*$")
_ACRONYM_BEFORE = re.compile(r"\b[A-Z]{2,}\s+$")
_OF_BEFORE = re.compile(r"(?<!\b[Aa]s)\s+of\s+$")  # "the world of tomorrow", not "as of tomorrow"
_AMOUNT_BEFORE = re.compile(r"[\d%]\s*$")
_AGO_AFTER = re.compile(r"\s+(?:earlier|ago|later)")
_COUNT_BEFORE_YEAR = re.compile(r"(?:\d[\s,-]|\bNo\.?\s*|#\s*|\(\s*)$")
_RANGE_AFTER_YEAR = re.compile(r"\s*\)?\s*-\s*\d")
_NAME_WORD_AFTER = re.compile(r" [A-Z]")  # "April Ryan": a capitalised word right after
_THE = re.compile(r"(?i)the\b")


# A case-insensitive group can match a non-ASCII look-alike letter ("thiſ" with U+017F, "fırst" with
# U+0131) that lower() does not turn back into the ASCII word, so the handlers look such words up with
# .get() and find no mention there, and extract_mentions goes on to the next rule.


def _iso_date(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    s, e = m.span()
    y, mo, d = int(g("iso_y")), int(g("iso_m")), int(g("iso_d"))
    if not _safe_date(y, mo, d) or not 1000 <= y <= 2200:
        return None
    if g("iso_H"):
        return _mk(ctx, s, e, "TIME", f"{_ymd(y, mo, d)}T{g('iso_H')}:{g('iso_M')}", "time",
                   "time", _tense(ctx.text, s, e), True)
    return _mk(ctx, s, e, "DATE", _ymd(y, mo, d), "absolute", "day", _tense(ctx.text, s, e), True)


def _numeric_date(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    r = _num_date(m.group("num"))
    if r is None:
        return None
    y, mo, d = r
    if not 1800 <= y <= 2100:
        return None
    return _mk(ctx, s, e, "DATE", _ymd(y, mo, d), "absolute", "day", _tense(ctx.text, s, e), True)


def _am_pm_time(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    tense = _tense(ctx.text, *m.span())
    h = int(g("tm_h"))
    mi = int(g("tm_m") or 0)
    ap = g("tm_ap").lower()
    if h > 12 or h == 0:
        return None
    if ap.startswith("p") and h != 12:
        h += 12
    if ap.startswith("a") and h == 12:
        h = 0
    return _clock(ctx, m, tense, f"{h:02d}:{mi:02d}", g("tm_rest"))


def _clock_time(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    s, e = m.span()
    tense = _tense(ctx.text, s, e)
    if g("t24_tz") is None:
        prev = ctx.text[max(0, s - 12):s].lower()
        if not _CLOCK_PREP_BEFORE.search(prev):
            return None
    return _clock(ctx, m, tense, f"{int(g('t24_h')):02d}:{g('t24_m')}", None)


def _noon_or_midnight(ctx: _Ctx, m: re.Match) -> Mention | None:
    tense = _tense(ctx.text, *m.span())
    hhmm = "24:00" if m.group("nn").lower() == "midnight" else "12:00"
    return _clock(ctx, m, tense, hhmm, m.group("nn_rest"))


def _clock(ctx: _Ctx, m: re.Match, tense: str, hhmm: str, rest: str | None) -> Mention:
    """A time of day on the day ``rest`` names ("Thursday", "Nov. 9"), or on the DCT without one."""
    dct = ctx.dct
    s, e = m.span()
    if rest:
        day_val, anchor = _day_of(ctx, rest, tense)
    else:
        day_val, anchor = (_ymd(dct.year, dct.month, dct.day), "0D") if dct else ("XXXX-XX-XX", "0D")
    rng = None
    if day_val[:1].isdigit():
        lo, hi = _bounds(day_val)
        rng = (lo, hi) if lo else None
    explicit = bool(rest and _FOUR_DIGITS.search(rest))
    return _mk(ctx, s, e, "TIME", f"{day_val}T{hhmm}", "time", "time", tense, explicit,
               None if explicit else anchor, rng if rng else (None, None))


def _month_day_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    text = ctx.text
    e = m.end()
    day = int(_DIGITS.match(g("md_d")).group())
    d2 = g("md_d2")
    day2 = int(_DIGITS.match(d2).group()) if d2 else None
    if day2 is not None and day2 <= day:
        # "March 1 or 2" fine; "June 15-16" fine; otherwise drop the range part
        e = m.start("md_d2") - 1
        while text[e - 1] in " -–" or text[e - 1].isalpha():
            e -= 1
            if text[e - 1].isdigit():
                break
        day2 = None
    return _calendar_day(ctx, m.start(), e, _month_num(g("md_mon")), day, day2, g("md_y"))


def _day_month_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    day = int(_DIGITS.match(g("dm_d")).group())
    return _calendar_day(ctx, m.start(), m.end(), _month_num(g("dm_mon")), day, None, g("dm_y"))


def _calendar_day(ctx: _Ctx, s: int, e: int, mon: int, day: int, day2: int | None,
                  yr: str | None) -> Mention | None:
    """A day (or a range of days in one month) named by month and day, its year written or inferred."""
    dct = ctx.dct
    tense = _tense(ctx.text, s, e)
    if yr:
        y = int(yr)
        first = _safe_date(y, mon, day)
        last = _safe_date(y, mon, day2) if day2 else first
        if first is None or last is None:
            return None
        return _mk(ctx, s, e, "DATE", first.isoformat(), "absolute", "day", tense, True,
                   None, (first, last))
    if dct is None:
        if _safe_date(2000, mon, day) is None:
            return None
        return _mk(ctx, s, e, "DATE", f"XXXX-{mon:02d}-{day:02d}", "month_day", "day", tense,
                   False, None, (None, None))
    y = _resolve_month_day(mon, day, dct, tense)
    if y is None:
        return None
    first = date(y, mon, day)
    last = (_safe_date(y, mon, day2) if day2 else first) or first
    anchor = "0D" if first == dct else ("+P" if first > dct else "-P")
    return _mk(ctx, s, e, "DATE", first.isoformat(), "month_day", "day", tense, False,
               anchor, (first, last))


def _month_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    s, e = m.span()
    mon = _month_num(g("my_mon"))
    y = int(g("my_y")) if g("my_y") else _spelled_year(g("my_wy"))
    if y is None:
        return None
    return _mk(ctx, s, e, "DATE", f"{y:04d}-{mon:02d}", "month_year", "month", _tense(ctx.text, s, e), True)


def _modified_month(ctx: _Ctx, m: re.Match) -> Mention | None:
    return _month(ctx, m.start(), m.end(), m.group("mm_mon"), (m.group("mm_rel") or "").lower(), "")


# words before a bare "May" that make it the month, not the verb
_MAY_BEFORE = frozenset("""in since until by of from through during before after early late mid end
last next this and or to till between on""".split())


def _bare_month(ctx: _Ctx, m: re.Match) -> Mention | None:
    text = ctx.text
    s = m.start()
    mon_s, rel, rel2 = m.group("bm_mon"), (m.group("bm_rel") or "").lower(), (m.group("bm_rel2") or "").lower()
    if rel in ("since", "until"):
        s = m.start("bm_mon")
        rel = ""
    if not rel and not rel2:
        pw = _prev_word(text, s)
        if mon_s == "May" and pw not in _MAY_BEFORE:
            return None
        if _NAME_AFTER.match(text, m.end()):
            return None  # a name: the March for Life, the March of the Combatant Mothers
        if mon_s in ("March", "August", "April", "June") and _NAME_WORD_AFTER.match(text, m.end()) \
                and pw not in ("in", "since", "until", "by", "of", "from", "during"):
            return None  # a name: April Ryan, June Carter, March Madness
    return _month(ctx, s, m.end(), mon_s, rel, rel2)


def _month(ctx: _Ctx, s: int, e: int, mon_s: str, rel: str, rel2: str) -> Mention:
    """A month without a year: "March", "last March", "March next year"."""
    dct = ctx.dct
    mon = _month_num(mon_s)
    tense = _tense(ctx.text, s, e)
    if dct is None:
        return _mk(ctx, s, e, "DATE", f"XXXX-{mon:02d}", "month_year", "month", tense, False,
                   None, (None, None))
    if rel2 == "last":
        y = dct.year - 1
    elif rel2 == "next":
        y = dct.year + 1
    elif rel2 == "this":
        y = dct.year
    elif rel in ("last", "this past"):
        y = dct.year if mon < dct.month else dct.year - 1
    elif rel in ("next", "this coming"):
        y = dct.year if mon > dct.month else dct.year + 1
    elif rel == "this":
        y = dct.year
    else:
        y = _resolve_month(mon, dct, tense)
    k = (y - dct.year) * 12 + mon - dct.month
    return _mk(ctx, s, e, "DATE", f"{y:04d}-{mon:02d}", "month_year", "month", tense, False,
               f"{k:+d}M" if k else "0M")


def _decade(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    tense = _tense(text, s, e)
    if g("dec"):
        v = g("dec")[:3]
    elif g("dec2"):
        if dct is None:
            v = "19" + g("dec2")
        else:
            c = dct.year // 100
            v = f"{c if int(g('dec2')) * 10 <= dct.year % 100 + 5 else c - 1}{g('dec2')}"
    else:
        n = _DECADE_WORDS.get(g("dec3").lower())
        if n is None:
            return None  # a look-alike letter
        if not _THE.match(text, s, e):
            return None
        if dct is None:
            v = f"19{n}"
        else:
            c = dct.year // 100
            v = f"{c if n * 10 <= dct.year % 100 else c - 1}{n}"
    return _mk(ctx, s, e, "DATE", v, "decade", "decade", tense, True)


_CENTURY_WORDS = {"eighteenth": 18, "nineteenth": 19, "twentieth": 20, "twenty-first": 21}


def _century(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    if m.group("ce"):
        n = int(m.group("ce"))
    else:
        n = _CENTURY_WORDS.get(m.group("cew").lower().replace(" ", "-"))
        if n is None:
            return None  # a look-alike letter
    if not 1 <= n <= 22:
        return None
    return _mk(ctx, s, e, "DATE", f"{n - 1:02d}", "year", "century", _tense(ctx.text, s, e), True)


def _modified_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    y = int(m.group("ym_y"))
    return _mk(ctx, s, e, "DATE", f"{y:04d}", "year", "year", _tense(ctx.text, s, e), True)


def _the_weekend(ctx: _Ctx, m: re.Match) -> Mention | None:
    dct = ctx.dct
    s, e = m.span()
    tense = _tense(ctx.text, s, e)
    if dct is None:
        return _mk(ctx, s, e, "DATE", "XXXX-WXX-WE", "relative", "week", tense, False, None,
                   (None, None))
    if tense == "future":
        d = dct + timedelta(days=(5 - dct.weekday()) % 7)
    else:
        d = dct - timedelta(days=(dct.weekday() - 5) % 7 if dct.weekday() >= 5 else dct.weekday() + 2)
    v = _week_value(d) + "-WE"
    lo, hi = _bounds(v)
    return _mk(ctx, s, e, "DATE", v, "relative", "week", tense, False,
               "0W" if (lo <= dct <= hi) else ("+1W" if d > dct else "-1W"), (lo, hi))


def _plural_weekday(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    wd = WEEKDAY_NUMBER[m.group("wds")[:-1].lower()]
    return _mk(ctx, s, e, "SET", f"XXXX-WXX-{wd + 1}", "set", "day", _tense(ctx.text, s, e))


def _fiscal_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    ys = m.group("fy_y").lstrip("'")
    if len(ys) == 2:
        y = (1900 if int(ys) > 30 else 2000) + int(ys)
    else:
        y = int(ys)
    # a fiscal (or model) year is not the calendar year of the same number: kind "fiscal"
    kind = "year" if m.group("fy").lower() == "calendar" else "fiscal"
    return _mk(ctx, s, e, "DATE", f"{y:04d}", kind, "year", _tense(ctx.text, s, e), True)


def _month_num(s: str) -> int:
    s = s.lower().rstrip(".")
    return MONTH_NUMBER["sept" if s.startswith("sept") else s[:3]]


def _day_of(ctx: _Ctx, rest: str, tense: str) -> tuple[str, str | None]:
    dct = ctx.dct
    r = rest.lower()
    if r in ("today", "yesterday", "tomorrow"):
        k = {"today": 0, "yesterday": -1, "tomorrow": 1}[r]
        if dct is None:
            return "XXXX-XX-XX", f"{k:+d}D" if k else "0D"
        return (dct + timedelta(days=k)).isoformat(), (f"{k:+d}D" if k else "0D")
    if r in WEEKDAY_NUMBER:
        if dct is None:
            return f"XXXX-WXX-{WEEKDAY_NUMBER[r] + 1}", None
        d, a = _resolve_weekday(WEEKDAY_NUMBER[r], dct, tense, None)
        return d.isoformat(), a
    mm = re.match(r"([A-Za-z]+)\.?\s*(\d+)", rest)
    if mm:
        mon = _month_num(mm.group(1))
        day = int(mm.group(2))
        if dct is None:
            return f"XXXX-{mon:02d}-{day:02d}", None
        y = _resolve_month_day(mon, day, dct, tense) or dct.year
        d = _safe_date(y, mon, day)
        if d:
            return d.isoformat(), ("+P" if d > dct else "-P" if d < dct else "0D")
    return "XXXX-XX-XX", None


def _half_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    dct = ctx.dct
    s, e = m.span()
    tense = _tense(ctx.text, s, e)
    h = 1 if m.group("h_ord").lower() == "first" else 2
    if m.group("h_y"):
        return _mk(ctx, s, e, "DATE", f"{int(m.group('h_y')):04d}-H{h}", "quarter", "quarter", tense, True)
    if dct is None:
        return _mk(ctx, s, e, "DATE", f"XXXX-H{h}", "quarter", "quarter", tense, False, None,
                   (None, None))
    cands = [(date(yy, 1 if h == 1 else 7, 1), date(yy, 6 if h == 1 else 12, 30 if h == 1 else 31), yy)
             for yy in (dct.year - 1, dct.year, dct.year + 1)]
    y = _pick(cands, dct, tense if tense == "future" else "past", slack=0)[2]
    return _mk(ctx, s, e, "DATE", f"{y:04d}-H{h}", "quarter", "quarter", tense, False)


def _quarter_code(ctx: _Ctx, m: re.Match) -> Mention | None:
    """Q3, Q3 1987, 1987-Q3, Q3/'87."""
    s = m.start()
    tense = _tense(ctx.text, s, m.end())
    ys = m.group("qq_y") or m.group("qq_y0")
    y = None
    if ys:
        ys = ys.lstrip("'")
        y = int(ys) if len(ys) == 4 else (1900 if int(ys) > 30 else 2000) + int(ys)
    return _ordinal_quarter(ctx, m, tense, int(m.group("qq")), y)


# a determiner before "third quarter" that fixes its year: offset from the DCT's year
_QUARTER_DET_YEAR = {"this year's": 0, "this": 0, "last year's": -1, "the year-ago": -1,
                     "the year-earlier": -1, "next year's": 1}


def _quarter_of_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    """[the] [1988] [fiscal] third quarter [of 1988]."""
    g = m.group
    dct = ctx.dct
    tense = _tense(ctx.text, *m.span())
    q = _ORD.get(g("q_ord").lower())
    if q is None:
        return None  # a look-alike letter
    ys = g("q_y2") or g("q_y1")
    y = int(ys) if ys else None
    det = (g("q_det") or "").lower()
    if y is None and dct is not None:
        if det in _QUARTER_DET_YEAR:
            y = dct.year + _QUARTER_DET_YEAR[det]
        elif det == "last":
            y = dct.year if q < _quarter_of(dct)[1] else dct.year - 1
        elif det == "next":
            y = dct.year if q > _quarter_of(dct)[1] else dct.year + 1
        elif det == "the same" and ctx.last_q:
            y = ctx.last_q[0]
    return _ordinal_quarter(ctx, m, tense, q, y, bool(ys))


def _ordinal_quarter(ctx: _Ctx, m: re.Match, tense: str, q: int, y: int | None,
                     explicit: bool | None = None) -> Mention:
    """Quarter ``q`` of year ``y`` (inferred from the DCT and tense when None); it becomes the quarter
    under discussion, which "the year-ago period" and "a year earlier" refer back to."""
    dct = ctx.dct
    s, e = m.span()
    if explicit is None:
        explicit = y is not None
    anchor = None
    if y is None:
        if dct is None:
            ctx.last_q_pos = s
            return _mk(ctx, s, e, "DATE", f"XXXX-Q{q}", "quarter", "quarter", tense, False, None,
                       (None, None))
        y = _resolve_quarter(q, dct, tense)
    if dct is not None and not explicit:
        cy, cq = _quarter_of(dct)
        k = (y - cy) * 4 + q - cq
        anchor = f"{k:+d}Q" if k else "0Q"
    ctx.last_q = (y, q)
    ctx.last_q_pos = s
    return _mk(ctx, s, e, "DATE", f"{y:04d}-Q{q}", "quarter", "quarter", tense, explicit, anchor)


def _the_quarter_or_period(ctx: _Ctx, m: re.Match) -> Mention | None:
    """the quarter, the latest quarter, the year-ago period, the 1988 quarter, the current fiscal year."""
    g = m.group
    s, e = m.span()
    tense = _tense(ctx.text, s, e)  # of the whole match, even when the span is cut below
    u = g("gq_u").lower()
    mod = (g("gq_mod") or "").lower()
    yy = g("gq_y")
    # "the quarter a year ago", and "the (same) period a year ago" while a quarter is under
    # discussion: one expression, that quarter a year back
    ago = g("gq_ago") is not None and not yy and (
        u == "quarter" or (u == "period" and ctx.last_q is not None and s - ctx.last_q_pos < 1500))
    if not ago and g("gq_ago") is not None:
        e = m.end("gq_u")
    if u in ("year", "fiscal year"):
        return _the_year(ctx, s, e, tense, yy, mod, g("gq_det").lower() == "this" and u == "fiscal year")
    if u == "period" and not (mod or yy or ago):
        return None
    if yy:
        return _quarter_in_year(ctx, s, e, tense, int(yy))
    return _the_quarter(ctx, s, e, tense, mod, g("gq_det").lower(), ago)


def _the_year(ctx: _Ctx, s: int, e: int, tense: str, yy: str | None, mod: str,
              this_fiscal_year: bool) -> Mention | None:
    """the 1988 fiscal year; the current (fiscal) year. Other years ("the previous year") are no mention."""
    if yy:
        return _mk(ctx, s, e, "DATE", yy, "year", "year", tense, True)
    if mod in ("current", "latest fiscal") or this_fiscal_year:
        if ctx.dct is None:
            return None
        return _mk(ctx, s, e, "DATE", f"{ctx.dct.year:04d}", "relative", "year", tense, False, "0Y")
    return None


def _quarter_in_year(ctx: _Ctx, s: int, e: int, tense: str, y: int) -> Mention:
    """"the 1988 period/quarter": the quarter under discussion, in that year."""
    if ctx.last_q and s - ctx.last_q_pos < 600:
        q = ctx.last_q[1]
    elif ctx.dct:
        q = _shift_quarter(*_quarter_of(ctx.dct), -1)[1]
    else:
        return _mk(ctx, s, e, "DATE", f"{y:04d}-QX", "quarter", "quarter", tense, True, None, (None, None))
    return _mk(ctx, s, e, "DATE", f"{y:04d}-Q{q}", "quarter", "quarter", tense, True)


def _the_quarter(ctx: _Ctx, s: int, e: int, tense: str, mod: str, det: str, ago: bool) -> Mention:
    """"the quarter", "the latest quarter", "the year-ago quarter": relative to the DCT or to the
    quarter under discussion, which it then becomes."""
    dct = ctx.dct
    if dct is None:
        return _mk(ctx, s, e, "DATE", "XXXX-QX", "quarter", "quarter", tense, False, None, (None, None))
    cy, cq = _quarter_of(dct)
    # "the year-ago quarter", "the quarter a year ago": the quarter under discussion, a year back
    year_back = mod in ("year-ago", "year-earlier", "year earlier", "comparable year-ago") or \
        det in ("the year-ago", "the year-earlier", "last year's", "a year ago") or ago
    if mod == "current" or (det == "this" and not mod):
        (y, q), k = (cy, cq), 0
    elif mod in ("latest", "most recent", "just-ended", "recent", "latest fiscal"):
        (y, q), k = _shift_quarter(cy, cq, -1), -1
    elif ctx.last_q and s - ctx.last_q_pos < 1500 and mod not in ("previous", "last", "past"):
        (y, q), k = ctx.last_q, None
    elif mod in ("previous", "last", "past") or tense != "future":
        (y, q), k = _shift_quarter(cy, cq, -1), -1
    else:
        (y, q), k = (cy, cq), 0
    if year_back:
        y -= 1
        k = None
    anchor = f"{k:+d}Q" if k else ("0Q" if k == 0 else None)
    # "the latest quarter", "the year-ago quarter": the quarter under discussion from now on
    ctx.last_q = (y + 1, q) if year_back else (y, q)
    ctx.last_q_pos = s
    return _mk(ctx, s, e, "DATE", f"{y:04d}-Q{q}", "quarter", "quarter", tense, False, anchor)


def _season(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    name = g("s_n").lower()
    rel = (g("s_rel") or "").lower()
    ys = g("s_y")
    if not ys and g("s_wy"):
        wy = _spelled_year(g("s_wy"))
        if wy is None:
            return None
        ys = str(wy)
    code = _SEASON.get(name)
    if code is None:
        return None  # a look-alike letter
    if name == "fall" and not ys and rel not in ("this", "last", "next", "this past", "early",
                                                "late", "this coming"):
        return None
    if name == "fall" and not (text[m.start("s_n")] == "f" or text[m.start("s_n")] == "F"):
        return None
    if not ys and text[m.start("s_n")].isupper() and _NAME_AFTER.match(text, m.end()):
        return None  # a name: "Spring of Life" demonstrations
    tense = _tense(text, s, e)
    if ys:
        return _mk(ctx, s, e, "DATE", f"{int(ys):04d}-{code}", "season", "season", tense, True)
    if dct is None:
        return _mk(ctx, s, e, "DATE", f"XXXX-{code}", "season", "season", tense, False, None,
                   (None, None))
    sm = _SEASON_START[code]
    cands = []
    for y in (dct.year - 1, dct.year, dct.year + 1):
        lo = date(y, sm, 1)
        ey, em = _add_months(y, sm, 2)
        cands.append((lo, date(ey, em, _last_dom(ey, em)), y))
    if dct.month <= 2 and code == "WI":
        cands.insert(0, (date(dct.year - 2, 12, 1), date(dct.year - 1, 2, 28), dct.year - 2))
    cur = next((c for c in cands if c[0] <= dct <= c[1]), None)
    if rel in ("last", "this past"):
        past = [c for c in cands if c[1] < dct]
        y = max(past, key=lambda c: c[0])[2] if past else dct.year - 1
        anchor = "-1Y" if y < dct.year else "-P"
    elif rel in ("next", "this coming"):
        fut = [c for c in cands if c[0] > dct]
        y = min(fut, key=lambda c: c[0])[2] if fut else dct.year + 1
        anchor = "+P"
    elif rel == "this":
        y = cur[2] if cur else dct.year
        anchor = "0Y"
    else:
        y = cur[2] if cur else _pick(cands, dct, tense, slack=0)[2]
        anchor = None
    return _mk(ctx, s, e, "DATE", f"{y:04d}-{code}", "season", "season", tense, False, anchor)


def _shift(dct: date, unit: str, k: int) -> tuple[str, str, date, date]:
    """Value for the unit-sized period k units from the DCT.  Returns value, gran, lo, hi."""
    if unit == "day":
        d = dct + timedelta(days=k)
        return d.isoformat(), "day", d, d
    if unit in ("week", "weekend"):
        d = dct + timedelta(weeks=k)
        v = _week_value(d)
        if unit == "weekend":
            v += "-WE"
        lo, hi = _bounds(v)
        return v, "week", lo, hi
    if unit == "month":
        y, mo = _add_months(dct.year, dct.month, k)
        v = f"{y:04d}-{mo:02d}"
        lo, hi = _bounds(v)
        return v, "month", lo, hi
    if unit == "quarter":
        y, q = _shift_quarter(*_quarter_of(dct), k)
        v = f"{y:04d}-Q{q}"
        lo, hi = _bounds(v)
        return v, "quarter", lo, hi
    if unit == "decade":
        dec = dct.year // 10 + k
        v = f"{dec:03d}"
        lo, hi = _bounds(v)
        return v, "decade", lo, hi
    if unit == "century":
        c = dct.year // 100 + k
        v = f"{c:02d}"
        lo, hi = _bounds(v)
        return v, "century", lo, hi
    y = dct.year + k
    return f"{y:04d}", "year", date(y, 1, 1), date(y, 12, 31)


_UNIT_ANCHOR = {"day": "D", "week": "W", "weekend": "W", "month": "M", "year": "Y",
                "quarter": "Q", "decade": "DE", "century": "CE"}
_XVAL = {"day": "XXXX-XX-XX", "week": "XXXX-WXX", "weekend": "XXXX-WXX-WE", "month": "XXXX-XX",
         "year": "XXXX", "quarter": "XXXX-QX", "decade": "XXX", "century": "XX"}


_REL_OFFSET = {"this": 0, "current": 0, "last": -1, "next": 1, "coming": 1, "this past": -1, "this coming": 1}


def _relative_unit(ctx: _Ctx, m: re.Match) -> Mention | None:
    """this week, last month, the coming year, early next quarter."""
    g = m.group
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    u = g("rel_u").lower()
    if u == "fiscal year":
        u = "year"
    d = g("rel_dir").lower()
    the = bool(g("rel_the"))
    mod = (g("rel_mod") or "").lower()
    if g("rel_u")[:1].isupper() and not g("rel_u").isupper() and text[s - 1:s] in ('"', "“", "`", "'"):
        return None  # a quoted title: ABC's "This Week"
    tense = _tense(text, s, e)
    if the and d in ("past", "last", "next", "coming", "previous", "following") and \
            u not in ("weekend",) and not mod:
        # "the past year", "the next month": a one-unit duration
        return _mk(ctx, s, e, "DURATION", _duration_value(1, u), "duration",
                   _GRAN_OF_UNIT.get(u, "none"), tense)
    if d in ("past",) and not the:
        return _mk(ctx, s, e, "DURATION", _duration_value(1, u), "duration",
                   _GRAN_OF_UNIT.get(u, "none"), tense)
    if d in ("same", "following", "previous") or (d == "current" and u != "year" and u != "quarter"):
        if d == "following" and dct is None:
            return None
        if d == "same":
            return None
        k = 1 if d == "following" else -1 if d == "previous" else 0
    else:
        k = _REL_OFFSET.get(d)
    if k is None or u not in _UNIT_ANCHOR:
        return None  # a look-alike letter
    if u == "weekend" and d == "this":
        k = 0
    if u == "weekend" and d == "last" and dct is not None and dct.weekday() == 6:
        k = 0
    anchor = f"{k:+d}{_UNIT_ANCHOR[u]}" if k else f"0{_UNIT_ANCHOR[u]}"
    if u == "week" and k == 0:
        anchor = "+0W"
    if dct is None:
        return _mk(ctx, s, e, "DATE", _XVAL[u], "relative", _GRAN_OF_UNIT.get(u, "week"), tense,
                   False, anchor, (None, None))
    v, gran, lo, hi = _shift(dct, u, k)
    if u == "quarter":
        ctx.last_q = tuple(int(x) for x in v.split("-Q"))
        ctx.last_q_pos = s
    return _mk(ctx, s, e, "DATE", v, "relative", gran, tense, False, anchor, (lo, hi))


def _units_ago(ctx: _Ctx, m: re.Match) -> Mention | None:
    """two years ago, three days later, a week before."""
    g = m.group
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    unit = _unit_of(g("ago_u"))
    n_s = g("ago_n")
    if n_s.lower() in ("a", "an") and unit == "second":
        return None
    n = _num_value(n_s)
    direction = g("ago_dir").lower()
    tense = "past" if direction in ("ago", "earlier", "before") else "future"
    if direction in ("before", "after"):
        # "two days before the vote": anchored on an event, a duration is all we can say
        e = m.start("ago_dir")
        return _mk(ctx, s, e, "DURATION", _duration_value(n, unit), "duration",
                   _GRAN_OF_UNIT.get(unit, "none"), tense)
    sign = -1 if tense == "past" else 1
    if unit in ("hour", "minute", "second"):
        return _mk(ctx, s, e, "TIME", "PAST_REF" if sign < 0 else "FUTURE_REF", "relative",
                   "none", tense)
    if n is None:
        if direction in ("earlier", "later") and n_s.lower() in _VAGUE_NUM:
            return None
        return _mk(ctx, s, e, "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF", "relative",
                   "none", tense)
    k = int(round(n)) * sign
    # a year ago / a year earlier right after a quarter: the same quarter a year before
    if unit == "year" and n == 1 and ctx.last_q and s - ctx.last_q_pos < 300:
        y, q = ctx.last_q
        v = f"{y - 1:04d}-Q{q}"
        return _mk(ctx, s, e, "DATE", v, "relative", "quarter", tense, False, f"{k:+d}Y")
    if unit in ("quarter",):
        if dct is None:
            return _mk(ctx, s, e, "DATE", "XXXX-QX", "relative", "quarter", tense, False,
                       f"{k:+d}Q", (None, None))
    if unit == "fortnight":
        unit, k = "week", k * 2
    if unit not in _UNIT_ANCHOR:
        return None
    anchor = f"{k:+d}{_UNIT_ANCHOR[unit]}"
    if dct is None:
        return _mk(ctx, s, e, "DATE", _XVAL[unit], "relative", _GRAN_OF_UNIT[unit], tense, False,
                   anchor, (None, None))
    try:
        v, gran, lo, hi = _shift(dct, unit, k)
    except (ValueError, OverflowError):
        return None  # "5000 years ago", "99999999999 days ago": outside the calendar of datetime.date
    return _mk(ctx, s, e, "DATE", v, "relative", gran, tense, False, anchor, (lo, hi))


def _year_ago(ctx: _Ctx, m: re.Match) -> Mention | None:
    """a year earlier, the year-ago quarter, the month before."""
    g = m.group
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    unit = g("ya").lower()
    the = (g("ya_the") or "").lower()
    tail = (g("ya_u") or "").lower()
    tense = "past"
    if not the and not tail and unit != "year":
        return None
    if unit != "year":
        if dct is None or the != "a":
            return None
        k = -1
        v, gran, lo, hi = _shift(dct, unit, k)
        return _mk(ctx, s, e, "DATE", v, "relative", gran, tense, False,
                   f"-1{_UNIT_ANCHOR[unit]}", (lo, hi))
    if tail == "nine months":
        # "the year-earlier nine months": a nine-month period, like "the first nine months"
        return _mk(ctx, s, e, "DURATION", "P9M", "duration", "month", tense)
    if dct is None:
        return _mk(ctx, s, e, "DATE", "XXXX", "relative", "year", tense, False, "-1Y", (None, None))
    if "quarter" in tail or "period" in tail or (ctx.last_q and s - ctx.last_q_pos < 400):
        q = None
        for o, n in _ORD.items():
            if tail.startswith(o):
                q = n
        if q is None:
            if ctx.last_q:
                y, q = ctx.last_q
                y -= 1
            else:
                y, q = _shift_quarter(*_quarter_of(dct), -1)
                y -= 1
        else:
            y = _resolve_quarter(q, dct, "past") - 1
        return _mk(ctx, s, e, "DATE", f"{y:04d}-Q{q}", "relative", "quarter", tense, False, "-1Y")
    return _mk(ctx, s, e, "DATE", f"{dct.year - 1:04d}", "relative", "year", tense, False, "-1Y")


_DAY_WORD_OFFSET = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1,
                    "the day before yesterday": -2, "the day after tomorrow": 2}
_PART_OF_DAY_OFFSET = {"this": 0, "last": -1, "that": 0, "the next": 1, "tomorrow": 1, "yesterday": -1}


def _day_word(ctx: _Ctx, m: re.Match) -> Mention | None:
    """today, yesterday, tomorrow morning, tonight, the day after tomorrow."""
    g = m.group
    text = ctx.text
    tense = _tense(text, *m.span())
    w = " ".join(g("dw").lower().split())
    tod = (g("dw_tod") or "").lower()
    k = _DAY_WORD_OFFSET.get(w)
    if w == "tonight":
        tod = "night"
    if k is None or tod and tod not in _TOD:
        return None  # a look-alike letter
    ws = m.start("dw")
    if not g("dw_mod") and not tod:
        if text[ws].isupper() and text[ws + 1].islower() and \
                _ACRONYM_BEFORE.search(text, max(0, ws - 12), ws):
            return None  # a title after an acronym: "USA Today", "This is VOA Today"
        if k and _OF_BEFORE.search(text, max(0, ws - 8), ws):
            return None  # figurative: "the people of tomorrow", "the heroes of yesterday"
    return _day_offset(ctx, m, tense, k, tod)


def _part_of_day(ctx: _Ctx, m: re.Match) -> Mention | None:
    """this morning, last night, yesterday afternoon."""
    tense = _tense(ctx.text, *m.span())
    rel = m.group("td_rel").lower()
    tod = m.group("td").lower()
    k = _PART_OF_DAY_OFFSET.get(rel)
    if k is None or tod not in _TOD:
        return None  # a look-alike letter
    if rel == "last" and tod != "night":
        return None
    if rel == "that" and ctx.dct is not None:
        return None
    return _day_offset(ctx, m, tense, k, tod)


def _day_offset(ctx: _Ctx, m: re.Match, tense: str, k: int, tod: str) -> Mention:
    """The day ``k`` days from the DCT, or a part of it (``tod``) as a TIME."""
    dct = ctx.dct
    s, e = m.span()
    anchor = f"{k:+d}D" if k else "0D"
    if dct is None:
        v = "XXXX-XX-XX" + (f"T{_TOD[tod]}" if tod else "")
        return _mk(ctx, s, e, "TIME" if tod else "DATE", v, "time" if tod else "relative",
                   "time" if tod else "day", tense, False, anchor, (None, None))
    d = dct + timedelta(days=k)
    v = d.isoformat()
    if tod:
        return _mk(ctx, s, e, "TIME", f"{v}T{_TOD[tod]}", "time", "time", tense, False, anchor,
                   (d, d))
    return _mk(ctx, s, e, "DATE", v, "relative", "day", tense, False, anchor, (d, d))


def _weekday(ctx: _Ctx, m: re.Match) -> Mention | None:
    """Monday, last Friday, this coming Tuesday, Sunday night."""
    g = m.group
    dct = ctx.dct
    s, e = m.span()
    wd = WEEKDAY_NUMBER[g("wd").lower()]
    rel = (g("wd_rel") or "").lower()
    tod = (g("wd_tod") or "").lower()
    if tod and tod not in _TOD:
        return None  # a look-alike letter
    rel_eff = None if rel in ("early", "late", "earlier", "later") else rel or None
    tense = _tense(ctx.text, s, e)
    if dct is None:
        v = f"XXXX-WXX-{wd + 1}" + (f"T{_TOD[tod]}" if tod else "")
        anchor = "-P" if rel_eff in ("last", "this past", "the previous") else \
            "+P" if rel_eff in ("next", "this coming", "the following", "the next") else \
            ("+P" if tense == "future" else "-P")
        return _mk(ctx, s, e, "TIME" if tod else "DATE", v, "time" if tod else "weekday",
                   "time" if tod else "day", tense, False, anchor, (None, None))
    d, anchor = _resolve_weekday(wd, dct, tense, rel_eff)
    if d == dct:
        anchor = "0D"
    if tod:
        # "Friday night": a part of that day, like "yesterday morning" (HeidelTime: TIME ...TNI)
        return _mk(ctx, s, e, "TIME", f"{d.isoformat()}T{_TOD[tod]}", "time", "time", tense, False,
                   anchor, (d, d))
    return _mk(ctx, s, e, "DATE", d.isoformat(), "weekday", "day", tense, False, anchor, (d, d))


_SET_WORD_VALUE = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "annually": "P1Y", "yearly": "P1Y",
                   "hourly": "PT1H", "quarterly": "P3M", "semiannually": "P6M", "biweekly": "P2W",
                   "nightly": "P1D"}
_GRAN_OF_CODE = {"D": "day", "W": "week", "M": "month", "Y": "year", "H": "time"}


def _recurrence(ctx: _Ctx, m: re.Match) -> Mention | None:
    """daily, weekly, every other week, each summer, every Monday, every three months."""
    g = m.group
    s, e = m.span()
    tense = _tense(ctx.text, s, e)
    if g("set_w"):
        v = _SET_WORD_VALUE.get(g("set_w").lower().replace("-", ""))
        if v is None:
            return None  # a look-alike letter
        return _mk(ctx, s, e, "SET", v, "set", _GRAN_OF_CODE[v[-1]], tense)
    u = g("set_u")
    ul = u.lower()
    n = _num_value(g("set_n")) if g("set_n") else 1
    if n is None:
        n = 1
    if u in WEEKDAY_NAMES:
        return _mk(ctx, s, e, "SET", f"XXXX-WXX-{WEEKDAY_NUMBER[ul] + 1}", "set", "day", tense)
    if u in MONTH_NAMES:
        return _mk(ctx, s, e, "SET", f"XXXX-{MONTH_NUMBER[ul]:02d}", "set", "month", tense)
    base = ul[:-1] if ul.endswith("s") else ul
    if base in _SEASON:
        return _mk(ctx, s, e, "SET", f"XXXX-{_SEASON[base]}", "set", "season", tense)
    if base in _TOD:
        return _mk(ctx, s, e, "SET", f"XXXX-XX-XXT{_TOD[base]}", "set", "time", tense)
    if "other" in m.group(0).lower():
        n *= 2
    v = _duration_value(n, base)
    return _mk(ctx, s, e, "SET", v, "set", _GRAN_OF_UNIT.get(base, "none"), tense)


_REF_VAL = {
    "now": "PRESENT_REF", "currently": "PRESENT_REF", "presently": "PRESENT_REF",
    "right now": "PRESENT_REF", "at present": "PRESENT_REF", "nowadays": "PRESENT_REF",
    "these days": "PRESENT_REF",
    "recently": "PAST_REF", "formerly": "PAST_REF", "lately": "PAST_REF", "the past": "PAST_REF",
    "previously": "PAST_REF",
}


def _vague_reference(ctx: _Ctx, m: re.Match) -> Mention | None:
    s, e = m.span()
    w = " ".join(m.group("ref").lower().split())
    text = ctx.text
    tense = _tense(text, s, e)
    if w in ("recent months", "recent weeks", "recent days"):
        return _mk(ctx, s, e, "DURATION", "PX" + {"m": "M", "w": "W", "d": "D"}[w[7]], "duration",
                   {"m": "month", "w": "week", "d": "day"}[w[7]], tense)
    if w in _REF_VAL:
        v = _REF_VAL[w]
    elif w.startswith("recent"):
        v = "PAST_REF"
    else:
        v = "FUTURE_REF"
    if w == "now":
        nxt = text[e:e + 12].lower()
        pw = _prev_word(text, s)
        # "until now", "for now" and "now that ..." are the present; "by now", "from now on",
        # "now-defunct" are not references to it
        if re.match(r"\s+(?:on|known|defunct|retired|closed|famous|former)\b", nxt) or \
                pw in ("from", "by", "than", "since", "as", "of", "just", "even", "right"):
            return None
    if w == "the past" and re.match(r"\s+(?:\d|few|several|two|three|four|five|six|seven|eight|"
                                    r"nine|ten|decade|year|month|week|day|quarter|century)",
                                    text[e:e + 12].lower()):
        return None
    if w == "soon" and _prev_word(text, s) in ("as",):
        return None
    kind = "present_ref" if v == "PRESENT_REF" else "relative"
    return _mk(ctx, s, e, "DATE", v, kind, "none", tense)


def _hyphenated_duration(ctx: _Ctx, m: re.Match) -> Mention | None:
    """a two-year (plan), a 90-day (delay), a three-month-long (strike)."""
    g = m.group
    s, e = m.span()
    unit = _unit_of(g("hy_u"))
    n = _num_value(g("hy_n"))
    if n is None:
        return None
    if g("hy_n").isdigit() and unit == "year" and len(g("hy_n")) == 4:
        return None
    if g("hy_old") and g("hy_old").lower() == "-old" and unit == "year":
        return None  # an age ("6-year-old"), not a period
    return _mk(ctx, s, e, "DURATION", _duration_value(n, unit), "duration",
               _GRAN_OF_UNIT.get(unit, "none"), _tense(ctx.text, s, e))


# words before "a year", "a day" that make it a rate ("twice a day", "$5 a year", "5 mln a year")
_RATE_BEFORE = frozenset("""times twice once thrice dlrs dollars pct percent cents cts tonnes barrels
bpd mln billion million""".split())


def _duration(ctx: _Ctx, m: re.Match) -> Mention | None:
    """three years, the past 12 months, nearly two more weeks, a decade."""
    g = m.group
    text = ctx.text
    s, e = m.span()
    unit = _unit_of(g("dur_u"))
    n_s = " ".join(g("dur_n").lower().split())
    if n_s in ("a", "an") and unit == "second":
        return None
    n = _num_value(n_s)
    if n_s in ("a", "an") and unit in ("year", "day", "week", "month", "quarter") and \
            g("dur_the") is None and g("dur_rel") is None and g("dur_q") is None:
        # "$5 a year", "twice a day" are sets; "a year ago" handled elsewhere
        if _AMOUNT_BEFORE.search(text[max(0, s - 6):s]) or _prev_word(text, s) in _RATE_BEFORE:
            return None
        if _AGO_AFTER.match(text[e:e + 8]):
            return None
    if n_s.replace(".", "").isdigit() and unit == "second" and "." in n_s:
        return None
    if g("dur_old") and g("dur_old").strip(" -").lower() == "old" and unit == "year":
        return None  # "52 years old" is an age
    if (g("dur_rel") or "").lower() == "first" and g("dur_the") is None and unit == "quarter":
        return None
    if n is None and n_s not in _VAGUE_NUM and n_s not in ("a", "an"):
        return None
    if unit == "quarter" and n is not None and n_s in ("a", "an"):
        return None
    return _mk(ctx, s, e, "DURATION", _duration_value(n, unit), "duration",
               _GRAN_OF_UNIT.get(unit, "none"), _tense(text, s, e))


def _year(ctx: _Ctx, m: re.Match) -> Mention | None:
    g = m.group
    text = ctx.text
    s, e = m.span()
    y = int(g("yr"))
    ys, ye = m.span("yr")
    after = text[ye:ye + 25]
    if not g("yr_u") and not g("yr2") and y % 100 < 60 and _CLOCK_AFTER.match(after):
        # "at 1530 EST", "1630 EST/2130 gmt": a 24-hour clock time, not a year
        hhmm = f"{y // 100:02d}:{y % 100:02d}"
        s = ys
        day = ctx.dct.isoformat() if ctx.dct else "XXXX-XX-XX"
        rng = (ctx.dct, ctx.dct) if ctx.dct else (None, None)
        return _mk(ctx, s, ye, "TIME", f"{day}T{hhmm}", "time", "time", _tense(text, s, ye), False,
                   "0D", rng)
    if _UNIT_AFTER_YEAR.match(after) and not g("yr_u"):
        return None
    # a bare year must look like one: sane range, and not a count ("1990 people")
    prev = text[max(0, ys - 25):ys]
    if g("yr_u") is None and not g("yr_the"):
        if not (1900 <= y <= 2099) and not _YEAR_GOOD_PREV.search(prev):
            return None
        if _COUNT_BEFORE_YEAR.search(prev):
            return None
        if _RANGE_AFTER_YEAR.match(after) and not g("yr2"):
            return None
    tense = _tense(text, s, e)
    if g("yr_u") and g("yr_u").lower() == "period" and g("yr_the"):
        # "the 1988 period": same quarter as the one under discussion
        if ctx.last_q and s - ctx.last_q_pos < 600:
            return _mk(ctx, s, e, "DATE", f"{y:04d}-Q{ctx.last_q[1]}", "quarter", "quarter",
                       tense, True)
    if g("yr_u") and g("yr_u").lower() == "year" and not g("yr_the"):
        e = ye
    if g("yr_the") and not g("yr_u"):
        # "the 2020 election": the span is the year alone
        s = ys
    # "1990-91" (yr2): the first year, spanning the whole expression
    kind = "fiscal" if _FISCAL_BEFORE.search(text, max(0, s - 16), s) else "year"
    return _mk(ctx, s, e, "DATE", f"{y:04d}", kind, "year", tense, True)


def _easter(y: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = y % 19, y // 100, y % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    return date(y, month, (h + l_ - 7 * m + 114) % 31 + 1)


def _nth_weekday(y: int, month: int, wd: int, n: int) -> date:
    """The n-th given weekday of a month (n = -1: the last one)."""
    if n > 0:
        first = date(y, month, 1)
        return first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
    last = date(y, month, _last_dom(y, month))
    return last - timedelta(days=(last.weekday() - wd) % 7)


def _holiday_date(name: str, y: int) -> date:
    if name.startswith("thanksgiving"):
        return _nth_weekday(y, 11, 3, 4)
    if name.startswith("christmas"):
        return date(y, 12, 24 if name.endswith("eve") else 25)
    if name.startswith("easter"):
        return _easter(y)
    if name.startswith("independence"):
        return date(y, 7, 4)
    if name.startswith("labor"):
        return _nth_weekday(y, 9, 0, 1)
    if name.startswith("memorial"):
        return _nth_weekday(y, 5, 0, -1)
    if name.startswith("veterans"):
        return date(y, 11, 11)
    # US Election Day: the Tuesday after the first Monday of November
    return _nth_weekday(y, 11, 0, 1) + timedelta(days=1)


def _holiday(ctx: _Ctx, m: re.Match) -> Mention | None:
    text, dct = ctx.text, ctx.dct
    s, e = m.span()
    name = " ".join(m.group("hol").lower().split())
    rel = (m.group("hol_rel") or "").lower()
    tense = _tense(text, s, e)
    if dct is None:
        return None
    cands = [(d, d, d) for d in (_holiday_date(name, y) for y in (dct.year - 1, dct.year, dct.year + 1))]
    if rel == "last":
        ok = [c for c in cands if c[0] < dct]
        d = max(ok)[0]
    elif rel == "next":
        d = min(c for c in cands if c[0] > dct)[0]
    elif rel == "this":
        d = next(c for c in cands if c[0].year == dct.year)[0]
    else:
        d = _pick(cands, dct, tense, slack=0)[0]
    anchor = "0D" if d == dct else ("+P" if d > dct else "-P")
    if name == "easter week":
        v = _week_value(d)
        lo, hi = _bounds(v)
        return _mk(ctx, s, e, "DATE", v, "holiday", "week", tense, False, anchor, (lo, hi))
    return _mk(ctx, s, e, "DATE", d.isoformat(), "holiday", "day", tense, False, anchor, (d, d))


def _spelled_year(w: str) -> int | None:
    """"nineteen ninety-four" -> 1994 (the SPELLED_YEAR forms); None when a look-alike letter
    ("nineteen ninety-ſeven") made the pattern match words that are no number."""
    hi, lo = w.lower().split(None, 1)
    tail = _num_value(lo.replace("-", " "))
    if hi not in _NUM_WORDS or tail is None:
        return None
    return _NUM_WORDS[hi] * 100 + int(tail)


_COUNTED_AFTER = re.compile(r"\s+(?:percent|pct|dollars|people|years|days|months|of)\b")


def _spelled_out_year(ctx: _Ctx, m: re.Match) -> Mention | None:
    """nineteen ninety-six, the year two thousand, two thousand and five."""
    s, e = m.span()
    w = m.group("wy").lower()
    if "two thousand" in w:
        rest = w.split("two thousand", 1)[1].strip()
        y = 2000 + (_NUM_WORDS.get(rest.replace("and ", ""), 0) if rest else 0)
    else:
        parts = w.split(None, 1)
        hi = _NUM_WORDS.get(parts[0])
        lo = _num_value(parts[1].replace("-", " "))
        if hi is None or lo is None:
            return None  # a look-alike letter, or words that are no number
        y = hi * 100 + int(lo)
    if not 1900 <= y <= 2099:
        return None
    if _COUNTED_AFTER.match(ctx.text[e:e + 12].lower()):
        return None
    return _mk(ctx, s, e, "DATE", f"{y:04d}", "year", "year", _tense(ctx.text, s, e), True)


# The rules, in priority order: where two match at one place, the one listed first wins (and among the
# rules tried after a handler declined, the longest match, then this order). Each handler turns its
# rule's match into a Mention, or None when the match is no date after all.
_RULE_TABLE: list[tuple[str, str, Callable[[_Ctx, re.Match], Mention | None]]] = [
    # 2021-06-16[T10:00]
    ("iso_date",
     rf"\b(?P<iso_y>\d{{4}})-(?P<iso_m>[01]\d)-(?P<iso_d>[0-3]\d)"
     rf"(?:[T ](?P<iso_H>[0-2]\d):(?P<iso_M>[0-5]\d))?(?![\d-])",
     _iso_date),
    # 06/16/2021, 16.06.2021, 6/16/21
    ("numeric_date",
     r"(?<![\d/.\-])(?P<num>\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})|\d{1,2}\.\d{1,2}\.\d{4})"
     r"(?![\d/]|\.\d)",
     _numeric_date),
    # clock times: 10:35 a.m. EST, 5 p.m. Nov. 9, noon Thursday
    ("am_pm_time",
     rf"(?:(?i:around|about|at about|shortly after|shortly before|just after|"
     rf"just before)\s+)?"
     rf"(?P<tm_h>\b(?:[01]?\d|2[0-3]))(?::(?P<tm_m>[0-5]\d))?\s*"
     rf"(?P<tm_ap>(?i:a\.m\.?|p\.m\.?|am\b|pm\b))"
     rf"(?:\s+(?P<tm_tz>EST|EDT|CST|CDT|PST|PDT|GMT|BST|CET|UTC|(?i:local time)))?"
     rf"(?:,?\s+(?:(?i:on)\s+)?(?P<tm_rest>{WEEKDAY}|(?i:today|yesterday|tomorrow)\b|"
     rf"{MONTH}\s*{DAY}))?",
     _am_pm_time),
    ("clock_time",
     rf"(?<![\d:.,])(?P<t24_h>[01]?\d|2[0-3]):(?P<t24_m>[0-5]\d)(?![\d:])"
     rf"(?:\s+(?P<t24_tz>EST|EDT|CST|CDT|PST|PDT|GMT|BST|CET|UTC|(?i:local time)))?",
     _clock_time),
    ("noon_or_midnight",
     rf"\b(?P<nn>(?i:noon|midnight|midday))(?:\s+(?P<nn_rest>{WEEKDAY}|"
     rf"(?i:today|yesterday|tomorrow)\b))?",
     _noon_or_midnight),
    # [Weekday,] Month D[-D2][, YYYY]
    ("month_day_year",
     rf"(?:(?P<md_wd>{WEEKDAY}),?\s+)?(?:(?P<md_rel>(?i:around|early|late|mid))[\s-]+)?"
     rf"\b(?P<md_mon>{MONTH})\s*(?P<md_d>{DAY})"
     rf"(?:\s*(?:-|–|(?i:to|and|through|or))\s*(?P<md_d2>{DAY}))?"
     rf"(?:(?:,\s*|\s+)(?P<md_y>{YEAR}))?",
     _month_day_year),
    # [Weekday,] D Month [YYYY]
    ("day_month_year",
     rf"(?:(?P<dm_wd>{WEEKDAY}),?\s+)?(?:(?i:the)\s+)?\b(?P<dm_d>{DAY})\s+(?:(?i:of)\s+)?"
     rf"(?P<dm_mon>{MONTH})(?:,?\s+(?P<dm_y>{YEAR}))?",
     _day_month_year),
    # [early|mid|late] Month YYYY
    ("month_year",
     rf"(?:(?P<my_mod>{_MOD})[\s-]+)?\b(?P<my_mon>{MONTH}),?\s+(?:(?i:of)\s+)?"
     rf"(?:(?P<my_y>{YEAR})|(?P<my_wy>{SPELLED_YEAR}))",
     _month_year),
    # quarters: [the] [YYYY] [fiscal] third[-]quarter [of YYYY]
    ("quarter_of_year",
     rf"(?:(?P<q_det>(?i:the|its|their|this year's|last year's|next year's|this|last|"
     rf"next|a|the same|the comparable|the year-ago|the year-earlier|the latest|the "
     rf"current|the fiscal|the company's|the year's))\s+)?"
     rf"(?:(?P<q_y1>{YEAR})\s+)?(?:(?i:flat|fiscal|calendar)[\s-]+)?"
     rf"\b(?P<q_ord>(?i:first|second|third|fourth|1st|2nd|3rd|4th))[\s-](?i:quarter|qtr)s?"
     rf"\b(?:\s+(?:(?i:of)\s+)?(?:(?i:fiscal)\s+)?(?P<q_y2>{YEAR}))?",
     _quarter_of_year),
    ("quarter_code",
     rf"\b(?:(?P<qq_y0>{YEAR})\s*-?\s*)?Q(?P<qq>[1-4])\b(?:\s*[-/]?\s*(?P<qq_y>{YEAR}|'\d\d))?",
     _quarter_code),
    ("half_year",
     rf"(?:(?i:the)\s+)?\b(?P<h_ord>(?i:first|second))\s+(?i:half)\b"
     rf"(?:\s+(?i:of)\s+(?:(?i:fiscal)\s+)?(?P<h_y>{YEAR}))?",
     _half_year),
    ("the_quarter_or_period",
     rf"(?:(?P<gq_det>(?i:the|this|that|its|last year's|a year ago|the year-ago|"
     rf"the year-earlier))\s+)\b(?:(?P<gq_mod>(?i:current|latest|last|previous|past|"
     rf"year-ago|year-earlier|comparable|same|recent|just-ended|fiscal|comparable year-ago|"
     rf"year earlier|most recent|latest fiscal))\s+)?(?:(?P<gq_y>{YEAR})\s+)?"
     rf"(?P<gq_u>(?i:quarter|period|fiscal year|year))\b(?!-)"
     rf"(?:\s+(?P<gq_ago>(?i:a\s+year\s+(?:ago|earlier|before))\b))?",
     _the_quarter_or_period),
    # mid-June, early June, the end of March, [last] March [last year]
    ("modified_month",
     rf"(?P<mm_mod>{_MOD})[\s-]+(?:(?P<mm_rel>(?i:this|last|next))\s+)?"
     rf"(?P<mm_mon>{MONTH_FULL})",
     _modified_month),
    ("bare_month",
     rf"(?:(?P<bm_rel>(?i:last|next|this|this past|this coming|since|until))\s+)?"
     rf"\b(?P<bm_mon>{MONTH_FULL})(?!\s+\d)(?:\s+(?P<bm_rel2>(?i:this|last|next))\s+"
     rf"(?i:year))?",
     _bare_month),
    # decades and centuries
    ("decade",
     rf"(?:(?i:the)\s+)?(?:(?P<dec_mod>(?i:early|mid|late))[\s-]*)?"
     rf"(?:(?P<dec>\b(?:1[5-9]|20)\d0)'?s\b|'(?P<dec2>\d)0s\b|"
     rf"\b(?P<dec3>(?i:{'|'.join(_DECADE_WORDS)}))\b)",
     _decade),
    ("century",
     r"(?:(?i:the)\s+)?\b(?P<ce>\d{1,2})(?:st|nd|rd|th)[\s-](?i:century)\b"
     r"|(?:(?i:the)\s+)?\b(?P<cew>(?i:nineteenth|twentieth|twenty-first|eighteenth))"
     r"[\s-](?i:century)\b",
     _century),
    # early 1990, the end of 1990, mid-1996
    ("modified_year",
     rf"(?P<ym_mod>{_MOD})[\s-]*(?P<ym_y>{YEAR})(?!\d|'?s\b)",
     _modified_year),
    # seasons
    ("season",
     rf"(?:(?P<s_rel>(?i:this past|this coming|this|last|next|the|early|late|mid|"
     rf"the early|the late))[\s-]+)?\b(?P<s_n>(?i:spring|summer|autumn|winter|fall))\b"
     rf"(?:\s+(?:(?i:of)\s+)?(?:(?P<s_y>{YEAR})|(?P<s_wy>{SPELLED_YEAR})))?",
     _season),
    # N units ago / earlier / later
    ("units_ago",
     rf"(?:(?P<ago_q>{_DURQ})\s+)?\b(?P<ago_n>{NUMBER})\s+(?:(?i:or so)\s+)?"
     rf"(?P<ago_u>{UNIT})\s+(?:(?i:or so)\s+)?"
     rf"(?P<ago_dir>(?i:ago|earlier|later|from now|before|after|hence)\b)",
     _units_ago),
    # relative: [early|late] this/last/next week|month|year ...
    ("relative_unit",
     rf"(?:(?P<rel_mod>(?i:earlier|later|early|late|mid|around|sometime|"
     rf"the end of|the beginning of|the start of|the middle of|end of|the rest of|"
     rf"the remainder of))[\s-]+)?"
     rf"(?P<rel_the>(?i:the)\s+)?\b(?P<rel_dir>(?i:this|last|next|past|coming|previous|"
     rf"current|following|same|this past|this coming))\s+"
     rf"(?P<rel_u>(?i:week|weekend|month|year|decade|century|quarter|fiscal year))\b",
     _relative_unit),
    ("year_ago",
     rf"(?:(?P<ya_the>(?i:the|a|the comparable|the corresponding))\s+)?"
     rf"\b(?P<ya>(?i:year|month|week|quarter|day))[\s-](?P<ya_dir>(?i:earlier|ago|before))"
     rf"(?:\s+(?P<ya_u>(?i:quarter|period|nine months|month|year|"
     rf"third quarter|fourth quarter|second quarter|first quarter)))?\b",
     _year_ago),
    ("the_weekend",
     r"\b(?i:the)\s+(?i:weekend)\b",
     _the_weekend),
    # today / yesterday / tomorrow / tonight (+ time of day)
    ("day_word",
     rf"(?:(?P<dw_mod>(?i:early|late|earlier|later))\s+)?"
     rf"\b(?P<dw>(?i:the day before yesterday|the day after tomorrow|today|yesterday|"
     rf"tomorrow|tonight))\b(?!')"
     rf"(?:\s+(?P<dw_tod>(?i:morning|afternoon|evening|night))\b)?",
     _day_word),
    ("part_of_day",
     r"(?:(?P<td_mod>(?i:early|late|later|earlier|mid))[\s-]+)?\b"
     r"(?P<td_rel>(?i:this|last|that|the next|tomorrow|yesterday))\s+"
     r"(?P<td>(?i:morning|afternoon|evening|night))\b",
     _part_of_day),
    # weekdays
    ("weekday",
     rf"(?:(?P<wd_rel>(?i:last|next|this|this past|this coming|early|late|earlier|later|"
     rf"the previous|the following|the next))\s+)?"
     rf"\b(?P<wd>{WEEKDAY})(?P<wd_s>'s)?(?:\s+(?P<wd_tod>(?i:morning|afternoon|evening|"
     rf"night))\b)?",
     _weekday),
    ("plural_weekday",
     rf"\b(?P<wds>(?:{'|'.join(WEEKDAY_NAMES)})s)\b",
     _plural_weekday),
    # sets
    ("recurrence",
     rf"\b(?P<set_w>(?i:daily|weekly|monthly|yearly|hourly|"
     rf"semiannually|semi-annually|biweekly|nightly))\b"
     rf"|(?P<set_e>(?i:every|each|per)\s+(?:(?i:other)\s+)?(?:(?P<set_n>{NUMBER})\s+)?"
     rf"(?P<set_u>(?i:days?|weeks?|months?|years?|quarters?|hours?|minutes?|"
     rf"mornings?|nights?|evenings?|afternoons?|summers?|winters?|springs?|autumns?|"
     rf"(?:{'|'.join(WEEKDAY_NAMES)})|(?:{'|'.join(MONTH_NAMES)}))))\b",
     _recurrence),
    # vague future/past/present references
    ("vague_reference",
     r"\b(?P<ref>(?i:the near future|the future|the near term|"
     r"the short term|the long term|the coming (?:days|weeks|months|years)|"
     r"coming (?:days|weeks|months|years|quarters)|future quarters|a later date|"
     r"recent (?:years|months|weeks|days)|recent weeks and months|"
     r"right now|at present|nowadays|these days|now|currently|presently|"
     r"recently|formerly|lately|the past))\b",
     _vague_reference),
    # durations: [the] [past|next|first] [nearly] N [more] units ; N-unit
    ("duration",
     rf"(?:(?P<dur_the>(?i:the|a|an|each of the|for the)\s+)?"
     rf"(?P<dur_rel>(?i:past|last|next|first|coming|previous|following|latest|final|"
     rf"remaining|initial|entire|full|whole|same|other))\s+)?"
     rf"(?:(?P<dur_q>{_DURQ})\s+)?\b(?P<dur_n>{NUMBER})\s+"
     rf"(?:(?i:more|additional|full|consecutive|straight|trading|business|working|"
     rf"calendar|long|short)\s+)?(?P<dur_u>{UNIT})(?P<dur_old>[\s-](?i:old|long)\b)?",
     _duration),
    ("hyphenated_duration",
     rf"\b(?P<hy_n>{NUM_HY})-(?P<hy_u>{UNIT_SG})(?P<hy_old>-(?i:old|long))?\b(?!-)",
     _hyphenated_duration),
    ("fiscal_year",
     rf"\b(?P<fy>(?i:fiscal|calendar|fy|model year))[\s-]*(?P<fy_y>{YEAR}|'?\d\d\b)",
     _fiscal_year),
    # years and the YYYY period
    ("year",
     rf"(?<![\d$£€¥#.,/:+\-])(?P<yr_the>(?i:the)\s+)?\b(?P<yr>{YEAR})"
     rf"(?:-(?P<yr2>\d\d)\b(?!-))?(?:\s+(?P<yr_u>(?i:period|year)))?",
     _year),
    # spelled-out years: nineteen ninety-six
    ("spelled_out_year",
     rf"\b(?P<wy>(?i:nineteen|twenty)\s+(?:(?i:{_NW_TENS})(?:[\s-](?i:{_NW_UNITS}))?|"
     rf"(?i:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
     rf"nineteen))|(?i:the year two thousand|two thousand(?: and (?:{_NW_UNITS}))?))\b",
     _spelled_out_year),
    # holidays with a known day: [last|next|this] Thanksgiving [Day], Christmas [Day|Eve], Easter ...
    ("holiday",
     r"(?:(?P<hol_rel>(?i:last|next|this))\s+)?\b(?P<hol>Thanksgiving(?:\s+Day)?|"
     r"Christmas(?:\s+(?:Day|Eve))?|Easter(?:\s+(?:Sunday|[Ww]eek))?|Independence\s+Day|"
     r"Labor\s+Day|Memorial\s+Day|Election\s+Day|Veterans\s+Day)\b(?!\s+(?:Day|Eve)\b)",
     _holiday),
]

_RULES = {name: re.compile(f"(?<!\\w)(?:{pattern})") for name, pattern, _ in _RULE_TABLE}
_PRIO = {name: i for i, (name, _, _) in enumerate(_RULE_TABLE)}
_PATTERN_OF = {name: pattern for name, pattern, _ in _RULE_TABLE}
_HANDLER_OF = {name: handler for name, _, handler in _RULE_TABLE}


def _first_chars(pattern: str) -> str | None:
    """A character class of every character a match of ``pattern`` can start with (all non-ASCII ones
    among them), or None when any ASCII character may start one or the pattern is not understood.

    Read off the tree of the regex parser that ``re`` itself uses; each single-character node is
    tested by compiling it alone, so case folding is exactly the engine's. Lookarounds and anchors are
    skipped, which can only let more characters in."""
    from re import _compiler, _constants as c, _parser  # noqa: PLC0415 - re's own, private modules

    ascii_chars = [chr(i) for i in range(128)]

    def leaf(item, flags) -> set[str]:
        test = _compiler.compile(_parser.SubPattern(_parser.State(), [item]), flags).match
        return {ch for ch in ascii_chars if test(ch)}

    def first(items, flags) -> tuple[set[str], bool]:  # (characters, can the items match empty)
        out: set[str] = set()
        for op, av in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue
            if op in (c.LITERAL, c.NOT_LITERAL, c.IN, c.ANY):
                return out | leaf((op, av), flags), False
            if op is c.SUBPATTERN:
                _group, add, remove, sub = av
                chars, empty = first(sub.data, (flags | add) & ~remove)
            elif op is c.BRANCH:
                chars, empty = set(), False
                for alt in av[1]:
                    alt_chars, alt_empty = first(alt.data, flags)
                    chars |= alt_chars
                    empty = empty or alt_empty
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                chars, empty = first(av[2].data, flags)
                empty = empty or av[0] == 0
            else:
                raise ValueError(op)  # not worked out here
            out |= chars
            if not empty:
                return out, False
        return out, True

    try:
        tree = _parser.parse(pattern)
        chars, empty = first(tree.data, tree.state.flags)
    except Exception:  # another Python's parser: no lookahead, which changes nothing but speed
        return None
    if empty or len(chars) == len(ascii_chars):
        return None
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "\\x80-\\U0010ffff]"


@functools.lru_cache(maxsize=None)
def _combined(rules: tuple[str, ...]) -> re.Pattern:
    """One pattern for the rules, tried in order: the first rule that matches here is the match.

    Each rule's alternative begins with a lookahead for the characters its matches can start with:
    sre enters every alternative in turn, and most rules cannot start at a given word ("year" can
    begin two rules of its fourteen), so they now fail at one character-class test."""
    alts = []
    for r in rules:
        first = _FIRST_CHARS[r]
        alts.append(f"(?P<R_{r}>(?<!\\w){f'(?={first})' if first else ''}(?:{_PATTERN_OF[r]}))")
    return re.compile("|".join(alts))


_FIRST_CHARS = {r: _first_chars(f"(?:{p})") for r, p, _ in _RULE_TABLE}


# Every rule group a trigger can select, compiled at import rather than on its first trigger, so the
# first article does not pay for the regex compilation.
_R_CLOCK = ("am_pm_time", "clock_time")
_R_NUMDATE = ("numeric_date",)
_R_DEC = ("decade",)
_R_CENT = ("century",)
_R_TIME = ("am_pm_time",)
# ... and their bound ``match`` methods in a plain dict: looked up once per trigger, and a dict
# lookup is cheaper than an lru_cache call.
_MATCH_OF: dict[tuple[str, ...], object] = {}
for _rules in {*_CORE.values(), _R_YEARNUM, _R_YEARNUM_T, _R_CLOCK, _R_NUMDATE, _R_DEC, _R_CENT,
               _R_TIME}:
    _MATCH_OF[_rules] = _combined(_rules).match
del _rules


def _try(ctx: _Ctx, m: re.Match, rule: str, last_end: int) -> Mention | None:
    """The mention rule ``rule`` makes of its match ``m``, if any and after the previous one."""
    if ctx.dct_at_calendar_edge:
        try:
            mention = _HANDLER_OF[rule](ctx, m)
        except (ValueError, OverflowError):
            return None  # the date it resolves to lies outside datetime.date's range: no mention
    else:
        mention = _HANDLER_OF[rule](ctx, m)
    if mention is None or mention.end <= mention.start or mention.start < last_end:
        return None
    return mention


def _triggers(low: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of the tokens that may trigger a rule, in text order (see _TRIGGER_WORD)."""
    triggers = [(tm.start(), tm.end() - 1, tm.group(1)) for tm in _TRIGGER_WORD.finditer(" " + low)]
    nums = [(tm.start(), tm.end(), tm.group()) for tm in _TRIGGER_NUM.finditer(low)]
    if nums:
        triggers += nums
        triggers.sort()  # by start: no two triggers start at the same place
    return triggers


def _number_rules(low: str, e0: int, w: str) -> tuple[str, ...] | None:
    """The rules a number token ``w`` (ending at ``e0``) may start, from what follows it."""
    nxt = low[e0:e0 + 1]
    lw = len(w)
    if lw == 4 and "1500" <= w <= "2099":
        return _R_YEARNUM_T if nxt == ":" or nxt == "/" else _R_YEARNUM
    if lw > 2:
        return None
    if nxt == ":":
        return _R_CLOCK
    if (nxt == "/" or nxt == ".") and low[e0 + 1:e0 + 2].isdigit():
        return _R_NUMDATE
    if nxt == "s" or nxt == "'":
        return _R_DEC if lw == 2 and w[1] == "0" else None
    if low.startswith(("st", "nd", "rd", "th"), e0):
        return _R_CENT
    if _AMPM.match(low, e0):
        return _R_TIME
    return None


def _candidate_starts(low: str, s0: int, last_end: int) -> list[int]:
    """Where an expression triggered at ``s0`` may start: the trigger and the tokens of the 45
    characters before it that are _PREFIX words, or numbers among the last three tokens (a token cut
    by the window's start does not count); an apostrophe right before the trigger ('80s) too."""
    starts = []
    w0 = max(last_end, s0 - 45)
    for pm in _START_TOK.finditer(low, w0, s0):
        ps = pm.start()
        if ps == w0 and w0 > 0 and low[w0 - 1].isalnum():
            continue
        if low[ps] < ":" and len(_TOK.findall(low, pm.end(), s0)) > 2:
            continue  # a number more than two tokens before the trigger
        starts.append(ps)
    starts.append(s0)
    if s0 >= 1 and low[s0 - 1] == "'":
        starts.insert(0, s0 - 1)
    return starts


def _mention_at(ctx: _Ctx, rules: tuple[str, ...], st: int, s0: int, last_end: int) -> Mention | None:
    """The mention starting at ``st`` and reaching past the trigger at ``s0``: the first of ``rules``
    that matches there, or, if its handler declines, the others, longest match first."""
    text = ctx.text
    m = _MATCH_OF[rules](text, st)
    if m is None or m.end() <= s0:
        return None
    r = m.lastgroup[2:]
    mention = _try(ctx, m, r, last_end)
    if mention is not None:
        return mention
    cands = []
    for r2 in rules:
        if r2 == r:
            continue
        m2 = _RULES[r2].match(text, st)
        if m2 is not None and m2.end() > s0:
            cands.append((-m2.end(), _PRIO[r2], r2, m2))
    cands.sort(key=lambda c: c[:2])
    for _, _, r2, m2 in cands:
        mention = _try(ctx, m2, r2, last_end)
        if mention is not None:
            return mention
    return None


def extract_mentions(text: str, dct: date | None = None) -> list[Mention]:
    """Find and normalise temporal expressions in ``text`` relative to ``dct``."""
    if not text:
        return []
    if isinstance(dct, datetime):
        dct = dct.date()
    ctx = _Ctx(text, dct)
    low = text.lower()
    if len(low) != len(text):
        low = text.translate(_ASCII_LOWER)
    out: list[Mention] = []
    last_end = 0
    for s0, e0, w in _triggers(low):
        if s0 < last_end:
            continue
        rules = _CORE.get(w)
        if rules is None:
            if w > "9":
                continue
            rules = _number_rules(low, e0, w)
            if rules is None:
                continue
        elif rules is _R_MONTH or rules is _R_WEEKDAY:
            if not ("A" <= text[s0] <= "Z"):
                continue  # month and weekday names are capitalised
        elif w == "q" and not (e0 < len(low) and low[e0] in "1234"):
            continue
        for st in _candidate_starts(low, s0, last_end):
            mention = _mention_at(ctx, rules, st, s0, last_end)
            if mention is not None:
                out.append(mention)
                last_end = mention.end
                break
    return out
