"""The dateline sanity rules, on hand-built mentions (so these tests pin the rules, not the tagger)."""

from datetime import date

from dateline.dating.sanity import ArticleDates, judge_article, judge_batch
from dateline.parse.timex import Mention


def mention(text, value, *, tense, kind="absolute", gran="day", explicit=True, first=None, last=None, anchor=None):
    return Mention(start=0, end=len(text), text=text, type="DATE", value=value, kind=kind, granularity=gran,
                   tense=tense, explicit_year=explicit, anchor=anchor, earliest=first, latest=last)


SUMMIT = mention("June 16, 2021", "2021-06-16", tense="future", first=date(2021, 6, 16), last=date(2021, 6, 16))
HELSINKI = mention("July 2018", "2018-07", tense="past", gran="month", kind="month_year",
                   first=date(2018, 7, 1), last=date(2018, 7, 31))
NEXT_MONTH = mention("next month", "2024-04", tense="future", kind="relative", gran="month", explicit=False,
                     anchor="+1M", first=date(2024, 4, 1), last=date(2024, 4, 30))


def test_a_2024_dateline_on_a_story_previewing_a_2021_summit_is_inconsistent():
    v = judge_article(ArticleDates("x", date(2024, 3, 29), [HELSINKI, SUMMIT, NEXT_MONTH]))
    assert v.status == "inconsistent"
    assert v.score > 0.9
    # 'next month' ties the article to the month before the summit
    assert (v.inferred_min, v.inferred_max) == (date(2021, 5, 1), date(2021, 5, 31))
    assert "June 16, 2021" in v.evidence_text()


def test_the_right_dateline_is_consistent_and_history_does_not_accuse():
    v = judge_article(ArticleDates("x", date(2021, 5, 25), [HELSINKI, SUMMIT, NEXT_MONTH]))
    assert v.status == "consistent"
    # calibrated: a consistent verdict is right more often than not, an accusation almost always
    assert 0 < v.score < 0.5 and v.basis == "consistent:explicit_date"
    assert v.inferred_min <= date(2021, 5, 25) <= v.inferred_max


def evidence_says(article):
    """The verdict the evidence reaches, before calibration decides whether that kind of exclusion accuses."""
    return judge_article(article).basis.split(":")[0]


def test_one_day_off_is_consistent_two_days_off_is_not():
    assert judge_article(ArticleDates("x", date(2021, 6, 17), [SUMMIT])).status == "consistent"
    assert evidence_says(ArticleDates("x", date(2021, 6, 18), [SUMMIT])) == "inconsistent"
    # ... but an explicit date two days off was right too rarely on the development split to accuse
    assert judge_article(ArticleDates("x", date(2021, 6, 18), [SUMMIT])).status == "no_evidence"


def test_missing_and_no_evidence():
    assert judge_article(ArticleDates("x", None, [SUMMIT])).status == "missing"
    year_less = mention("June 16", "2021-06-16", tense="future", kind="month_day", explicit=False,
                        first=date(2021, 6, 16), last=date(2021, 6, 16))
    assert judge_article(ArticleDates("x", date(2021, 5, 1), [year_less])).status == "no_evidence"
    assert judge_article(ArticleDates("x", date(2021, 5, 1), [])).status == "no_evidence"


def test_mentions_in_unknown_tense_do_not_bound_the_window():
    v = judge_article(ArticleDates("x", date(2021, 5, 1), [mention("2030", "2030", tense="unknown", kind="year",
                                                                      gran="year", first=date(2030, 1, 1),
                                                                      last=date(2030, 12, 31))]))
    assert v.status == "no_evidence" and v.inferred_min is None and v.inferred_max is None


def test_an_article_is_judged_alone_whatever_shares_its_batch():
    story = "Biden Putin Geneva Kremlin Sullivan Patrushev Lavrov Blinken Navalny Ukraine"
    dated = ArticleDates("a", None, [SUMMIT], story)
    yearless = ArticleDates("b", date(2024, 6, 1), [mention("June 16", "XXXX-06-16", tense="future",
                                                            kind="month_day", explicit=False)], story)
    alone = judge_batch([yearless])[0]
    assert judge_batch([dated, yearless])[1] == alone
    assert alone.status == "no_evidence"


def test_a_single_misread_tense_is_outvoted_not_believed():
    misread = mention("in 2019", "2019", tense="future", kind="year", gran="year",
                      first=date(2019, 1, 1), last=date(2019, 12, 31))
    past = [mention(f"in {y}", str(y), tense="past", kind="year", gran="year", first=date(y, 1, 1),
                    last=date(y, 12, 31)) for y in (2020, 2021)]
    v = judge_article(ArticleDates("x", date(2021, 5, 1), [misread, *past]))
    assert v.status == "consistent"
    assert v.inferred_min == date(2021, 1, 1)


