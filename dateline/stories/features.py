"""What the stories stage keeps of an article so later runs never re-read its text: a MinHash signature
and the distinct numbers of its cleaned body (near-duplicates) and its story terms (title, lede and
names; cross-source stories).

Pure functions over strings; nothing here knows about DuckDB or Prefect.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

import numpy as np

#: Signature length: 128 permutations estimate a Jaccard similarity to about +-0.04.
N_PERM = 128
#: Word shingles: 3 words keep a spinner's one-word synonym from spoiling more than 3 shingles.
SHINGLE = 3
#: Fewer distinct shingles than this and a text is too short to compare: it stays a story of one.
MIN_SHINGLES = 8
_rng = np.random.default_rng(20)  # fixed seed: signatures must be the same in every run and process
_A = _rng.integers(0, 1 << 63, N_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, N_PERM, dtype=np.uint64)
del _rng

# Typographic quotes, dashes and apostrophes a copy may or may not carry.
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u00a0": " "})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# The same words as bytes, found in the UTF-8 of the text: they are ASCII, and no byte of a multi-byte
# character matches, so the sequence is the same and the 3-grams are hashed without an encode each.
_WORD_BYTES = re.compile(rb"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"[0-9]+")
_NAME = re.compile(r"\b[A-Z][a-zA-Z'\-]{2,}(?:\s+[A-Z][a-zA-Z'\-]{2,})*")
#: Words too common to tell stories apart (English function words and reporting verbs).
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours said says say told tell new
one two three first last year years week weeks day days time mr mrs ms monday tuesday wednesday thursday
friday saturday sunday january february march april may june july august september october november
december today yesterday tomorrow according people news reported report reports after the its it's
""".split())
#: Words of the body's start that stand in for its lede.
LEDE_WORDS = 150
#: An organisation a report opens with, as wire copy and press releases name it first in the title or the
#: body: one to six capitalized words ending in a corporate designator ("Viacom International Inc said",
#: "<TRANS CANADA GLASS LTD> 4TH QTR LOSS"). Two reports that open with different organisations, neither
#: naming the other's, are not one story (``clusters``): a wire's templated reports (dividends, quarterly
#: results) share every other word.
_DESIGNATORS = "Inc|Corp|Co|Ltd|Plc|LLC|AG|SA|NV|Group|Bank|Company|Corporation|Incorporated|Limited"
_ORG = re.compile(r"[^\w<]*<?((?:[A-Z][\w&'.\-]*\s+){1,6}?(?:%s|%s)\b)" % (_DESIGNATORS, _DESIGNATORS.upper()))
DESIGNATORS = frozenset(_DESIGNATORS.lower().split("|"))
#: Characters of the body's start an opening organisation is looked for in.
ORG_HEAD = 200


@dataclass(frozen=True)
class Features:
    """One article's comparable features."""

    signature: np.ndarray  # uint32[N_PERM]; all 0xFFFFFFFF when there are no shingles
    n_shingles: int  # distinct shingles: sizes let a Jaccard estimate become a containment
    terms: tuple[str, ...]  # sorted distinct story terms
    numbers: tuple[str, ...]  # sorted distinct digit runs of the body (``numbers``)
    orgs: tuple[str, ...]  # the organisations title and body open with (``organisations``), sorted


def fold(text: str) -> str:
    """Text as copies of it agree on: NFKC, plain quotes and dashes."""
    return unicodedata.normalize("NFKC", text or "").translate(_FOLD)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).lower())


def shingle_hashes(body: str) -> np.ndarray:
    """Distinct hashes (crc32, stable across processes) of the body's word 3-grams (``words``, each 3-gram
    joined by spaces)."""
    return _folded_shingle_hashes(fold(body))


def _folded_shingle_hashes(folded: str) -> np.ndarray:
    """``shingle_hashes`` of a folded body, the words found as bytes (``_WORD_BYTES``; a lone surrogate
    passes through as bytes that match nothing, as it matched nothing as a character)."""
    toks = _WORD_BYTES.findall(folded.lower().encode("utf-8", "surrogatepass"))
    if len(toks) < SHINGLE:
        return np.zeros(0, np.uint64)
    grams = set(map(b" ".join, zip(toks, toks[1:], toks[2:])))
    return np.fromiter(map(zlib.crc32, grams), np.uint64, len(grams))


