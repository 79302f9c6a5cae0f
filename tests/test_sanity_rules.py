"""The dateline sanity rules added for precision (tense read from the wrong clause) and for recall (news
recency). Small hand-written texts with hand-built mentions, so these pin the rules, not the tagger; each
rule is tested on an article it must accuse and on a correct one it must leave alone."""

from datetime import date

from dateline.dating.sanity import ArticleDates, judge_article, recency
from dateline.parse.timex import Mention


def at(text, needle, tense, *, nth=0, gran=None, kind=None):
    """A DATE mention of `needle` (a year, 'Month D, YYYY' or 'the first quarter of YYYY') found in text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    y = int(needle[-4:])
    if needle.startswith("the first quarter"):
        first, last, value, g = date(y, 1, 1), date(y, 3, 31), f"{y}-Q1", "quarter"
    elif needle[:1].isdigit():
        first, last, value, g = date(y, 1, 1), date(y, 12, 31), str(y), "year"
    else:
        from datetime import datetime
        d = datetime.strptime(needle, "%B %d, %Y").date()
        first, last, value, g = d, d, d.isoformat(), "day"
    return Mention(start, start + len(needle), needle, "DATE", value, kind or ("year" if g == "year" else "absolute"),
                   gran or g, tense, True, None, first, last)


def status(text, claimed, *mentions):
    """What the evidence says, before calibration decides whether that kind of exclusion may accuse."""
    return judge_article(ArticleDates("x", claimed, list(mentions), text)).basis.split(":")[0]


def test_a_year_that_modifies_a_noun_is_no_tense_evidence():
    text = "A program for 1987 winter wheat and 1988 feedgrains crops has been introduced."
    assert status(text, date(1987, 3, 18), at(text, "1988", "past")) != "inconsistent"
    text = "The plant was closed in 1988 and has stayed shut."
    assert status(text, date(1987, 3, 18), at(text, "1988", "past")) == "inconsistent"


def test_a_past_tense_does_not_survive_a_modal_or_a_plan_in_the_clause():
    text = "He said a public sale of its assets in 1988 was not unlikely, but gave no date."
    assert status(text, date(1987, 4, 8), at(text, "1988", "past")) != "inconsistent"
    text = "The negotiators agreed to cut 1.6 billion from the farm budget in 1989 and 2.45 billion in 1990."
    assert status(text, date(1987, 6, 18), at(text, "1989", "past"), at(text, "1990", "past")) != "inconsistent"
    # a baseline stays past in a forecast, and a plain past event still accuses
    text = "Output would jump to two mln in 1990 from 617,000 in 1988, the survey said."
    assert status(text, date(1987, 3, 12), at(text, "1988", "past")) == "inconsistent"


def test_an_upcoming_year_that_is_the_baseline_of_a_later_one_is_not_a_bound():
    text = "The unit will earn at least 100 mln marks in 1987 after losing 141.5 mln marks in 1986."
    ms = at(text, "1987", "future"), at(text, "1986", "future")
    assert status(text, date(1987, 6, 29), *ms) != "inconsistent"
    text = "The unit will earn at least 100 mln marks in 1986, the chairman said."
    assert status(text, date(1987, 6, 29), at(text, "1986", "future")) == "inconsistent"


def test_due_to_means_because_of():
    text = "Results reflect six months of mining due to the merger of the two firms on June 30, 1985."
    assert status(text, date(1987, 3, 11), at(text, "June 30, 1985", "future")) != "inconsistent"
    text = "The two firms will merge on June 30, 1985."
    assert status(text, date(1987, 3, 11), at(text, "June 30, 1985", "future")) == "inconsistent"


def test_a_date_coordinated_with_a_deadline_and_whichever_comes_first_are_deadlines():
    text = "The previously announced record and distribution dates were May 13, 1987, and June 29, 1987."
    ms = at(text, "May 13, 1987", "past"), at(text, "June 29, 1987", "past")
    assert status(text, date(1987, 3, 31), *ms) != "inconsistent"
    text = "Purchases will end when it has bought the shares or on April 12, 1988, whichever comes first."
    assert status(text, date(1987, 3, 17), at(text, "April 12, 1988", "past")) != "inconsistent"


def test_a_period_told_as_upcoming_is_still_news_weeks_after_it_closed():
    text = "Economists said the economy would contract in the first quarter of 1987."
    m = at(text, "the first quarter of 1987", "future")
    assert status(text, date(1987, 4, 9), m) != "inconsistent"
    assert status(text, date(1987, 7, 9), m) == "inconsistent"


STORY = ("Net profit rose to 50 mln dlrs in 1986 from 40 mln in 1985. Sales rose in 1986 to 900 mln dlrs. "
         "The company said its 1985 figures were restated. It bought the unit in 1984.")


def _story_mentions():
    return [at(STORY, "1986", "past"), at(STORY, "1985", "past"), at(STORY, "1986", "past", nth=1),
            at(STORY, "1985", "past", nth=1), at(STORY, "1984", "past")]


def test_news_recency_accuses_a_date_years_after_everything_the_story_tells():
    v = judge_article(ArticleDates("x", date(1991, 3, 2), _story_mentions(), STORY))
    assert v.status == "inconsistent" and "news recency" in v.evidence_text()
    assert v.basis.startswith("inconsistent:news_recency") and v.score > 0.9  # calibrated on the development split


def test_news_recency_leaves_the_right_date_alone():
    assert status(STORY, date(1987, 3, 2), *_story_mentions()) == "consistent"
    r = recency(ArticleDates("x", date(1987, 3, 2), _story_mentions(), STORY))
    assert r is not None and r.ratio < 1


def test_history_does_not_accuse():
    # a claim later than the story's dates needs three distinct dates: two years, however often told, are history
    text = "The plant opened in 1979. Output rose in 1979 and in 1980, and was cut in 1980."
    ms = [at(text, "1979", "past"), at(text, "1979", "past", nth=1), at(text, "1980", "past"),
          at(text, "1980", "past", nth=1)]
    assert status(text, date(1987, 3, 20), *ms) != "inconsistent"
    text = "The bridge was built in 1945 and rebuilt in 1946 after the flood of 1945."
    ms = [at(text, "1945", "past"), at(text, "1946", "past"), at(text, "1945", "past", nth=1)]
    assert status(text, date(2021, 6, 1), *ms) != "inconsistent"
    # a timeline of old dates next to one current date is history, not a wrong dateline
    text = "In 2009 she set up the server. In 2012 she left. In 2013 she testified. On November 6, 2016 the FBI closed it."
    ms = [at(text, "2009", "past"), at(text, "2012", "past"), at(text, "2013", "past"),
          at(text, "November 6, 2016", "past")]
    assert status(text, date(2016, 11, 12), *ms) != "inconsistent"


def test_one_misprinted_year_in_a_story_full_of_current_dates_does_not_accuse():
    text = " ".join(f"Item {i} rose in 1987 to {i} mln, and in the first quarter of 1987 to {i} dlrs."
                    for i in range(8)) + " Originations rose to 5.4 billion from 4.9 billion in 1996."
    ms = sorted([at(text, "1987", "past", nth=2 * i) for i in range(8)]
                + [at(text, "the first quarter of 1987", "past", nth=i) for i in range(8)]
                + [at(text, "1996", "past")], key=lambda m: m.start)
    assert status(text, date(1987, 10, 19), *ms) != "inconsistent"
    # without the story around it, the same date does accuse
    assert status(text, date(1987, 10, 19), ms[-1]) == "inconsistent"
