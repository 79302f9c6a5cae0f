"""Parse one decoded article text (a scraped plain-text dump) into header fields and a clean body.

Pure functions only: no Prefect, no I/O.  Every regex is compiled once at import time.

The input has no fixed format.  ``parse_text`` handles:

* a header zone at the top: an optional title line, date lines (``March 29, 2024``,
  ``2016-11-09 00:00:00``, ``26-MAR-1987 15:01:01.79``, ``Updated: 10:33 EST, 8 November 2016``),
  a ``date 2021-05-24 <lede...>`` prefix whose remainder is the first body paragraph,
  top-of-page boilerplate (ad markers, donation banners, photo credits) and ``By ...`` bylines;
* a year-less wire dateline at the start of the body (``CHICAGO, March 26 -``), used only when the
  header carries no date;
* boilerplate classifiers over body paragraphs; every removal keeps its rule name and the
  verbatim text;
* byline / publisher extraction from contributor lines, donation/newsletter banners and wire sign-offs.

Dates are only ever taken from the header zone or the body-start dateline: dates mentioned inside
body sentences are never the claimed publication date, and nothing is invented (no year is guessed
for a year-less dateline: that gives ``PARTIAL`` confidence and no ``published_claimed``).
Times are kept as naive wall-clock times as written (time-zone names are not applied).
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from dateline.parse import dates
from dateline.vocabulary import MONTH_NUMBER, WEEKDAY_WORDS

__all__ = ["Removal", "ParsedText", "parse_text", "parse_date_line"]


@dataclass(frozen=True, slots=True)
class Removal:
    rule: str  # e.g. "ad_marker", "donation_appeal", "newsletter_signup", ...
    text: str  # the removed line(s), verbatim


@dataclass(frozen=True, slots=True)
class ParsedText:
    title: str | None
    dateline_text: str | None
    published_claimed: date | None
    published_claimed_at: datetime | None
    pubdate_method: str | None  # "header" | "dateline" | "timestamp" | "content_inferred" | None
    pubdate_confidence: str  # "NONE" | "PARTIAL" | "DATE" | "DATETIME"
    body: str
    boilerplate: tuple[Removal, ...]
    byline: str | None
    publisher: str | None
    publisher_evidence: str | None


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

YEAR_MIN, YEAR_MAX = 1900, 2100


@dataclass(frozen=True, slots=True)
class DateHit:
    """One date found in a header/dateline string."""

    text: str  # the date as the source writes it
    day: date | None  # None when impossible / incomplete
    at: datetime | None
    confidence: str  # NONE | PARTIAL | DATE | DATETIME
    method: str  # header | dateline | timestamp
    label: str = ""  # "published" | "updated" | "" (label in front of the date, if any)


_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
)
# Reuters-style wire timestamp, possibly followed by control junk ("&#5;&#5;&#5;M C F").
_WIRE_TS_RE = re.compile(
    r"(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3})-(?P<y>\d{4})"
    r"(?:\s+(?P<H>\d{1,3}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
)
_DOTTED_DMY_RE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})")
# 19980120: an archive's compact stamp (a date line only; a lone number elsewhere is no date).
_COMPACT_RE = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)")
# 11/02/89: a two-digit year, month first as US papers write it unless the first number cannot be a month.
_SHORT_SLASH_RE = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{2})")
_WIRE_JUNK_RE = re.compile(r"\s*(?:&#\d+;.*)?")
_TIME_RE = re.compile(
    r"(?<![\d:.])(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?(?![\d:])"
    r"(?:\s*(?P<tz>\(?[A-Z]{2,5}\)?|[+-]\d{2}:?\d{2}|Z)(?![A-Za-z]))?"
    r"|(?<![\d:.])(?P<H2>\d{1,2})\s*(?P<ampm2>[AaPp]\.?[Mm]\.?)(?![A-Za-z])"
    r"(?:\s*(?P<tz2>\(?[A-Z]{2,5}\)?)(?![A-Za-z]))?"
)
_MDY_RE = re.compile(
    r"(?:(?P<wd>[A-Za-z]{3,9})\.?,?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:\s*,\s*|\s+)(?P<y>\d{4})"
)
_DMY_RE = re.compile(
    r"(?:(?P<wd>[A-Za-z]{3,9})\.?,?\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    r"(?P<mon>[A-Za-z]{3,9})\.?,?\s+(?P<y>\d{4})"
)
_MD_NOYEAR_RE = re.compile(
    r"(?:(?P<wd>[A-Za-z]{3,9})\.?,?\s+)?(?:(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>[A-Za-z]{3,9})\.?)"
)
_SEP_CHARS = " \t,|;–—-_@•·/"
_LABEL_RE = re.compile(
    r"(?P<label>(?:last\s+)?(?:updated|modified)(?:\s+on)?|(?:first\s+|originally\s+)?published(?:\s+on)?"
    r"|posted(?:\s+on)?|written(?:\s+on)?|pub(?:lication)?[\s_-]?date|release\s+date|dated?|created(?:\s+on)?)"
    r"\s*(?::|=|-|–|—)?\s*",
    re.IGNORECASE,
)
_TZ_NAMES = (
    r"utc|gmt|est|edt|cst|cdt|mst|mdt|pst|pdt|akst|akdt|hst|ast|adt|nst|ndt|et|ct|mt|pt|bst|cet|cest|eet|eest"
    r"|wet|west|ist|jst|kst|hkt|sgt|pht|wib|msk|aest|aedt|acst|acdt|awst|nzst|nzdt|sast|cat|eat|wat|gst|pkt"
)
# Words that may appear in a date-only line; anything else means "not a date line".
_DATE_VOCAB_RE = re.compile(
    r"(?:\d{1,4}(?:st|nd|rd|th)?|[ap]\.?m\.?|at|on|of|the|t|z|" + _TZ_NAMES +
    r"|" + "|".join(sorted(set(MONTH_NUMBER) | WEEKDAY_WORDS, key=len, reverse=True)) + r")\.?",
    re.IGNORECASE,
)
_DATE_TOKEN_SPLIT_RE = re.compile(r"[\s,/|:().+–—_•·-]+")
_NULL_DATE_RE = re.compile(r"(?:none|null|nan|nat|n/?a|unknown|undated|-+)", re.IGNORECASE)


_MONTH_YEAR_RE = re.compile(r"(?:[A-Za-z]{3,9}\.?,?\s+)?\d{4}")
_YEAR_ONLY_RE = re.compile(r"\d{1,4}")


def _mk_date(y: int, m: int, d: int) -> date | None:
    if not (YEAR_MIN <= y <= YEAR_MAX):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _mk_time(day: date | None, h: int | None, mi: int | None, s: int | None, ampm: str | None):
    """Return (datetime | None) for a valid time of day; None when absent or impossible."""
    if day is None or h is None:
        return None
    if ampm:
        a = ampm[0].lower()
        if not 1 <= h <= 12:
            return None
        h = (h % 12) + (12 if a == "p" else 0)
    if not (0 <= h <= 23 and 0 <= (mi or 0) <= 59 and 0 <= (s or 0) <= 59):
        return None
    return datetime(day.year, day.month, day.day, h, mi or 0, s or 0)


def _hit(text: str, day: date | None, at: datetime | None, method: str, label: str = "") -> DateHit:
    if day is None:
        conf = "NONE"
    elif at is not None and (at.hour, at.minute, at.second) != (0, 0, 0):
        conf = "DATETIME"
    else:  # a midnight time is really a date-level claim
        conf, at = "DATE", None
    return DateHit(text=text, day=day, at=at, confidence=conf, method=method, label=label)


def _int(x: str | None) -> int | None:
    return int(x) if x else None


# Pure, and cached because the date line under a title is parsed twice: once to accept the title
# (_title_candidate) and once as the header's date.
@functools.lru_cache(maxsize=256)
def _fast_parse(s: str, method_human: str) -> DateHit | None:
    """Fast regex paths for a string that should be *only* a date (plus an optional time)."""
    m = _ISO_RE.fullmatch(s)
    if m:
        day = _mk_date(int(m["y"]), int(m["m"]), int(m["d"]))
        at = _mk_time(day, _int(m["H"]), _int(m["M"]), _int(m["S"]), None)
        return _hit(s, day, at, "timestamp" if m["H"] else method_human)
    m = _WIRE_TS_RE.match(s)
    if m and m["mon"].lower() in MONTH_NUMBER and _WIRE_JUNK_RE.fullmatch(s, m.end()):
        day = _mk_date(int(m["y"]), MONTH_NUMBER[m["mon"].lower()], int(m["d"]))
        at = _mk_time(day, _int(m["H"]), _int(m["M"]), _int(m["S"]), None)
        return _hit(m.group(0), day, at, "timestamp")
    m = _DOTTED_DMY_RE.fullmatch(s)
    if m:  # 08.11.2016 is day.month.year wherever it is written
        return _hit(s, _mk_date(int(m["y"]), int(m["m"]), int(m["d"])), None, method_human)
    m = _COMPACT_RE.fullmatch(s)
    if m:
        return _hit(s, _mk_date(int(m["y"]), int(m["m"]), int(m["d"])), None, method_human)
    # Human-style date with an optional time before or after it.
    tm = _TIME_RE.search(s)
    rest = s
    if tm:
        rest = (s[: tm.start()] + " " + s[tm.end():])
    rest = rest.strip(_SEP_CHARS)
    if rest.lower().startswith("at "):
        rest = rest[3:]
    if rest.lower().endswith((" at", " on")):
        rest = rest[:-3]
    rest = rest.strip(_SEP_CHARS)
    m = _SHORT_SLASH_RE.fullmatch(rest)
    if m:
        a, b, yy = int(m["a"]), int(m["b"]), int(m["y"])
        # POSIX's two-digit-year rule (strptime %y): 69-99 are 1969-1999, 00-68 are 2000-2068
        year = 1900 + yy if yy >= 69 else 2000 + yy
        month, day_of_month = (a, b) if a <= 12 else (b, a)
        day = _mk_date(year, month, day_of_month)
        at = _mk_time(day, _int(tm["H"]), _int(tm["M"]), _int(tm["S"]), tm["ampm"]) if tm and tm["H"] else None
        return _hit(s, day, at, method_human)
    for rx in (_MDY_RE, _DMY_RE):
        m = rx.fullmatch(rest)
        if not m:
            continue
        mon = MONTH_NUMBER.get(m["mon"].lower())
        if mon is None or (m["wd"] and m["wd"].lower() not in WEEKDAY_WORDS):
            continue
        day = _mk_date(int(m["y"]), mon, int(m["d"]))
        at = None
        if tm:
            if tm["H"]:
                at = _mk_time(day, int(tm["H"]), int(tm["M"]), _int(tm["S"]), tm["ampm"])
            else:
                at = _mk_time(day, int(tm["H2"]), 0, 0, tm["ampm2"])
        return _hit(s, day, at, method_human)
    m = _MD_NOYEAR_RE.fullmatch(rest)
    if m:
        mon_s = m["mon"] or m["mon2"]
        if mon_s.lower() in MONTH_NUMBER and (not m["wd"] or m["wd"].lower() in WEEKDAY_WORDS):
            return DateHit(text=s, day=None, at=None, confidence="PARTIAL", method=method_human)
    return None


def _looks_like_date_only(s: str) -> bool:
    toks = [t for t in _DATE_TOKEN_SPLIT_RE.split(s) if t]
    if not toks or len(toks) > 10:
        return False
    has_month_or_num = False
    for t in toks:
        if not _DATE_VOCAB_RE.fullmatch(t):
            return False
        if t[0].isdigit() or t.rstrip(".").lower() in MONTH_NUMBER:
            has_month_or_num = True
    return has_month_or_num and bool(_DIGIT_RE.search(s))


_ZERO_DATE_RE = re.compile(r"0{4}-0{1,2}-0{1,2}(?:[T ][\d:.]+)?")
_FOUR_DIGITS_RE = re.compile(r"\d{4}")
_DIGIT_RE = re.compile(r"\d")


def _foreign_date_line(rest: str, language: str, method_human: str) -> DateHit | None:
    """A date line in ``language`` (not English), read with dateparser's data for it; None if it is none."""
    if not _FOUR_DIGITS_RE.search(rest) or not dates.is_date_only(rest, language):
        return None
    dt = dates.parse_date(rest, dates.DATE_LINE, language=language)
    if dt is None:
        return DateHit(text=rest, day=None, at=None, confidence="NONE", method=method_human)
    day = _mk_date(dt.year, dt.month, dt.day)
    # Other languages write times the English pattern does not know ("10h33"): a time dateparser read counts.
    has_time = bool(_TIME_RE.search(rest)) or (dt.hour, dt.minute, dt.second) != (0, 0, 0)
    return _hit(rest, day, dt.replace(tzinfo=None) if (has_time and day) else None, method_human)


