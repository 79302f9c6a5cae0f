"""One article per ``.json`` file, as news crawlers write them (news-please: one object per article).

Pure: text in, the article's fields and what its metadata claims out, or the reason it is not an article.
Field names are looked up in order, so current news-please (``maintext``), older news-please and the
Giveme5W1H corpus (``text``) and "All the news"-style exports (``content``, ``date``) map on their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

#: For each field an article needs, the keys that may hold it, first match wins.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "title_page", "title_rss", "headline"),
    "body": ("maintext", "text", "content", "body", "article"),
    "published": ("date_publish", "published", "date", "pubdate", "publish_date"),
    "url": ("url", "link"),
    "publisher": ("source_domain", "publisher", "publication", "site_name"),
    "authors": ("authors", "author"),
    "language": ("language", "lang"),
}


@dataclass(frozen=True, slots=True)
class JsonArticle:
    """What one JSON object says of its article; ``published_key`` names the key the date came from."""

    title: str | None
    body: str
    published: str | None
    published_key: str | None
    url: str | None
    publisher: str | None
    authors: str | None
    language: str | None


def _first(obj: dict, field: str, field_map: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """(key, value as text) of the first key for ``field`` holding a non-empty value; a key given for the
    field in ``field_map`` (``--map body=content``) is tried before the known ones."""
    given = (field_map or {}).get(field)
    for key in ((given,) if given else ()) + FIELD_KEYS[field]:
        value = obj.get(key)
        if isinstance(value, list):  # authors come as a list
            value = ", ".join(str(v).strip() for v in value if str(v).strip())
        if value is not None and not isinstance(value, (dict, bool)) and str(value).strip():
            return key, str(value).strip()
    return None, None


def parse_json_article(text: str, field_map: dict[str, str] | None = None) -> JsonArticle | tuple[str, str]:
    """The article in a one-article JSON document, or (reject reason, detail)."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return "malformed JSON", f"{exc}"[:500]
    if not isinstance(obj, dict):
        return "unsupported JSON: not one object", f"the document is a JSON {type(obj).__name__}"
    return parse_json_object(obj, field_map)


def parse_json_object(obj: dict, field_map: dict[str, str] | None = None) -> JsonArticle | tuple[str, str]:
    """The article one decoded object holds (a JSON file, a JSON Lines line, a CSV row), or (reason, detail).
    ``field_map`` names the key of a field where an export uses a name of its own (``body=content``)."""
    fm = field_map
    _, body = _first(obj, "body", fm)
    if body is None:
        keys = ", ".join(sorted(map(str, obj))[:20])
        looked = ", ".join(([fm["body"]] if fm and fm.get("body") else []) + list(FIELD_KEYS["body"]))
        return "no body: JSON object has no text field", f"looked for {looked}; has {keys}"
    published_key, published = _first(obj, "published", fm)
    return JsonArticle(
        title=_first(obj, "title", fm)[1], body=body.replace("\r\n", "\n").replace("\r", "\n"),
        published=published, published_key=published_key, url=_first(obj, "url", fm)[1],
        publisher=_first(obj, "publisher", fm)[1], authors=_first(obj, "authors", fm)[1],
        language=_first(obj, "language", fm)[1],
    )
