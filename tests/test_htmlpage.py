"""dateline/sources/htmlpage.py, and saved web pages through normalize."""
from dateline.parse.normalize import normalize_files
from dateline.sources.files import read_file
from dateline.sources.htmlpage import HtmlArticle, meta_published, parse_html_article, url_day

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


# --- the page's claimed date weighed against its content (issue 21, item 3) ---------------------------------

def _page(head: str, body: str, url: str = "https://example.org/news/summit") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><title>Summit | Example News</title>{head}'
            f'<link rel="canonical" href="{url}"></head><body><article><h1>Summit set</h1>{body}</article>'
            "<footer>Example News</footer></body></html>")


def _claim(tmp_path, page: str):
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    (a,) = normalize_files([read_file(str(tmp_path / "p.html"), max_bytes=1 << 20)], "run").articles
    return a


SUMMIT = ("<p>The two leaders will meet on June 16, 2021 in Geneva, the White House said, and their advisers "
          "will prepare the talks next month. The summit is set to cover arms control, cyber attacks and the "
          "climate, officials said, after weeks of tension between the two countries.</p>")


def test_the_url_and_metadata_candidates_are_read():
    assert url_day("https://x.org/news/2021/03/02/council") == "2021-03-02"
    assert url_day("https://x.org/2021-03-02-council") == url_day("https://x.org/20210302/c") == "2021-03-02"
    assert url_day("https://x.org/news/123456/2021") is None and url_day(None) is None
    assert meta_published('<script>{"datePublished": "Tue, Sep 15 2020 10:01:41 EDT"}</script>') == (
        "Tue, Sep 15 2020 10:01:41 EDT")
    assert meta_published('<meta content="2019-06-17T00:00" property="article:published_time">') == "2019-06-17T00:00"
    assert meta_published('<meta name="description" content="2019-06-17">') is None


def test_htmldate_contradicted_by_the_content_gives_way_to_a_candidate_that_agrees(tmp_path):
    # htmldate reads the meta tag (2024); the structured data's date (which htmldate cannot read) agrees
    # with a story telling of a June 2021 summit as upcoming.
    head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "Mon, May 10 2021 10:01:41 EDT"}</script>'
            '<meta property="article:published_time" content="2024-03-29T09:00:00Z">')
    a = _claim(tmp_path, _page(head, SUMMIT))
    assert str(a.published_claimed) == "2021-05-10"
    assert a.pubdate_method == "html:metadata (htmldate 2024-03-29: contradicted by the text's dates)"
    assert a.date_status != "inconsistent"


def test_without_an_agreeing_candidate_htmldate_stands_and_is_accused(tmp_path):
    head = '<meta property="article:published_time" content="2024-03-29T09:00:00Z">'
    a = _claim(tmp_path, _page(head, SUMMIT))
    assert (str(a.published_claimed), a.pubdate_method, a.date_status) == ("2024-03-29", "html:htmldate", "inconsistent")


def test_the_texts_own_date_line_outranks_a_metadata_date(tmp_path):
    head = '<meta property="article:published_time" content="2021-05-11T09:00:00Z">'
    a = _claim(tmp_path, _page(head, "<p>10 May 2021, 22:11 GMT+10</p>" + SUMMIT))
    assert (str(a.published_claimed), a.dateline_text) == ("2021-05-10", "10 May 2021, 22:11 GMT+10")
    assert a.pubdate_method == "html:dateline (htmldate 2021-05-11: the text's date line says otherwise)"


def test_a_date_htmldate_found_only_in_the_text_gives_way_to_the_metadata(tmp_path):
    # No metadata htmldate can read; its text search finds the photo caption's date.
    head = '<script type="application/ld+json">{"datePublished": "Tue, Sep 15 2020 10:01:41 EDT"}</script>'
    body = SUMMIT.replace("June 16, 2021", "December 16, 2020") + "<p>Photo: the hotel on May 20, 2020 in Geneva.</p>"
    a = _claim(tmp_path, _page(head, body))
    assert str(a.published_claimed) == "2020-09-15"
    assert a.pubdate_method.startswith("html:metadata (htmldate 2020-05-20: found only in the page's text")


