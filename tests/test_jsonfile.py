"""dateline/sources/jsonfile.py, and one-article JSON files through normalize and the real flow."""
import json

import duckdb
import pytest

from dateline.parse.normalize import normalize_files
from dateline.sources.files import read_file
from dateline.sources.jsonfile import JsonArticle, parse_json_article

BODY = ("The council approved the budget on Tuesday after a long debate about road repairs and school "
        "funding. The mayor said the vote showed the city could plan ahead. ") * 4

NEWSPLEASE = {"title": "Council approves budget", "maintext": BODY, "date_publish": "2021-03-02 14:05:00",
              "url": "https://example.org/news/council-budget", "source_domain": "example.org",
              "authors": ["Ann Smith", "Bo Lee"], "language": "en", "description": "A vote.", "image_url": None}


def test_newsplease_fields_map():
    a = parse_json_article(json.dumps(NEWSPLEASE))
    assert a == JsonArticle(title="Council approves budget", body=BODY.strip(), published="2021-03-02 14:05:00",
                            published_key="date_publish", url="https://example.org/news/council-budget",
                            publisher="example.org", authors="Ann Smith, Bo Lee", language="en")


def test_older_newsplease_and_all_the_news_keys_map():
    old = parse_json_article(json.dumps({"title": "T", "text": "Body.", "publisher": "P", "date_publish": None}))
    assert (old.body, old.publisher, old.published) == ("Body.", "P", None)
    atn = parse_json_article(json.dumps({"id": 1, "title": "T", "publication": "Breitbart", "author": "X",
                                         "date": "2016-12-31", "url": "u", "content": "Body."}))
    assert (atn.body, atn.published, atn.published_key, atn.publisher, atn.authors) == (
        "Body.", "2016-12-31", "date", "Breitbart", "X")


@pytest.mark.parametrize(("doc", "reason"), [
    ('{"title": "T", "maintext": "cut off', "malformed JSON"),
    ('[{"title": "T", "maintext": "x"}]', "unsupported JSON: not one object"),
    ('{"title": "T", "maintext": "   ", "description": "only a teaser"}', "no body: JSON object has no text field"),
])
def test_what_is_not_an_article_says_why(doc, reason):
    got = parse_json_article(doc)
    assert isinstance(got, tuple) and got[0] == reason and got[1]


def write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return read_file(str(path), max_bytes=1 << 20)


def test_a_json_article_claims_its_metadata_date_through_the_date_line_check(tmp_path):
    out = normalize_files([write(tmp_path, "a.json", NEWSPLEASE),
                           write(tmp_path, "b.json", {**NEWSPLEASE, "date_publish": "2021-02-31 00:00:00",
                                                      "title": "Other"}),
                           write(tmp_path, "c.json", '{"title": "T"}')], "run")
    a, b = out.articles
    assert (a.title, a.url, a.source_format, a.publisher, a.byline) == (
        "Council approves budget", "https://example.org/news/council-budget", "json", "example.org", "Ann Smith, Bo Lee")
    assert (str(a.published_claimed), a.pubdate_method, a.pubdate_confidence) == (
        "2021-03-02", "metadata:date_publish", "DATETIME")
    # 31 February is as impossible in metadata as in a date line: kept as text, nothing claimed
    assert (b.published_claimed, b.pubdate_method, b.dateline_text) == (None, None, "2021-02-31 00:00:00")
    assert [(r.source_path.rsplit("/", 1)[1], r.reason) for r in out.rejects] == [
        ("c.json", "no body: JSON object has no text field")]
    assert sorted(s.outcome for s in out.source_files) == ["loaded", "loaded", "rejected"]


def test_text_files_say_they_are_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Council approves budget\nMarch 2, 2021\n\n" + BODY)
    (a,) = normalize_files([read_file(str(path), max_bytes=1 << 20)], "run").articles
    assert (a.source_format, a.url) == ("txt", None)


def test_the_flow_loads_a_folder_of_crawler_json(prefect_harness, tmp_path):
    from flows.news_etl import news_etl

    root = tmp_path / "crawl"
    root.mkdir()
    for i in range(3):
        (root / f"{i}.json").write_text(json.dumps({**NEWSPLEASE, "title": f"Story {i}", "url": f"https://x/{i}"}))
    (root / "broken.json").write_text('{"title": "T", "maintext": ')
    (root / "scan.pdf").write_bytes(b"%PDF-1.4")
    db = tmp_path / "j.duckdb"
    summary = news_etl(paths=[str(root)], db=str(db), batch_size=8)
    assert (summary["files_seen"], summary["loaded"], summary["rejected"], summary["unaccounted"]) == (5, 3, 2, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT title, url, source_format, pubdate_method, published_claimed::VARCHAR "
                          "FROM articles ORDER BY title").fetchall()
        reasons = sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall())
    assert got == [(f"Story {i}", f"https://x/{i}", "json", "metadata:date_publish", "2021-03-02") for i in range(3)]
    assert reasons == ["malformed JSON", "unsupported format: .pdf"]
