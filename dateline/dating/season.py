"""Which part of the year a story was written in, from the dates it names without a year.

Wire copy names days without their year all the time ("through February 25", "on March one", "the June 1
interest payment"), and they cluster just before (and a little after) the day the story was written,
whatever year that was. A claimed date four months or more away from where they cluster is suspect:
this test scores the claimed day and the same day of every other month within eleven months by how
likely each mention's distance to it is (the nearest occurrence of its day or month, before or after),
with a table of distances counted on stories with known dates (the development split, see
``bench/fit_dating.py``; the table lives in ``dateline/data/dating_tables.json``).

Pure functions, no Prefect. ``dateline.dating.sanity`` decides what the score means for the verdict.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources

from dateline.parse.timex import Mention

#: Bins of (publication day - nearest occurrence of the mention), (lowest gap, highest gap, width):
#: days for a day ("February 25"), months for a month ("in March"). Periodic: the nearest occurrence is
#: at most half a year away.
SEASON_BINS = {
    "day": ((-183, -93, 91), (-92, -32, 61), (-31, -8, 24), (-7, -1, 7), (0, 0, 1), (1, 7, 7), (8, 31, 24),
            (32, 92, 61), (93, 183, 91)),
    "month": ((-6, -4, 3), (-3, -2, 2), (-1, -1, 1), (0, 0, 1), (1, 1, 1), (2, 3, 2), (4, 6, 3)),
}
SEASON_SPAN_MONTHS = 11  # the claimed day is compared with the same day of every month within this many


@dataclass(frozen=True, slots=True)
class SeasonFeature:
    category: str  # "<unit>-<tense>": unit day or month, tense past / future / other
    month: int
    day: int | None  # None for a month
    mention: Mention


def season_feature(m: Mention, tense_holds) -> SeasonFeature | None:
    """The feature of a DATE mention that names a month (and day) without its own year, or None.

    ``tense_holds(m)`` says whether the tagger's tense can be trusted (sanity's test)."""
    if m.type != "DATE" or m.explicit_year or m.kind == "weekday" or not m.value:
        return None
    parts = m.value.split("-")
    if len(parts) not in (2, 3) or not (parts[0] == "XXXX" or parts[0].isdigit()) or not parts[1].isdigit():
        return None
    month = int(parts[1])
    if not 1 <= month <= 12:
        return None
    day = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
    if len(parts) == 3 and day is None:
        return None
    tense = m.tense if m.tense in ("past", "future") and tense_holds(m) else "other"
    return SeasonFeature(f"{'day' if day else 'month'}-{tense}", month, day, m)


def season_gap(day: date, f: SeasonFeature) -> int:
    """Signed distance from the nearest occurrence of the feature's day (in days) or month (in months) to
    ``day``: > 0 when the occurrence lies before it."""
    if f.day is None:
        d = (day.month - f.month) % 12
        return d if d <= 6 else d - 12
    best = None
    for year in (day.year - 1, day.year, day.year + 1):
        occ = date(year, f.month, min(f.day, calendar.monthrange(year, f.month)[1]))
        gap = (day - occ).days
        if best is None or abs(gap) < abs(best) or (abs(gap) == abs(best) and gap > best):
            best = gap
    return best


_HIGHEST = {unit: [hi for _, hi, _ in bins] for unit, bins in SEASON_BINS.items()}


def season_bin(gap: int, unit: str) -> int:
    """The index in SEASON_BINS[unit] of a gap."""
    return min(bisect.bisect_left(_HIGHEST[unit], gap), len(_HIGHEST[unit]) - 1)


@functools.cache
def season_table() -> dict[str, tuple[float, ...]]:
    """log P(bin | category), as fitted; see ``bench/fit_dating.py``."""
    raw = json.loads(resources.files("dateline.data").joinpath("dating_tables.json").read_text())
    return {k: tuple(v) for k, v in raw["season"].items()}


def _density(category: str, b: int) -> float:
    unit = category.split("-")[0]
    return season_table()[category][b] - math.log(SEASON_BINS[unit][b][2])


@dataclass(frozen=True, slots=True)
class Season:
    """How the season test sees an article: log-likelihood of the claimed day and of the best other day."""

    claimed: float
    best: float
    best_day: date
    values: int  # distinct (month, day) values taking part

    @property
    def ratio(self) -> float:
        return self.best - self.claimed


def _months_later(d: date, k: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def season(claimed: date, features: Sequence[SeasonFeature]) -> Season | None:
    """Score the claimed day against the same day of every other month within SEASON_SPAN_MONTHS."""
    table = season_table()
    feats = [f for f in features if f.category in table]
    if not feats:
        return None

    def score(day: date) -> float:
        return sum(_density(f.category, season_bin(season_gap(day, f), f.category.split("-")[0])) for f in feats)

    here = score(claimed)
    best, best_day = here, claimed
    for k in range(-SEASON_SPAN_MONTHS, SEASON_SPAN_MONTHS + 1):
        if k:
            d = _months_later(claimed, k)
            v = score(d)
            if v > best + 1e-9:
                best, best_day = v, d
    return Season(here, best, best_day, len({(f.month, f.day) for f in feats}))
