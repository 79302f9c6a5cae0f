"""What metadata claims is checked like a date line (issue 21, item 4): one story, its date claimed by a text's
date line, a crawler's ``date_publish``, a page's meta tag or the page's URL, gets one verdict from the same
sanity check, with the method that claimed it."""
import json

import pytest

from dateline.parse.normalize import normalize_files
from dateline.sources.files import read_file

LEDE = ("The two leaders will meet on June 16, 2021 in Geneva, the White House said, and their advisers will "
        "prepare the talks next month. The summit is set to cover arms control, cyber attacks and the climate, "
        "officials said, after weeks of tension between the two countries.")


def _page(head: str, url: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><title>Summit set</title>{head}<link rel="canonical" '
            f'href="{url}"></head><body><article><h1>Summit set</h1><p>{LEDE}</p></article></body></html>')


def _sources(day: str) -> dict[str, str]:
    """The same story with ``day`` (YYYY-MM-DD) claimed four ways."""
    y, m, d = day.split("-")
    return {
        "story.txt": f"Summit set\n{day}\n\n{LEDE}\n",
        "story.json": json.dumps({"title": "Summit set", "maintext": LEDE, "date_publish": f"{day} 09:00:00"}),
        "meta.html": _page(f'<meta property="article:published_time" content="{day}T09:00:00Z">',
                           "https://example.org/news/summit"),
        # No metadata htmldate reads: it takes the URL's day.
        "url.html": _page("", f"https://example.org/news/{y}/{m}/{d}/summit"),
    }


def _verdicts(tmp_path, day: str) -> dict[str, tuple]:
    files = []
    for name, content in _sources(day).items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        files.append(read_file(str(tmp_path / name), max_bytes=1 << 20))
    out = normalize_files(files, "run")
    return {a.source_path.rsplit("/", 1)[-1]: (str(a.published_claimed), a.pubdate_method, a.date_status,
                                               a.published_inferred_max, a.date_evidence) for a in out.articles}


METHODS = {"story.txt": "dateline", "story.json": "metadata:date_publish", "meta.html": "html:htmldate",
           "url.html": "html:htmldate"}


@pytest.mark.parametrize(("day", "status"), [("2024-03-29", "inconsistent"), ("2021-05-10", "consistent")])
def test_every_claimed_date_gets_the_same_verdict_whatever_claims_it(tmp_path, day, status):
    got = _verdicts(tmp_path, day)
    assert {name: v[1] for name, v in got.items()} == METHODS
    assert {v[0] for v in got.values()} == {day}
    # One check: the same status, window and evidence for the date line and for each metadata claim.
    assert {v[2:] for v in got.values()} == {got["story.txt"][2:]}
    assert got["story.txt"][2] == status


def test_an_impossible_metadata_date_claims_nothing_as_an_impossible_date_line_does(tmp_path):
    (tmp_path / "a.txt").write_text(f"Summit set\n2021-02-31\n\n{LEDE}\n", encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps({"title": "Summit set", "maintext": LEDE,
                                                 "date_publish": "2021-02-31 09:00:00"}), encoding="utf-8")
    out = normalize_files([read_file(str(tmp_path / n), max_bytes=1 << 20) for n in ("a.txt", "a.json")], "run")
    assert [(a.published_claimed, a.date_status) for a in out.articles] == [(None, "missing"), (None, "missing")]


def test_a_date_taken_over_htmldates_is_judged_by_the_same_check(tmp_path):
    head = ('<script type="application/ld+json">{"datePublished": "Mon, May 10 2021 10:01:41 EDT"}</script>'
            '<meta property="article:published_time" content="2024-03-29T09:00:00Z">')
    (tmp_path / "p.html").write_text(_page(head, "https://example.org/news/summit"), encoding="utf-8")
    (tmp_path / "s.txt").write_text(f"Summit set\n2021-05-10\n\n{LEDE}\n", encoding="utf-8")
    out = normalize_files([read_file(str(tmp_path / n), max_bytes=1 << 20) for n in ("p.html", "s.txt")], "run")
    page, txt = out.articles
    assert page.pubdate_method.startswith("html:metadata (htmldate 2024-03-29:")
    assert (page.published_claimed, page.date_status, page.published_inferred_max, page.date_evidence) == (
        txt.published_claimed, txt.date_status, txt.published_inferred_max, txt.date_evidence)
    assert txt.date_status == "consistent"