_UNREAD_NUMERIC = re.compile(r"\b(?P<a>\d{1,4})[-/.](?P<b>\d{1,2})[-/.](?P<c>\d{1,4})\b")


def why_not_a_date(line: str) -> str:
    """Why a date line that ``parse_date_line`` could not read names no date, in words a user can act on:
    ``February 2021 has 28 days, not 31``, ``there is no month 13``, or that no rule reads it."""
    for rx in (_MDY_RE, _DMY_RE, _WIRE_TS_RE):  # the date-line layouts, searched instead of matched whole
        m = rx.search(line)
        if m and m["mon"].lower().rstrip(".") in MONTH_NUMBER:
            return _impossible(int(m["y"]), MONTH_NUMBER[m["mon"].lower().rstrip(".")], int(m["d"]), m.group())
    m = _UNREAD_NUMERIC.search(line)
    if m:
        a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
        if len(m["a"]) == 4:  # year first: ISO
            return _impossible(a, b, c, m.group())
        if len(m["c"]) == 4:  # day or month first: impossible only if neither order is a date
            first = _impossible(c, b, a, m.group())
            second = _impossible(c, a, b, m.group())
            return first if "no month" in second else second
    return f"no date rule reads {line.strip()[:80]!r}"


def _impossible(year: int, month: int, day: int, text: str) -> str:
    if not YEAR_MIN <= year <= YEAR_MAX:
        return f"{text!r}: year {year} is outside {YEAR_MIN}..{YEAR_MAX}"
    if not 1 <= month <= 12:
        return f"{text!r}: there is no month {month}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"{text!r}: {calendar.month_name[month]} {year} has {last} days, not {day}"
    return f"no rule reads {text!r} (it looks like a real date)"


