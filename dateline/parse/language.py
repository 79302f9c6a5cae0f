"""The language an article is written in, as ISO 639-1 (``en``, ``de``), or None when it cannot be told.

Pure. py3langid (langid.py's byte n-gram naive Bayes, 0.13 ms per article here against 3.6-3.9 ms for
lingua; docs/performance.md) reads a bounded prefix of the body: ``PREFIX`` characters, and ``LONG_PREFIX``
when the short one leaves it unsure, so the cost does not grow with the article. Its answers are limited to
languages with an ISO 639-1 code (its model also knows Nigerian Pidgin and "no language", which it gave
for Reuters earnings tables) and an answer below ``MIN_CONFIDENCE`` (its normalised probability) is no answer.

Most articles are plainly English, and the detector's fixed cost (~0.1 ms, a third of parsing a short wire
item) is then spent to learn nothing: a prefix whose words are at least ``FUNCTION_SHARE`` English function
words ("the", "of", "and" ...; 13-25% of the words of English news, at most 7% of the German, French,
Greek ... pages measured) is English without asking it. On the 680 dev texts of bench/eval_language.py this
decides three in four English texts, always as the detector does, and never a text in another language.

Precedence: the text first, then what the metadata claims (a crawler's ``language`` key, the page's
``<html lang>``). A declared language is the site template's, not the article's: on ``htmldate_dev`` 9 of
77 pages that declare one declare it wrongly (German and French articles under ``lang="en"``), and the
detector was right on every one of them. The metadata decides only where the text cannot (tables of
figures, a few words).
"""

from __future__ import annotations

import functools
import re

ENGLISH = "en"
#: Characters of the body the detector reads first; most articles are told with certainty from these.
PREFIX = 150
#: ... and when it is less sure than ``SURE`` of the short prefix, this many.
LONG_PREFIX = 600
SURE = 0.9
#: Below this normalised probability the detector's answer is not taken (None, or the metadata's). On 2,400
#: English dev texts the surest wrong answer was 0.53 (an earnings table as Volapük); every non-English
#: htmldate_dev page was told at 0.95 or more. A wrong language costs an English article its date check.
MIN_CONFIDENCE = 0.8

#: English's commonest function words, and the share of a prefix's words they must make up to settle it.
_FUNCTION_WORDS = frozenset("the of and to in is that for on was with said it by from as at".split())
FUNCTION_SHARE = 0.15
_FUNCTION_MIN_WORDS = 20  # fewer words than this say too little: the detector decides
_FUNCTION_PREFIX = 300
_WORD = re.compile(r"[^\W\d_]+")

# A BCP 47 tag's primary subtag of two letters is the ISO 639-1 code ("en-US", "de_DE", "FR").
_TAG = re.compile(r"\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9-]*)?\s*")


@functools.cache
def _identifier():
    """py3langid's model, restricted to the languages that have an ISO 639-1 code (loaded once per process)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # noqa: PLC0415 - loaded when a text is first read

    import numpy as np  # noqa: PLC0415

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted({c for c in ident.nb_classes if len(c) == 2}))
    # set_languages leaves the feature table a strided view of its columns; every answer gathers rows of it,
    # which on a contiguous copy takes half the time (same answers; 23 MB, the size of the view's base).
    ident.nb_ptc = np.ascontiguousarray(ident.nb_ptc)
    return ident


def plainly_english(text: str) -> bool:
    """Whether the start of ``text`` is English by its share of English function words alone."""
    words = _WORD.findall(text[:_FUNCTION_PREFIX].lower())
    if len(words) < _FUNCTION_MIN_WORDS:
        return False
    return sum(w in _FUNCTION_WORDS for w in words) >= FUNCTION_SHARE * len(words)


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code or None, the detector's probability; 1.0 when the function words settled it)."""
    if not text.strip():
        return None, 0.0
    if plainly_english(text):
        return ENGLISH, 1.0
    return classify(text)


def classify(text: str) -> tuple[str | None, float]:
    """The detector's answer for the start of ``text`` (no function-word shortcut), and its probability."""
    ident = _identifier()
    lang, p = ident.classify(text[:PREFIX])
    if p < SURE and len(text) > PREFIX:
        lang, p = ident.classify(text[:LONG_PREFIX])
    return (lang if p >= MIN_CONFIDENCE else None), p


def from_tag(tag: str | None) -> str | None:
    """The ISO 639-1 code of a declared language tag (``en-US`` -> ``en``), None if it names none."""
    m = _TAG.fullmatch(tag or "")
    return m.group(1).lower() if m else None


def article_language(body: str, declared: str | None = None) -> str | None:
    """The article's language: the detector's confident answer on the body, else the declared tag's."""
    lang, _ = detect(body)
    return lang or from_tag(declared)


def english_rules_apply(language: str | None) -> bool:
    """Whether dateline's English-only rules (date lines, tenses, sanity) may judge a text in ``language``:
    for English and for texts whose language is unknown (most of them are English tables and fragments)."""
    return language is None or language == ENGLISH