def minhash(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature of a set of 32-bit hashes under N_PERM multiply-shift hash functions."""
    if not len(hashes):
        return np.full(N_PERM, 0xFFFFFFFF, np.uint32)
    # multiply-shift hashing: (a*x + b) mod 2^64 (numpy wraps), its high 32 bits; a is odd. In place, and
    # shifted after the minimum (the shift keeps order): 0.036 -> 0.029 ms an article.
    mixed = np.multiply.outer(hashes, _A)
    mixed += _B
    return (mixed.min(axis=0) >> np.uint64(32)).astype(np.uint32)


def story_terms(title: str | None, body: str) -> tuple[str, ...]:
    """The words that say what a story is about: title and lede words, and the names of the lede
    (title words weighed twice: on giveme5w1h, ARI 0.83 -> 0.88)."""
    return _story_terms(fold(title or ""), fold(body))


def _terms_of(text: str) -> set[str]:
    # ``text`` is folded already, and NFKC and the quote map are idempotent: words() would fold it again
    return {w for w in set(_WORD.findall(text.lower())) if len(w) > 2 and w not in STOPWORDS and not w.isdigit()}


def _story_terms(title: str, body: str) -> tuple[str, ...]:
    """``story_terms`` of a folded title and body."""
    head = f"{title} {' '.join(body.split(None, LEDE_WORDS)[:LEDE_WORDS])}"  # not a split of the whole body
    terms = _terms_of(head)
    # Title words count twice (as themselves and as "t:" terms): a headline names its story.
    terms |= {"t:" + w for w in _terms_of(title)}
    for name in set(_NAME.findall(head)):
        term = _name_term(name)
        if term:
            terms.add(term)
    return tuple(sorted(terms))


#: Names a parse process has made terms of, and their terms (None: a name of one word). The same names
#: recur across a corpus's articles ("White House", a company, a minister); cleared when full. A dict, not
#: functools.lru_cache: its bookkeeping on every hit made features 0.459 -> 0.496 ms an article (2,653
#: devset texts, medians of 9 alternating rounds).
_NAME_TERMS: dict[str, str | None] = {}
NAME_TERMS_MAX = 100_000


def _name_term(name: str) -> str | None:
    """A multi-word name as one term ("white house", "vladimir putin": "white_house"), None for one word."""
    try:
        return _NAME_TERMS[name]
    except KeyError:
        pass
    parts = [p for p in _WORD.findall(name.lower()) if p not in STOPWORDS]
    term = "_".join(parts) if len(parts) > 1 else None
    if len(_NAME_TERMS) >= NAME_TERMS_MAX:
        _NAME_TERMS.clear()
    _NAME_TERMS[name] = term
    return term


def numbers(body: str) -> tuple[str, ...]:
    """The body's distinct digit runs, sorted ("1,541,000" gives 1, 541 and 000): the facts a copy carries
    over from what it copies, and a templated report (a dividend notice, a weekly shipment figure) does not
    share with the same template filled in for another company or day."""
    return _numbers(fold(body))


def _numbers(folded: str) -> tuple[str, ...]:
    return tuple(sorted(set(_NUMBER.findall(folded))))


def organisations(title: str | None, body: str) -> tuple[str, ...]:
    """The organisations the title and the body each open with, if any, as words joined by "_" without
    stop words ("the_boeing_co" and "boeing_co" are one)."""
    return _organisations(fold(title or ""), fold(body))


def _organisations(title: str, body: str) -> tuple[str, ...]:
    found = set()
    for text in (title, body[:ORG_HEAD]):
        match = _ORG.match(text)
        if match:
            found.add("_".join(w for w in _WORD.findall(match.group(1).lower()) if w not in STOPWORDS))
    return tuple(sorted(found))


def organisation_words(org: str) -> list[str]:
    """The words of an organisation (``organisations``) that name it among story terms: its words as story
    terms keep words, without the designator ("acme_industries_inc": acme, industries), sorted."""
    return sorted(_terms_of(org.replace("_", " ")) - DESIGNATORS)


def features(title: str | None, body: str) -> Features:
    folded, folded_title = fold(body), fold(title or "")  # once for shingles, lede, numbers and organisations
    hashes = _folded_shingle_hashes(folded)
    return Features(minhash(hashes), len(hashes), _story_terms(folded_title, folded), _numbers(folded),
                    _organisations(folded_title, folded))
