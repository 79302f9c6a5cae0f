"""dateline.quality.validation against real Great Expectations (no mocks), on small frames built here.

The first test that validates pays the GX import and context build (about 6-10 s); the rest reuse it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from dateline.quality.validation import QualityOutcome, QualityValidationError, validate_articles

TODAY = date(2025, 1, 15)
BODY = (
    "The finance ministers of the group met in Lisbon on Tuesday to agree a common position on the new "
    "fiscal rules, which are due to take effect next year after months of negotiation between the capitals."
)
assert len(BODY) >= 100 and len(BODY.split()) >= 20

UNIQUE = "expect_column_values_to_be_unique(article_id)"
FEW_WORDS = "expect_column_values_to_match_regex(body)"
WORDS = "expect_column_values_to_be_between(word_count)"
BODY_LEN = "expect_column_value_lengths_to_be_between(body)"
BOILERPLATE = "expect_column_values_to_not_match_regex_list(body)"
CLAIMED_RANGE = "expect_column_values_to_be_between(published_claimed)"
VERDICT = "expect_column_values_to_not_be_in_set(date_status)"
SCORE = "expect_column_values_to_be_between(date_score)"
MISPLACED = "expect_column_values_to_be_between(misplaced_mentions)"
DATE_LINE = "expect_column_values_to_be_null(dateline_text)"
TITLE_NOT_NULL = "expect_column_values_to_not_be_null(title)"
TITLE_BLANK = "expect_column_values_to_not_match_regex_list(title)"

ALL = [
    UNIQUE, WORDS, FEW_WORDS, BODY_LEN, BOILERPLATE, CLAIMED_RANGE, VERDICT, MISPLACED, SCORE, DATE_LINE,
    TITLE_NOT_NULL, TITLE_BLANK,
]  # fmt: skip
WARNINGS = {FEW_WORDS, BODY_LEN, DATE_LINE, TITLE_NOT_NULL, TITLE_BLANK}


def article(article_id: str = "a1", **overrides) -> dict:
    row = {
        "article_id": article_id,
        "title": "Ministers agree fiscal rules",
        "body": BODY,
        "word_count": len(BODY.split()),
        "published_claimed": pd.Timestamp("2024-06-11"),
        "published_inferred_min": pd.Timestamp("2024-06-10"),
        "published_inferred_max": pd.Timestamp("2024-06-12"),
        "date_status": "consistent",
        "date_score": 0.05,
        "misplaced_mentions": 0,
        "dateline_text": "June 11, 2024",
        "pubdate_confidence": "DATE",
    }
    row.update(overrides)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    df = pd.DataFrame(list(rows))
    for col in ("published_claimed", "published_inferred_min", "published_inferred_max"):
        df[col] = pd.to_datetime(df[col])
    return df


def run(*rows: dict, today: date = TODAY) -> QualityOutcome:
    return validate_articles(frame(*rows), today=today)


def failed(outcome: QualityOutcome, article_id: str) -> set[str]:
    return {r["expectation"] for r in outcome.results if r["article_id"] == article_id and not r["success"]}


def result_for(outcome: QualityOutcome, article_id: str, expectation: str) -> dict:
    (row,) = [r for r in outcome.results if r["article_id"] == article_id and r["expectation"] == expectation]
    return row


# ---------------------------------------------------------------------------------------------------------


def test_good_article_passes_every_expectation():
    outcome = run(article("good"))
    assert outcome.success
    assert outcome.status == {"good": "passed"}
    assert failed(outcome, "good") == set()
    assert sorted(r["expectation"] for r in outcome.results) == sorted(ALL)
    assert all(r["observed"] is None and r["details"] is None for r in outcome.results)
    assert outcome.suite_name == "dateline_articles"
    assert outcome.statistics["evaluated_expectations"] == len(ALL)
    assert outcome.statistics["successful_expectations"] == len(ALL)


def test_every_article_gets_a_row_for_every_expectation_with_its_severity():
    outcome = run(article("a"), article("b", title=None), article("c", body="Three short words" + "." * 90))
    assert outcome.status == {"a": "passed", "b": "warned", "c": "warned"}
    assert len(outcome.results) == 3 * len(ALL)
    for aid in "abc":
        assert sorted(r["expectation"] for r in outcome.results if r["article_id"] == aid) == sorted(ALL)
    severities = {r["expectation"]: r["severity"] for r in outcome.results}
    assert {e for e, s in severities.items() if s == "warning"} == WARNINGS
    assert all(severities[e] == "critical" for e in ALL if e not in WARNINGS)
    assert result_for(outcome, "a", VERDICT)["column"] == "date_status"
    assert result_for(outcome, "a", WORDS)["column"] == "word_count"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"body": "", "word_count": 0}, {WORDS, FEW_WORDS, BODY_LEN}),
        ({"word_count": 100_001}, {WORDS}),
        ({"published_claimed": pd.Timestamp("1799-12-31"), "published_inferred_min": None,
          "published_inferred_max": None}, {CLAIMED_RANGE}),
        ({"published_claimed": pd.Timestamp(TODAY + timedelta(days=2)), "published_inferred_min": None,
          "published_inferred_max": None}, {CLAIMED_RANGE}),
        ({"published_claimed": pd.Timestamp("2024-06-20"), "date_status": "inconsistent"}, {VERDICT}),
        ({"misplaced_mentions": 2}, {MISPLACED}),
        ({"date_score": 1.5}, {SCORE}),
        ({"date_score": -0.1}, {SCORE}),
    ],  # fmt: skip
)
def test_each_critical_expectation_fails_its_broken_row_and_quarantines_it(overrides, expected):
    outcome = run(article("good"), article("bad", **overrides))
    assert failed(outcome, "bad") == expected
    assert failed(outcome, "good") == set()
    assert outcome.status == {"good": "passed", "bad": "quarantined"}
    assert not outcome.success


@pytest.mark.parametrize(
    ("body", "marker"),
    [
        (f"{BODY} [ad_1] {BODY}", "[ad_1]"),  # an ad slot, even inside a paragraph
        (f"{BODY}\n\n[ad_12]\n\n{BODY}", "[ad_12]"),
        (f"{BODY}\n\nAdvertisement\n\n{BODY}", "Advertisement"),
        (f"{BODY}\n\nSign up for our free weekly newsletter\n\n{BODY}", "Sign up for our free weekly newsletter"),
        (f"{BODY}\n\nMost read in World\n\n{BODY}", "Most read in World"),
        (f"{BODY}\n\nRead more: Ministers split on fiscal rules", "Read more: Ministers split on fiscal rules"),
        (f"{BODY}\n  Share this article  \n{BODY}", "Share this article"),
    ],
)
def test_residual_boilerplate_quarantines_and_reports_the_marker(body, marker):
    outcome = run(article("clean"), article("dirty", body=body))
    assert failed(outcome, "dirty") == {BOILERPLATE}
    assert outcome.status["dirty"] == "quarantined"
    assert outcome.status["clean"] == "passed"
    row = result_for(outcome, "dirty", BOILERPLATE)
    assert marker.lower() in row["observed"].lower()  # the marker, with a little context
    assert len(row["observed"]) <= 120
    assert row["details"].startswith("matches ")


def test_boilerplate_markers_are_the_normalizers_rules():
    """Every marker the suite looks for is stripped by the normalizer: what it flags is what cleaning missed."""
    from dateline.parse.text import parse_text

    for paragraph in ("[ad_3]", "Advertisement", "Most read in World", "Read more: Ministers split",
                      "Sign up for our free weekly newsletter", "Share this article"):
        parsed = parse_text(f"Ministers agree fiscal rules\n\n{BODY}\n\n{paragraph}\n\n{BODY}\n")
        assert paragraph not in parsed.body
        assert failed(run(article("a", body=parsed.body)), "a") == set()


def test_boilerplate_lookalikes_are_not_flagged():
    body = (BODY + " We read in the report that ad_1 was cancelled; the newsletter team signed up early."
            " Most read in World news was the budget; advertisement spending fell. Share this article, he said,"
            "\n\nSubscribers agree to the privacy policy changes, the regulator said.")
    assert failed(run(article("a", body=body)), "a") == set()


def test_claimed_date_bounds_are_inclusive_of_the_floor_and_of_tomorrow():
    outcome = run(
        article("y1800", published_claimed=pd.Timestamp("1800-01-01"), published_inferred_min=None,
                published_inferred_max=None),
        article("tomorrow_late", published_claimed=pd.Timestamp(TODAY) + pd.Timedelta(days=1, hours=23),
                published_inferred_min=None, published_inferred_max=None),
        article("missing", published_claimed=None),
    )  # fmt: skip
    assert outcome.status == {"y1800": "passed", "tomorrow_late": "passed", "missing": "passed"}


def test_archives_pass_the_default_range():
    """Researchers load archives: a 1987 wire story is plausible, whatever year the run is in."""
    row = article("a", published_claimed=pd.Timestamp("1987-06-13"), published_inferred_min=None,
                  published_inferred_max=None)  # fmt: skip
    assert run(row).status == {"a": "passed"}


def test_claimed_range_comes_from_settings():
    from dateline.settings import Settings

    row = article("a", published_claimed=pd.Timestamp("1987-06-13"), published_inferred_min=None,
                  published_inferred_max=None)  # fmt: skip
    narrow = Settings(claimed_floor=date(1990, 1, 1))
    assert validate_articles(frame(row), today=TODAY, settings=narrow).status == {"a": "quarantined"}
    ahead = article("b", published_claimed=pd.Timestamp(TODAY + timedelta(days=5)), published_inferred_min=None,
                    published_inferred_max=None)  # fmt: skip
    assert run(ahead).status == {"b": "quarantined"}
    lenient = Settings(claimed_future_days=7)
    assert validate_articles(frame(ahead), today=TODAY, settings=lenient).status == {"b": "passed"}


def test_claimed_upper_bound_follows_today():
    row = article("a", published_claimed=pd.Timestamp("2025-03-01"), published_inferred_min=None,
                  published_inferred_max=None)  # fmt: skip
    assert run(row, today=date(2025, 1, 15)).status == {"a": "quarantined"}
    assert run(row, today=date(2025, 3, 1)).status == {"a": "passed"}  # same cached suite, new bound


def test_the_verdict_is_the_one_source_of_truth_for_dates():
    """A claimed date outside the content's window quarantines only when the verdict says inconsistent: the
    window holds soft evidence (anchored, borrowed years) that never accuses, and both must agree."""
    outcome = run(
        article("outside_consistent", published_claimed=pd.Timestamp("2024-06-20")),
        article("inside_inconsistent", date_status="inconsistent"),
        article("no_evidence", published_claimed=pd.Timestamp("2001-01-01"), date_status="no_evidence",
                published_inferred_min=None, published_inferred_max=None),
    )  # fmt: skip
    assert outcome.status == {"outside_consistent": "passed", "inside_inconsistent": "quarantined",
                              "no_evidence": "passed"}  # fmt: skip
    row = result_for(outcome, "inside_inconsistent", VERDICT)
    assert row["observed"] == "inconsistent: claimed=2024-06-11, inferred_min=2024-06-10, inferred_max=2024-06-12"
    assert "evidence" in row["details"]


def test_dates_as_python_dates_and_tz_aware_claims_are_accepted():
    df = pd.DataFrame(
        [
            article("dates", published_claimed=date(2024, 6, 11), published_inferred_min=date(2024, 6, 10),
                    published_inferred_max=date(2024, 6, 12)),
            article("dates_bad", published_claimed=date(2024, 6, 20), published_inferred_min=date(2024, 6, 10),
                    published_inferred_max=date(2024, 6, 12), date_status="inconsistent"),
        ]
    )  # fmt: skip
    assert validate_articles(df, today=TODAY).status == {"dates": "passed", "dates_bad": "quarantined"}

    aware = frame(article("aware"), article("aware_future", published_claimed=pd.Timestamp(TODAY) + pd.Timedelta(days=3)))
    aware["published_claimed"] = aware["published_claimed"].dt.tz_localize("Australia/Sydney")
    assert validate_articles(aware, today=TODAY).status == {"aware": "passed", "aware_future": "quarantined"}


def test_title_problems_only_warn():
    outcome = run(article("ok"), article("none", title=None), article("empty", title=""), article("blank", title="  "))
    assert outcome.status == {"ok": "passed", "none": "warned", "empty": "warned", "blank": "warned"}
    assert outcome.success  # warnings do not fail the batch
    assert failed(outcome, "none") == {TITLE_NOT_NULL}
    assert failed(outcome, "empty") == {TITLE_BLANK}
    assert "matches" in result_for(outcome, "blank", TITLE_BLANK)["details"]
    assert result_for(outcome, "blank", TITLE_BLANK)["severity"] == "warning"


def test_a_date_line_that_names_no_real_date_warns():
    outcome = run(article("ok"), article("none", dateline_text=None, pubdate_confidence="NONE"),
                  article("bad", dateline_text="31 February 2021", pubdate_confidence="NONE", published_claimed=None))
    assert outcome.status == {"ok": "passed", "none": "passed", "bad": "warned"}
    assert failed(outcome, "bad") == {DATE_LINE}
    assert result_for(outcome, "bad", DATE_LINE)["severity"] == "warning"


def test_critical_beats_warning():
    outcome = run(article("both", title=None, word_count=0))
    assert failed(outcome, "both") == {TITLE_NOT_NULL, WORDS}
    assert outcome.status == {"both": "quarantined"}


def test_failing_ids_are_mapped_to_the_right_articles():
    rows = [article(f"id{i:03d}") for i in range(50)]
    rows[7] = article("id007", word_count=0)
    rows[23] = article("id023", body=BODY + " [ad_2]")
    rows[41] = article("id041", published_claimed=pd.Timestamp("2024-08-01"), date_status="inconsistent")
    rows[42] = article("id042", title="")
    df = frame(*rows)
    df.index = pd.Index(range(1000, 1050))[::-1]  # a non-default index must not confuse the mapping
    outcome = validate_articles(df, today=TODAY)
    assert {a: s for a, s in outcome.status.items() if s != "passed"} == {
        "id007": "quarantined", "id023": "quarantined", "id041": "quarantined", "id042": "warned",
    }  # fmt: skip
    assert failed(outcome, "id007") == {WORDS}
    assert result_for(outcome, "id007", WORDS)["observed"] == "0"
    assert failed(outcome, "id023") == {BOILERPLATE}
    assert failed(outcome, "id041") == {VERDICT}
    assert len(outcome.status) == 50 and len(outcome.results) == 50 * len(ALL)


def test_duplicate_ids_are_both_flagged():
    outcome = run(article("dup"), article("dup"), article("other"))
    dup_rows = [r for r in outcome.results if r["article_id"] == "dup" and r["expectation"] == UNIQUE]
    assert [r["success"] for r in dup_rows] == [False, False]
    assert dup_rows[0]["observed"] == "dup"
    assert outcome.status == {"dup": "quarantined", "other": "passed"}


def test_callers_frame_is_not_mutated():
    df = frame(article("a"), article("b", body=BODY + " [ad_1]"))
    before = df.copy(deep=True)
    dtypes = df.dtypes.copy()
    validate_articles(df, today=TODAY)
    pd.testing.assert_frame_equal(df, before)
    assert (df.dtypes == dtypes).all()


def test_pandas_string_dtypes_are_accepted():
    df = frame(article("a"), article("b", title=""), article("c", body=BODY + "\nMost read in Europe"))
    for col in ("article_id", "title", "body", "date_status"):
        df[col] = df[col].astype("string")
    assert validate_articles(df, today=TODAY).status == {"a": "passed", "b": "warned", "c": "quarantined"}


def test_empty_frame_returns_empty_outcome():
    outcome = validate_articles(frame(article("x")).iloc[0:0], today=TODAY)
    assert outcome == QualityOutcome(suite_name="dateline_articles")
    assert outcome.results == [] and outcome.status == {} and outcome.success


def test_missing_contract_column_is_an_error():
    with pytest.raises(ValueError, match="date_score"):
        validate_articles(frame(article("a")).drop(columns=["date_score"]), today=TODAY)


def _quiet_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def test_results_are_not_kept_in_the_cached_context():
    import dateline.quality.validation as quality

    run(article("a"))
    run(article("b"))
    assert quality._get_runtime().context.validation_results_store.list_keys() == []


def test_repeated_runs_do_not_reuse_an_earlier_batch():
    assert run(article("x", word_count=0)).status == {"x": "quarantined"}
    assert run(article("y")).status == {"y": "passed"}
    assert run(article("x", word_count=0)).status == {"x": "quarantined"}


def test_an_expectation_that_raised_is_an_error_not_a_pass():
    """A real GX run whose expectation errors (the pandas 3 trap: string bounds on a datetime column)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from dateline.quality.validation import _outcome

    from dateline.quality.validation import _RESULT_FORMAT, prepare_frame

    df = prepare_frame(frame(article("a")))
    context = _quiet_context()
    bd = context.data_sources.add_pandas("p").add_dataframe_asset("d").add_batch_definition_whole_dataframe("w")
    suite = context.suites.add(gx.ExpectationSuite(name="broken"))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="published_claimed", min_value="1990-01-01",
                                          meta={"severity": "critical"})
    )  # fmt: skip
    vd = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=bd, suite=suite))
    result = vd.run(
        batch_parameters={"dataframe": df},
        result_format=_RESULT_FORMAT,
    )
    with pytest.raises(QualityValidationError) as err:
        _outcome(result, ["a"], {}, "broken", df)
    assert err.value.result is result
    assert "expect_column_values_to_be_between(published_claimed)" in str(err.value)


def test_build_suite_is_reusable():
    from dateline.quality.validation import build_suite

    suite = build_suite()
    assert suite.name == "dateline_articles"
    assert len(suite.expectations) == len(ALL)
    assert all(e.meta["severity"] in ("critical", "warning") for e in suite.expectations)