def parse_date_line(line: str, *, allow_dateparser: bool = True, language: str | None = None) -> DateHit | None:
    """Parse a line that should consist of a date only (optionally labelled, e.g. ``Updated:``).

    Returns None when the line is not a date line.  A returned hit with ``day=None`` is a date line
    whose value is impossible (``0000-00-00``, ``31 February 2021``) or partial (no year). ``language``
    (ISO 639-1) other than English: a line the English layouts do not read is read by dateparser in that
    language when all its words are date words of it (``12. November 2015``, ``8 novembre 2016 à 10h33``)."""
    s = line.strip().strip("\u200b\ufeff")
    if not s or len(s) > 120:
        return None
    # "Published: 08:11 EST, 8 November 2016 | Updated: 10:33 EST, 8 November 2016"
    if "|" in s:
        hits = [parse_date_line(part, allow_dateparser=allow_dateparser, language=language) for part in s.split("|")]
        if hits and all(hits):
            good = [h for h in hits if h.day] or hits
            pub = [h for h in good if h.label == "published"]
            return (pub or good)[0]
        return None
    label = ""
    method_human = "dateline"
    lm = _LABEL_RE.match(s)
    if lm and lm.end() < len(s):
        lab = lm["label"].lower()
        label = "updated" if ("updated" in lab or "modified" in lab) else "published"
        method_human = "header"
        rest = s[lm.end():]
    else:
        rest = s
    rest = rest.strip().strip(",;")
    if not rest:
        return None
    if _NULL_DATE_RE.fullmatch(rest) and label:
        return DateHit(text=s, day=None, at=None, confidence="NONE", method=method_human, label=label)
    if _ZERO_DATE_RE.fullmatch(rest):
        return DateHit(text=s, day=None, at=None, confidence="NONE", method="timestamp", label=label)
    if not label and _YEAR_ONLY_RE.fullmatch(rest):
        return None  # a bare number is not a date line
    if not _DIGIT_RE.search(rest):
        return None  # a fast exit for most lines: every layout below (and dateparser's) needs a digit
    hit = _fast_parse(rest, method_human)
    if hit is None and allow_dateparser and _looks_like_date_only(rest) and _FOUR_DIGITS_RE.search(rest):
        dt = dates.parse_date(rest, dates.DATE_LINE)
        if dt is not None:
            day = _mk_date(dt.year, dt.month, dt.day)
            has_time = bool(_TIME_RE.search(rest))
            hit = _hit(rest, day, dt.replace(tzinfo=None) if (has_time and day) else None, method_human)
        elif _MONTH_YEAR_RE.fullmatch(rest):
            hit = DateHit(text=rest, day=None, at=None, confidence="PARTIAL", method=method_human)
        else:
            # looks like a date but is impossible ("31 February 2021"): keep the text, no date.
            hit = DateHit(text=rest, day=None, at=None, confidence="NONE", method=method_human)
    if hit is None and allow_dateparser and language not in (None, "en"):
        hit = _foreign_date_line(rest, language, method_human)
    if hit is None or not label:
        return hit  # unlabelled, the hit found above is the answer (frozen: sharing the cached one is safe)
    return DateHit(text=s, day=hit.day, at=hit.at, confidence=hit.confidence, method=hit.method, label=label)


# "date 2021-05-24 The White House ..." : a labelled date prefix followed by the lede.
_PREFIX_DATE_RE = re.compile(
    r"\s*(?P<all>(?P<label>(?:date[d]?|published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?)\s*[:=]?\s*)?"
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?:[A-Za-z]{3,9}\.?,?\s+)?[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,\s*\d{4}"
    r"|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4}))"
    r"(?P<sep>\s*(?:[|:–—-]+\s*)|\s+)(?P<rest>\S.*)$",
    re.IGNORECASE,
)

# Wire dateline at the start of the body: "CHICAGO, March 26 -", "LONDON, March 3 (Reuters) -",
# "NEW YORK, Nov. 8, 2016 (AP) --", "NAIROBI, Kenya (AP) _", "LONDON (Reuters) -".
_PLACE = r"[A-Z][A-Z.'’&-]*(?:\s+[A-Z][A-Z.'’&-]*){0,4}(?:,\s*[A-Z][A-Za-z.'’-]*(?:\s+[A-Z][A-Za-z.'’-]*){0,2})?"
_WIRE_DL_RE = re.compile(
    r"(?P<dl>(?P<place>" + _PLACE + r")"
    r"(?:\s*,\s*(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s*,\s*(?P<y>\d{4}))?)?"
    r"\s*(?:\((?P<agency>[A-Za-z][A-Za-z .&-]{1,30})\)\s*)?(?:-{1,2}|–|—|_))(?=\s|$)"
)
_AGENCY_NAMES = {
    "reuter": "Reuters", "reuters": "Reuters", "ap": "AP", "associated press": "AP", "afp": "AFP",
    "upi": "UPI", "bloomberg": "Bloomberg", "dpa": "dpa", "tass": "TASS", "xinhua": "Xinhua",
    "cnn": "CNN", "bbc": "BBC", "interfax": "Interfax", "ria novosti": "RIA Novosti",
}


def _wire_dateline(first_line: str) -> tuple[str, DateHit | None, str | None] | None:
    """Recognise a wire dateline at the start of the first body line.

    Returns (dateline text, date hit or None, agency or None), or None when there is no dateline."""
    m = _WIRE_DL_RE.match(first_line.strip())
    if not m:
        return None
    place = m["place"]
    first_word = place.split(",")[0].split()[0]
    if not (len(first_word) >= 2 and first_word.isupper()):
        return None
    agency = m["agency"]
    agency_norm = _AGENCY_NAMES.get(agency.lower()) if agency else None
    if agency and agency_norm is None:
        return None
    if m["mon"] is None:
        if agency_norm is None:
            return None
        return m["dl"], None, agency_norm
    mon = MONTH_NUMBER.get(m["mon"].lower())
    if mon is None:
        return None
    if m["y"]:
        day = _mk_date(int(m["y"]), mon, int(m["d"]))
        hit = _hit(m["dl"], day, None, "dateline")
    else:
        hit = DateHit(text=m["dl"], day=None, at=None, confidence="PARTIAL", method="dateline")
    return m["dl"], hit, agency_norm


