"""dateline/sources/htmlpage.py, and saved web pages through normalize."""
from dateline.parse.normalize import normalize_files
from dateline.sources.files import read_file
from dateline.sources.htmlpage import HtmlArticle, parse_html_article

PARA = ("The council approved the city budget on Tuesday after a long debate about road repairs, school "
        "funding and the new library, which opens next spring. ")

PAGE = f"""<!DOCTYPE html><html lang="en"><head><title>Council approves budget | Example News</title>
<meta property="og:title" content="Council approves budget">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2021-03-02T14:05:00Z">
<meta name="author" content="Ann Smith">
<link rel="canonical" href="https://example.org/news/2021/03/02/council-budget"></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/login">Log in</a></nav>
<article><h1>Council approves budget</h1><p>{PARA * 2}</p><p>{PARA}</p><p>The mayor said the vote showed the
city could plan ahead for the first time in years.</p></article>
<footer>Copyright 2021 Example News. All rights reserved. Cookie settings.</footer></body></html>"""

LOGIN = """<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login">
<label>Email <input name="u"></label><label>Password <input type="password" name="p"></label>
<button>Log in</button></form></body></html>"""


def test_a_page_gives_its_main_text_and_claims():
    a = parse_html_article(PAGE)
    assert isinstance(a, HtmlArticle)
    assert (a.title, a.published, a.publisher, a.authors) == (
        "Council approves budget", "2021-03-02", "Example News", "Ann Smith")
    assert a.url == "https://example.org/news/2021/03/02/council-budget"
    assert "road repairs" in a.body and "Cookie settings" not in a.body and "World" not in a.body


def test_a_login_page_is_no_article_and_says_why():
    got = parse_html_article(LOGIN)
    assert isinstance(got, tuple) and got[0].startswith("no article: the page")
    assert parse_html_article("<html><body></body></html>")[0] == "no article: the page has no main text"


def test_pages_through_normalize(tmp_path):
    (tmp_path / "story.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "login.htm").write_text(LOGIN, encoding="utf-8")
    files = [read_file(str(tmp_path / n), max_bytes=1 << 20) for n in ("login.htm", "story.html")]
    out = normalize_files(files, "run")
    (a,) = out.articles
    assert (a.source_format, a.pubdate_method, str(a.published_claimed), a.title) == (
        "html", "html:htmldate", "2021-03-02", "Council approves budget")
    assert a.url.endswith("council-budget")
    assert [r.reason.startswith("no article: the page") for r in out.rejects] == [True]