def test_htmldates_copyright_year_is_a_year_not_a_day(tmp_path):
    body = SUMMIT.replace("June 16, 2021", "June 16").replace(", the White House said", "")
    page = _page("", body).replace("<footer>Example News</footer>", "<footer>© 2020 Example News</footer>")
    a = _claim(tmp_path, page)
    assert (a.published_claimed, a.pubdate_confidence, a.date_status) == (None, "PARTIAL", "missing")
    assert (a.pubdate_method, a.dateline_text) == ("html:htmldate (a year only)", "2020-01-01")


def test_the_elements_a_page_marks_as_dates_are_kept_as_printed():
    import trafilatura

    tree = trafilatura.load_html(
        '<html><body><div class="header-date">Monday, <b>June 7</b>, 2021</div><h1>T</h1>'
        '<time datetime="2021-05-10">10.05.2021 - 13:30</time><p id="pubDate">Posted 2021-05-10</p>'
        '<li class="date"><script>document.write(new Date())</script></li><p>no date here</p></body></html>')
    from dateline.sources.htmlpage import printed_dates

    assert printed_dates(tree) == ("Monday, June 7, 2021", "10.05.2021 - 13:30", "Posted 2021-05-10")


# htmldate reads the metadata's date; the page prints its own publication line above the article, where
# trafilatura leaves it out of the main text (a related story's or the site's date may be htmldate's source).
PRINTED = ('<div class="article-head"><p class="date">Written: {day} 15:03:30 <span> / </span>'
           'Updated: {day} 15:30:46</p></div>')


def _printed_page(day: str, head: str = '<meta property="article:published_time" content="2021-05-03T09:00:00Z">'):
    return _page(head, SUMMIT).replace("<article>", PRINTED.format(day=day) + "<article>")


def test_a_printed_publication_line_outranks_htmldates_date(tmp_path):
    a = _claim(tmp_path, _printed_page("2021-05-10"))
    assert (str(a.published_claimed), a.dateline_text) == ("2021-05-10", "Written: 2021-05-10 15:03:30")
    assert a.pubdate_method == ("html:printed (htmldate 2021-05-03: the page's printed date line says "
                                "otherwise)")
    assert "2021-05-10" not in a.body  # the line was not in the main text: the text's date line did not decide


def test_a_printed_line_the_content_contradicts_or_without_a_label_does_not_overrule(tmp_path):
    # the story tells of a June 2021 summit as upcoming: a 2024 publication line does not agree with it
    a = _claim(tmp_path, _printed_page("2024-03-29"))
    assert (str(a.published_claimed), a.pubdate_method) == ("2021-05-03", "html:htmldate")
    # an unlabelled date in a date element may be the site header's today: no publication line
    page = _printed_page("2021-05-10").replace("Written: ", "").replace("Updated: ", "")
    a = _claim(tmp_path, page)
    assert (str(a.published_claimed), a.pubdate_method) == ("2021-05-03", "html:htmldate")


def _headed_page(header_date: str) -> str:
    """A page whose metadata htmldate reads (a generic ``date`` meta tag), with today's date in the site's
    header above the headline, the article's own date line under it and a comment's date after the text."""
    page = _page('<meta name="date" content="2021-05-12T14:32:06+02:00">',
                 f'<div class="meta"><span class="dateline">GENEVA</span> '
                 f'<time datetime="{header_date}">{header_date} - 13:30</time></div>{SUMMIT}'
                 '<section class="comments"><time class="comment-date">2021-06-20</time> Great piece!</section>')
    return page.replace("<article>", '<div class="header-date">Saturday, 2021-06-19</div><article>')


def test_the_date_line_under_the_headline_is_the_pages_own(tmp_path):
    from dateline.sources.htmlpage import parse_html_article

    a = parse_html_article(_headed_page("2021-05-10"))
    # not the site header's today, not the comment's; a place name marked as a dateline is read and passed over
    assert a.header_dates == ("GENEVA", "2021-05-10 - 13:30")
    assert a.printed_dates[0] == "Saturday, 2021-06-19"
    got = _claim(tmp_path, _headed_page("2021-05-10"))
    assert (str(got.published_claimed), got.dateline_text) == ("2021-05-10", "2021-05-10 - 13:30")
    assert got.pubdate_method == "html:printed (htmldate 2021-05-12: the page's printed date line says otherwise)"
    # a header date the story contradicts (a June 2021 summit told as upcoming) does not overrule htmldate
    got = _claim(tmp_path, _headed_page("2024-03-29"))
    assert (str(got.published_claimed), got.pubdate_method) == ("2021-05-12", "html:htmldate")