@dataclass(frozen=True, slots=True)
class DatelineDay:
    """The month and day (and year, if printed) a dateline in the body or the title gives."""

    text: str
    month: int
    day: int
    year: int | None
    start: int  # offsets in the string it was found in
    end: int


# A title that ends in its dateline: "CANADIAN METALS - April 7", "Markets wrap – Nov. 8".
_TITLE_DATELINE_RE = re.compile(r"\s[-–—]\s*(?P<dl>(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?)\s*$")


def body_dateline_day(body: str) -> DatelineDay | None:
    """The month and day of a wire dateline opening the body ("WASHINGTON, March 13 -"), if it has one."""
    for ln in body.split("\n", 3)[:3]:
        if ln.strip():
            m = _WIRE_DL_RE.match(ln.strip())
            if m is None or m["mon"] is None or _wire_dateline(ln) is None:
                return None
            return _dateline_day(m, body.index(ln.strip()))
    return None


def title_dateline_day(title: str) -> DatelineDay | None:
    """The month and day a title ends in, after a dash ("CANADIAN METALS - April 7"), if any."""
    m = _TITLE_DATELINE_RE.search(title)
    return _dateline_day(m, 0) if m else None


def _dateline_day(m: re.Match[str], offset: int) -> DatelineDay | None:
    """The day a dateline match (groups ``dl``, ``mon``, ``d`` and perhaps ``y``) names, if it is real."""
    mon = MONTH_NUMBER.get(m["mon"].lower())
    year = int(m["y"]) if "y" in m.re.groupindex and m["y"] else None
    day = int(m["d"])
    if mon is None or not 1 <= day <= calendar.monthrange(year or 2000, mon)[1]:
        return None
    return DatelineDay(m["dl"], mon, day, year, offset + m.start("dl"), offset + m.end("dl"))


# --------------------------------------------------------------------------------------------------
# Boilerplate classifiers (paragraph / line level)
# --------------------------------------------------------------------------------------------------

_AD_RE = re.compile(
    r"\[ad_\d+\]|\[/?ad[^\]]{0,20}\]|advertisement|advertisment|sponsored(?: content)?"
    r"|story continues below(?: advertisement)?|continue reading (?:the main story|below)"
    r"|scroll to continue(?: with content)?|ad feedback",
    re.IGNORECASE,
)
_AD_INLINE_RE = re.compile(r"\s*\[ad_\d+\]\s*")
_PAYMENT_UI_RE = re.compile(
    r"(?:once|one[- ]time|one[- ]off|monthly|annual(?:ly)?|yearly|continue|donate(?: now)?|give now"
    r"|support (?:us|now|today)|other amount|choose an amount|(?:pay|pai)ments? methods?"
    r"|not ready to (?:support|donate|give)(?: today)?\??|remind me later\.?|maybe later\.?"
    r"|no,? thanks\.?|[$€£]\s?\d+(?:\.\d\d)?(?:\s*(?:/|per)\s*(?:month|year|mo|yr))?)",
    re.IGNORECASE,
)
_DONATION_START_RE = re.compile(
    r"(?:an?\s+)?(?:message|note|letter|appeal)\s+from\s+(?P<pub>[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,4})"
    r"(?:\s+(?:team|editors?|newsroom))?\s*[:.!]?",
    re.IGNORECASE,
)
_SUPPORT_BANNER_RE = re.compile(
    r"(?:please\s+)?(?:support|donate to|back|fund|subscribe to)\s+(?P<pub>(?:the\s+)?[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,4})\s*[!.]?",
    re.IGNORECASE,
)
_DONATION_CUES_RE = re.compile(
    r"\b(?:support (?:us|our|independent)|donat(?:e|ion|ions|ing)|contribution|contribute"
    r"|independent journalism|dear readers?|we need your help|your support|make a (?:world of )?difference"
    r"|supporting (?:the|our|us)|become a (?:member|supporter|subscriber)|thank you for standing"
    r"|(?:starting )?from just [$€£]|every contribution|reader[- ]funded|paywall)\b",
    re.IGNORECASE,
)
_READER_ADDRESS_RE = re.compile(r"\b(?:you|your|you're|please)\b", re.IGNORECASE)
_NEWSLETTER_RE = re.compile(r"\bnewsletters?\b|\bnews\s?letter\b", re.IGNORECASE)
_NEWSLETTER_ACT_RE = re.compile(
    r"\bour\b[^.]{0,40}\bnews\s?letters?\b|\bnews\s?letters?\b[^.]{0,80}\b(?:you|your)\b"
    r"|\b(?:you|your)\b[^.]{0,60}\bnews\s?letters?\b|^(?:sign(?:ing)?[- ]?up|subscribe|get|receive|register)\b",
    re.IGNORECASE,
)
_SIGNUP_RE = re.compile(
    r"(?:sign up|subscribe|register)(?: now| today| here)?(?: for| to)? (?:our|the|a|free)\b.{0,80}"
    r"|get (?:the|our) .{0,40}(?:newsletter|briefing|daily|weekly)\b.{0,60}",
    re.IGNORECASE,
)
_NEWSLETTER_FROM_RE = re.compile(
    r"\bfrom\s+(?P<pub>The\s+[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,3})"
)
_PRIVACY_RE = re.compile(
    r"\b(?:privacy (?:policy|notice|statement)|terms (?:of (?:use|service)|and conditions)|cookie policy)\b",
    re.IGNORECASE,
)
_PRIVACY_ACT_RE = re.compile(
    r"\b(?:agree|agreeing|accept|read our|see our|review our|by (?:signing|subscribing|clicking|registering|continuing)"
    r"|apply|applies|protected by|consent|our use of cookies|subscribers)\b",
    re.IGNORECASE,
)
_WIDGET_RE = re.compile(
    r"(?:most (?:read|popular|viewed|shared|watched)(?: (?:in|on|from) .{1,40}| stories| articles| now)?"
    r"|trending(?: now| stories)?|top stories|recommended(?: for you| stories| reading)?|you (?:may|might) also like"
    r"|more (?:on this story|stories|from .{1,40})|share (?:this|on) .{0,40}|share(?: this)?(?: article| story)?"
    r"|click to (?:share|email|print) .{0,60}|follow us on .{1,60}|(?:view|show) (?:comments|all)|comments?"
    r"|\d+ comments?|sign in|log in|tweet|email|print|whatsapp|facebook|twitter|linkedin|pinterest"
    r"|watch(?: the)? video|video|listen(?: to this article)?(?: \d+ min)?|\d+ min(?:ute)?s? read)[:.]?",
    re.IGNORECASE,
)
_READ_MORE_RE = re.compile(
    r"(?:read more|read also|also read|see also|related|related (?:articles?|stories|coverage|content|news|links)"
    r"|continue reading|more on this(?: story)?|further reading|more coverage)"
    r"(?:\s*[:»›|>–—-]+\s*.{0,200}|\s*[.…»›>]*)",
    re.IGNORECASE,
)
_PHOTO_AGENCIES = (
    r"AP|AFP|TASS|Reuters|Getty(?:\s+Images)?|EPA(?:-EFE)?|PA(?:\s+(?:Wire|Images))?|Sputnik|Bloomberg|Shutterstock"
    r"|Xinhua|Kremlin\.ru|ZUMA(?:\s+(?:Wire|Press))?|Alamy|Vostock[- ]Photo|RIA\s+Novosti|Imago|dpa|Pool|Handout"
    r"|Flickr|Wikimedia(?:\s+Commons)?|Rex(?:/Shutterstock)?|Anadolu(?:\s+Agency)?|UPI|SIPA|NurPhoto|Corbis"
    r"|Press\s+Association|Mos\.ru|Moskva\s+News\s+Agency|Kommersant|Facebook|Twitter|Instagram|YouTube"
    r"|Social\s+media|Courtesy(?:\s+of\s+.{1,40})?|[A-Z][\w.]*\.(?:ru|com|org)"
)
_PHOTO_CREDIT_RE = re.compile(
    r"\(?\s*(?:photo(?:graph)?s?|image|picture|pic|credit|photo credit|illustration|video)\s*(?:by|:|credit\s*:)\s*.{2,150}\)?",
    re.IGNORECASE,
)
_PHOTO_AGENCY_RE = re.compile(r"(?:" + _PHOTO_AGENCIES + r"|.{0,30}\b(?:pool|photo|press service|handout))",
                              re.IGNORECASE)


