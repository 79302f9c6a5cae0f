"""One article per saved web page (``.html``/``.htm``).

Pure: the page's markup in, its main text and what the page claims out, or the reason it is no article.
trafilatura takes out the main text, title, author and site name (menus, scripts and related-article
lists stay behind); htmldate, through trafilatura, finds the page's original publication date with its
extensive search (meta tags, structured data, the URL, then the text).
"""

from __future__ import annotations

from dataclasses import dataclass

# A page whose main text is shorter than this is a login form, an error page or a gallery, not an
# article: rejected with its length rather than stored as a stub that the quality suite would quarantine.
# Counted in characters, not words: Japanese and Chinese put no spaces between words.
MIN_CHARS = 80

# htmldate's original date (not a later "updated" one) with its extensive search: slower, finds more.
_DATE_PARAMS = {"extensive_search": True, "original_date": True}


@dataclass(frozen=True, slots=True)
class HtmlArticle:
    title: str | None
    body: str
    published: str | None  # YYYY-MM-DD, as htmldate found it
    url: str | None
    publisher: str | None
    authors: str | None
    language: str | None


def parse_html_article(html: str) -> HtmlArticle | tuple[str, str]:
    """The article of one page, or (reject reason, detail)."""
    import trafilatura  # noqa: PLC0415 - lxml and its models load only when a run meets a page

    doc = trafilatura.bare_extraction(html, with_metadata=True, date_extraction_params=_DATE_PARAMS)
    body = (getattr(doc, "text", None) or "").strip()
    title = getattr(doc, "title", None)
    if not body:
        return "no article: the page has no main text", f"title: {title!r}" if title else "trafilatura found none"
    if (chars := len("".join(body.split()))) < MIN_CHARS:
        return ("no article: the page's main text is too short",
                f"{chars} characters (< {MIN_CHARS}); title: {title!r}")
    return HtmlArticle(
        title=doc.title or None, body=body, published=doc.date or None, url=doc.url or None,
        publisher=doc.sitename or None, authors=doc.author or None, language=doc.language or None,
    )
