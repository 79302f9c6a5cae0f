"""One article per saved web page (``.html``/``.htm``).

Pure: the page's markup in, its main text and what the page claims out, or the reason it is no article.
trafilatura takes out the main text, title, author and site name (menus, scripts and related-article
lists stay behind); htmldate, through trafilatura, finds the page's original publication date with its
extensive search (meta tags, structured data, the URL, then the text).

What else the page claims is kept beside htmldate's answer, for ``parse/normalize.py`` to weigh against the
content: whether htmldate needed its text search (its metadata search found nothing), the date in the URL,
the publication date the page's metadata states (``datePublished``, ``article:published_time`` ...) as
written, which htmldate cannot always read ("Tue, Sep 15 2020 10:01:41 EDT"), and the texts of the elements
the page marks as dates (``<time>``, a class or id naming a date), all of them and those between its headline
and its main text: where a page prints its own date line ("Written: 2023-11-07 15:03:30", "21.01.2022 -
13:30"), outside the main text trafilatura keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A page whose main text is shorter than this is a login form, an error page or a gallery, not an
# article: rejected with its length rather than stored as a stub that the quality suite would quarantine.
# Counted in characters, not words: Japanese and Chinese put no spaces between words.
MIN_CHARS = 80

# htmldate's original date (not a later "updated" one). Its metadata search first (meta tags, structured
# data, the URL); its extensive search (the page's text, then its copyright year as 1 January) only when that
# finds nothing, so that a date guessed from the text is known as such. On htmldate_dev the extensive search
# gave the same date as the metadata search wherever the latter found one.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_EXTENSIVE = {"extensive_search": True, "original_date": True}

# A day in a URL's path: /2020/06/04/, /2020-06-04-, /20200604/.
_URL_DAY = re.compile(r"/((?:19|20)\d\d)([/-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?=[/_.-]|$)")
# The publication date a page's metadata states: JSON-LD ``datePublished`` or a meta tag naming it.
_META_NAMES = (r"""(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|datePublished|pubdate|"""
               r"""publish[-_]?date|dc\.date\.issued|parsely-pub-date|sailthru\.date)["']""")
_META_CONTENT = r"""content\s*=\s*["']([^"']{6,60})["']"""
_META_PUBLISHED = re.compile(
    rf"""["']datePublished["']\s*:\s*["']([^"']{{6,60}})["']"""
    rf"""|<meta\b[^>]*?\b{_META_NAMES}[^>]*?\b{_META_CONTENT}|<meta\b[^>]*?\b{_META_CONTENT}[^>]*?\b{_META_NAMES}""",
    re.IGNORECASE,
)


# Elements a page marks as a date: HTML5 ``<time>``, or a class or id naming one (``post-date``,
# ``article__date``, ``date``). Their texts are kept as written, in document order; which of them is a
# publication line is ``parse/normalize.py``'s to read (a label such as "Published" or "Written" says so).
_DATE_MARKED = ('//time | //*[contains(translate(@class, "DATE", "date"), "date")'
                ' or contains(translate(@id, "DATE", "date"), "date")]')
# A date line is short (``text.parse_date_line`` reads at most 120 characters); a page's first few dozen
# marked elements hold its own date line ahead of archive widgets and comment lists.
_MAX_PRINTED, _MAX_PRINTED_CHARS = 40, 120
_NOT_PRINTED = frozenset({"script", "style", "form", "textarea", "input", "select"})


@dataclass(frozen=True, slots=True)
class HtmlArticle:
    title: str | None
    body: str
    published: str | None  # YYYY-MM-DD, as htmldate found it
    url: str | None
    publisher: str | None
    authors: str | None
    language: str | None
    published_by_text_search: bool = False  # htmldate's metadata search found nothing; its text search did
    url_day: str | None = None  # YYYY-MM-DD in the URL's path
    meta_published: str | None = None  # the metadata's publication date, as written
    printed_dates: tuple[str, ...] = ()  # texts of the elements the page marks as dates, in document order
    header_dates: tuple[str, ...] = ()  # those of them between the page's headline (h1) and its main text


