"""The calendar words every part of dateline reads: month and weekday names and their abbreviations.

One place, so the text parser, the date tagger, the sanity check and the evaluations agree on what
counts as a month. Patterns built from these words live with the code that matches them.
"""

from __future__ import annotations

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")

#: Lower-case month word -> month number: full names, three-letter abbreviations, and "sept".
MONTH_NUMBER: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(MONTH_NAMES, 1)},
    **{name.lower()[:3]: i for i, name in enumerate(MONTH_NAMES, 1)},
    "sept": 9,
}

#: Abbreviations as newsrooms write them (capitalised), "May" excluded: it is the full name too.
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec")

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Lower-case weekday word -> 0 (Monday) .. 6 (Sunday): full names only.
WEEKDAY_NUMBER: dict[str, int] = {name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)}

#: Every lower-case weekday word a date line may carry: full names and their usual abbreviations.
WEEKDAY_WORDS = frozenset(WEEKDAY_NUMBER) | {"mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri",
                                             "sat", "sun"}
