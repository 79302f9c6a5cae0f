"""Evaluate the date sanity check (dateline.dating.sanity) by corrupting claimed dates on purpose.

    .venv/bin/python bench/eval_sanity.py [--devsets DIR] [--corpus NAME] [--limit N] [--seed S]
                                          [--batch-size N] [--show-errors N]

For every dev corpus with a ``txt/`` folder (reuters_dev, giveme5w1h_gold, tempeval3_tbaq) the
script builds, in memory, a corrupted copy: for half the articles (chosen with ``--seed``) the date
line (line 2 of the dump) is replaced by the same date shifted by +-1..+-5 years (about 70% of them)
or +-4..+-11 months, written in the same format (``26-MAR-1987 15:01:01.79`` stays a wire timestamp, ``2016-11-09
00:00:00`` stays ISO, a weekday is recomputed when the format has one, a year-less ``August 7`` has
its month shifted only).  The other half is untouched.  The copies are fed, as ``RawFile`` objects,
to ``dateline.normalize.normalize_files`` in batches of ``--batch-size`` files (500, as the flow
does), so the verdicts are exactly the pipeline's.

A corrupted article is a positive; the check "finds" it when it is judged ``inconsistent``.  Reported
per corpus and overall: precision / recall of ``inconsistent`` over all articles (the targets) and,
for information, over articles with dated evidence (their body has at least one DATE mention with an
explicit year), recall per shift kind, the share of untouched articles judged ``inconsistent`` (false
flags), status counts, and ms per article for the date stage (parse_text + extract_mentions +
judge_batch) and for the sanity step alone.

Nothing is written anywhere: the devsets are read in place (default ``../shared/devsets`` relative
to the project root, or ``$DATELINE_DEVSETS``).  When they are absent the script says so and exits 0.
Nothing is special-cased per document.
"""

from __future__ import annotations

import argparse
import calendar
import hashlib
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dateline.vocabulary import MONTH_NAMES, MONTH_NUMBER, WEEKDAY_NAMES, WEEKDAY_WORDS  # noqa: E402

CORPORA = ("reuters_dev", "giveme5w1h_gold", "tempeval3_tbaq")
#: reuters_dev again, as the wire printed it: the body opens with its dateline ("CHICAGO, March 26 -"), which
#: the devset's txt dumps keep apart (in reuters_dev.jsonl's ``dateline_text``).
WIRE = "reuters_wire"
STATUSES = ("consistent", "inconsistent", "no_evidence", "missing")
YEAR_SHIFTS = (1, 2, 3, 4, 5)
MONTH_SHIFTS = (4, 5, 6, 7, 8, 9, 10, 11)
YEAR_SHIFT_SHARE = 0.7  # of the shifted articles whose date line has a year
TARGET_PRECISION = 0.97  # over all articles
TARGET_RECALL = 0.50  # over all shifted articles
TARGET_RECALL_KIND = {"years": 0.40, "months": 0.60}
TARGET_FALSE_ALARM = 0.01  # untouched articles judged inconsistent
DATED_DEFINITION = ("dated evidence = the article body has at least one timex mention with "
                    "type DATE and explicit_year True (e.g. 'in March 1986', 'on 1998-08-07')")

# --------------------------------------------------------------------------------------------------
# Corrupting a date line, keeping its format
# --------------------------------------------------------------------------------------------------

_MON = r"(?P<mon>[A-Za-z]{3,9})"
_WD = r"(?:(?P<wd>[A-Za-z]{3,9})\.?,?\s+)?"
_D = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?P<y>\d{4})"
# Tried in order; the first match whose words are real month (and weekday) names is shifted.
_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")),
    ("wire", re.compile(r"(?<!\d)(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3,4})-(?P<y>\d{4})(?!\d)")),
    ("slash", re.compile(r"(?<!\d)(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?!\d)")),
    ("dotted", re.compile(r"(?<!\d)(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?!\d)")),
    ("mdy", re.compile(r"(?<![A-Za-z])" + _WD + _MON + r"\.?\s+" + _D + r"(?:\s*,\s*|\s+)" + _Y + r"(?!\d)")),
    ("dmy", re.compile(r"(?<![A-Za-z\d])" + _WD + _D + r"\s+(?:of\s+)?" + _MON + r"\.?,?\s+" + _Y + r"(?!\d)")),
    ("month_year", re.compile(r"(?<![A-Za-z])" + _MON + r"\.?,?\s+" + _Y + r"(?!\d)")),
    ("md_noyear", re.compile(r"(?<![A-Za-z])" + _WD + _MON + r"\.?\s+" + _D + r"(?![\d:])")),
    ("dm_noyear", re.compile(r"(?<![A-Za-z\d])" + _WD + _D + r"\s+(?:of\s+)?" + _MON + r"\b")),
)


@dataclass(frozen=True, slots=True)
class Shift:
    kind: str  # "years" | "months"
    amount: int  # signed

    @property
    def months(self) -> int:
        return self.amount * 12 if self.kind == "years" else self.amount

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.kind}"