def url_day(url: str | None) -> str | None:
    """The day a URL's path names (``/2020/06/04/``), YYYY-MM-DD, or None."""
    m = _URL_DAY.search(url or "")
    return f"{m[1]}-{m[3]}-{m[4]}" if m else None


def meta_published(html: str) -> str | None:
    """The publication date the page's structured data or meta tags state, as written, or None."""
    m = _META_PUBLISHED.search(html)
    return next(g for g in m.groups() if g).strip() if m else None


def printed_dates(tree) -> tuple[str, ...]:
    """The short texts of the elements a parsed page marks as dates (``<time>``, a class or id naming a
    date), whitespace folded, in document order."""
    found: list[str] = []
    for el in tree.xpath(_DATE_MARKED):
        if (line := _printed(el)) is not None:
            found.append(line)
            if len(found) == _MAX_PRINTED:
                break
    return tuple(found)


def _marked_as_date(el) -> bool:
    return el.tag == "time" or "date" in (el.get("class") or "").lower() or "date" in (el.get("id") or "").lower()


def _printed(el) -> str | None:
    """An element's text, whitespace folded, if it is short enough to be a date line and holds no script."""
    if el.tag in _NOT_PRINTED or any(x.tag in _NOT_PRINTED for x in el.iterdescendants()):
        return None  # a form, or markup holding a script: no printed date line
    line = " ".join(el.text_content().split())
    return line if line and len(line) <= _MAX_PRINTED_CHARS else None


def header_dates(tree, body: str, title: str | None) -> tuple[str, ...]:
    """The texts of the elements marked as dates that stand between the page's headline (its first ``h1``)
    and the start of its main text: where an article page prints its own date line, after the site's
    header (today's date) and before comments and related stories (their dates). Empty when either end
    cannot be found: the main text's start is its first line that is not the title, found as the start
    of an element's text in the page."""
    folded_title = " ".join((title or "").split())
    lines = (" ".join(line.split()) for line in body.splitlines())
    first = next((f for f in lines if len(f) >= 25 and f != folded_title), None)
    if first is None:
        return ()
    prefix = first[:30]
    found: list[str] = []
    after_h1 = False
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if not after_h1:
            after_h1 = el.tag == "h1"
            continue
        if " ".join((el.text or "").split()).startswith(prefix):
            return tuple(found)
        if _marked_as_date(el) and (line := _printed(el)) is not None and len(found) < _MAX_PRINTED:
            found.append(line)
        if " ".join((el.tail or "").split()).startswith(prefix):
            return tuple(found)
    return ()  # the main text was not found after the headline: no header


def parse_html_article(html: str) -> HtmlArticle | tuple[str, str]:
    """The article of one page, or (reject reason, detail)."""
    import trafilatura  # noqa: PLC0415 - lxml and its models load only when a run meets a page

    # Parsed once: trafilatura extracts from a copy of the tree, so the page's marked dates are read from
    # the same tree afterwards without parsing the page a second time.
    tree = trafilatura.load_html(html)
    if tree is None:
        return "no article: the page has no main text", "trafilatura found none"
    doc = trafilatura.bare_extraction(tree, with_metadata=True, date_extraction_params=_DATE_PARAMS)
    body = (getattr(doc, "text", None) or "").strip()
    title = getattr(doc, "title", None)
    if not body:
        return "no article: the page has no main text", f"title: {title!r}" if title else "trafilatura found none"
    if (chars := len("".join(body.split()))) < MIN_CHARS:
        return ("no article: the page's main text is too short",
                f"{chars} characters (< {MIN_CHARS}); title: {title!r}")
    published, by_text = doc.date or None, False
    if published is None:
        from htmldate import find_date  # noqa: PLC0415 - comes with trafilatura, loaded with it

        published = find_date(html, url=doc.url or None, **_EXTENSIVE) or None
        by_text = published is not None
    return HtmlArticle(
        title=doc.title or None, body=body, published=published, url=doc.url or None,
        publisher=doc.sitename or None, authors=doc.author or None, language=doc.language or None,
        published_by_text_search=by_text, url_day=url_day(doc.url), meta_published=meta_published(html),
        printed_dates=printed_dates(tree), header_dates=header_dates(tree, body, doc.title),
    )
