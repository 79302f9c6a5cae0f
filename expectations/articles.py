"""The `dateline_articles` expectation suite, as code, plus its one custom expectation.

Importing this module imports Great Expectations (5-6 s): import it lazily, inside the code that validates.
Importing it also registers the custom metric and expectation with GX (the registry is filled by the class
definitions), so it must be imported before a suite that uses them is run or deserialised.

Every expectation carries `meta={"severity": "critical" | "warning"}` (and the same value in GX's own
`severity` field): a critical failure quarantines the row's article, a warning only flags it.
The upper bound of the claimed-date check depends on the day of the run, so it is a suite parameter
(`$PARAMETER: claimed_before`): pass `expectation_parameters(today)` to `ValidationDefinition.run`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar, Dict, List, Literal, Optional, Tuple, Union, get_args

import pandas as pd

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import MulticolumnMapMetricProvider
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)
from great_expectations.render.renderer_configuration import RendererConfiguration, RendererValueType

from expectations import SUITE_NAME
from schemas.articles import DateStatus

CRITICAL = "critical"
WARNING = "warning"

# Plausible article length, in words. Below 20 words a "body" is a teaser, a photo caption or a paywall stub,
# not an article: nothing to date-check and nothing worth loading. 100,000 words is about a whole novel; the
# longest real news features and long-reads run 10-30k words, so anything above 100k is several articles (or a
# whole dump) glued together by a failed split, which must not load as one article.
WORD_COUNT_MIN = 20
WORD_COUNT_MAX = 100_000
# A body that short in characters is a stub even if it is "20 words" (e.g. a list of tags or names).
BODY_MIN_CHARS = 100

# Residual boilerplate: markers the normalizer is meant to strip. One left in a body means the cleaning missed
# (a new site template, an unexpected layout) and the body still carries page furniture, which also feeds
# false dates to the date inference (`[ad_1]` parses as January). Kept here, in one place, so the suite and
# anything reporting on it share the list; case-insensitive where the phrase is prose.
BOILERPLATE_MARKERS: tuple[str, ...] = (
    r"\[ad_\d+\]",  # ad-slot placeholders left by the scraper
    r"(?i)subscribers agree to the privacy policy",  # newsletter sign-up footer
    r"(?i)sign up for our (?:free )?(?:weekly |daily )?newsletter",  # newsletter call to action
    r"(?i)most read in ",  # "Most read in World" sidebar
    r"(?i)contributed to (?:this|the) report",  # agency credit line at the foot of wire copy
)

# The values `date_status` may take: taken from the schema so the two cannot drift apart.
DATE_STATUSES: tuple[str, ...] = tuple(get_args(DateStatus))

# Claimed publication dates before this are not plausible for the sources dateline reads (and are typical
# of a parser turning "'90s" or an epoch default into a date).
CLAIMED_MIN = datetime(1990, 1, 1)
CLAIMED_BEFORE_PARAM = "claimed_before"

# One day: a claimed date one day off the inferred window is what time zones produce (an article dated the
# 12th in Sydney is the 11th in New York), not evidence of a wrong date.
DEFAULT_TOLERANCE_DAYS = 1


def claimed_before(today: date) -> datetime:
    """Exclusive upper bound of the claimed date: claimed dates up to and including today + 1 day pass."""
    return datetime.combine(today + timedelta(days=2), time.min)


def expectation_parameters(today: date) -> dict[str, Any]:
    """The suite parameters one run needs (see module doc)."""
    return {CLAIMED_BEFORE_PARAM: claimed_before(today)}


# --------------------------------------------------------------------------------------------------------------
# Custom expectation: the claimed date lies within the window the content allows.
# --------------------------------------------------------------------------------------------------------------


def as_utc_naive(values: pd.Series) -> pd.Series:
    """Any date-like column (datetime64, tz-aware, python dates, None) as naive UTC datetime64."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values
    converted = pd.to_datetime(values, errors="raise", utc=True)
    return converted.dt.tz_localize(None)


class ClaimedDateWithinInferredWindow(MulticolumnMapMetricProvider):
    """Row condition: claimed in [min - tolerance, max + tolerance], or no evidence to judge by.

    column_list is (claimed, inferred_min, inferred_max), in that order. A row passes when the claimed date is
    missing or both inferred bounds are missing; with only one bound present, only that side is checked.
    """

    condition_metric_name = "multicolumn_values.claimed_date_within_inferred_window"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_list",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ("tolerance_days",)
    default_kwarg_values = {"tolerance_days": DEFAULT_TOLERANCE_DAYS}

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:
        tolerance_days = kwargs.get("tolerance_days")
        if tolerance_days is None:
            tolerance_days = DEFAULT_TOLERANCE_DAYS
        tolerance = pd.Timedelta(days=float(tolerance_days))
        claimed_col, min_col, max_col = column_list.columns
        claimed = as_utc_naive(column_list[claimed_col])
        lower = as_utc_naive(column_list[min_col])
        upper = as_utc_naive(column_list[max_col])

        no_evidence = claimed.isna() | (lower.isna() & upper.isna())
        lower_ok = lower.isna() | (claimed >= lower - tolerance)
        upper_ok = upper.isna() | (claimed <= upper + tolerance)
        return no_evidence | (lower_ok & upper_ok)