def _whole_paragraph(rx: re.Pattern, max_chars: int) -> str:
    """``rx`` as the normalizer applies it (a whole paragraph of at most ``max_chars``), as a pattern that
    finds such a paragraph anywhere in a cleaned body (paragraphs are its lines)."""
    flags = "(?im)" if rx.flags & re.IGNORECASE else "(?m)"
    return rf"{flags}^(?=.{{1,{max_chars}}}$)[ \t]*(?:{rx.pattern})[ \t]*$"


def _is_slash_credit(p: str) -> bool:
    """``Jake Sullivan Alex Brandon / AP / TASS``: capitalised names, then slash-separated agencies."""
    parts = [x.strip() for x in p.split("/")]
    if not (2 <= len(parts) <= 4) or not all(parts) or any(len(x) > 60 for x in parts):
        return False
    words = parts[0].split()
    if not 1 <= len(words) <= 10:
        return False
    if sum(1 for w in words if w[0].isupper()) < 0.7 * len(words):
        return False
    return any(_PHOTO_AGENCY_RE.fullmatch(x) for x in parts[1:])
_EDITOR_NOTE_RE = re.compile(
    r"(?:this (?:story|article|report|post|piece|page) (?:has been|was|is being|had been) "
    r"(?:updated|corrected|amended|revised|edited|changed|originally published|modified)"
    r"|editor['’]?s?\s+note\b|correction\s*[:\-–]|clarification\s*:|an earlier version of this (?:story|article)"
    r"|update(?:d)?\s*(?:\(|:)\s)",
    re.IGNORECASE,
)
_CONTRIB_RE = re.compile(
    r"(?:.{0,250}\bcontributed(?: additional)?(?: reporting)?(?: to (?:this|the) (?:report|story|article|reporting))?"
    r"(?: from [^.]{1,80})?\.?\)?"
    r"|\(?(?:additional )?reporting by .{1,250}|\(?(?:writing|editing|compiled|edited) by .{1,200})",
    re.IGNORECASE,
)
_CONTRIB_PUB_RE = re.compile(r"(?P<pub>[A-Z][\w&.-]*(?:\s[A-Z][\w&.-]*){0,3})['’]s\s+[A-Z]")
_BYLINE_RE = re.compile(
    r"by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}){0,4}(?:\s*[,|–—-]\s*.{0,60})?",
    re.IGNORECASE,
)
_SIGNOFF_RE = re.compile(r"(?P<w>r(?:eu|ue|u|e)i?ters?|AP|AFP|UPI)\W{0,4}", re.IGNORECASE)
_SIGNOFF_SUFFIX_RE = re.compile(r"(?<=[.!?\"'”’)])\s+(?P<w>REUTERS?|Reuters?)\s*$")
_CONTRIB_WORD_RE = re.compile(r"contributed|reporting by|editing by|writing by|compiled by|edited by", re.IGNORECASE)
_LOWER_WORDS = {
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with", "from",
    "as", "is", "vs", "via", "into", "over", "after", "amid", "about", "up", "out", "off", "than",
}
_ABBREV_END_RE = re.compile(r"(?:\b[A-Z]\.){2,}$|\b(?:Inc|Corp|Co|Ltd|Plc|Jr|Sr|St|Bros|No|Dr|Mr|Mrs|Ms)\.$", re.IGNORECASE)


def _norm_publisher(name: str) -> str:
    name = name.strip().rstrip(".:!,")
    return _AGENCY_NAMES.get(name.lower(), name) if name.lower() in ("reuter", "reuters") else name


def _is_payment_ui(p: str) -> bool:
    return len(p) <= 60 and bool(_PAYMENT_UI_RE.fullmatch(p.strip()))


_CLOSERS = "'\"”’)"
_TERMINALS = frozenset(".!?")


def _ends_terminal(s: str) -> bool:
    s = s.rstrip().rstrip(_CLOSERS)
    return bool(s) and s[-1] in ".!?"


# Cheap gates in front of the costly classifiers, run on every paragraph: plain substring tests,
# cheaper than one regex alternation searching for the same words.
def _photo_hint(low: str) -> bool:
    return ("/" in low or "photo" in low or "image" in low or "pic" in low or "credit" in low  # "pic": picture
            or "illustration" in low or "video" in low)


def _has_contrib_word(p: str, low: str) -> bool:
    """``_CONTRIB_WORD_RE.search(p)``, by substring tests when ``p`` is ASCII (ignoring case is then
    lower-casing).  Tested before the backtracking _CONTRIB_RE, which "by " alone lets through."""
    if not p.isascii():
        return bool(_CONTRIB_WORD_RE.search(p))
    return ("contributed" in low or "reporting by" in low or "editing by" in low or "writing by" in low
            or "compiled by" in low or "edited by" in low)


