"""The whole news-etl flow under a real (ephemeral) Prefect server, into a real DuckDB file."""

from datetime import date

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(seeded):
    con = duckdb.connect(str(seeded["db"]), read_only=True)
    yield con
    con.close()


def article(con, prefix):
    cur = con.execute("SELECT * FROM articles WHERE source_path LIKE '%/' || ? || '_%'", [prefix])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, f"expected one article for seed {prefix}"
    return dict(zip(names, rows[0]))


def story_window(con, prefix):
    """The publication window the ``story`` evidence rows of one seed allow (latest start, earliest end)."""
    return con.execute("""SELECT max(earliest), min(latest) FROM date_evidence JOIN articles USING (article_id)
                          WHERE kind = 'story' AND source_path LIKE '%/' || ? || '_%'""", [prefix]).fetchone()


def test_all_five_seeds_are_loaded(seeded, con):
    assert seeded["first"]["loaded"] == 5
    assert seeded["first"]["rejected"] == 0
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (5,)


def test_seed_000_header_date_is_not_accused(seeded, con):
    a = article(con, "000")
    assert a["published_claimed"] == date(2021, 5, 24)
    # Its own text has no year ("on May 24", "in June"): alone it neither confirms nor accuses the date
    # line (the year its siblings print is the stories stage's evidence, not the article's).
    assert a["date_status"] == "no_evidence"
    assert a["body"].startswith("The White House and Kremlin")


def test_seed_001_lying_dateline_is_caught(seeded, con):
    a = article(con, "001")
    assert a["title"] == "The Biden-Putin summit is set to take place in Switzerland next month"
    assert a["published_claimed"] == date(2024, 3, 29)
    assert a["date_status"] == "inconsistent"
    assert date(2021, 1, 1) <= a["published_inferred_min"] <= a["published_inferred_max"] < date(2021, 6, 16)
    assert a["publisher"] == "CNN"
    assert "contributed to the report" in a["byline"]
    assert "contributed to the report" not in a["body"]
    assert "This story has been updated" not in a["body"]
    anomalies = con.execute("SELECT article_id, published_claimed FROM date_anomalies").fetchall()
    assert (a["article_id"], date(2024, 3, 29)) in anomalies
    assert a["quality_status"] == "quarantined"
    assert con.execute("SELECT count(*) FROM clean_articles WHERE article_id = ?", [a["article_id"]]).fetchone() == (0,)


def test_seed_002_ad_markers_removed_and_window_inferred(seeded, con):
    a = article(con, "002")
    assert a["published_claimed"] is None and a["date_status"] == "missing"
    assert "[ad_" not in a["body"]
    assert {"ad_marker"} <= {b["rule"] for b in a["boilerplate"]}
    # Its own text has no date with a year that bounds it from above; the year its story prints ("June 16, 2021" in seed 001) bounds it, as
    # labelled story evidence, and the bound holds the story's real date (seed 000's 24 May 2021).
    earliest, latest = story_window(con, "002")
    assert earliest is None and date(2021, 5, 24) <= latest < date(2021, 6, 16)


def test_seed_003_title_publisher_and_boilerplate(seeded, con):
    a = article(con, "003")
    assert a["title"] == "Russian, U.S. Security Chiefs to Meet Ahead of Possible Putin-Biden Summit – Reports"
    assert a["publisher"] == "The Moscow Times"
    for junk in ("Support The Moscow Times", "Sign up for our free weekly newsletter", "Privacy Policy",
                 "Dear readers", "Remind me later", "Alex Brandon / AP / TASS"):
        assert junk not in a["body"], junk
    earliest, latest = story_window(con, "003")
    assert earliest is None and date(2021, 5, 24) <= latest < date(2021, 6, 16)


def test_seed_004_title_and_widget(seeded, con):
    a = article(con, "004")
    assert a["title"] == ("Biden ‘to meet Vladimir Putin in a mystery country this summer’ after he called "
                          "Russian leader a ‘killer’")
    assert "Most read in" not in a["body"]
    earliest, latest = story_window(con, "004")
    assert earliest is None and date(2021, 5, 24) <= latest < date(2021, 6, 16)


def test_every_article_has_real_quality_results(seeded, con):
    per_article = con.execute(
        "SELECT article_id, count(*), count(DISTINCT expectation) FROM quality_results GROUP BY 1"
    ).fetchall()
    assert len(per_article) == 5
    assert len({n for _, n, _ in per_article}) == 1 and per_article[0][1] == per_article[0][2] >= 6
    failed = con.execute(
        "SELECT DISTINCT expectation, observed FROM quality_results q JOIN articles a USING (article_id)"
        " WHERE NOT q.success AND a.source_path LIKE '%/001_%'"
    ).fetchall()
    # the lying dateline is quarantined by the verdict, shown with the window that contradicts its claim
    ((expectation, observed),) = failed
    assert expectation == "expect_column_values_to_not_be_in_set(date_status)"
    assert observed.startswith("inconsistent: claimed=2024-03-29") and "inferred_max=2021-" in observed, observed


def test_a_second_run_adds_nothing(seeded, con):
    now = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "date_mentions", "quality_results")}
    assert now == seeded["counts_after_first"]
    assert seeded["second"]["already_loaded"] == 5 and seeded["second"]["loaded"] == 0
    runs = con.execute("SELECT status, files_seen, articles_loaded, already_loaded FROM runs ORDER BY started_at").fetchall()
    assert runs == [("Completed", 5, 5, 0), ("Completed", 5, 0, 5)]


def test_the_run_publishes_a_summary_artifact(seeded, con):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["news-etl-summary"])))
    bodies = [a.data for a in artifacts]
    assert any(seeded["first"]["run_id"] in b and "Date anomalies" in b and "2024-03-29" in b for b in bodies)


def test_the_lying_dateline_is_explained_by_evidence_rows(seeded, con):
    """date_evidence says why seed 001 is inconsistent: the explicit "June 16, 2021", told as upcoming,
    with its offsets into the body, and nothing the dating stage read is missing from the table."""
    a = article(con, "001")
    rows = con.execute("""SELECT kind, start_char, end_char, text, earliest, latest, weight FROM date_evidence
                          WHERE article_id = ? AND kind <> 'story' ORDER BY kind, evidence_index""",
                       [a["article_id"]]).fetchall()
    explicit = [r for r in rows if r[0] == "explicit_date"]
    assert ("June 16, 2021", None, date(2021, 6, 15)) in [(r[3], r[4], r[5]) for r in explicit]
    for kind, start, end, text, *_ in rows:
        if start is not None:
            assert a["body"][start:end] == text
    assert {r[0] for r in rows} <= {"explicit_date", "yearless_date", "relative_month", "news_recency"}
    assert all(0 <= r[6] <= 1 for r in rows)
