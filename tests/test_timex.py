"""Tests for dateline.parse.timex (small hand-written cases plus the seed articles)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from dateline.parse import timex
from dateline.parse.timex import Mention, extract_mentions, mention_to_dict

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _by_text(mentions: list[Mention]) -> dict[str, Mention]:
    return {m.text: m for m in mentions}


def _find(mentions: list[Mention], fragment: str) -> Mention:
    for m in mentions:
        if fragment in m.text:
            return m
    raise AssertionError(f"no mention containing {fragment!r} in {[m.text for m in mentions]}")


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- API / invariants


def test_acceptance_future_month_day_and_next_month():
    ms = extract_mentions("Biden will meet Putin in Geneva on June 16, next month.", date(2021, 5, 25))
    by = _by_text(ms)
    jd = by["June 16"]
    assert (jd.value, jd.kind, jd.tense, jd.type) == ("2021-06-16", "month_day", "future", "DATE")
    assert jd.explicit_year is False
    assert jd.earliest == jd.latest == date(2021, 6, 16)
    nm = by["next month"]
    assert (nm.value, nm.kind, nm.anchor) == ("2021-06", "relative", "+1M")
    assert (nm.earliest, nm.latest) == (date(2021, 6, 1), date(2021, 6, 30))


def test_offsets_sorted_non_overlapping_and_dict():
    text = "On Sunday, officials said the talks of June 15-16 would last two days, every week."
    ms = extract_mentions(text, date(2021, 4, 27))
    assert ms
    prev_end = -1
    for m in ms:
        assert text[m.start:m.end] == m.text
        assert m.start >= prev_end
        prev_end = m.end
        d = mention_to_dict(m)
        json.dumps(d)
        assert set(d) == {"start", "end", "text", "type", "value", "kind", "granularity", "tense",
                          "explicit_year", "anchor", "earliest", "latest"}


def test_no_dct_gives_unresolved_values():
    ms = _by_text(extract_mentions("He will arrive on June 16 and leave next month.", None))
    assert ms["June 16"].value == "XXXX-06-16"
    assert ms["June 16"].earliest is None and ms["June 16"].latest is None
    assert ms["next month"].anchor == "+1M"
    assert ms["next month"].earliest is None


# ---------------------------------------------------------------- absolute dates


@pytest.mark.parametrize(
    "text,value",
    [
        ("It happened on June 16, 2021 in Geneva.", "2021-06-16"),
        ("It happened on 16 June 2021 in Geneva.", "2021-06-16"),
        ("The filing is dated 2021-06-16.", "2021-06-16"),
        ("The filing is dated 06/16/2021.", "2021-06-16"),
        ("The deal closed Sept. 30, 1989, the company said.", "1989-09-30"),
    ],
)
def test_absolute(text, value):
    ms = extract_mentions(text, date(2022, 1, 1))
    assert len(ms) == 1, ms
    assert ms[0].value == value
    assert ms[0].explicit_year is True
    assert ms[0].kind == "absolute"


def test_month_year_year_decade_quarter_season():
    dct = date(2021, 5, 25)
    text = ("Prices peaked in July 2018 and fell in the 1990s; the 2020 election and "
            "the fourth quarter results matter, as does Q3 1987. They meet this summer.")
    by = _by_text(extract_mentions(text, dct))
    assert by["July 2018"].value == "2018-07"
    assert by["the 1990s"].value == "199"
    assert by["2020"].value == "2020" and by["2020"].kind == "year"
    assert by["Q3 1987"].value == "1987-Q3"
    fq = _find(list(by.values()), "fourth quarter")
    assert fq.value in ("2020-Q4", "2021-Q4") and fq.kind == "quarter"
    assert by["this summer"].value == "2021-SU"


# ---------------------------------------------------------------- tense-driven resolution


def test_weekday_past_and_future():
    dct = date(2021, 5, 26)  # a Wednesday
    past = _by_text(extract_mentions("Putin said on Sunday that he was ready.", dct))
    assert past["Sunday"].value == "2021-05-23"
    assert past["Sunday"].anchor == "-P"
    fut = _by_text(extract_mentions("The leaders will meet on Sunday in Geneva.", dct))
    assert fut["Sunday"].value == "2021-05-30"
    assert fut["Sunday"].anchor == "+P"


def test_month_day_year_follows_tense():
    dct = date(2021, 6, 30)  # January 5 is about as far back as forward
    fut = _by_text(extract_mentions("The summit will take place on January 5.", dct))
    assert fut["January 5"].value == "2022-01-05"
    past = _by_text(extract_mentions("The summit took place on January 5.", dct))
    assert past["January 5"].value == "2021-01-05"
    # far off in the verb's direction but close the other way: the nearer one wins
    near = _by_text(extract_mentions("The shares are payable Dec. 15, it said.", date(1989, 10, 26)))
    assert near["Dec. 15"].value == "1989-12-15"


@pytest.mark.parametrize(
    "phrase,value,anchor",
    [
        ("yesterday", "2021-05-24", "-1D"),
        ("today", "2021-05-25", "0D"),
        ("last week", "2021-W20", "-1W"),
        ("this week", "2021-W21", "+0W"),
        ("last year", "2020", "-1Y"),
        ("next month", "2021-06", "+1M"),
        ("earlier this month", "2021-05", "0M"),
        ("a year ago", "2020", "-1Y"),
    ],
)
def test_relative(phrase, value, anchor):
    ms = extract_mentions(f"The minister spoke {phrase} about it.", date(2021, 5, 25))
    assert len(ms) == 1, ms
    assert ms[0].text.lower() == phrase
    assert (ms[0].value, ms[0].anchor) == (value, anchor)


def test_refs_sets_durations():
    dct = date(2021, 5, 25)
    by = _by_text(extract_mentions(
        "Talks are now under way and were recently resumed; they meet every week, publish daily "
        "reports, and the 24-day strike lasted three years, or 12 months, in the coming weeks.",
        dct))
    assert by["now"].value == "PRESENT_REF" and by["now"].kind == "present_ref"
    assert by["recently"].value == "PAST_REF"
    assert by["every week"].type == "SET" and by["every week"].value == "P1W"
    assert by["daily"].type == "SET"
    assert by["24-day"].type == "DURATION" and by["24-day"].value == "P24D"
    assert by["three years"].value == "P3Y"
    assert by["12 months"].type == "DURATION" and by["12 months"].value == "P12M"
    assert _find(list(by.values()), "coming weeks").value == "FUTURE_REF"


def test_mid_early_month():
    by = _by_text(extract_mentions("He will leave in early June and return mid-June.", date(2021, 5, 25)))
    assert by["early June"].value == "2021-06"
    assert by["mid-June"].value == "2021-06"


# ---------------------------------------------------------------- things that are not dates


@pytest.mark.parametrize(
    "text",
    [
        "we may go there.",
        "The 46th President spoke.",
        "[ad_1]",
        "the march was long",
        "Profits rose 19.6 pct to 42.75 dlrs.",
        "Call 555-2020 or (202) 555-1987 for details.",
        "They scored 15-16 in the final.",
        "It took a second to answer.",
    ],
)
def test_not_dates(text):
    assert [m for m in extract_mentions(text, date(2021, 5, 25)) if m.type == "DATE"] == []


def test_two_hour_is_duration_not_date():
    ms = extract_mentions("The sides described their two-hour discussions as constructive.", date(2021, 5, 19))
    assert [(m.text, m.type, m.value) for m in ms] == [("two-hour", "DURATION", "PT2H")]


# ---------------------------------------------------------------- seeds


def test_seed_001():
    ms = extract_mentions(_seed("001"), date(2021, 5, 25))
    by = _by_text(ms)
    assert by["June 16, 2021"].value == "2021-06-16" and by["June 16, 2021"].explicit_year
    assert by["July 2018"].value == "2018-07"
    assert by["2016"].value == "2016"
    assert by["2011"].value == "2011"
    assert by["next month"].kind == "relative"
    for t in ("last month", "this week", "Last week", "March", "early June"):
        assert t in by, t
    assert by["last month"].value == "2021-04"


def test_seed_002_ad_marker():
    text = _seed("002")
    ms = extract_mentions(text, date(2021, 5, 25))
    for m in ms:
        assert "ad_" not in m.text
    assert text.index("[ad_1]") + 6 <= ms[0].start
    by = _by_text(ms)
    assert by["June 16"].value == "2021-06-16"
    assert by["April 13"].value == "2021-04-13"


def test_seed_004():
    ms = extract_mentions(_seed("004"), date(2021, 4, 27))
    assert not any("46th" in m.text for m in ms)
    jr = _find(ms, "June 15-16")
    assert jr.text == "June 15-16"
    assert jr.earliest == date(2021, 6, 15) and jr.latest == date(2021, 6, 16)
    d24 = _find(ms, "24-day")
    assert (d24.type, d24.value) == ("DURATION", "P24D")
    d12 = _find(ms, "12 months")
    assert (d12.type, d12.value) == ("DURATION", "P12M")
    assert _find(ms, "this summer").value == "2021-SU"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seeds_run_clean(prefix):
    text = _seed(prefix)
    for dct in (date(2021, 5, 25), None):
        ms = extract_mentions(text, dct)
        for a, b in zip(ms, ms[1:]):
            assert a.end <= b.start
        for m in ms:
            assert text[m.start:m.end] == m.text
            assert m.type in ("DATE", "TIME", "DURATION", "SET")
            if m.earliest is not None:
                assert m.earliest <= m.latest


# ---------------------------------------------------------------- dateline sanity support rules


def test_four_digit_clock_time_before_a_time_zone_is_a_time_not_a_year():
    (m, _) = extract_mentions("The offer will expire at 1630 EST/2130 gmt, March 30, 1987.", date(1987, 3, 2))
    assert (m.text, m.type, m.value, m.explicit_year) == ("1630", "TIME", "1987-03-02T16:30", False)


def test_fiscal_years_are_marked_as_fiscal():
    by = _by_text(extract_mentions("Congress cut spending in fiscal 1988 and in 1989.", date(1987, 6, 1)))
    assert by["fiscal 1988"].kind == "fiscal"
    assert by["1989"].kind == "year"


def test_tense_rules_for_dated_years():
    d = date(1987, 3, 4)
    assert _find(extract_mentions("the first fatal crash since 1959, when two died", d), "1959").tense == "past"
    assert _find(extract_mentions("sowing will fall to 10.7 mln, down from 11.3 mln in 1986", d), "1986").tense == "past"
    assert _find(extract_mentions("credits that had originally fallen due in 1979", d), "1979").tense == "past"
    assert _find(extract_mentions("he said the programme was to continue in 1988.", d), "1988").tense == "unknown"
    assert _find(extract_mentions("PRICE SUPPORT CUT SEEN LIKELY IN 1988", d), "1988").tense == "unknown"
    assert _find(extract_mentions("Armco's earnings could rise in 1988.", d), "1988").tense == "future"


# ---------------------------------------------------------------- issue 3 rules (news-style)


def test_quarter_reported_after_it_closed():
    dct = date(1989, 10, 27)
    m = _find(extract_mentions("The company expects to report third-quarter results soon.", dct),
              "third-quarter")
    assert m.value == "1989-Q3"
    m = _find(extract_mentions("It earned $5 million in the fiscal first quarter.", date(1989, 10, 26)),
              "first quarter")
    assert m.value == "1989-Q1"


def test_year_ago_follows_latest_quarter():
    text = ("Sales in the latest quarter rose to $12.7 billion from $12.4 billion a year earlier.")
    m = _find(extract_mentions(text, date(1989, 10, 26)), "a year earlier")
    assert m.value == "1988-Q3"


def test_future_cues_before_a_date():
    dct = date(2000, 4, 3)  # a Monday
    assert _find(extract_mentions("They could arrive as early as Tuesday.", dct), "Tuesday").value \
        == "2000-04-04"
    assert _find(extract_mentions("The trust created an office, effective Feb. 1.", date(1989, 10, 26)),
                 "Feb. 1").value == "1990-02-01"
    assert _find(extract_mentions("It is to resume trading in Paris Tuesday.", date(1989, 10, 27)),
                 "Tuesday").value == "1989-10-31"
    # "lower-than-expected" is an adjective, not a forecast
    ms = extract_mentions("It reported lower-than-expected earnings after the market closed "
                          "Wednesday.", date(1989, 10, 27))
    assert _find(ms, "Wednesday").value == "1989-10-25"


def test_untensed_month_day_leans_to_the_past():
    m = _find(extract_mentions("The index is within 70 points of its record high set on Aug. 6.",
                               date(1998, 2, 6)), "Aug. 6")
    assert m.value == "1997-08-06"


def test_weekday_part_of_day_is_a_time():
    m = _find(extract_mentions("Protesters rallied Friday night in Havana.", date(2000, 1, 8)),
              "Friday night")
    assert (m.type, m.value) == ("TIME", "2000-01-07TNI")


def test_not_dates_numbers_titles_names():
    dct = date(1989, 10, 30)
    texts = ["The index closed at 2082.1, down 4.5%.",
             'Baker said on ABC\'s "This Week" that the request stood.',
             "the unemployment rate stayed just above its quarter-century low",
             "protesters at the annual March for Life on Capitol Hill",
             "a series of ``Spring of Life'' demonstrations"]
    for t in texts:
        assert [m.value for m in extract_mentions(t, dct) if m.type == "DATE"] == [], t


def test_now_in_until_now_and_now_that():
    dct = date(1998, 3, 4)
    assert _find(extract_mentions("No woman has been in charge until now.", dct), "now").value \
        == "PRESENT_REF"
    assert _find(extract_mentions("For now, the embassy stays closed.", dct), "now").value \
        == "PRESENT_REF"
    assert [m.text for m in extract_mentions("The firm is by now well known.", dct)] == []


def test_holidays():
    ms = extract_mentions("Elian was found on Thanksgiving Day clinging to an inner tube.",
                          date(2000, 1, 7))
    assert _find(ms, "Thanksgiving").value == "1999-11-25"
    ms = extract_mentions("a major theme of our campaign from now to Election Day", date(1998, 10, 26))
    assert _find(ms, "Election Day").value == "1998-11-03"
    assert _find(extract_mentions("They left last Christmas.", date(2021, 6, 16)), "Christmas").value \
        == "2020-12-25"
    assert [m.text for m in extract_mentions("The Labor Party won.", date(2021, 6, 16))] == []


def test_numeric_dates_without_dateparser():
    dct = date(2021, 5, 25)
    assert _find(extract_mentions("filed on 06/16/2021 in court", dct), "06/16").value == "2021-06-16"
    assert _find(extract_mentions("signed 16.06.2021 in Bern", dct), "16.06").value == "2021-06-16"
    assert _find(extract_mentions("on 16 June 2021 it rained", dct), "16 June").value == "2021-06-16"
    assert [m.text for m in extract_mentions("on 31 June 2021 it rained", dct)
            if m.value.startswith("2021-06-3")] == []


# ---------------------------------------------------------------- DATE value precision rules


def test_month_and_season_with_a_spelled_out_year():
    dct = date(2003, 5, 2)
    ms = extract_mentions("Prices peaked in March nineteen eighty-eight, the host recalled.", dct)
    m = _find(ms, "March")
    assert (m.text, m.value, m.explicit_year) == ("March nineteen eighty-eight", "1988-03", True)
    ms = extract_mentions("We saw that price in the summer of nineteen seventy-two.", dct)
    m = _find(ms, "summer")
    assert (m.text, m.value) == ("the summer of nineteen seventy-two", "1972-SU")
    assert len(ms) == 1


def test_quarter_a_year_ago_is_one_expression():
    dct = date(2005, 4, 21)
    ms = extract_mentions("Acme lost money in the first quarter. For the quarter a year ago, it "
                          "earned $2 million.", dct)
    m = _find(ms, "a year ago")
    assert (m.text, m.value) == ("the quarter a year ago", "2004-Q1")
    assert [x.text for x in ms].count("a year ago") == 0
    # a period that is not a quarter: the expressions stay apart, as before
    ms = extract_mentions("Sales for February fell from the same period a year ago.", dct)
    assert [x.text for x in ms if "year" in x.text] == ["a year ago"]


def test_plans_after_the_date_is_a_noun():
    dct = date(2007, 8, 20)  # a Monday
    m = _find(extract_mentions("On Friday, when the minister set aside holiday plans for a trip, "
                               "aides left.", dct), "Friday")
    assert m.value == "2007-08-17"
    m = _find(extract_mentions("On Friday the minister plans to fly to Rome.", dct), "Friday")
    assert m.value == "2007-08-24"


def test_today_in_titles_and_figurative_tomorrow():
    dct = date(2007, 8, 20)
    assert [m.text for m in extract_mentions("He writes for USA Today and radio.", dct)] == []
    assert [m.text for m in extract_mentions("They are the leaders of tomorrow.", dct)] == []
    assert _find(extract_mentions("Fees rise as of tomorrow.", dct), "tomorrow").value == "2007-08-21"
    assert _find(extract_mentions("Today the UN voted.", dct), "Today").value == "2007-08-20"


def test_year_earlier_nine_months_is_a_duration():
    ms = extract_mentions("Net for the year-earlier nine months included a gain.", date(2005, 10, 20))
    m = _find(ms, "nine months")
    assert (m.type, m.value) == ("DURATION", "P9M")


def test_first_character_classes_read_off_the_pattern():
    first = timex._first_chars
    assert first("(?:abc|x?d)") == "[adx\\x80-\\U0010ffff]"
    assert first("(?i:ab)") == "[Aa\\x80-\\U0010ffff]"  # case folding as the engine does it
    assert first("(?:(?=q)r)") == "[r\\x80-\\U0010ffff]"  # lookarounds skipped: only ever more characters
    assert first("(?:a*)") is None  # may match empty: no lookahead at all


_MANY_FORMS = (
    "On Tuesday, June 15, 2021, and again on 16 June the two met; by mid-2021 in the 1990s style of the "
    "21st century. Q3 1987 results, the third quarter, fiscal 1988, 10:30 a.m. EST, 12/06/2021, 2021-06-16, "
    "next week, last month, two years ago, early next year, the past 12 months, this spring, tomorrow "
    "morning, Monday night, the weekend, late 1986, nineteen ninety-seven, every year, each day, for three "
    "days, since 1985, the year-earlier quarter, now, currently, recently, in the coming weeks. At noon on "
    "Christmas Day, on Tuesdays, in the first half of the year, on Thanksgiving, at midnight."
)


def test_every_rule_match_starts_where_its_lookahead_lets_it():
    """Wherever a rule's own pattern matches, its first-character class matches too: the lookahead that
    ``_combined`` puts in front of each rule only skips places the rule could not match anyway."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + [_MANY_FORMS]  # as matched: cased
    rules_hit = 0
    for rule, pattern, _handler in timex._RULE_TABLE:
        first = timex._FIRST_CHARS[rule]
        if first is None:
            continue
        rule_rx, first_rx, hits = re.compile(f"(?<!\\w)(?:{pattern})"), re.compile(first), 0
        for text in texts:
            for pos in range(len(text)):
                if rule_rx.match(text, pos):
                    hits += 1
                    assert first_rx.match(text, pos), (rule, text[pos : pos + 40])
        rules_hit += hits > 0
    assert rules_hit >= 30  # the texts exercise nearly every rule, not a few
