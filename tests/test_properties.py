"""Property-based tests (hypothesis) of the pure normalizer and date extraction: no input crashes them,
offsets always point into the text, every resolved date is a real calendar date.

No Prefect, no DuckDB: these call the functions directly. Example counts are moderate (the whole file
runs in well under a minute) and deadlines are off (dateparser's first call loads language data).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dateline.sources import files as sources
from dateline.parse import text, timex
from dateline.parse.normalize import normalize_files
from dateline.sources.files import RawFile

# Earlier tests in the session leave Prefect's background threads running, and they touch the global
# `random` state while hypothesis generates data, which hypothesis reports as a (harmless) deprecation.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December", "Jan", "Feb", "Sept", "Dec"]
WORDS = ["the", "summit", "will", "meet", "in", "on", "next", "last", "month", "year", "week", "ago", "since",
         "until", "Tuesday", "today", "yesterday", "tomorrow", "spring", "quarter", "Q3", "the 1990s", "two",
         "three", "years", "days", "early", "mid-", "late", "said", "Reuters", "-", ",", ".", "\n", "\n\n"]


@st.composite
def date_strings(draw) -> str:
    """Date-like strings, valid or not: 31 February, 0000-00-00, 9999-12-31, 29/02/2023, 1 May ..."""
    y = draw(st.one_of(st.integers(0, 9999), st.sampled_from([0, 1, 99, 1900, 1999, 2000, 2021, 2024, 9999])))
    m = draw(st.integers(0, 13))
    d = draw(st.integers(0, 32))
    name = draw(st.sampled_from(MONTHS))
    form = draw(st.integers(0, 9))
    return [
        f"{y:04d}-{m:02d}-{d:02d}", f"{d} {name} {y}", f"{name} {d}, {y}", f"{d}/{m}/{y}", f"{m}/{d}/{y:02d}",
        f"{name} {y}", f"{name} {d}", f"{d:02d}.{m:02d}.{y:04d}", f"{y}", f"{d}-{name[:3].upper()}-{y}",
    ][form]


@st.composite
def newsy_text(draw) -> str:
    """Text mixing date strings and date vocabulary with arbitrary unicode."""
    parts = draw(st.lists(st.one_of(date_strings(), st.sampled_from(WORDS), st.text(max_size=12)), max_size=25))
    return " ".join(parts)


ANY_TEXT = st.one_of(st.text(max_size=400), newsy_text())
DCTS = st.one_of(st.none(), st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
                 st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def check_mentions(body: str, mentions: list[timex.Mention]) -> None:
    for m in mentions:
        assert 0 <= m.start <= m.end <= len(body), m
        assert body[m.start : m.end] == m.text, m
        for d in (m.earliest, m.latest):
            assert d is None or isinstance(d, date)
        if m.earliest and m.latest:
            assert m.earliest <= m.latest, m
        iso = ISO_DAY.match(m.value)
        if iso:  # a resolved day must exist: no 31 February, no month 13, no day 0
            date(*map(int, iso.groups()))


@SETTINGS
@given(ANY_TEXT, DCTS)
@example("Biden will meet Putin on June 16, next month.", date(2021, 5, 25))
@example("It happened on 31 February 2021 and again on 0000-00-00, not 9999-12-31.", date(2021, 5, 25))
@example("Q4 of 9999 and the next quarter", date(9999, 12, 31))
@example("last year, in 0001", date(1, 1, 1))
def test_extract_mentions_offsets_and_dates(body, dct):
    check_mentions(body, timex.extract_mentions(body, dct))


@SETTINGS
@given(ANY_TEXT)
@example("9999-12-31\n\nBody text here.")
@example("Title\n31 February 2021\n\nThe body.")
@example("0000-00-00")
@example("\r\n\r\r\n")
def test_parse_text_never_raises_and_body_comes_from_the_text(raw):
    parsed = text.parse_text(raw)
    assert isinstance(parsed.body, str)
    assert parsed.published_claimed is None or isinstance(parsed.published_claimed, date)
    if parsed.published_claimed_at is not None:
        assert parsed.published_claimed_at.date() == parsed.published_claimed
    for removal in parsed.boilerplate:
        assert removal.text  # every removal keeps what it removed


@SETTINGS
@given(st.lists(st.one_of(ANY_TEXT, st.binary(max_size=200)), min_size=1, max_size=6))
def test_normalize_files_accounts_for_every_file(contents):
    files = []
    for i, c in enumerate(contents):
        data = c.encode("utf-8", "surrogatepass") if isinstance(c, str) else c
        files.append(RawFile(f"in/{i}.txt", data, hashlib.sha256(data).hexdigest()))
    out = normalize_files(files, "run")
    # exactly one ledger row per file; rejects and articles match the outcomes
    assert [s.source_path for s in out.source_files].count("in/0.txt") == 1
    assert len(out.source_files) == len(files)
    outcomes = [s.outcome for s in out.source_files]
    assert outcomes.count("rejected") == len(out.rejects)
    assert outcomes.count("loaded") == len(out.articles)
    assert all(r.reason for r in out.rejects)
    bodies = {a.article_id: a.body for a in out.articles}
    for a in out.articles:
        assert a.body.strip() and "\x00" not in a.body and "\r" not in a.body
    by_article: dict[str, list] = {}
    for dm in out.date_mentions:
        by_article.setdefault(dm.article_id, []).append(dm)
    for aid, mentions in by_article.items():
        body = bodies[aid]
        for dm in mentions:
            assert body[dm.start_char : dm.end_char] == dm.text


@SETTINGS
@given(st.binary(max_size=600))
def test_decode_bytes_never_raises(data):
    decoded = sources.decode_bytes(data)
    assert (decoded.text is None) == (decoded.reject_reason is not None)
    if decoded.text is not None:
        assert decoded.text.strip() and "\x00" not in decoded.text and "\r" not in decoded.text




@SETTINGS
@given(st.text(alphabet="abc XYZ.,’‘“”—–€£é­èüñçßÉØłżŁ™•…", min_size=1, max_size=80))
def test_mojibake_repair_undoes_the_damage(original):
    try:
        damaged = original.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:  # bytes 0x81/0x8D/0x8F/0x90/0x9D: see repair_mojibake
        assume(False)
    repaired, n = sources.repair_mojibake(damaged)
    assert repaired == original
    assert (n > 0) == (damaged != original)


@SETTINGS
@given(st.text(alphabet="abcdefghij XYZ.,:;!?'\"-()0123456789\n£€’“”éèüñçÉ", max_size=200))
def test_mojibake_repair_leaves_ordinary_text_alone(clean):
    assert sources.repair_mojibake(clean) == (clean, 0)
