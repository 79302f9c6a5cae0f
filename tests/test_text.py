"""Tests for dateline.parse.text: the five seed dumps plus small hand-written cases (no devsets needed)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from dateline.parse.text import ParsedText, Removal, parse_date_line, parse_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seed(prefix: str) -> ParsedText:
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return parse_text(path.read_text(encoding="utf-8"))


def _rules(r: ParsedText) -> list[str]:
    return [x.rule for x in r.boilerplate]


def _removed(r: ParsedText, rule: str) -> list[str]:
    return [x.text for x in r.boilerplate if x.rule == rule]


# --------------------------------------------------------------------------------------------------
# API shape
# --------------------------------------------------------------------------------------------------


def test_api_fields_and_frozen():
    names = [f.name for f in dataclasses.fields(ParsedText)]
    assert names == [
        "title", "dateline_text", "published_claimed", "published_claimed_at", "pubdate_method",
        "pubdate_confidence", "body", "boilerplate", "byline", "publisher", "publisher_evidence",
    ]
    assert [f.name for f in dataclasses.fields(Removal)] == ["rule", "text"]
    r = parse_text("Hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.title = "x"  # type: ignore[misc]
    assert isinstance(r.boilerplate, tuple)


def test_empty_input():
    r = parse_text("")
    assert r.body == "" and r.title is None and r.published_claimed is None
    assert r.pubdate_confidence == "NONE" and r.pubdate_method is None and r.boilerplate == ()


# --------------------------------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------------------------------


def test_seed_000_date_prefix_with_lede():
    r = _seed("000")
    assert r.title is None
    assert r.published_claimed == date(2021, 5, 24)
    assert r.dateline_text == "date 2021-05-24"
    assert r.pubdate_method == "header" and r.pubdate_confidence == "DATE"
    assert r.published_claimed_at is None
    first = r.body.split("\n\n")[0]
    assert first == ("The White House and Kremlin are inching closer to a summit between U.S. President "
                     "Joe Biden and Russian President Vladimir Putin next month.")
    assert "2021-05-24" not in r.body
    assert "In a joint statement on May 24" in r.body  # body date mention stays, is not the claim
    assert r.body.endswith("but can still find ways to work together.")
    assert "\n\n\n" not in r.body
    assert r.boilerplate == ()


def test_seed_001_dateline_title_editor_note_contributors():
    r = _seed("001")
    assert r.title == "The Biden-Putin summit is set to take place in Switzerland next month"
    assert r.published_claimed == date(2024, 3, 29)
    assert r.dateline_text == "March 29, 2024"
    assert r.pubdate_method == "dateline" and r.pubdate_confidence == "DATE"
    assert r.publisher == "CNN"
    assert r.publisher_evidence is not None and "contributed to the report" in r.publisher_evidence
    assert r.byline == "CNN’s Kevin Liptack, Kylie Atwood, Nicole Cout and Chandelis Duster contributed to the report."
    assert _removed(r, "editor_note") == ["This story has been updated with additional background information and reporting."]
    assert "contributed to the report" not in r.body
    assert "This story has been updated" not in r.body
    assert "March 29, 2024" not in r.body
    assert r.title not in r.body
    assert r.body.startswith("“President Biden will meet with President Putin in Geneva")
    assert r.body.endswith("since Biden took office.")
    # a date inside a body sentence is not the claimed date
    assert "June 16, 2021" in r.body


def test_seed_002_ad_markers_no_date_no_title():
    r = _seed("002")
    assert r.published_claimed is None and r.dateline_text is None
    assert r.pubdate_confidence == "NONE" and r.pubdate_method is None
    assert r.title is None
    assert "[ad_" not in r.body
    assert _removed(r, "ad_marker") == ["[ad_1]", "[ad_2]"]
    assert r.body.startswith("The White House confirmed on Tuesday")
    # one paragraph per source line, separated by blank lines
    assert "\n\nWhite House spokesman Jen Psaki" in r.body
    assert r.publisher is None  # "Reuters said" inside a sentence is not a sign-off


def test_seed_003_moscow_times_boilerplate():
    r = _seed("003")
    assert r.title == "Russian, U.S. Security Chiefs to Meet Ahead of Possible Putin-Biden Summit – Reports"
    assert r.published_claimed is None
    assert r.publisher == "The Moscow Times"
    assert r.publisher_evidence is not None and "The Moscow Times" in r.publisher_evidence
    assert r.publisher_evidence in (Path(next(SEEDS.glob("003_*.txt"))).read_text(encoding="utf-8"))
    body = r.body
    for gone in ("Support The Moscow Times!", "A Message from The Moscow Times", "Dear readers",
                 "unprecedented challenges", "Your support", "Once", "Monthly", "Annual", "Continue",
                 "paiment methods", "Not ready to support today?", "Remind me later", "Read more",
                 "Sign up for our free weekly newsletter", "Our weekly newsletter", "Privacy Policy",
                 "Alex Brandon / AP / TASS"):
        assert gone not in body, gone
    assert body.startswith("Russia’s security chief is set to meet his U.S. counterpart")
    assert body.endswith("for “a safer and more secure” world.")
    assert "\xa0" not in body
    rules = _rules(r)
    for rule in ("donation_appeal", "payment_ui", "newsletter_signup", "privacy_policy", "photo_credit", "read_more"):
        assert rule in rules, rule
    assert _removed(r, "photo_credit") == ["Jake Sullivan Alex Brandon / AP / TASS"]
    assert _removed(r, "privacy_policy") == ["Subscribers agree to the Privacy Policy"]
    assert len(body.split("\n\n")) == 9  # the nine real paragraphs survive


def test_seed_004_widget_and_quoted_title():
    r = _seed("004")
    assert r.title == ("Biden ‘to meet Vladimir Putin in a mystery country this summer’ after he called "
                       "Russian leader a ‘killer’")
    assert r.published_claimed is None
    assert "Most read in US News" not in r.body
    assert _removed(r, "widget") == ["Most read in US News"]
    assert r.body.startswith("PRESIDENT Joe Biden will meet with Vladimir Putin")
    assert "in the last 12 months, with the US accusing Russia" in r.body  # lowercase line is body, kept
    assert r.body.endswith("such as carbon removal.")


def test_seed_removals_are_verbatim_source_text():
    for path in sorted(SEEDS.glob("*.txt")):
        src = path.read_text(encoding="utf-8")
        r = parse_text(src)
        for rm in r.boilerplate:
            for line in rm.text.split("\n"):
                assert line.strip() in src, (path.name, rm)


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

BODY = "The company said on Tuesday that its quarterly profit rose sharply on strong demand."


@pytest.mark.parametrize(
    "line, day, at, conf, method",
    [
        ("March 29, 2024", date(2024, 3, 29), None, "DATE", "dateline"),
        ("Tuesday, March 29, 2022", date(2022, 3, 29), None, "DATE", "dateline"),
        ("8 November 2016", date(2016, 11, 8), None, "DATE", "dateline"),
        ("26-MAR-1987 15:01:01.79", date(1987, 3, 26), datetime(1987, 3, 26, 15, 1, 1), "DATETIME", "timestamp"),
        ("2017-09-15T00:00:00", date(2017, 9, 15), None, "DATE", "timestamp"),
        ("2016-11-09 00:00:00", date(2016, 11, 9), None, "DATE", "timestamp"),
        ("2016-11-12 17:58:46", date(2016, 11, 12), datetime(2016, 11, 12, 17, 58, 46), "DATETIME", "timestamp"),
        ("Updated: 10:33 EST, 8 November 2016", date(2016, 11, 8), datetime(2016, 11, 8, 10, 33), "DATETIME", "header"),
        ("Nov. 8, 2016 at 3:15 p.m. ET", date(2016, 11, 8), datetime(2016, 11, 8, 15, 15), "DATETIME", "dateline"),
        ("Friday 11 November 2016 17.40 GMT", date(2016, 11, 11), datetime(2016, 11, 11, 17, 40), "DATETIME", "dateline"),
        ("11/02/89", date(1989, 11, 2), None, "DATE", "dateline"),
        ("25/12/03", date(2003, 12, 25), None, "DATE", "dateline"),
        ("19980120", date(1998, 1, 20), None, "DATE", "dateline"),
        ("Published 3:45 PM ET, Tue March 29, 2024", date(2024, 3, 29), datetime(2024, 3, 29, 15, 45), "DATETIME",
         "header"),
        ("Updated: 2017-09-15 17:52", date(2017, 9, 15), datetime(2017, 9, 15, 17, 52), "DATETIME", "timestamp"),
    ],
)
def test_header_date_lines(line, day, at, conf, method):
    r = parse_text(f"A Headline About Markets\n{line}\n\n{BODY}")
    assert r.title == "A Headline About Markets"
    assert r.dateline_text == line
    assert r.published_claimed == day
    assert r.published_claimed_at == at
    assert r.pubdate_confidence == conf
    assert r.pubdate_method == method
    assert r.body == BODY


def test_wire_timestamp_with_junk_and_bad_time():
    r = parse_text(f"GRAIN PRICES RISE\n27-MAR-1987 04:38:47.18&#5;&#5;&#5;M C F\n\n{BODY}\n Reuter\n")
    assert r.published_claimed == date(1987, 3, 27) and r.dateline_text == "27-MAR-1987 04:38:47.18"
    r = parse_text(f"GRAIN PRICES RISE\n31-MAR-1987 605:12:19.12\n\n{BODY}")
    assert r.published_claimed == date(1987, 3, 31)
    assert r.published_claimed_at is None and r.pubdate_confidence == "DATE"


@pytest.mark.parametrize("bad", ["0000-00-00", "31 February 2021", "February 30, 2021", "1850-01-01",
                                 "2150-01-01", "published 2019-02-30"])
def test_impossible_dates_rejected_but_text_kept(bad):
    r = parse_text(f"Some Headline Here\n{bad}\n\n{BODY}")
    assert r.published_claimed is None and r.published_claimed_at is None
    assert r.dateline_text == bad
    assert r.pubdate_confidence == "NONE" and r.pubdate_method is None
    assert r.body == BODY


def test_no_date_line_no_claim_and_body_dates_ignored():
    text = ("Dollar Gains On Greenspan Speech\n\nOn March 3, 2005 the dollar rose. The data released on "
            "2005-03-02 showed growth.\n\nAnalysts expect more gains by 12 April 2005.")
    r = parse_text(text)
    assert r.published_claimed is None and r.dateline_text is None and r.pubdate_confidence == "NONE"
    assert r.title == "Dollar Gains On Greenspan Speech"


def test_null_placeholder_date_line():
    r = parse_text(f"Plenty of heroes, no goats: An epic Game 7\nNone\n\n{BODY}")
    assert r.title == "Plenty of heroes, no goats: An epic Game 7"
    assert r.published_claimed is None and r.pubdate_confidence == "NONE"
    assert r.body == BODY


def test_published_preferred_over_updated():
    r = parse_text(f"Title Of Story\nUpdated: 10:33 EST, 9 November 2016\nPublished: 08:11 EST, 8 November 2016\n\n{BODY}")
    assert r.published_claimed == date(2016, 11, 8)
    r = parse_text(f"Title Of Story\nPublished: 08:11 EST, 8 November 2016 | Updated: 10:33 EST, 9 November 2016\n\n{BODY}")
    assert r.published_claimed == date(2016, 11, 8)
    assert r.dateline_text == "Published: 08:11 EST, 8 November 2016"


def test_yearless_wire_dateline_is_partial_without_timestamp():
    r = parse_text("CHICAGO, March 26 - The company said it would raise prices by 10 pct next month.\n Reuter")
    assert r.published_claimed is None  # no year: never invented
    assert r.pubdate_confidence == "PARTIAL" and r.pubdate_method == "dateline"
    assert r.dateline_text == "CHICAGO, March 26 -"
    assert r.publisher == "Reuters" and _removed(r, "wire_signoff") == ["Reuter"]
    assert r.body == "CHICAGO, March 26 - The company said it would raise prices by 10 pct next month."


def test_wire_dateline_with_timestamp_uses_timestamp():
    r = parse_text("SHORT TITLE ON WIRE\n26-MAR-1987 15:01:01.79\n\nCHICAGO, March 25 - The company said it "
                   "would raise prices.\n REUTER")
    assert r.published_claimed == date(1987, 3, 26) and r.pubdate_method == "timestamp"
    assert r.pubdate_confidence == "DATETIME"


def test_wire_dateline_with_year_and_agency():
    r = parse_text("LONDON, Nov 8, 2016 (Reuters) - Sterling rose on Tuesday as voters went to the polls.")
    assert r.published_claimed == date(2016, 11, 8) and r.pubdate_confidence == "DATE"
    assert r.publisher == "Reuters"


def test_parse_date_line_rejects_non_dates():
    for s in ("Biden Wins 2020", "The 2020 election", "HONG KONG TERM MONEY 1500 - APR 7", "Monday", "2024",
              "Read more", "Qtly div nine cts", "12345678", "20231345"):
        assert parse_date_line(s) is None, s


def test_headline_with_number_is_not_a_date():
    r = parse_text(f"HONG KONG TERM MONEY 1500 - APR 7\n7-APR-1987 03:05:02.10\n\n{BODY}")
    assert r.title == "HONG KONG TERM MONEY 1500 - APR 7"
    assert r.published_claimed == date(1987, 4, 7)


# --------------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------------


def test_sentence_first_line_is_not_a_title():
    r = parse_text("The company said on Tuesday that profits rose.\nSales were up ten percent in the quarter, "
                   "it said, and margins improved.")
    assert r.title is None
    assert r.body.startswith("The company said on Tuesday")


def test_allcaps_wire_title_ending_with_abbreviation():
    r = parse_text(f"CHINA CALLS FOR BETTER TRADE DEAL WITH U.S.\n2-MAR-1987 01:00:00.00\n\n{BODY}")
    assert r.title == "CHINA CALLS FOR BETTER TRADE DEAL WITH U.S."


def test_title_only_text_has_no_title():
    r = parse_text("Just One Line")
    assert r.title is None and r.body == "Just One Line"


# --------------------------------------------------------------------------------------------------
# Boilerplate
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, rule",
    [
        ("[ad_3]", "ad_marker"),
        ("ADVERTISEMENT", "ad_marker"),
        ("Most read in World News", "widget"),
        ("Click to share on WhatsApp (Opens in new window)", "widget"),
        ("Read more: Putin says he is ready to meet", "read_more"),
        ("Related: Five things to know about the summit", "read_more"),
        ("(Photo: Getty Images)", "photo_credit"),
        ("Vladimir Putin Mikhail Klimentyev / Kremlin Pool / TASS", "photo_credit"),
        ("Editor's note: This story has been corrected to fix a name.", "editor_note"),
        ("Jane Doe and John Roe contributed to this report.", "contributor_line"),
        ("Sign up for our daily newsletter", "newsletter_signup"),
        ("By signing up you agree to our Privacy Policy and Terms of Use.", "privacy_policy"),
    ],
)
def test_line_classifiers(line, rule):
    r = parse_text(f"{BODY}\n\n{line}\n\nThe second paragraph of the article continues the story here.")
    assert _removed(r, rule) == [line]
    assert line not in r.body
    assert "The second paragraph" in r.body and BODY in r.body


@pytest.mark.parametrize(
    "sentence",
    [
        "Read more about the plan in the report, the minister told parliament on Monday.",
        "The newsletter industry has grown as readers subscribe to writers directly, analysts said.",
        "He said the privacy policy of the company would be reviewed by regulators next year.",
        "Support for the measure fell to 40 percent, the poll showed.",
        "Reuters",  # not at the end of the text
        "The agency's photographer took the picture at 10 a.m. / local time, police said.",
        "Several reporters contributed questions at the press conference, which lasted an hour.",
    ],
)
def test_real_sentences_are_kept(sentence):
    text = f"{BODY}\n\n{sentence}\n\nThe final paragraph of the article ends the story here."
    r = parse_text(text)
    assert sentence in r.body, r.boilerplate
    assert r.boilerplate == ()


def test_wire_signoff_variants():
    for so in ("Reuter", "REUTER", "Reuters", "REUTER..."):
        r = parse_text(f"{BODY}\n {so}\n")
        assert r.body == BODY and _removed(r, "wire_signoff") == [so] and r.publisher == "Reuters"
    r = parse_text(f"Qtly div nine cts. REUTER")
    assert r.body == "Qtly div nine cts." and r.publisher == "Reuters"


def test_hard_wrapped_wire_paragraphs_are_joined():
    text = ("RATES UNCHANGED\n3-MAR-1987 09:17:32.30\n\n"
            "Viacom International Inc said <National\n"
            "Amusements Inc> has again raised the value of its offer for\n"
            "Viacom's publicly held stock.\n"
            "    The company said the special committee of its board plans\n"
            "to meet later today to consider this offer and the one\n"
            "submitted March one by <MCV Holdings Inc>.\n"
            " Reuter\n")
    r = parse_text(text)
    assert r.body.split("\n\n") == [
        "Viacom International Inc said <National Amusements Inc> has again raised the value of its offer for "
        "Viacom's publicly held stock.",
        "The company said the special committee of its board plans to meet later today to consider this offer "
        "and the one submitted March one by <MCV Holdings Inc>.",
    ]


def test_top_byline():
    r = parse_text(f"Some Headline Here\nBy Jane Doe and John Roe\nMarch 3, 2021\n\n{BODY}")
    assert r.byline == "By Jane Doe and John Roe"
    assert r.title == "Some Headline Here" and r.published_claimed == date(2021, 3, 3)
    assert r.body == BODY


def test_crlf_and_nbsp():
    r = parse_text("Some Headline Here\r\nMarch 3, 2021\r\n\r\nFirst paragraph of text here.\xa0\r\n\r\nSecond one.")
    assert r.body == "First paragraph of text here.\n\nSecond one."
    assert r.published_claimed == date(2021, 3, 3)


# --------------------------------------------------------------------------------------------------
# More header shapes, robustness, bench script
# --------------------------------------------------------------------------------------------------


def test_date_prefix_with_time_and_lede():
    r = parse_text(" date 2021-05-24 10:30:00 The White House said so.\n\nMore text follows here.")
    assert r.dateline_text == "date 2021-05-24 10:30:00"
    assert r.published_claimed_at == datetime(2021, 5, 24, 10, 30) and r.pubdate_confidence == "DATETIME"
    assert r.body == "The White House said so.\n\nMore text follows here."
    assert r.title is None


def test_standalone_wire_dateline_line_is_not_a_title():
    r = parse_text("WASHINGTON (AP) —\nThe president said on Monday that the talks would continue next week.")
    assert r.title is None and r.publisher == "AP"


def test_top_donation_banner_is_not_title():
    r = parse_text("Support Our Newsroom!\n\nReal Headline For The Story\n\n" + BODY)
    assert r.title == "Real Headline For The Story"
    assert _removed(r, "donation_appeal") == ["Support Our Newsroom!"]


def test_eval_script_without_devsets(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "eval_pubdate", Path(__file__).resolve().parents[1] / "bench" / "eval_pubdate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    assert mod.main(["--devsets", str(tmp_path / "missing")]) == 0
    assert "not found" in capsys.readouterr().out


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    _pieces = st.sampled_from([
        "March 29, 2024", "date 2021-05-24 ", "[ad_1]", "Read more", " Reuter", "0000-00-00", "\n", "\n\n",
        "CHICAGO, March 26 - ", "Support The Moscow Times!", "A Message from X:", "Once", "Headline Here",
        "The company said profits rose.", "\xa0", "\r\n", "26-MAR-1987 15:01:01.79", "   ", "/", "By Jane Doe",
    ])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(_pieces, st.text(max_size=30)), max_size=25))
    def test_fuzz_never_raises_and_invariants(parts):
        text = "".join(parts)
        r = parse_text(text)
        assert isinstance(r.body, str) and r.body == r.body.strip()
        assert "\n\n\n" not in r.body
        assert r.pubdate_confidence in ("NONE", "PARTIAL", "DATE", "DATETIME")
        if r.published_claimed is None:
            assert r.published_claimed_at is None and r.pubdate_confidence in ("NONE", "PARTIAL")
        else:
            assert 1900 <= r.published_claimed.year <= 2100 and r.dateline_text
        if r.published_claimed_at is not None:
            assert r.published_claimed_at.date() == r.published_claimed
        for rm in r.boilerplate:
            assert rm.text.strip()


@pytest.mark.parametrize(
    "line, day",
    [
        ("08.11.2016", date(2016, 11, 8)),
        ("2016/11/08", date(2016, 11, 8)),
        ("Last modified on Tue 8 Nov 2016 17.40 GMT", date(2016, 11, 8)),
        ("PUBLISHED: 10:33 EST, 8 November 2016 | UPDATED: 11:14 EST, 9 November 2016", date(2016, 11, 8)),
        ("9th November 2016", date(2016, 11, 9)),
    ],
)
def test_more_date_formats(line, day):
    hit = parse_date_line(line)
    assert hit is not None and hit.day == day


def test_news_about_donations_is_kept():
    para = ("The charity said donations rose 20 percent last year and that every contribution helped, "
            "adding that public support for independent journalism projects had grown.")
    r = parse_text(f"{BODY}\n\n{para}\n\nThe final paragraph of the article ends the story here.")
    assert para in r.body and r.boilerplate == ()


def test_standalone_donation_appeal_paragraph_removed():
    para = ("Your support, no matter how small, makes a world of difference. If you can, please support us "
            "monthly. Every contribution keeps independent journalism alive.")
    r = parse_text(f"{BODY}\n\n{para}\n\nThe final paragraph of the article ends the story here.")
    assert _removed(r, "donation_appeal") == [para]


def test_clean_body_takes_extractor_leftovers_out_and_keeps_the_story():
    from dateline.parse.text import clean_body

    body, removals = clean_body(
        "The minister spoke on Tuesday about the budget and the schools.\n"
        "Advertisement\n"
        "ALSO READ | Serena donates signed dress to Australian bushfire appeal\n"
        "Morrison began the tour in Sydney, officials said. Readers of the newsletter asked about ads.\n")
    assert body == ("The minister spoke on Tuesday about the budget and the schools.\n\n"
                    "Morrison began the tour in Sydney, officials said. Readers of the newsletter asked about ads.")
    assert [r.rule for r in removals] == ["ad_marker", "read_more"]
    assert clean_body("") == ("", ())


def test_written_labels_a_publication_line():
    hit = parse_date_line("Written: 2023-11-07 15:03:30")
    assert (str(hit.day), hit.label) == ("2023-11-07", "published")
    assert parse_date_line("Written by Max Lee") is None  # a byline, not a date line