def test_a_one_against_one_conflict_accuses_nobody():
    a = mention("in 2020", "2020", tense="past", kind="year", gran="year", first=date(2020, 1, 1), last=date(2020, 12, 31))
    b = mention("in 2018", "2018", tense="future", kind="year", gran="year", first=date(2018, 1, 1), last=date(2018, 12, 31))
    # each side of the conflict is as believable as the other: a date agreeing with either stands
    assert judge_article(ArticleDates("x", date(2018, 6, 1), [a, b])).status == "consistent"
    assert judge_article(ArticleDates("x", date(2020, 6, 1), [a, b])).status == "consistent"
    # a date agreeing with neither does not
    assert evidence_says(ArticleDates("x", date(2019, 6, 1), [a, b])) == "inconsistent"


def _year(text, y, tense, kind="year", start=0):
    return Mention(start=start, end=start + len(text), text=text, type="DATE", value=str(y), kind=kind,
                   granularity="year", tense=tense, explicit_year=True, anchor=None,
                   earliest=date(y, 1, 1), latest=date(y, 12, 31))


def test_deadlines_and_maturities_are_not_events():
    for lead in ("franchised stores to open by ", "notes that mature on ", "the 8-1/2 pct of ", "runs from "):
        text = lead + "1992"
        m = _year("1992", 1992, "past", start=len(lead))
        assert judge_article(ArticleDates("x", date(1987, 4, 2), [m], text)).status == "no_evidence", lead


def test_a_value_told_both_as_past_and_as_upcoming_is_no_evidence():
    text = "the same rate as in 1986 ... down from 11.3 mln in 1986"
    a, b = _year("1986", 1986, "future", start=19), _year("1986", 1986, "past", start=text.rindex("1986"))
    assert judge_article(ArticleDates("x", date(1987, 4, 1), [a, b], text)).status == "no_evidence"


def test_fiscal_years_and_decades_are_not_calendar_evidence():
    fiscal = _year("fiscal 1988", 1988, "past", kind="fiscal")
    assert judge_article(ArticleDates("x", date(1987, 6, 18), [fiscal], "fiscal 1988")).status == "consistent"
    decade = Mention(0, 9, "the 1990s", "DATE", "199", "decade", "decade", "past", True, None,
                     date(1990, 1, 1), date(1999, 12, 31))
    assert judge_article(ArticleDates("x", date(1987, 4, 28), [decade], "the 1990s")).status == "no_evidence"


def test_remembered_deadline_and_tense_answers_stay_with_their_text():
    import dataclasses

    from dateline.dating.sanity import _deadline, _tense_holds

    texts = ["The notes due 1990 were sold.", "The plant saw 1990 as a good year.", "It would open 1990, he said."]
    ms = [dataclasses.replace(mention("1990", "1990", tense=t), start=14, end=18) for t in ("past", "future")]
    assert {_deadline.__wrapped__(t, ms[0]) for t in texts} == {True, False}  # the texts do disagree
    for t in texts + texts[::-1]:  # answers asked again, the same mention in alternating texts
        for m in ms + ms:
            assert _deadline(t, m) == _deadline.__wrapped__(t, m)
            assert _tense_holds(t, m) == _tense_holds.__wrapped__(t, m)


def test_months_later_keeps_the_day_or_the_months_last():
    import calendar
    from datetime import timedelta

    from dateline.dating.sanity import _months_later

    d = date(1999, 1, 1)
    while d < date(2005, 1, 1):
        for k in (-13, -1, 1, 2, 11, 72):
            y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
            assert _months_later(d, k) == date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))
        d += timedelta(days=1)


def test_the_recency_search_scores_each_day_as_the_per_day_formula_does():
    # sanity._terms finds each bin's stretch of days by bisection instead of a gap and a bin per day; it must
    # give, day for day, what recency_bin(recency_gap(...)) gives, for spans before, around and after the day
    from datetime import timedelta

    from dateline.dating import sanity

    for claimed in (date(1987, 3, 26), date(2021, 1, 31), date(2020, 2, 29)):
        days = sanity._search_days(claimed)
        assert list(days) == sorted(days)
        for unit, bins in sanity.RECENCY_BINS.items():
            dens = tuple(float(i + 1) for i in range(len(bins)))  # a distinct value per bin
            for offset, width in ((-4000, 0), (-400, 30), (-31, 0), (0, 0), (-2, 5), (1, 0), (45, 60), (900, 365)):
                first = claimed + timedelta(days=offset)
                last = first + timedelta(days=width)
                want = [3 * dens[sanity.recency_bin(sanity.recency_gap(d, first, last, unit), unit)] for d in days]
                assert sanity._terms(dens, first, last, unit, 3, days) == want, (claimed, unit, offset, width)


def _corpus_files():
    """The seeds plus a few texts that tell dates in every tense, as the pipeline reads them."""
    import hashlib
    from pathlib import Path

    from dateline.sources.files import RawFile

    texts = [p.read_bytes() for p in sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))]
    texts += [f"Story {i}\n{d}\n\nThe board met on June {i + 1}, 2019 and will meet again on July {i + 2}. "
              f"Results for 2018 were published in March.\n".encode()
              for i, d in enumerate(["2019-06-20", "2021-06-20", "June 30, 2019", "2019-01-05", "2019-06-01"])]
    return [RawFile(f"in/{i}.txt", t, hashlib.sha256(t).hexdigest()) for i, t in enumerate(texts)]


