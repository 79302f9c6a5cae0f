"""The `dateline_articles` expectation suite, as code.

Importing this module imports Great Expectations (5-6 s): import it lazily, inside the code that validates.

Every expectation carries `meta={"severity": "critical" | "warning"}` (and the same value in GX's own
`severity` field): a critical failure quarantines the row's article, a warning only flags it.
The claimed-date range depends on the day of the run and on `Settings` (claimed_floor, claimed_future_days),
so its bounds are suite parameters (`claimed_after`, `claimed_before`): pass
`expectation_parameters(today, floor=..., future_days=...)` to `ValidationDefinition.run`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, get_args

import pandas as pd

import great_expectations as gx
import great_expectations.expectations as gxe

from dateline.parse.text import RESIDUAL_BOILERPLATE
from expectations import SUITE_NAME
from schemas.articles import DateStatus

CRITICAL = "critical"
WARNING = "warning"

# Plausible article length, in words. Below 20 words a "body" is a teaser, a photo caption or a short wire
# item (an earnings table of a few lines): a real article all the same, so that only *warns* (a quarantine
# means "do not count this article"). A body with no word at all is no article, and above 100,000 words
# (a whole novel; long-reads run 10-30k) it is several articles glued together by a failed split, which must
# not be counted as one: those two quarantine.
WORD_COUNT_MIN = 20
WORD_COUNT_MAX = 100_000
# The warning reads the body itself: at least WORD_COUNT_MIN whitespace-separated tokens.
MIN_WORDS_RE = r"^\s*(?:\S+\s+){%d}\S" % (WORD_COUNT_MIN - 1)
# A body that short in characters is a stub even if it is "20 words" (e.g. a list of tags or names): a warning.
BODY_MIN_CHARS = 100
BLANK_RE = r"^\s*$"

# Residual boilerplate: page furniture the normalizer strips (its own rules, see `RESIDUAL_BOILERPLATE`). One
# left in a body means the cleaning missed (a new site template, an unexpected layout) and the body still
# carries furniture, which also feeds false dates to the date inference (`[ad_1]` parses as January).
BOILERPLATE_MARKERS: tuple[str, ...] = RESIDUAL_BOILERPLATE

# A title that is nothing but a date (or a wire date line) means the header was misread: the date line took
# the title's place. Months and weekdays in English, the forms the date-line parser reads.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?"
TITLE_DATE_LINE_RE = (
    r"(?i)^\W*(?:" + _WEEKDAY + r"\s*)?(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2}(?::\d{2})?\S*)?"  # ISO, with or without a time
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 11/02/89, 15.09.2017
    r"|\d{1,2}(?:st|nd|rd|th)?[- ]" + _MONTH + r"[-, ]*\d{2,4}"  # 13-JUN-1987, 5 March 2021
    r"|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s*\d{2,4}"  # March 29, 2024
    r")\W*$"
)

# The values `date_status` may take: taken from the schema so the two cannot drift apart.
DATE_STATUSES: tuple[str, ...] = tuple(get_args(DateStatus))

# The plausible claimed-date range is a suite parameter pair: its bounds are `Settings.claimed_floor` and
# the day of the run + `Settings.claimed_future_days` (see `expectation_parameters`).
CLAIMED_AFTER_PARAM = "claimed_after"
CLAIMED_BEFORE_PARAM = "claimed_before"
# Defaults of `expectation_parameters` when called without settings: the same as `Settings`'.
DEFAULT_CLAIMED_FLOOR = date(1800, 1, 1)
DEFAULT_FUTURE_DAYS = 1

# The verdict that quarantines: taken from the schema's statuses so a rename cannot silently disable it.
INCONSISTENT = "inconsistent"
if INCONSISTENT not in DATE_STATUSES:
    raise ImportError(f"schemas.articles.DateStatus lost {INCONSISTENT!r}: the suite's date check would never fail")


def claimed_before(today: date, future_days: int = DEFAULT_FUTURE_DAYS) -> datetime:
    """Exclusive upper bound of the claimed date: claimed dates up to and including today + future_days pass."""
    return datetime.combine(today + timedelta(days=future_days + 1), time.min)


def expectation_parameters(
    today: date, *, floor: date = DEFAULT_CLAIMED_FLOOR, future_days: int = DEFAULT_FUTURE_DAYS
) -> dict[str, Any]:
    """The suite parameters one run needs (see module doc): the plausible claimed-date range."""
    return {
        CLAIMED_AFTER_PARAM: datetime.combine(floor, time.min),
        CLAIMED_BEFORE_PARAM: claimed_before(today, future_days),
    }


def as_utc_naive(values: pd.Series) -> pd.Series:
    """Any date-like column (datetime64, tz-aware, python dates, None) as naive UTC datetime64."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    converted = pd.to_datetime(values, errors="raise", utc=True)
    return converted.dt.tz_localize(None)


