"""The one way dateline asks dateparser for a date: named settings profiles, one cache.

dateparser is imported on first use (its import and first call cost ~0.3 s) and asked in English unless the
caller names the article's language (ISO 639-1): a date line or a metadata date of a German article is read
with dateparser's own German data. Each caller names the profile it needs, so the settings that decide what a
span means sit side by side.
"""

from __future__ import annotations

import functools
from datetime import datetime

#: A mention in an article body ("June 16, 2021", "16.06.2021"): a day, a month and a year are required,
#: and the caller chooses the order of an ambiguous numeric date.
MENTION = "mention"
#: A date line above an article ("March 29, 2024", "Fri 29/3/24"): strict, and a two-digit year is past.
DATE_LINE = "date_line"

_PROFILES: dict[str, dict] = {
    MENTION: {
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_LOCALE_DATE_ORDER": False,
    },
    DATE_LINE: {
        "REQUIRE_PARTS": ["day", "month", "year"],
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": True,
    },
}


@functools.lru_cache(maxsize=65536)
def parse_date(text: str, profile: str, date_order: str | None = None, language: str = "en") -> datetime | None:
    """``text`` as a datetime under the settings of ``profile`` (and ``date_order``, e.g. "DMY"), read in
    ``language`` (ISO 639-1; one dateparser has no data for means None), or None.

    dateparser raises assorted errors on odd input (overflowing numbers, stray unicode); such text is
    not a date, so those errors mean None. Its own bugs would show the same way, which is why this is
    the only place that catches them.
    """
    import dateparser  # noqa: PLC0415 - lazy: see the module docstring

    settings = dict(_PROFILES[profile])
    if date_order:
        settings["DATE_ORDER"] = date_order
    try:
        return dateparser.parse(text, languages=[language], settings=settings)
    except Exception:  # noqa: BLE001 - see the docstring: unparsable input, not a failure of ours
        return None


@functools.lru_cache(maxsize=4096)
def is_date_only(text: str, language: str) -> bool:
    """Whether every word of ``text`` is a date word of ``language`` in dateparser's own data (month and
    day names, numbers, "um", "à"): the test that a line of another language is a date line and nothing
    else. False for a language dateparser does not know."""
    from dateparser.conf import settings  # noqa: PLC0415 - lazy: see the module docstring
    from dateparser.languages.loader import default_loader  # noqa: PLC0415

    try:
        return default_loader.get_locale(language).is_applicable(text, strip_timezone=True, settings=settings)
    except Exception:  # noqa: BLE001 - an unknown language code (ValueError) or odd input: not a date line
        return False