def _donation_hint(low: str) -> bool:
    return ("support" in low or "donat" in low or "contribut" in low or "journalism" in low
            or "dear reader" in low or "difference" in low or "paywall" in low or "member" in low
            or "we need your help" in low or "from just" in low)


def _classify(p: str) -> str | None:
    """Single-paragraph boilerplate classifier.  Conservative: real sentences are never matched."""
    n = len(p)
    if n > 600:
        return None
    low = p.lower()
    if n <= 80:
        if _AD_RE.fullmatch(p):
            return "ad_marker"
        if _WIDGET_RE.fullmatch(p):
            return "widget"
    if n <= 220 and _READ_MORE_RE.fullmatch(p):
        return "read_more"
    if n <= 220 and _EDITOR_NOTE_RE.match(p):
        return "editor_note"
    if n <= 400 and ("contribut" in low or "by " in low) and _has_contrib_word(p, low) and _CONTRIB_RE.fullmatch(p):
        return "contributor_line"
    if n <= 400 and "letter" in low and _NEWSLETTER_RE.search(p) and _NEWSLETTER_ACT_RE.search(p):
        return "newsletter_signup"
    if n <= 120 and ("sign" in low or "subscri" in low or "regist" in low or "get " in low) \
            and _SIGNUP_RE.fullmatch(p.rstrip(".!")):
        return "newsletter_signup"
    if n <= 250 and ("privacy" in low or "terms" in low or "cookie" in low) \
            and _PRIVACY_RE.search(p) and _PRIVACY_ACT_RE.search(p):
        return "privacy_policy"
    if n <= 160 and _photo_hint(low):
        if not _sentence_like(p) and (_PHOTO_CREDIT_RE.fullmatch(p) or ("/" in p and _is_slash_credit(p))):
            return "photo_credit"
    if _donation_hint(low):
        if n <= 80 and _SUPPORT_BANNER_RE.fullmatch(p) and (p.endswith("!") or low.startswith("support")):
            return "donation_appeal"
        # an appeal addresses the reader; a news story about donations does not
        if len(_DONATION_CUES_RE.findall(p)) >= 3 and len(_READER_ADDRESS_RE.findall(p)) >= 2:
            return "donation_appeal"
    return None


def _sentence_like(p: str) -> bool:
    """A paragraph that reads like a sentence (ends with terminal punctuation, has a verb-ish length)."""
    return _ends_terminal(p) and len(p.split()) >= 6 and not p.rstrip().endswith(")")


# --------------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------------


def _mostly_upper(s: str) -> bool:
    """More than 80% of the letters are capitals (an ALL CAPS line); False without letters."""
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


_WORD_RE = re.compile(r"[^\W\d_][\w'’.-]*")