def shift_date(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months, the day clamped to the target month's length."""
    k = d.year * 12 + (d.month - 1) + months
    y, m = divmod(k, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _num(new: int, orig: str, padded: bool) -> str:
    return f"{new:02d}" if padded else str(new)


def _is_padded(*fields: str) -> bool:
    """A date's numeric fields are zero-padded when one starts with 0 or all are two digits wide."""
    return any(f.startswith("0") for f in fields) or all(len(f) == 2 for f in fields)


def _styled(word: str, orig: str) -> str:
    if orig.isupper():
        return word.upper()
    if orig.islower():
        return word.lower()
    return word


def _month_word(month: int, orig: str) -> str:
    """The month's name written the way ``orig`` is: in full or as a 3-letter (``Sept``) abbreviation, same case."""
    full = MONTH_NAMES[month - 1]
    o = orig.lower()
    if o == "sept":
        word = "Sept" if month == 9 else full[:3]
    elif o == MONTH_NAMES[MONTH_NUMBER[o] - 1].lower():  # written in full ("May" counts as full)
        word = full
    else:
        word = full[:3]
    return _styled(word, orig)


def _weekday_word(wd: int, orig: str) -> str:
    full = WEEKDAY_NAMES[wd]
    word = full if len(orig) > 4 or orig.lower() == full.lower() else full[:3]
    return _styled(word, orig)


def _replace_groups(s: str, m: re.Match[str], new: dict[str, str]) -> str:
    spans = sorted((m.span(g), v) for g, v in new.items() if m.group(g) is not None)
    out, pos = [], 0
    for (a, b), v in spans:
        out.append(s[pos:a])
        out.append(v)
        pos = b
    out.append(s[pos:])
    return "".join(out)


def shift_date_line(line: str, months: int) -> str | None:
    """The date line with its date moved by ``months`` months (12 per year), written the same way.

    Only the date is rewritten: times, time zones, labels and trailing junk stay verbatim; a weekday
    is recomputed when the line has one and a year.  A year-less line (``August 7``) has its month
    moved only; it returns None when that changes nothing (a whole number of years) or when it names
    a weekday (which cannot be recomputed without a year).  None also when no date is recognised.
    """
    if months == 0:
        return None
    for fmt, rx in _FORMATS:
        for m in rx.finditer(line):
            gd = m.groupdict()
            mon_s, wd_s = gd.get("mon"), gd.get("wd")
            if mon_s is not None and mon_s.lower() not in MONTH_NUMBER:
                continue
            if wd_s is not None and wd_s.lower() not in WEEKDAY_WORDS:
                continue
            new = _shift_match(fmt, m, months)
            if new is None:
                return None
            return _replace_groups(line, m, new)
    return None


def _shift_match(fmt: str, m: re.Match[str], months: int) -> dict[str, str] | None:  # noqa: C901
    g = m.groupdict()
    if fmt == "slash":  # US month/day/year unless the first number cannot be a month
        a, b = int(g["a"]), int(g["b"])
        mdy = a <= 12
        mon, day = (a, b) if mdy else (b, a)
        try:
            d = date(int(g["y"]), mon, day)
        except ValueError:
            return None
        n = shift_date(d, months)
        pad = _is_padded(g["a"], g["b"])
        first, second = (n.month, n.day) if mdy else (n.day, n.month)
        return {"a": _num(first, g["a"], pad), "b": _num(second, g["b"], pad), "y": f"{n.year:04d}"}
    if fmt in ("iso", "dotted"):
        try:
            d = date(int(g["y"]), int(g["m"]), int(g["d"]))
        except ValueError:
            return None
        n = shift_date(d, months)
        pad = _is_padded(g["m"], g["d"])
        return {"y": f"{n.year:04d}", "m": _num(n.month, g["m"], pad), "d": _num(n.day, g["d"], pad)}
    if fmt in ("wire", "mdy", "dmy"):
        try:
            d = date(int(g["y"]), MONTH_NUMBER[g["mon"].lower()], int(g["d"]))
        except ValueError:
            return None
        n = shift_date(d, months)
        out = {"y": f"{n.year:04d}", "mon": _month_word(n.month, g["mon"]),
               "d": _num(n.day, g["d"], g["d"].startswith("0") or (fmt == "wire" and len(g["d"]) == 2))}
        if g.get("wd"):
            out["wd"] = _weekday_word(n.weekday(), g["wd"])
        return out
    if fmt == "month_year":
        n = shift_date(date(int(g["y"]), MONTH_NUMBER[g["mon"].lower()], 1), months)
        return {"y": f"{n.year:04d}", "mon": _month_word(n.month, g["mon"])}
    # year-less: the month only (a leap year, so that February 29 survives)
    if months % 12 == 0 or g.get("wd"):
        return None
    day = int(g["d"])
    mon = MONTH_NUMBER[g["mon"].lower()]
    if not 1 <= day <= calendar.monthrange(2000, mon)[1]:
        return None
    new_mon = (mon - 1 + months) % 12 + 1
    new_day = min(day, calendar.monthrange(2000, new_mon)[1])
    return {"mon": _month_word(new_mon, g["mon"]), "d": _num(new_day, g["d"], g["d"].startswith("0"))}


def is_yearless(line: str) -> bool:
    """Does the line carry a recognisable date without a year?"""
    return shift_date_line(line, 12) is None and shift_date_line(line, 2) is not None


def corrupt_text(text: str, shift: Shift) -> str | None:
    """The dump text with line 2 (the date line) shifted, or None when it cannot be shifted."""
    lines = text.split("\n")
    if len(lines) < 2:
        return None
    new = shift_date_line(lines[1], shift.months)
    if new is None or new == lines[1]:
        return None
    lines[1] = new
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Devsets
# --------------------------------------------------------------------------------------------------


def default_devsets() -> Path:
    env = os.environ.get("DATELINE_DEVSETS")
    return Path(env) if env else ROOT.parent / "shared" / "devsets"


def _decode(data: bytes) -> tuple[str, str] | None:
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return None


@dataclass
class Item:
    corpus: str
    path: str
    original: bytes
    data: bytes
    shift: Shift | None  # None = untouched
    line_before: str
    line_after: str
    # filled after the run
    loaded: bool = False
    reject: str | None = None  # why normalize_files did not load it (None: loaded, or a duplicate)
    status: str | None = None
    score: float | None = None
    evidence: str | None = None
    claimed: date | None = None
    claimed_expected: date | None = None
    inferred: tuple[date | None, date | None] = (None, None)
    dated: bool = False
    dated_mentions: list[str] = field(default_factory=list)
    # Could any reader of the text alone tell the shift? For a year shift the text must print a year (a date
    # with its year finer than a decade) or a weekday with its date; for a month shift it must name a month
    # or a day (with or without a year) or carry a dateline. Not sufficient, only necessary: the share of
    # shifted articles that pass is an upper bound on the recall of any text-only checker.
    text_could_tell: bool = False
    article_id: str | None = None
    terms: tuple[str, ...] = ()  # the story terms the stories stage would store for it
    corpus_accused: bool = False  # the corpus check (dateline.dating.corpus) accuses its claimed date

    @property
    def corrupted(self) -> bool:
        return self.shift is not None

    @property
    def flagged(self) -> bool:
        """What date_anomalies lists: the article's own verdict, or the corpus check."""
        return self.status == "inconsistent" or self.corpus_accused


def build_corpus(corpus: str, files: list[Path] | list[tuple[str, bytes]], seed: int) -> list[Item]:
    """Read the files (or take (path, bytes) pairs) and corrupt half of them (chosen with the seed);
    nothing is written."""
    # the wire form gets the txt form's shifts, so that the two columns differ only by the dateline
    rng = random.Random(f"{seed}:{DEV_CORPUS if corpus == WIRE else corpus}")
    raw = [(str(p), p.read_bytes()) if isinstance(p, Path) else p for p in files]
    plans: list[tuple[str, bytes, str, str, int | None]] = []  # path, bytes, text, enc, line-2
    corruptible = []
    for i, (path, data) in enumerate(raw):
        dec = _decode(data)
        line = dec[0].split("\n")[1] if dec and "\n" in dec[0] else ""
        if dec and shift_date_line(line, 2) is not None:
            corruptible.append(i)
        plans.append((path, data, dec[0] if dec else "", dec[1] if dec else "", line))
    chosen = set(rng.sample(corruptible, min(len(corruptible), round(len(raw) / 2))))
    items = []
    for i, (path, data, text, enc, line) in enumerate(plans):
        shift = None
        new_data, new_line = data, line
        if i in chosen:
            kind = "months" if is_yearless(line) or rng.random() >= YEAR_SHIFT_SHARE else "years"
            amount = rng.choice(YEAR_SHIFTS if kind == "years" else MONTH_SHIFTS) * rng.choice((-1, 1))
            shift = Shift(kind, amount)
            new_text = corrupt_text(text, shift)
            assert new_text is not None, (path, line, shift)
            new_data = new_text.encode(enc)
            new_line = new_text.split("\n")[1]
        items.append(Item(corpus, path, data, new_data, shift, line, new_line))
    return items


# --------------------------------------------------------------------------------------------------
# Running the pipeline
# --------------------------------------------------------------------------------------------------


@dataclass
class Timing:
    articles: int = 0
    parse: float = 0.0
    mentions: float = 0.0
    sanity: float = 0.0
    normalize_files: float = 0.0
    normalize_articles: int = 0

    def add(self, o: Timing) -> None:
        for k in ("articles", "parse", "mentions", "sanity", "normalize_files", "normalize_articles"):
            setattr(self, k, getattr(self, k) + getattr(o, k))


def _warm_up() -> None:
    from dateline.parse import normalize, text, timex
    from dateline.dating import sanity

    # The second date line and the body's day-first date go through dateparser (loaded lazily).
    for t in ("A title\nMarch 3, 1987 10:00\n\nNEW YORK, March 3 - The board met on Feb 12, 1987 and will "
              "meet again on June 16.\n",
              "Another title\n11/04/1997 08:00:00\n\nThe talks, held on 3 October 1997, will resume in 1998.\n"):
        p = text.parse_text(t)
        ms = timex.extract_mentions(p.body, p.published_claimed)
        sanity.judge_batch([normalize._dates_of("x", p, ms)])


def run_corpus(items: list[Item], batch_size: int) -> Timing:
    """Run the date stage on the items, batch by batch, and record each verdict on its item."""
    from dateline.parse import normalize, text, timex
    from dateline.dating import sanity
    from dateline.sources.files import RawFile, decode_bytes
    from dateline.stories.features import story_terms

    from dateline.sources import files as sources

    storable = getattr(sources, "storable_path", lambda p: p)  # how normalize_files names a file
    tm = Timing()
    by_path = {storable(it.path): it for it in items}
    files = [RawFile(it.path, it.data, hashlib.sha256(it.data).hexdigest()) for it in items]
    seen: dict[str, str] = {}
    seen_timed: set[str] = set()
    for start in range(0, len(files), batch_size):
        batch = files[start : start + batch_size]
        # 1. The date stage timed step by step, composed as normalize_files composes it.
        pending = []
        for f in batch:
            if f.sha256 in seen_timed:
                continue
            seen_timed.add(f.sha256)
            dec = decode_bytes(f.data)
            if dec.text is None:
                continue
            t0 = time.perf_counter()
            p = text.parse_text(dec.text)
            t1 = time.perf_counter()
            tm.parse += t1 - t0
            if not p.body.strip():
                continue
            ms = timex.extract_mentions(p.body, p.published_claimed)
            tm.mentions += time.perf_counter() - t1
            pending.append((f, p, ms))
        t0 = time.perf_counter()
        dates = [normalize._dates_of(normalize.article_id_for(f.sha256), p, ms) for f, p, ms in pending]
        t1 = time.perf_counter()
        tm.mentions += t1 - t0  # _dates_of tags the titles: that is extract_mentions work
        timed_verdicts = sanity.judge_batch(dates)
        tm.sanity += time.perf_counter() - t1
        tm.articles += len(pending)
        # 2. The pipeline itself: these are the verdicts that are scored.
        t0 = time.perf_counter()
        out = normalize.normalize_files(batch, "eval-sanity", seen=seen)
        tm.normalize_files += time.perf_counter() - t0
        tm.normalize_articles += len(out.articles)
        seen = out.hashes
        for r in out.rejects:
            if r.source_path in by_path:
                by_path[r.source_path].reject = f"{r.reason}" + (f" ({r.detail})" if r.detail else "")
        mentions = defaultdict(list)
        for m in out.date_mentions:
            mentions[m.article_id].append(m)
        evidence_of = defaultdict(list)
        for e in out.date_evidence:
            evidence_of[e.article_id].append(e)
        for a in out.articles:
            it = by_path[a.source_path]
            it.loaded = True
            it.article_id, it.terms = a.article_id, story_terms(a.title, a.body)
            it.status, it.score, it.evidence = a.date_status, a.date_score, a.date_evidence
            it.claimed = a.published_claimed
            it.inferred = (a.published_inferred_min, a.published_inferred_max)
            dated = [m for m in mentions[a.article_id] if m.timex_type == "DATE" and m.explicit_year]
            it.dated = bool(dated)
            kinds = {e.kind for e in evidence_of[a.article_id]}
            if it.corrupted and it.shift.kind == "years":
                it.text_could_tell = "weekday_date" in kinds or any(
                    m.explicit_year and m.timex_type == "DATE" and m.granularity not in ("decade", "century")
                    for m in mentions[a.article_id])
            elif it.corrupted:
                it.text_could_tell = "dateline" in kinds or any(
                    m.timex_type == "DATE" and m.granularity in ("day", "month") and m.kind != "weekday"
                    for m in mentions[a.article_id])
            it.dated_mentions = [
                f"'{m.text}' ({m.value}, {m.tense}) in \"...{_context(a.body, m.start_char, m.end_char)}...\""
                for m in dated
            ]
        timed = Counter(v.status for v in timed_verdicts)
        scored = Counter(a.date_status for a in out.articles)
        if timed != scored:
            print(f"WARNING: the timed date stage and normalize_files disagree on a batch: {timed} vs {scored}",
                  file=sys.stderr)
    # What the claimed date should be after the corruption (to check it reached the pipeline).
    for it in items:
        if it.corrupted and it.loaded:
            dec = decode_bytes(it.original)
            orig = text.parse_text(dec.text).published_claimed if dec.text else None
            it.claimed_expected = shift_date(orig, it.shift.months) if orig else None
    return tm


def judge_by_corpus(items: list[Item]) -> None:
    """Run the pipeline's corpus check over the loaded items as one database: the same SQL
    (dateline.store.corpus_dates) over in-memory tables shaped as the stories stage leaves them."""
    import duckdb
    import pyarrow as pa

    from dateline.dating.corpus_stage import judge_all
    from dateline.stories.signing import stored_terms

    loaded = [it for it in items if it.loaded and it.article_id]
    articles = pa.table({"article_id": [it.article_id for it in loaded],  # noqa: F841 - read by the SQL below
                         "published_claimed": [it.claimed for it in loaded],
                         "superseded_by": pa.nulls(len(loaded), pa.string())})
    signatures = pa.table({"article_id": [it.article_id for it in loaded],  # noqa: F841
                           "terms": [stored_terms(it.terms) for it in loaded]})
    con = duckdb.connect()
    con.execute("CREATE TABLE articles AS SELECT * FROM articles")
    con.execute("CREATE TABLE story_signatures AS SELECT * FROM signatures")
    accused = {aid for aid, accusation in judge_all(con) if accusation is not None}
    for it in loaded:
        it.corpus_accused = it.article_id in accused


# --------------------------------------------------------------------------------------------------
# Scoring and the report
# --------------------------------------------------------------------------------------------------


def _context(body: str, start: int, end: int, width: int = 50) -> str:
    return " ".join(f"{body[max(0, start - width):start]}[{body[start:end]}]{body[end:end + width]}".split())


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


@dataclass
class Scores:
    n: int
    not_loaded: int
    corrupted: int
    untouched: int
    status_c: Counter
    status_u: Counter
    claim_shifted: int  # corrupted articles whose claimed date is the shifted one
    claim_missing: int  # corrupted articles with no claimed date at all (year-less / unparsed line)
    pr_all: tuple[int, int, int]  # tp, fp, fn
    pr_dated: tuple[int, int, int]
    n_dated: int
    dated_c: int
    dated_u: int
    fa_all: float | None
    fa_dated: float | None
    recall_kind: dict[str, tuple[int, int]]  # kind -> (found, total) over all
    recall_kind_dated: dict[str, tuple[int, int]]
    bound_kind: dict[str, tuple[int, int]]  # shifted articles whose text could tell the shift, per kind
    pr_corpus: tuple[int, int, int]  # flagged by the article's own verdict or by the corpus check
    recall_kind_corpus: dict[str, tuple[int, int]]
    fa_corpus: float | None
    corpus_only: tuple[int, int]  # (corrupted, untouched) accused by the corpus check alone


def score(items: list[Item]) -> Scores:
    loaded = [it for it in items if it.loaded]
    cor = [it for it in loaded if it.corrupted]
    unt = [it for it in loaded if not it.corrupted]

    def own(it: Item) -> bool:
        return it.status == "inconsistent"

    def pr(sub: list[Item], flag=own) -> tuple[int, int, int]:
        tp = sum(1 for it in sub if it.corrupted and flag(it))
        fp = sum(1 for it in sub if not it.corrupted and flag(it))
        fn = sum(1 for it in sub if it.corrupted and not flag(it))
        return tp, fp, fn

    def by_kind(sub: list[Item], flag=own) -> dict[str, tuple[int, int]]:
        out = {}
        for kind in ("years", "months"):
            k = [it for it in sub if it.corrupted and it.shift.kind == kind]
            out[kind] = (sum(1 for it in k if flag(it)), len(k))
        return out

    def flagged(it: Item) -> bool:
        return it.flagged

    dated = [it for it in loaded if it.dated]
    unt_d = [it for it in dated if not it.corrupted]
    return Scores(
        n=len(items), not_loaded=len(items) - len(loaded), corrupted=len(cor), untouched=len(unt),
        status_c=Counter(it.status for it in cor), status_u=Counter(it.status for it in unt),
        claim_shifted=sum(1 for it in cor if it.claimed is not None and it.claimed == it.claimed_expected),
        claim_missing=sum(1 for it in cor if it.claimed is None),
        pr_all=pr(loaded), pr_dated=pr(dated), n_dated=len(dated),
        dated_c=sum(1 for it in dated if it.corrupted), dated_u=len(unt_d),
        fa_all=_ratio(sum(1 for it in unt if it.status == "inconsistent"), len(unt)),
        fa_dated=_ratio(sum(1 for it in unt_d if it.status == "inconsistent"), len(unt_d)),
        recall_kind=by_kind(loaded), recall_kind_dated=by_kind(dated),
        bound_kind={k: (sum(1 for it in loaded if it.corrupted and it.shift.kind == k and it.text_could_tell),
                        sum(1 for it in loaded if it.corrupted and it.shift.kind == k)) for k in ("years", "months")},
        pr_corpus=pr(loaded, flagged), recall_kind_corpus=by_kind(loaded, flagged),
        fa_corpus=_ratio(sum(1 for it in unt if it.flagged), len(unt)),
        corpus_only=(sum(1 for it in cor if it.corpus_accused and not own(it)),
                     sum(1 for it in unt if it.corpus_accused and not own(it))),
    )


def _f(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def _p(t: tuple[int, int, int]) -> float | None:
    return _ratio(t[0], t[0] + t[1])


def _r(t: tuple[int, int, int]) -> float | None:
    return _ratio(t[0], t[0] + t[2])


def _frac(found_total: tuple[int, int]) -> str:
    f, t = found_total
    return f"{f / t:.3f} ({f}/{t})" if t else "-"


def print_report(groups: dict[str, list[Item]], timings: dict[str, Timing], args) -> None:
    names = list(groups)
    sc = {k: score(v) for k, v in groups.items()}
    # Two overall columns when both forms of reuters are there, so that no article counts twice: with the
    # txt dumps as given, and with the wire form in their place.
    overalls = {"overall": [n for n in names if n != WIRE]}
    if WIRE in names and len(names) > 2:
        overalls["overall (wire)"] = [n for n in names if n != DEV_CORPUS]
    if len(names) > 1:
        for label, parts in overalls.items():
            names.append(label)
            sc[label] = score([it for n in parts for it in groups[n]])
            tall = Timing()
            for n in parts:
                tall.add(timings[n])
            timings = dict(timings, **{label: tall})

    def met(x: float | None, target: float, ge: bool) -> str:
        if x is None:
            return "n/a"
        return "yes" if (x >= target if ge else x <= target) else "NO"

    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, fn, target: str = "") -> None:
        rows.append((label, [fn(sc[n], timings.get(n)) for n in names], target))

    row("articles (loaded)", lambda s, t: f"{s.n - s.not_loaded}" + (f" (+{s.not_loaded} not loaded)" if s.not_loaded else ""))
    row("  corrupted / untouched", lambda s, t: f"{s.corrupted} / {s.untouched}")
    row("  corrupted, claimed date = shifted", lambda s, t: f"{s.claim_shifted}/{s.corrupted}")
    row("  corrupted, no claimed date", lambda s, t: f"{s.claim_missing}")
    row("  with dated evidence (corr/unt)", lambda s, t: f"{s.n_dated} ({s.dated_c}/{s.dated_u})")
    rows.append(("", [""] * len(names), ""))
    def target_rows(title: str, pr: str, kinds: str, fa: str, fa_label: str) -> None:
        row(f"{title:<14}precision", lambda s, t: _f(_p(getattr(s, pr))), f">= {TARGET_PRECISION}")
        row("              recall", lambda s, t: _f(_r(getattr(s, pr))), f">= {TARGET_RECALL}")
        row("              tp / fp / fn", lambda s, t: "/".join(map(str, getattr(s, pr))))
        for kind in ("years", "months"):
            row(f"              recall, {kind[:-1]} shifts", lambda s, t, k=kind: _frac(getattr(s, kinds)[k]),
                f">= {TARGET_RECALL_KIND[kind]}")
        row(f"              {fa_label}", lambda s, t: _f(getattr(s, fa), True), f"<= {TARGET_FALSE_ALARM:.0%}")

    target_rows("ALL ARTICLES", "pr_all", "recall_kind", "fa_all", "untouched inconsistent")
    row("  text bound, year shifts", lambda s, t: _frac(s.bound_kind["years"]))
    row("  text bound, month shifts", lambda s, t: _frac(s.bound_kind["months"]))
    row("  text bound, all", lambda s, t: _frac(tuple(map(sum, zip(*s.bound_kind.values())))))
    rows.append(("", [""] * len(names), ""))
    target_rows("WITH CORPUS EVIDENCE ", "pr_corpus", "recall_kind_corpus", "fa_corpus", "untouched flagged")
    row("  added by the corpus (corr/unt)", lambda s, t: f"{s.corpus_only[0]} / {s.corpus_only[1]}")
    rows.append(("", [""] * len(names), ""))
    row("DATED EVIDENCE precision (info)", lambda s, t: _f(_p(s.pr_dated)))
    row("              recall", lambda s, t: _f(_r(s.pr_dated)))
    row("              tp / fp / fn", lambda s, t: "/".join(map(str, s.pr_dated)))
    row("              recall, year shifts", lambda s, t: _frac(s.recall_kind_dated["years"]))
    row("              recall, month shifts", lambda s, t: _frac(s.recall_kind_dated["months"]))
    rows.append(("", [""] * len(names), ""))
    for st in STATUSES:
        row(f"status {st} (corr / unt)", lambda s, t, st=st: f"{s.status_c.get(st, 0)} / {s.status_u.get(st, 0)}")
    rows.append(("", [""] * len(names), ""))

    def ms(x: float, n: int) -> str:
        return f"{1000 * x / n:.2f}" if n else "-"

    row("ms/article date stage", lambda s, t: ms(t.parse + t.mentions + t.sanity, t.articles))
    row("  parse_text", lambda s, t: ms(t.parse, t.articles))
    row("  extract_mentions (body+title)", lambda s, t: ms(t.mentions, t.articles))
    row("  sanity (judge_batch)", lambda s, t: ms(t.sanity, t.articles))
    row("ms/article normalize_files (2nd pass)", lambda s, t: ms(t.normalize_files, t.normalize_articles))

    w0 = max(len(r[0]) for r in rows) + 2
    ws = [max(len(n), *(len(r[1][i]) for r in rows)) + 2 for i, n in enumerate(names)]
    print(f"Date sanity evaluation: seed {args.seed}, batch size {args.batch_size}, shifts +-{YEAR_SHIFTS[0]}.."
          f"{YEAR_SHIFTS[-1]} years ({YEAR_SHIFT_SHARE:.0%} where the date line has a year) or +-{MONTH_SHIFTS[0]}.."
          f"{MONTH_SHIFTS[-1]} months, "
          f"half the articles corrupted")
    print("positive = corrupted date line; predicted positive = status 'inconsistent'")
    print(DATED_DEFINITION)
    print()
    print("".ljust(w0) + "".join(n.rjust(w) for n, w in zip(names, ws)) + "  target")
    print("-" * (w0 + sum(ws) + 10))
    for label, cells, target in rows:
        print(label.ljust(w0) + "".join(c.rjust(w) for c, w in zip(cells, ws)) + (f"  {target}" if target else ""))
    print()
    def targets(title: str, pr: str, kinds: str, fa: str) -> None:
        print(title)
        for n in names:
            s = sc[n]
            p, r = _p(getattr(s, pr)), _r(getattr(s, pr))
            ry, rm = (_ratio(*getattr(s, kinds)[k]) for k in ("years", "months"))
            print(f"  {n:<16} precision {_f(p)} >= {TARGET_PRECISION}: {met(p, TARGET_PRECISION, True):<4} "
                  f"recall {_f(r)} >= {TARGET_RECALL}: {met(r, TARGET_RECALL, True):<4} "
                  f"years {_f(ry)}: {met(ry, TARGET_RECALL_KIND['years'], True):<4} "
                  f"months {_f(rm)}: {met(rm, TARGET_RECALL_KIND['months'], True):<4} "
                  f"false flags {_f(getattr(s, fa), True)} <= {TARGET_FALSE_ALARM:.0%}: "
                  f"{met(getattr(s, fa), TARGET_FALSE_ALARM, False)}")

    targets("Targets (met?), the article alone:", "pr_all", "recall_kind", "fa_all")
    targets("With corpus evidence (what date_anomalies lists):", "pr_corpus", "recall_kind_corpus", "fa_corpus")
    print("Text bound: shifted articles whose own text could tell the shift at all (a year shift: a date with its "
          "year, or a weekday with its date; a month shift: a named month or day, or a dateline): an upper bound on "
          "the recall of any checker that reads only the article, before story and corpus evidence.")
    print("Timings: after a warm-up (dateparser import); date stage = parse_text + extract_mentions (body and "
          "title) + judge_batch, composed as normalize_files composes them, each file seen once; normalize_files "
          "then runs on the same batch (decoding and record building included, tagger caches already warm).")


def _describe(it: Item) -> str:
    lines = [
        f"  [{it.corpus}] {Path(it.path).name}",
        f"    date line: {it.line_before!r}" + (f" -> {it.line_after!r} ({it.shift})" if it.corrupted else " (untouched)"),
        f"    claimed {it.claimed}  status {it.status}  score {it.score}  inferred [{it.inferred[0]} .. {it.inferred[1]}]",
        f"    evidence: {it.evidence}",
    ]
    if it.dated_mentions:
        lines.append("    explicit-year DATE mentions:")
        lines += [f"      {d}" for d in it.dated_mentions[:6]]
        if len(it.dated_mentions) > 6:
            lines.append(f"      ... (+{len(it.dated_mentions) - 6} more)")
    return "\n".join(lines)


def show_errors(items: list[Item], n: int) -> None:
    loaded = [it for it in items if it.loaded]
    fps = sorted((it for it in loaded if not it.corrupted and it.status == "inconsistent"),
                 key=lambda it: -(it.score or 0))
    fns = sorted((it for it in loaded if it.corrupted and it.status != "inconsistent"),
                 key=lambda it: (not it.dated, it.claimed is None, -abs(it.shift.months)))
    print()
    print(f"=== {min(n, len(fps))} worst false positives of {len(fps)} (untouched, judged inconsistent; highest score first)")
    for it in fps[:n]:
        print(_describe(it))
    print()
    print(f"=== {min(n, len(fns))} worst false negatives of {len(fns)} (corrupted, not judged inconsistent; "
          "dated evidence and biggest shift first)")
    for it in fns[:n]:
        print(_describe(it))


# --------------------------------------------------------------------------------------------------
# Development / held-out split, and fitting the recency table on the development split only
# --------------------------------------------------------------------------------------------------

DEV_CORPUS = "reuters_dev"


def wire_copies(devsets: Path, files: list[Path]) -> list[tuple[str, bytes]]:
    """The reuters_dev txt files with the story's dateline put back at the head of the body."""
    import json

    datelines = {}
    with open(devsets / "reuters_dev" / "reuters_dev.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            datelines[row["id"]] = row.get("dateline_text")
    out = []
    for p in files:
        dec = _decode(p.read_bytes())
        dl = datelines.get(p.stem)
        if dec is None or not dl:
            continue
        lines = dec[0].split("\n")
        k = next((i for i in range(3, len(lines)) if lines[i].strip()), None)
        if k is None:
            continue
        lines[k] = f"{dl} {lines[k].lstrip()}"
        out.append((str(p.parent.parent / WIRE / p.name), "\n".join(lines).encode(dec[1])))
    return out


def split_of(corpus: str, path: str) -> str:
    """``dev`` for reuters_dev files whose name's sha1 is even, ``held-out`` for everything else.

    Every statistical rule of dateline.dating.sanity (the recency table and its thresholds) is chosen on the
    dev split; the held-out figures say whether it generalises (other half of reuters_dev, and the
    other corpora, which it never saw)."""
    if corpus not in (DEV_CORPUS, WIRE):
        return "held-out"
    return "dev" if int(hashlib.sha1(Path(path).name.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def print_seeds() -> None:
    """The five seeds as they are (one carries a lying 2024 date line): each one's verdict."""
    from dateline.parse.normalize import normalize_files
    from dateline.sources.files import RawFile

    paths = sorted((ROOT / "seeds").glob("*.txt"))
    files = [RawFile(str(p), p.read_bytes(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths]
    out = normalize_files(files, "eval-sanity")
    print("\nSeeds (untouched; seed 001's 2024 date line lies about a 2021 story):")
    for a in sorted(out.articles, key=lambda a: a.source_path):
        print(f"  {Path(a.source_path).name[:40]:<42} claimed {a.published_claimed}  {a.date_status:<13} "
              f"score {a.date_score}  window [{a.published_inferred_min} .. {a.published_inferred_max}]")


def print_split(groups: dict[str, list[Item]]) -> None:
    """Precision / recall on the development split and on the held-out rest."""
    items = [it for v in groups.values() for it in v]
    parts = {
        "dev (reuters, sha1 even)": [it for it in items if split_of(it.corpus, it.path) == "dev"],
        "held-out (all)": [it for it in items if split_of(it.corpus, it.path) == "held-out"],
    }
    for corpus in groups:
        odd = " (odd)" if corpus in (DEV_CORPUS, WIRE) else ""
        parts[f"held-out {corpus}{odd}"] = [it for it in items if it.corpus == corpus
                                            and split_of(it.corpus, it.path) == "held-out"]
    print()
    print("Split: statistical rules are chosen on dev only; held-out = everything else")
    print(f"  {'':<32}{'all P':>7}{'all R':>7}{'dated P':>9}{'dated R':>9}{'tp/fp/fn (dated)':>18}"
          f"{'unt. incons.':>14}{'+corpus P':>11}{'R':>7}{'unt.':>7}")
    for name, sub in parts.items():
        if not sub:
            continue
        s = score(sub)
        print(f"  {name:<32}{_f(_p(s.pr_all)):>7}{_f(_r(s.pr_all)):>7}{_f(_p(s.pr_dated)):>9}{_f(_r(s.pr_dated)):>9}"
              f"{'/'.join(map(str, s.pr_dated)):>18}{_f(s.fa_all, True):>14}{_f(_p(s.pr_corpus)):>11}"
              f"{_f(_r(s.pr_corpus)):>7}{_f(s.fa_corpus, True):>7}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devsets", type=Path, default=None,
                    help="dev corpora folder (default: $DATELINE_DEVSETS or ../shared/devsets next to the project)")
    ap.add_argument("--corpus", choices=CORPORA, help="run one corpus only")
    ap.add_argument("--limit", type=int, default=None, help="at most N articles per corpus (the first N by path)")
    ap.add_argument("--seed", type=int, default=1987, help="seed choosing the corrupted articles and their shifts")
    ap.add_argument("--batch-size", type=int, default=500, help="files per normalize_files call, as in the flow")
    ap.add_argument("--show-errors", type=int, default=0, metavar="N", help="print the N worst false positives and negatives")
    ap.add_argument("--split", action="store_true",
                    help="also report the development split (reuters_dev, sha1 of the name even) and the held-out rest")
    args = ap.parse_args(argv)

    devsets = args.devsets or default_devsets()
    if not devsets.is_dir():
        print(f"Dev corpora not found at {devsets}: nothing to evaluate. Set --devsets DIR or $DATELINE_DEVSETS "
              "to the folder holding reuters_dev/, giveme5w1h_gold/, tempeval3_tbaq/.")
        return 0
    groups: dict[str, list[Item]] = {}
    for corpus in [args.corpus] if args.corpus else CORPORA:
        txt = devsets / (DEV_CORPUS if corpus == WIRE else corpus) / "txt"
        if not txt.is_dir():
            print(f"{corpus}: no txt/ folder under {devsets / corpus}, skipped.")
            continue
        files = sorted(txt.glob("*.txt"))
        if args.limit is not None:
            files = files[: args.limit]
        if files:
            groups[corpus] = build_corpus(corpus, files, args.seed)
        if corpus == DEV_CORPUS and files and (devsets / corpus / "reuters_dev.jsonl").is_file():
            groups[WIRE] = build_corpus(WIRE, wire_copies(devsets, files), args.seed)
    if not groups:
        print(f"No dev corpus with a txt/ folder found under {devsets}: nothing to evaluate.")
        return 0

    _warm_up()
    timings = {corpus: run_corpus(items, args.batch_size) for corpus, items in groups.items()}
    for items in groups.values():  # each corpus is its own database
        judge_by_corpus(items)
    print_report(groups, timings, args)
    print_seeds()
    if args.split:
        print_split(groups)
    not_loaded = [it for v in groups.values() for it in v if not it.loaded]
    if not_loaded:
        print(f"Not loaded by normalize_files (left out of every figure): {len(not_loaded)}")
        for reason, k in Counter(it.reject or "duplicate of another file" for it in not_loaded).most_common():
            print(f"  {k:5d}  {reason}")
    if args.show_errors:
        show_errors([it for v in groups.values() for it in v], args.show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