class ExpectClaimedDateWithinInferredWindow(MulticolumnMapExpectation):
    """Expect each row's claimed publication date to lie within the window inferred from its content.

    Args:
        column_list: exactly three columns: the claimed date, the inferred minimum, the inferred maximum.
        tolerance_days: slack on both sides of the window, in days (default 1: time zones).

    Rows with no claimed date, or with neither bound, pass: a missing date is not evidence of a wrong one.
    Unexpected rows are reported like any map expectation (unexpected_list / unexpected_index_list).
    """

    column_list: List[str] = pydantic.Field(
        description="claimed date column, inferred minimum column, inferred maximum column (in that order)"
    )
    tolerance_days: float = pydantic.Field(
        default=DEFAULT_TOLERANCE_DAYS, ge=0, description="days of slack on both sides of the window"
    )
    # Missing values are part of the rule (they pass), so no row is dropped before the condition sees it.
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "never"

    map_metric = ClaimedDateWithinInferredWindow.condition_metric_name
    success_keys: ClassVar[Tuple[str, ...]] = ("mostly", "tolerance_days")
    args_keys = ("column_list", "tolerance_days")

    library_metadata: ClassVar[Dict[str, Union[str, list, bool]]] = {
        "maturity": "experimental",
        "tags": ["dateline", "multi-column expectation", "dates"],
        "contributors": ["dateline"],
        "requirements": [],
        "has_full_test_suite": False,
        "manually_reviewed_code": True,
    }

    @pydantic.validator("column_list")
    def _three_columns(cls, v: List[str]) -> List[str]:
        if len(v) != 3:
            raise ValueError("column_list must be [claimed, inferred_min, inferred_max]")
        return v

    @classmethod
    def _prescriptive_template(cls, renderer_configuration: RendererConfiguration) -> RendererConfiguration:
        renderer_configuration.add_param(name="column_list", param_type=RendererValueType.ARRAY)
        renderer_configuration.add_param(name="tolerance_days", param_type=RendererValueType.NUMBER)
        cols = (renderer_configuration.kwargs or {}).get("column_list") or ["?", "?", "?"]
        renderer_configuration.template_str = (
            f"{cols[0]} must lie between {cols[1]} - $tolerance_days days and {cols[2]} + $tolerance_days days "
            "where the claimed date and at least one bound are present."
        )
        return renderer_configuration


# --------------------------------------------------------------------------------------------------------------
# The suite.
# --------------------------------------------------------------------------------------------------------------


def _meta(severity: str, why: str) -> dict[str, Any]:
    return {"severity": severity, "why": why}


def build_expectations(*, tolerance_days: float = DEFAULT_TOLERANCE_DAYS) -> list[gxe.Expectation]:
    """The expectations of the suite, in the order they are reported."""
    return [
        # --- identity
        gxe.ExpectColumnValuesToNotBeNull(
            column="article_id", severity=CRITICAL, meta=_meta(CRITICAL, "every article needs its key")
        ),
        gxe.ExpectColumnValuesToBeUnique(
            column="article_id", severity=CRITICAL, meta=_meta(CRITICAL, "article_id is the primary key")
        ),
        # --- body present and plausibly long
        gxe.ExpectColumnValuesToNotBeNull(
            column="body", severity=CRITICAL, meta=_meta(CRITICAL, "an article without a body is no article")
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="word_count",
            severity=CRITICAL,
            meta=_meta(CRITICAL, "the length check below skips missing values; a missing count is a bug"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="word_count",
            min_value=WORD_COUNT_MIN,
            max_value=WORD_COUNT_MAX,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "stubs below, glued-together dumps above (see WORD_COUNT_MIN/MAX)"),
        ),
        gxe.ExpectColumnValueLengthsToBeBetween(
            column="body",
            min_value=BODY_MIN_CHARS,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "a body this short in characters is a stub"),
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
            min_value=CLAIMED_MIN,
            max_value={"$PARAMETER": CLAIMED_BEFORE_PARAM},
            strict_max=True,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "claimed date between 1990-01-01 and today + 1 day"),
        ),
        ExpectClaimedDateWithinInferredWindow(
            column_list=["published_claimed", "published_inferred_min", "published_inferred_max"],
            tolerance_days=tolerance_days,
            ignore_row_if="never",
            severity=CRITICAL,
            meta=_meta(CRITICAL, "the claimed date contradicts the dates the content allows"),
        ),
        # --- pipeline invariants: failing these means the date checker is broken, so they are critical
        gxe.ExpectColumnValuesToNotBeNull(
            column="date_status", severity=CRITICAL, meta=_meta(CRITICAL, "every article gets a date status")
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="date_status",
            value_set=list(DATE_STATUSES),
            severity=CRITICAL,
            meta=_meta(CRITICAL, "an unknown date status means the date checker is broken"),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="date_score",
            min_value=0.0,
            max_value=1.0,
            severity=CRITICAL,
            meta=_meta(CRITICAL, "date_score is 0..1 or missing; anything else means the scorer is broken"),
        ),
        # --- warnings: the article stays, flagged
        gxe.ExpectColumnValuesToNotBeNull(
            column="title", severity=WARNING, meta=_meta(WARNING, "articles should have a title")
        ),
        gxe.ExpectColumnValuesToNotMatchRegex(
            column="title",
            regex=r"^\s*$",
            severity=WARNING,
            meta=_meta(WARNING, "an empty or blank title is no title"),
        ),
    ]


def build_suite(
    name: str = SUITE_NAME, *, tolerance_days: float = DEFAULT_TOLERANCE_DAYS
) -> gx.ExpectationSuite:
    """A fresh ExpectationSuite (not attached to any context): add it with `context.suites.add(...)`.

    Its claimed-date bound is the suite parameter `claimed_before`: run it with
    `expectation_parameters=expectation_parameters(today)`.
    """
    return gx.ExpectationSuite(
        name=name,
        expectations=build_expectations(tolerance_days=tolerance_days),
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