def test_date_score_is_the_development_rate_of_the_verdicts_basis():
    from dateline.dating.sanity import CALIBRATION_MIN, _calibration, calibrated

    table = _calibration()
    wrong, total = table["inconsistent:dateline"]
    assert total >= CALIBRATION_MIN and calibrated("inconsistent:dateline") == (round((wrong + 0.5) / (total + 1), 3), total)
    # a basis seen too rarely takes its parent's rate; an unknown one falls back to the status's
    assert calibrated("inconsistent:dateline:no-such-bucket") == calibrated("inconsistent:dateline")
    assert calibrated("missing") == (None, 0)


def test_verdicts_do_not_depend_on_batch_size_or_file_order():
    import random

    from dateline.parse.normalize import normalize_files

    files = _corpus_files()

    def verdicts(order, size):
        out = {}
        for k in range(0, len(order), size):
            for a in normalize_files(order[k:k + size], "r").articles:
                out[a.article_id] = (a.date_status, a.date_score, a.published_inferred_min, a.published_inferred_max,
                                     a.date_evidence)
        return out

    whole = verdicts(files, 5000)
    assert {s for s, *_ in whole.values()} >= {"inconsistent", "consistent", "missing"}
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    for order, size in ((files, 3), (files, 50), (shuffled, 5000), (shuffled, 3)):
        assert verdicts(order, size) == whole


def _dateline_article(claimed, body, title=None):
    from dateline.parse import normalize, text, timex

    raw = f"{title or 'A title'}\n{claimed}\n\n{body}\n"
    p = text.parse_text(raw)
    return normalize._dates_of("x", p, timex.extract_mentions(p.body, p.published_claimed))


def test_a_body_dateline_that_disagrees_with_the_header_accuses_it():
    body = "WASHINGTON, March 13 - The Treasury said it would sell bills."
    assert judge_article(_dateline_article("13-JUN-1987 10:00:00.00", body)).status == "inconsistent"
    ok = judge_article(_dateline_article("13-MAR-1987 10:00:00.00", body))
    assert ok.status == "consistent"
    assert [e.kind for e in ok.considered].count("dateline") == 2
    # a day off across time zones is the same day somewhere
    assert judge_article(_dateline_article("14-MAR-1987 01:00:00.00", body)).status == "consistent"


def test_a_title_dateline_is_read_too():
    v = judge_article(_dateline_article("1987-07-07", "Prices were steady.", title="CANADIAN METALS - April 7"))
    assert v.status == "inconsistent" and "title" in v.evidence_text()


def test_a_year_less_dateline_does_not_vouch_for_the_year():
    # The dateline fits the day, but the story's own explicit dates put it in 1987, not 1992.
    body = ("CHICAGO, March 26 - The company said its 1986 net profit rose, and first quarter 1987 results "
            "were released on March 3, 1987.")
    assert judge_article(_dateline_article("26-MAR-1992 10:00:00.00", body)).status == "inconsistent"


def test_a_weekday_with_its_date_fits_only_some_years():
    body = "BUDAPEST - The minister said here on Friday, March 12 that talks would go on."
    assert judge_article(_dateline_article("1999-03-12", body)).status == "consistent"
    assert judge_article(_dateline_article("2002-03-12", body)).status == "inconsistent"


def test_an_impossible_date_line_is_kept_with_the_reason_it_is_no_date():
    import hashlib

    from dateline.parse.normalize import normalize_files
    from dateline.sources.files import RawFile

    data = b"Summit set for Geneva\n31 February 2021\n\nThe two leaders will meet in Geneva next month.\n"
    out = normalize_files([RawFile("in/bad.txt", data, hashlib.sha256(data).hexdigest())], "r")
    (a,) = out.articles
    assert a.dateline_text == "31 February 2021" and a.published_claimed is None and a.date_status == "missing"
    (row,) = [e for e in out.date_evidence if e.kind == "malformed_date_line"]
    assert row.text == "31 February 2021" and "February 2021 has 28 days, not 31" in row.detail


def test_elapsed_time_counted_from_a_printed_year_places_the_story():
    body = ("The Chicago Cubs ended a 108-year wait on Wednesday night, winning the World Series for the first "
            "time since they won the championship in 1908.")
    v = judge_article(_dateline_article("2016-11-03", body))
    assert v.status == "consistent"
    assert sorted((e.day.year, e.bound) for e in v.considered if e.kind == "elapsed_time") == [(2016, "min"), (2017, "max")]
    assert evidence_says(_dateline_article("2012-11-03", body)) == "inconsistent"
    # an age or a bond's term is no elapsed time
    aged = "A 108-year-old fan, who first saw them win in 1908, cheered."
    assert not [e for e in judge_article(_dateline_article("2012-11-03", aged)).considered if e.kind == "elapsed_time"]