def _titleish(line: str) -> bool:
    words = _WORD_RE.findall(line)
    if not words:
        return False
    letters = [c for c in line if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        return True  # ALL CAPS headline
    content = [w for w in words if w.lower() not in _LOWER_WORDS]
    if not content:
        return False
    caps = sum(1 for w in content if w[0].isupper())
    return caps / len(content) >= 0.6


def _title_candidate(line: str, lines: list[str], i: int) -> bool:
    """Is ``line`` (``lines[i]``, the first content line of the text) a headline?

    It is judged on the next few non-empty lines (``_following``: boilerplate and null placeholders
    skipped).  Those are classified only as far as needed: usually the first one, a date line,
    settles it, and classifying lines is the costly part."""
    s = line.strip()
    if not s:
        return False
    following = _following(lines, i, 1)
    if not following:
        return False
    n_words = len(s.split())
    if len(s) > 250 or n_words > 30 or len(s) < 3:
        return False
    if s[0].islower() and not (len(s) > 1 and s[1].isupper()):
        return False
    # The last-character test also turns down a wire dateline alone on its line ("WASHINGTON (AP) —" is
    # a dateline, not a headline): every _WIRE_DL_RE match ends in one of these dashes, so there is no
    # need to run that backtracking regex on every title.
    if s[-1] in ",;:-–—_" or s.startswith(("•", "*", "- ", "– ", "— ")):
        return False
    if not any(c.isalpha() for c in s):
        return False
    # A line directly followed by a date line is the headline of a dump header.
    if parse_date_line(following[0], allow_dateparser=False) is not None:
        return True
    if s.endswith(".") and not s.endswith("...") and not _mostly_upper(s) and not _ABBREV_END_RE.search(s):
        return False  # a sentence, not a headline
    if _titleish(s):
        return True
    # Sentence-case headline: accept when what follows reads like body text.
    for nxt in _following(lines, i, 3):
        if len(nxt) >= 60 or (len(nxt) >= 25 and _ends_terminal(nxt)):
            return len(nxt) > len(s)
    return False


# --------------------------------------------------------------------------------------------------
# Body paragraphs
# --------------------------------------------------------------------------------------------------

_TABLE_LINE_RE = re.compile(r"\S {2,}\S|\t|\.{4,}")


def _is_table_line(s: str) -> bool:
    return ("  " in s or "\t" in s or "...." in s) and bool(_TABLE_LINE_RE.search(s))


def _is_wrapped(block: list[str]) -> bool:
    """Hard-wrapped prose (wire copy): lines of similar width that continue each other."""
    if len(block) < 3:
        return False
    lens = [len(l.rstrip()) for l in block]
    if max(lens) > 100:
        return False
    mid = len([n for n in lens[:-1] if 35 <= n <= 85])
    if mid < 0.6 * (len(lens) - 1):
        return False
    # lines that do not end a sentence (_ends_terminal, inlined: this runs on every wire paragraph)
    cont = len([l for l in block[:-1] if l.rstrip().rstrip(_CLOSERS)[-1:] not in _TERMINALS])
    return cont >= 0.3 * (len(block) - 1)


def _paragraphs(lines: list[str]) -> list[tuple[str, str]]:
    """Split body lines into paragraphs: [(clean text, raw text)]."""
    out: list[tuple[str, str]] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        if _is_wrapped(block):
            cur: list[str] = []
            cur_table = False

            def emit() -> None:
                if cur:
                    stripped = [x.strip() for x in cur]
                    if cur_table:
                        out.append(("\n".join([x.rstrip() for x in cur]), "\n".join(stripped)))
                    else:
                        out.append((" ".join(stripped), "\n".join(stripped)))

            for ln in block:
                is_table = _is_table_line(ln.strip())
                indented = ln.startswith("  ")  # two or more leading spaces
                if cur and (is_table != cur_table or (indented and not is_table)):
                    emit()
                    cur = []
                cur_table = is_table
                cur.append(ln)
            emit()
        else:
            table: list[str] = []
            for ln in block:
                s = ln.strip()
                if _is_table_line(s) or (table and len(ln) - len(ln.lstrip()) > 0 and len(s) < 60):
                    table.append(ln)
                    continue
                if table:
                    out.append(("\n".join(x.rstrip() for x in table), "\n".join(x.strip() for x in table)))
                    table = []
                out.append((s, s))
            if table:
                out.append(("\n".join(x.rstrip() for x in table), "\n".join(x.strip() for x in table)))
        block.clear()

    for ln in lines:
        if ln.strip():
            block.append(ln.replace("\xa0", " ").rstrip() if ln.endswith("\xa0") else ln)
        else:
            flush()
    flush()
    return out


# --------------------------------------------------------------------------------------------------
# parse_text
# --------------------------------------------------------------------------------------------------

_HEADER_MAX_LINES = 8


def _following(lines: list[str], i: int, limit: int) -> list[str]:
    """The first ``limit`` content lines after ``lines[i]``, among the next 14 lines."""
    out: list[str] = []
    for j in range(i + 1, min(len(lines), i + 15)):
        s = lines[j].strip()
        if not s or _NULL_DATE_RE.fullmatch(s) or _classify(s) is not None:
            continue
        out.append(s)
        if len(out) == limit:
            break
    return out


#: Kinds of evidence for the publisher, strongest first: when several are found, the first kind in
#: this list wins (and, within a kind, the first one found). A contributor line names the newsroom
#: that wrote the story; a wire's name in a dateline may only be its source.
PUBLISHER_EVIDENCE = (
    "contributor_line",  # "Reuters' Jane Doe contributed reporting"
    "donation_message",  # "A Message from The Moscow Times:" opening a donation block
    "support_banner",  # "Support The Moscow Times!"
    "newsletter_from",  # "... the newsletter from The Guardian"
    "wire_signoff",  # "REUTER" as the last line
    "wire_dateline",  # "LONDON (Reuters) -" at the start of the body
)
_PUBLISHER_RANK = {kind: rank for rank, kind in enumerate(PUBLISHER_EVIDENCE)}


@dataclass(slots=True)
class _ParseState:
    """What parse_text has found so far, filled in phase by phase."""

    removals: list[Removal] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    title: str | None = None
    date_hit: DateHit | None = None
    publisher: tuple[int, str, str] | None = None  # (rank in PUBLISHER_EVIDENCE, publisher, evidence)
    language: str | None = None  # the text's language when it is known not to be English: its date lines

    def claim_publisher(self, kind: str, name: str, evidence: str) -> None:
        rank = _PUBLISHER_RANK[kind]
        if self.publisher is None or rank < self.publisher[0]:
            self.publisher = (rank, _norm_publisher(name), evidence)

    def take_date(self, h: DateHit) -> None:
        """A header date line: the first one, unless a later one has a day where it had none, or is the
        published date where it was the updated one."""
        cur = self.date_hit
        if (cur is None or (cur.day is None and h.day is not None)
                or (cur.label == "updated" and h.label == "published" and h.day is not None)):
            self.date_hit = h

    def take_byline(self, s: str) -> bool:
        if len(s) <= 120 and s[:3].lower() == "by " and _BYLINE_RE.fullmatch(s):
            self.bylines.append(s)
            self.removals.append(Removal("byline", s))
            return True
        return False


def parse_text(text: str, language: str | None = None) -> ParsedText:
    """Parse one article text into its title, claimed publication date, clean body and what was removed.

    Phases, in order: the header lines at the top (title, date lines, bylines, top-of-page boilerplate;
    a ``date 2021-05-24 <lede>`` line ends it), the wire sign-off on the last line, the wire dateline at
    the body start (its date only counts when the header has none with a day), then the body
    paragraphs, boilerplate removed. Each removal is kept, in that order, with its rule name and
    verbatim text in ``boilerplate``; ``publisher`` is the strongest evidence found (PUBLISHER_EVIDENCE).
    ``published_claimed`` is set only for a complete, possible date; ``pubdate_method`` is None when
    the confidence is ``NONE``. ``language`` (ISO 639-1): header date lines in that language are read too.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    st = _ParseState(language=language)
    body_lines = _read_header(text.split("\n"), st)
    body_lines = _take_signoff(body_lines, st)
    _take_wire_dateline(body_lines, st)
    keep = _clean_paragraphs(_paragraphs(body_lines), st)
    return _result(st, "\n\n".join(p for p in keep if p.strip()).strip())


def clean_body(body: str) -> tuple[str, tuple[Removal, ...]]:
    """Boilerplate out of a body that comes without a page around it (a crawler's or an HTML extractor's
    main text, one paragraph per line): the paragraph rules of ``parse_text``, with no title, date-line
    or sign-off heuristics, since the extractor has taken those apart already."""
    st = _ParseState()
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    keep = _clean_paragraphs([(line.strip(), line) for line in lines if line.strip()], st)
    return "\n\n".join(keep).strip(), tuple(st.removals)


def _read_header(lines: list[str], st: _ParseState) -> list[str]:
    """Take the header zone (at most _HEADER_MAX_LINES non-empty lines) into ``st``; return the body's lines."""
    seen = 0
    for i, raw in enumerate(lines):
        if seen == _HEADER_MAX_LINES:
            return lines[i:]
        s = raw.strip()
        if not s:
            continue
        seen += 1
        if st.title is not None and st.date_hit is not None:
            # header complete: only a byline or another labelled date line may still follow
            dh = parse_date_line(s, language=st.language) if len(s) <= 120 and _LABEL_RE.match(s) else None
            if dh is not None and dh.label:
                st.take_date(dh)
                continue
            if st.take_byline(s):
                continue
            return lines[i:]
        dh = parse_date_line(s, language=st.language)
        if dh is not None:
            st.take_date(dh)
            continue
        if st.title is not None and st.date_hit is None and _NULL_DATE_RE.fullmatch(s) and seen <= 3:
            st.removals.append(Removal("empty_dateline", s))  # "None" placeholder where a date line goes
            continue
        lede = _date_prefixed_lede(raw, st)
        if lede is not None:
            return [lede] + lines[i + 1:]
        if _take_header_boilerplate(s, st) or st.take_byline(s):
            continue
        if st.title is None and _title_candidate(s, lines, i):
            st.title = s
            continue
        return lines[i:]
    return []


def _date_prefixed_lede(raw: str, st: _ParseState) -> str | None:
    """``date 2021-05-24 The White House ...``: take the date, return the lede that follows it."""
    pm = _PREFIX_DATE_RE.match(raw)
    if pm and (pm["label"] or pm["sep"].strip()):
        dh = parse_date_line(pm["all"].strip(), language=st.language)
        if dh is not None:
            st.take_date(dh)
            return pm["rest"]
    return None


def _take_header_boilerplate(s: str, st: _ParseState) -> bool:
    rule = _classify(s)
    if rule is None:
        return False
    if rule == "donation_appeal" and not _DONATION_CUES_RE.search(s):
        m = _SUPPORT_BANNER_RE.fullmatch(s)
        if m:
            st.claim_publisher("support_banner", m["pub"], s)
    st.removals.append(Removal(rule, s))
    return True


def _take_signoff(body_lines: list[str], st: _ParseState) -> list[str]:
    """Remove a wire sign-off (``REUTER``, ``... said. Reuters``) from the last non-empty line."""
    j = len(body_lines) - 1
    while j >= 0 and not body_lines[j].strip():
        j -= 1
    if j < 0:
        return body_lines
    last = body_lines[j].strip()
    m = _SIGNOFF_RE.fullmatch(last)
    if m and (m["w"].isupper() or m["w"][0].isupper() or m["w"].lower().startswith("reut")):
        st.removals.append(Removal("wire_signoff", last))
        st.claim_publisher("wire_signoff", m["w"], last)
        return body_lines[:j]
    m = _SIGNOFF_SUFFIX_RE.search(body_lines[j])
    if m:
        st.removals.append(Removal("wire_signoff", m["w"]))
        st.claim_publisher("wire_signoff", m["w"], m["w"])
        return body_lines[:j] + [body_lines[j][: m.start()]]
    return body_lines


def _take_wire_dateline(body_lines: list[str], st: _ParseState) -> None:
    """A wire dateline on the first of the first three lines that has text: its agency, and its date
    when the header gave none with a day (the text is kept in the body)."""
    for ln in body_lines[:3]:
        if ln.strip():
            wd = _wire_dateline(ln)
            break
    else:
        return
    if wd is None:
        return
    dl, hit, agency = wd
    if agency:
        st.claim_publisher("wire_dateline", agency, dl)
    if hit is not None and (st.date_hit is None or st.date_hit.day is None and hit.day is not None):
        st.date_hit = hit


_AD_MARKER_RE = re.compile(r"\[ad_\d+\]")

#: What the normalizer strips, as patterns a quality check can search a cleaned body for: a match means the
#: cleaning missed (a new layout, a path that skipped it). Built from the classifier rules themselves (same
#: regexes, same length limits as ``_classify``), so the check cannot drift from the rules; the rules that
#: also need a second test (contributor, privacy, newsletter prose, donations) are left out, since a regex
#: alone would flag real sentences.
RESIDUAL_BOILERPLATE: tuple[str, ...] = (
    _AD_MARKER_RE.pattern,  # stripped even inside a paragraph
    _whole_paragraph(_AD_RE, 80),
    _whole_paragraph(_WIDGET_RE, 80),
    _whole_paragraph(_READ_MORE_RE, 220),
    _whole_paragraph(_SIGNUP_RE, 120),
)


def _clean_paragraphs(paras: list[tuple[str, str]], st: _ParseState) -> list[str]:
    """The clean text of the paragraphs that are not boilerplate; the others go to ``st.removals``."""
    keep: list[str] = []
    k, n = 0, len(paras)
    while k < n:
        clean, rawp = paras[k]
        if "[ad_" in clean:
            clean = _strip_inline_ads(clean, st)
            if clean is None:
                k += 1
                continue
        dm = _DONATION_START_RE.fullmatch(clean) if len(clean) <= 90 else None
        if dm is not None:
            k = _take_donation_block(paras, k, clean, dm["pub"], st)
            continue
        rule = _classify(clean)
        if rule is None and _is_payment_ui(clean) and st.removals \
                and st.removals[-1].rule in ("donation_appeal", "payment_ui"):
            rule = "payment_ui"
        if rule is None:
            keep.append(clean)
        else:
            _take_boilerplate(rule, clean, rawp, st)
        k += 1
    return keep


def _strip_inline_ads(clean: str, st: _ParseState) -> str | None:
    """Remove inline ad-plugin markers (``[ad_1]``); None when nothing else is left."""
    stripped = _AD_INLINE_RE.sub(" ", clean).strip()
    if stripped == clean.strip():
        return clean
    for mk in _AD_MARKER_RE.findall(clean):
        st.removals.append(Removal("ad_marker", mk))
    return stripped or None


def _take_donation_block(paras: list[tuple[str, str]], k: int, clean: str, pub: str, st: _ParseState) -> int:
    """Remove a donation block opened by ``A Message from X:`` at ``paras[k]``: up to and including the
    payment buttons when they follow within 24 paragraphs, else the appeal paragraphs that follow.
    Returns the index of the first paragraph after the block."""
    n = len(paras)
    end = None
    for t in range(k + 1, min(n, k + 25)):
        if _is_payment_ui(paras[t][0]):
            end = t
            while end + 1 < n and _is_payment_ui(paras[end + 1][0]):
                end += 1
            break
    st.claim_publisher("donation_message", pub, clean)
    if end is not None:
        for t in range(k, end + 1):
            rule = "payment_ui" if t > k and _is_payment_ui(paras[t][0]) else "donation_appeal"
            st.removals.append(Removal(rule, paras[t][1]))
        return end + 1
    st.removals.append(Removal("donation_appeal", paras[k][1]))
    k += 1
    while k < n and _DONATION_CUES_RE.search(paras[k][0]) and len(paras[k][0]) < 600 \
            and _classify(paras[k][0]) in (None, "donation_appeal"):
        st.removals.append(Removal("donation_appeal", paras[k][1]))
        k += 1
    return k


def _take_boilerplate(rule: str, clean: str, rawp: str, st: _ParseState) -> None:
    """Record a boilerplate paragraph, and the byline or publisher it names."""
    st.removals.append(Removal(rule, rawp))
    if rule == "contributor_line":
        st.bylines.append(rawp)
        cm = _CONTRIB_PUB_RE.match(clean)
        if cm:
            st.claim_publisher("contributor_line", cm["pub"], rawp)
    elif rule == "newsletter_signup":
        nm = _NEWSLETTER_FROM_RE.search(clean)
        if nm:
            st.claim_publisher("newsletter_from", nm["pub"].rstrip("."), rawp)
    elif rule == "donation_appeal":
        sm = _SUPPORT_BANNER_RE.fullmatch(clean)
        if sm:
            st.claim_publisher("support_banner", sm["pub"], rawp)


def _result(st: _ParseState, body: str) -> ParsedText:
    h = st.date_hit
    claimed = h.day if h is not None else None
    conf = h.confidence if h is not None else "NONE"
    return ParsedText(
        title=st.title,
        dateline_text=h.text if h is not None else None,
        published_claimed=claimed,
        published_claimed_at=h.at if claimed else None,
        pubdate_method=h.method if h is not None and conf != "NONE" else None,
        pubdate_confidence=conf,
        body=body,
        boilerplate=tuple(st.removals),
        byline="\n".join(st.bylines) if st.bylines else None,
        publisher=st.publisher[1] if st.publisher else None,
        publisher_evidence=st.publisher[2] if st.publisher else None,
    )