# --------------------------------------------------------------------------------------------------------------
# The suite.
# --------------------------------------------------------------------------------------------------------------


def _meta(severity: str, why: str) -> dict[str, Any]:
    return {"severity": severity, "why": why}


def build_expectations() -> list[gxe.Expectation]:
    """The expectations of the suite, in the order they are reported.

    Only checks the types cannot make: `article_id`, `body`, `word_count` and `date_status` are never null
    and `date_status` is always in its set, by the pydantic models and the DDL, so no expectation says so.
    """
    return [
        # --- identity
        gxe.ExpectColumnValuesToBeUnique(
            column="article_id", severity=CRITICAL, meta=_meta(CRITICAL, "article_id is the primary key")
        ),
        # --- body: some words and not a glued dump; shortness only warns (short wire items are real articles)
        gxe.ExpectColumnValuesToBeBetween(
            column="word_count",
            min_value=1,
            max_value=WORD_COUNT_MAX,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "no word is no article; above WORD_COUNT_MAX it is several glued together"),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="body",
            regex=MIN_WORDS_RE,
            severity=WARNING,
            meta=_meta(WARNING, f"fewer than {WORD_COUNT_MIN} words: a teaser or a short wire item"),
        ),
        gxe.ExpectColumnValueLengthsToBeBetween(
            column="body",
            min_value=BODY_MIN_CHARS,
            severity=WARNING,
            meta=_meta(WARNING, "a body this short in characters is a stub or a short wire item"),
        ),
        gxe.ExpectColumnValuesToNotMatchRegexList(
            column="body",
            regex_list=list(BOILERPLATE_MARKERS),
            severity=CRITICAL,
            meta=_meta(CRITICAL, "residual boilerplate: the normalizer missed page furniture"),
        ),
        # --- dates
        gxe.ExpectColumnValuesToBeBetween(
            column="published_claimed",
            # datetime bounds, never strings: under pandas 3 string bounds on a datetime column do not raise,
            # they come back as success=False with exception_info.
            min_value={"$PARAMETER": CLAIMED_AFTER_PARAM},
            max_value={"$PARAMETER": CLAIMED_BEFORE_PARAM},
            strict_max=True,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "claimed date between Settings.claimed_floor and today + claimed_future_days"),
        ),
        # One source of truth: the date checker's verdict (dateline.dating) weighs the evidence and says
        # `inconsistent` only when it excludes the claimed date; the suite quarantines exactly those.
        gxe.ExpectColumnValuesToNotBeInSet(
            column="date_status",
            value_set=[INCONSISTENT],
            severity=CRITICAL,
            meta=_meta(CRITICAL, "the evidence in the text excludes the claimed date (see date_anomalies)"),
        ),
        # --- pipeline invariants: failing these means the date checker is broken, so they are critical
        gxe.ExpectColumnValuesToBeBetween(
            column="misplaced_mentions",
            min_value=0,
            max_value=0,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "date mentions whose offsets fall outside the body or miss their text: "
                                 "the dates were read from text the body does not hold"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="date_score",
            min_value=0.0,
            max_value=1.0,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "date_score is 0..1 or missing; anything else means the scorer is broken"),
        ),
        # --- warnings: the article stays, flagged
        gxe.ExpectColumnValuesToBeNull(
            column="dateline_text",
            row_condition='pubdate_confidence == "NONE"',
            condition_parser="pandas",
            severity=WARNING,
            meta=_meta(WARNING, "a date line that names no real date (31 February, month 13): kept as text, the "
                                "reason is its malformed_date_line row in date_evidence"),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="title", severity=WARNING, meta=_meta(WARNING, "articles should have a title")
        ),
        gxe.ExpectColumnValuesToNotMatchRegexList(
            column="title",
            regex_list=[BLANK_RE, TITLE_DATE_LINE_RE],
            severity=WARNING,
            meta=_meta(WARNING, "a blank title, or a date line read as the title (the header was misread)"),
        ),
    ]


def build_suite(name: str = SUITE_NAME) -> gx.ExpectationSuite:
    """A fresh ExpectationSuite (not attached to any context): add it with `context.suites.add(...)`.

    Its claimed-date bound is the suite parameter `claimed_before`: run it with
    `expectation_parameters=expectation_parameters(today)`.
    """
    return gx.ExpectationSuite(
        name=name,
        expectations=build_expectations(),
        meta={"owner": "dateline", "severity_levels": [CRITICAL, WARNING]},
    )


def expectation_name(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """`expect_column_values_to_be_unique(article_id)`: the name results and tables use for an expectation."""
    if kwargs.get("column") is not None:
        cols = str(kwargs["column"])
    elif kwargs.get("column_list"):
        cols = ",".join(map(str, kwargs["column_list"]))
    elif kwargs.get("column_A") is not None:
        cols = f"{kwargs['column_A']},{kwargs['column_B']}"
    else:
        cols = ""
    return f"{expectation_type}({cols})"
