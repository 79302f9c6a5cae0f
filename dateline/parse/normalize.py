"""What is computed: raw records (files, lines, rows, WARC records) -> typed article, mention, source-file
and reject records.

Pure functions that know nothing of Prefect or DuckDB. ``tasks/normalize.py`` wraps them.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from dateline.dating import sanity
from dateline.parse import language, text, timex
from dateline.sources.files import HTML_SUFFIXES, JSON_SUFFIXES, RawFile, Unreadable, decode_bytes, storable_path
from dateline.sources.htmlpage import HtmlArticle, parse_html_article
from dateline.sources.jsonfile import parse_json_article, parse_json_object
from dateline.sources.records import RawRecord
from dateline.stories.signing import Signer
from schemas import Article, BoilerplateRemoval, DateEvidence, DateMention, Reject, SourceFile, StorySignature
from schemas.rejects import INTERNAL_ERROR


def article_id_for(sha256: str) -> str:
    """Articles are content-addressed: the same bytes under two names are one article."""
    return sha256[:16]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass
class Normalized:
    """The records one batch of files produced, before quality validation decides their status."""

    articles: list[Article] = field(default_factory=list)
    date_mentions: list[DateMention] = field(default_factory=list)
    date_evidence: list[DateEvidence] = field(default_factory=list)
    source_files: list[SourceFile] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # ``signing.Signer``'s rows of the articles (Arrow tables once the batch is done)
    story_signatures: "pyarrow.Table | list[StorySignature]" = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # content hashes met here -> article id ("" if rejected)
    reject_reasons: dict[str, str] = field(default_factory=dict)  # rejected content hashes -> reason


def normalize_files(
    files: Sequence[RawFile | RawRecord | Unreadable], run_id: str, *, seen: dict[str, str] | None = None,
    rejected: dict[str, str] | None = None, field_map: dict[str, str] | None = None, sign_stories: bool = True,
) -> Normalized:
    """Turn a batch of read records into table rows: every record (a one-article file, a line, row or WARC
    record) gets exactly one ``source_files`` row. ``field_map`` names fields JSON and CSV exports call
    otherwise (``{"body": "content"}``). ``sign_stories``: give each article its ``story_signatures`` row
    (``dateline.stories.signing``), made here where the text is.

    Outcomes: ``loaded`` (one article), ``duplicate`` (same bytes as an article already handled) or
    ``rejected`` (plus one ``rejects`` row with the reason). ``seen`` maps content hashes met earlier
    (in this run or, via the ledger, in earlier ones) to their article id, "" for rejected content, and
    ``rejected`` maps those rejected hashes to their reason, so a copy of a rejected file is rejected
    for the same reason. Neither is modified: the hashes this batch met come back in
    ``Normalized.hashes`` / ``Normalized.reject_reasons``.
    """
    rec = _Recorder(Normalized(hashes=dict(seen or {}), reject_reasons=dict(rejected or {})), run_id, utcnow(),
                    sign_stories)
    pending: list[_Parsed] = []
    for f in files:
        if isinstance(f, Unreadable):
            rec.unreadable(f)
        elif f.reject is not None:  # what the reader could not read: a truncated gzip, a WARC cut short
            rec.reject(f, *f.reject)
        elif f.sha256 in rec.out.hashes:
            rec.met_before(f)
        elif (parsed := _parse_file(f, rec, field_map)) is not None:
            rec.out.hashes[f.sha256] = article_id_for(f.sha256)
            pending.append(parsed)
    # Articles in another language are not judged: the date rules read English.
    judged = iter(_judge([p.dates for p in pending if p.not_judged is None]))
    verdicts = [next(judged) if p.not_judged is None else _verdict_not_judged(p) for p in pending]
    for p, verdict in zip(pending, verdicts, strict=True):
        if isinstance(verdict, Exception):
            rec.reject(p.file, f"{INTERNAL_ERROR} while checking dates: {type(verdict).__name__}",
                       f"{verdict}"[:500] or None)
        else:
            rec.loaded(p, verdict)
    rec.out.story_signatures = rec.signer.signature_rows()
    return rec.out


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A file parsed into an article, waiting for its date verdict."""

    file: RawFile | RawRecord
    encoding: str
    parsed: text.ParsedText
    mentions: list[timex.Mention]
    dates: sanity.ArticleDates
    source_format: str = "txt"
    url: str | None = None
    language: str | None = None
    not_judged: str | None = None  # why the date rules do not judge it (its language), None when they do


def _not_judged_reason(lang: str | None) -> str | None:
    """Why the English-only date rules may not judge an article in ``lang``; None when they may."""
    if language.english_rules_apply(lang):
        return None
    return (f"not judged: the article is in language '{lang}' and the date rules (tenses, date lines, "
            "news recency) read English only")


def _verdict_not_judged(p: _Parsed) -> sanity.DateVerdict:
    """No accusation for an article the rules cannot read: its claimed date stands unchecked."""
    return sanity.DateVerdict("no_evidence" if p.parsed.published_claimed else "missing", None, None, None)


def _parse_file(f: RawFile | RawRecord, rec: _Recorder, field_map: dict[str, str] | None = None) -> _Parsed | None:
    """Decode and parse one new record; None when it is rejected (recorded through ``rec``)."""
    fmt = f.fmt or _format_of(f.path)
    kind = fmt.removesuffix(".gz")
    try:
        decoded = decode_bytes(f.data, plain_text=kind == "txt")
        if decoded.text is None:
            rec.reject(f, decoded.reject_reason or "not text", decoded.detail)
            return None
        url = None
        if kind == "txt":
            parsed = text.parse_text(decoded.text)
            lang = language.article_language(parsed.body)
            if parsed.published_claimed is None and not language.english_rules_apply(lang):
                parsed = text.parse_text(decoded.text, language=lang)  # its date line, in its own language
        else:
            if kind in ("html", "warc"):
                article = parse_html_article(decoded.text)
            elif f.record_key:  # a line, row or array item: one JSON object
                article = _json_record(decoded.text, kind, field_map)
            else:
                article = parse_json_article(decoded.text, field_map)
            if isinstance(article, tuple):
                rec.reject(f, *article)
                return None
            lang = language.article_language(article.body, article.language)
            if kind in ("html", "warc"):
                parsed = _page_claim(article, lang)
            else:
                parsed = _parsed_from_claims(article, f"metadata:{article.published_key}", lang)
            url = article.url or f.url
        if not parsed.body.strip():
            rec.reject(f, *_no_body(parsed))
            return None
        mentions = timex.extract_mentions(parsed.body, parsed.published_claimed)
        dates = _dates_of(article_id_for(f.sha256), parsed, mentions)
    except Exception as exc:  # a bug met by one odd file must not sink the batch: report it, go on
        rec.reject(f, f"{INTERNAL_ERROR} while parsing: {type(exc).__name__}", f"{exc}"[:500] or None)
        return None
    return _Parsed(f, decoded.encoding or "utf-8", parsed, mentions, dates, fmt, url, lang, _not_judged_reason(lang))


def _format_of(path: str) -> str:
    low = path.lower()
    return "json" if low.endswith(JSON_SUFFIXES) else "html" if low.endswith(HTML_SUFFIXES) else "txt"


def _json_record(text: str, kind: str, field_map: dict[str, str] | None):
    """The article of one JSON Lines line, JSON array item or CSV row, or (reason, detail)."""
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return f"malformed JSON {'line' if kind == 'jsonl' else 'item'}", f"{exc}"[:500]
    if not isinstance(obj, dict):
        return "unsupported JSON: not an object", f"the {'line' if kind == 'jsonl' else 'item'} is a JSON {type(obj).__name__}"
    got = parse_json_object(obj, field_map)
    if isinstance(got, tuple) and kind == "csv":  # say it in the words of a CSV file
        return got[0].replace("JSON object has no text field", "the row has no text"), got[1]
    return got


def _parsed_from_claims(a, method: str, lang: str | None = None) -> text.ParsedText:
    """A crawler's JSON article or a page's extracted article as a parsed text. The claimed date goes
    through the same check as a text's date line (impossible or partial dates claim nothing; one written
    in the article's language, ``8 novembre 2016``, is read in that language); the body is
    the extracted main text without the boilerplate paragraphs extractors leave in ("Advertisement",
    "ALSO READ | ..."); the header rules of a text dump do not apply to it."""
    hit = text.parse_date_line(a.published, language=lang) if a.published else None
    claimed = hit.day if hit is not None else None
    conf = hit.confidence if hit is not None else "NONE"
    body, removals = text.clean_body(a.body)
    return text.ParsedText(
        title=a.title, dateline_text=a.published, published_claimed=claimed,
        published_claimed_at=hit.at if claimed else None,
        pubdate_method=method if conf != "NONE" else None, pubdate_confidence=conf,
        body=body, boilerplate=removals, byline=a.authors, publisher=a.publisher,
        publisher_evidence="metadata" if a.publisher else None,
    )


HTMLDATE = "html:htmldate"


@dataclass(frozen=True, slots=True)
class _Candidate:
    """Another date a page claims, beside htmldate's."""

    method: str
    text: str
    day: date
    at: datetime | None
    confidence: str


def _page_claim(a: HtmlArticle, lang: str | None) -> text.ParsedText:
    """A saved page's claimed date: htmldate's, unless it is contradicted and another date the page claims
    agrees with the content (a date line in the extracted text, a publication line the page prints outside
    it, the URL's day, the metadata's publication date, in that order); then that one, and
    ``pubdate_method`` names it and why htmldate's was not taken:
    ``html:url (htmldate 2019-06-17: contradicted by the text's dates)``.

    Contradicted means: the text's own date line gives another day (the page prints its date), or so does
    the date line the page prints outside the main text trafilatura keeps: an element it marks as a date
    (``<time>``, a class or id naming a date) between its headline and its main text, or one anywhere
    labelled as the publication (``<p class="date">Written: 2023-11-07 15:03:30</p>``); htmldate found its
    date only by searching the page's text (its metadata search found none) and the page claims another;
    or the sanity check finds the text's dates contradict it. htmldate's last resort, the copyright year
    as 1 January, claims a year, not a day. Agrees means the sanity check does not find the candidate
    contradicted (for an article the English rules cannot read: any candidate)."""
    parsed = _parsed_from_claims(a, HTMLDATE, lang)
    claimed = parsed.published_claimed
    if a.published_by_text_search and claimed is not None and (claimed.month, claimed.day) == (1, 1):
        parsed = dataclasses.replace(parsed, published_claimed=None, published_claimed_at=None,
                                     pubdate_confidence="PARTIAL", pubdate_method=f"{HTMLDATE} (a year only)")
        claimed = None
    candidates = [c for c in _page_candidates(a, lang) if c.day != claimed]
    if not candidates:  # nothing else to take: htmldate's date stands, and is judged with the others
        return parsed
    why = _contradiction(parsed, a, candidates, lang)
    if why is None:
        return parsed
    for c in candidates:
        if _agrees(parsed, c.day, lang):
            return dataclasses.replace(
                parsed, published_claimed=c.day, published_claimed_at=c.at, dateline_text=c.text,
                pubdate_confidence=c.confidence, pubdate_method=f"{c.method} (htmldate {claimed or a.published}: {why})")
    return parsed


def _page_candidates(a: HtmlArticle, lang: str | None) -> list[_Candidate]:
    """The other dates a page claims, each read as a date line is (in the article's language)."""
    other = None if language.english_rules_apply(lang) else lang
    found: list[_Candidate] = []
    in_text = text.parse_text(a.body, language=other)
    if in_text.published_claimed is not None:
        found.append(_Candidate("html:dateline", in_text.dateline_text or "", in_text.published_claimed,
                                in_text.published_claimed_at, in_text.pubdate_confidence))
    if (printed := _printed_line(a.header_dates, a.printed_dates, other)) is not None:
        found.append(printed)
    for method, raw in (("html:url", a.url_day), ("html:metadata", a.meta_published)):
        hit = text.parse_date_line(raw, language=other) if raw else None
        if hit is not None and hit.day is not None:
            found.append(_Candidate(method, raw, hit.day, hit.at, hit.confidence))
    return found


# A printed date line may hold the publication and the update: "Written: 2023-11-07 15:03:30 / Updated: ...".
_PRINTED_PARTS = re.compile(r"\s+/\s+")


def _printed_line(header: Sequence[str], printed: Sequence[str], lang: str | None) -> _Candidate | None:
    """The page's own printed date line: the first date line among the elements marked as dates under its
    headline, before its main text (``header``), unless labelled as an update; else the first publication
    line among all the texts it marks as dates (``printed``), labelled as the publication ("Published",
    "Posted", "Written" ...: elsewhere an unlabelled date in a date element may as well be today's date in
    the site's header, a related story's or a comment's). A whole day only."""
    for lines, labelled in ((header, False), (printed, True)):
        for line in lines:
            for part in (line, *_PRINTED_PARTS.split(line)) if " / " in line else (line,):
                hit = text.parse_date_line(part, language=lang)
                if hit is None or hit.day is None:
                    continue
                if hit.label == "published" or not (labelled or hit.label):  # never an "Updated:" line
                    return _Candidate("html:printed", part, hit.day, hit.at, hit.confidence)
    return None


def _contradiction(parsed: text.ParsedText, a: HtmlArticle, candidates: list[_Candidate],
                   lang: str | None) -> str | None:
    """Why htmldate's claimed date does not stand against ``candidates`` (the page's other days), or None."""
    claimed = parsed.published_claimed
    if claimed is None:
        return "a year, not a day" if parsed.pubdate_confidence == "PARTIAL" and a.published else None
    if any(c.method == "html:dateline" for c in candidates):
        return "the text's date line says otherwise"
    if any(c.method == "html:printed" for c in candidates):
        return "the page's printed date line says otherwise"
    if a.published_by_text_search:
        return "found only in the page's text"
    if not _agrees(parsed, claimed, lang):
        return "contradicted by the text's dates"
    return None


def _agrees(parsed: text.ParsedText, day: date, lang: str | None) -> bool:
    """Whether the sanity check, on this article alone, finds ``day`` not contradicted by its content."""
    if not language.english_rules_apply(lang):
        return True
    as_claimed = dataclasses.replace(parsed, published_claimed=day)
    dates = _dates_of("", as_claimed, timex.extract_mentions(parsed.body, day))
    return sanity.judge_article(dates).status != "inconsistent"


def _no_body(parsed: text.ParsedText) -> tuple[str, str | None]:
    """The reject reason and detail of a text whose body is empty."""
    if parsed.boilerplate:
        detail = ", ".join(sorted({r.rule for r in parsed.boilerplate}))
        return "empty after boilerplate removal", f"removed: {detail}"
    found = [x for x in (parsed.title and "title", parsed.dateline_text and "date line") if x]
    return "no body: header lines only, no article text", ", ".join(found) or None


@dataclass(slots=True)
class _Recorder:
    """Writes the records of one batch into ``out``, every row stamped with the run and one time."""

    out: Normalized
    run_id: str
    now: datetime
    sign_stories: bool = True
    signer: Signer = field(init=False)  # the batch's story signatures and keys (dateline.stories.signing)

    def __post_init__(self) -> None:
        self.signer = Signer(self.run_id)

    def reject(self, f: RawFile | RawRecord, reason: str, detail: str | None) -> None:
        self.out.hashes[f.sha256] = ""
        self.out.reject_reasons[f.sha256] = reason
        self.out.rejects.append(_reject(f, reason, detail, self.run_id, self.now))
        self.out.source_files.append(_ledger(f, "rejected", None, self.run_id, self.now))

    def unreadable(self, f: Unreadable) -> None:
        path = storable_path(f.path)
        self.out.rejects.append(Reject(source_path=path, content_sha256="", size_bytes=f.size, reason=f.reason,
                                       detail=f.detail or None, run_id=self.run_id, rejected_at=self.now))
        self.out.source_files.append(SourceFile(source_path=path, content_sha256="", size_bytes=f.size,
                                                outcome="rejected", article_id=None, run_id=self.run_id,
                                                seen_at=self.now, source_format=_format_guess(f.path)))

    def met_before(self, f: RawFile | RawRecord) -> None:
        """Content already handled: a duplicate of its article, or rejected again for the same reason."""
        aid = self.out.hashes[f.sha256]
        if aid:
            self.out.source_files.append(_ledger(f, "duplicate", aid, self.run_id, self.now))
        else:  # a copy of rejected content is rejected for the same reason, and says so
            self.out.rejects.append(_reject(f, self.out.reject_reasons.get(f.sha256, "rejected"),
                                            "same bytes as a file rejected earlier", self.run_id, self.now))
            self.out.source_files.append(_ledger(f, "rejected", None, self.run_id, self.now))

    def loaded(self, p: _Parsed, verdict: sanity.DateVerdict) -> None:
        aid = article_id_for(p.file.sha256)
        self.out.articles.append(_article(p, aid, verdict, self.run_id, self.now))
        self.out.date_mentions.extend(
            DateMention(
                article_id=aid, mention_index=i, start_char=m.start, end_char=m.end, text=m.text,
                timex_type=m.type, value=m.value, kind=m.kind, granularity=m.granularity, tense=m.tense,
                explicit_year=m.explicit_year, earliest=m.earliest, latest=m.latest, run_id=self.run_id,
            )
            for i, m in enumerate(p.mentions)
        )
        self.out.date_evidence.extend(evidence_rows(aid, verdict, len(p.dates.text) - len(p.parsed.body), self.run_id))
        if p.parsed.dateline_text and p.parsed.pubdate_confidence == "NONE":
            # The date line is kept as text; the row says why it is no date (the suite warns on it).
            self.out.date_evidence.append(DateEvidence(
                article_id=aid, kind="malformed_date_line", evidence_index=0, start_char=None, end_char=None,
                text=p.parsed.dateline_text, earliest=None, latest=None, weight=0.0,
                detail=text.why_not_a_date(p.parsed.dateline_text), run_id=self.run_id))
        self.out.source_files.append(_ledger(p.file, "loaded", aid, self.run_id, self.now))
        if self.sign_stories:  # the stories stage's signature and keys, made where the text is
            self.signer.sign(aid, p.parsed.title, p.parsed.body)


def _article(p: _Parsed, aid: str, verdict: sanity.DateVerdict, run_id: str, now: datetime) -> Article:
    f, t = p.file, p.parsed
    return Article(
        article_id=aid,
        source_path=storable_path(f.path),
        content_sha256=f.sha256,
        size_bytes=f.size,
        encoding=p.encoding,
        title=t.title,
        publisher=t.publisher,
        publisher_evidence=t.publisher_evidence,
        byline=t.byline,
        dateline_text=t.dateline_text,
        published_claimed=t.published_claimed,
        published_claimed_at=t.published_claimed_at,
        pubdate_method=t.pubdate_method,
        pubdate_confidence=t.pubdate_confidence,
        published_inferred_min=verdict.inferred_min,
        published_inferred_max=verdict.inferred_max,
        date_status=verdict.status,
        date_score=verdict.score,
        date_evidence=p.not_judged or verdict.evidence_text(),
        body=t.body,
        boilerplate=[BoilerplateRemoval(rule=r.rule, text=r.text) for r in t.boilerplate],
        word_count=len(t.body.split()),
        quality_status="passed",  # decided by validation; see tasks/validate.py
        run_id=run_id,
        loaded_at=now,
        url=p.url,
        source_format=p.source_format,
        language=p.language,
        record_key=f.record_key,
    )


def evidence_rows(article_id: str, verdict: sanity.DateVerdict, body_offset: int, run_id: str) -> list[DateEvidence]:
    """The ``date_evidence`` rows of a verdict: every piece of evidence the dating stage read, numbered per
    kind. ``body_offset`` is where the body starts in the text the verdict's offsets point into (after the
    title): a title mention keeps its text but has no body offsets, and says so."""
    # The two bounds one mention gives ("next month": from the 1st to the last of the month) are one row.
    merged: dict[tuple, list] = {}
    for e in verdict.considered:
        lo_hi = merged.setdefault((e.kind, e.start, e.end, e.mention, e.reason), [e, None, None])
        lo_hi[1 if e.bound == "min" else 2] = e.day
    rows, per_kind = [], {}
    for e, earliest, latest in merged.values():
        index = per_kind[e.kind] = per_kind.get(e.kind, -1) + 1
        in_body = e.start is not None and e.start >= body_offset
        rows.append(DateEvidence(
            article_id=article_id, kind=e.kind, evidence_index=index,
            start_char=e.start - body_offset if in_body else None, end_char=e.end - body_offset if in_body else None,
            text=e.mention or None, earliest=earliest, latest=latest, weight=sanity.evidence_weight(e, verdict),
            detail=e.reason + ("" if in_body or e.start is None else " (in the title)"), run_id=run_id))
    return rows


def _judge(dates: list[sanity.ArticleDates]) -> list:
    """Sanity verdicts for the batch; if the batch call fails, judge one by one and return the errors
    of the articles that fail in their place (they become ``internal error`` rejects)."""
    try:
        return sanity.judge_batch(dates)
    except Exception:
        verdicts: list = []
        for d in dates:
            try:
                verdicts.extend(sanity.judge_batch([d]))
            except Exception as exc:
                verdicts.append(exc)
        return verdicts


# A body mention moved past the title is rebuilt from its own fields, start and end shifted: cheaper
# than dataclasses.replace, which looks the fields up again on every call (every body mention of every
# titled article goes through here). Checked once, here, that start and end lead the positional fields.
_MENTION_FIELDS = dataclasses.fields(timex.Mention)
if ([f.name for f in _MENTION_FIELDS[:2]] != ["start", "end"]
        or not all(f.init and not f.kw_only for f in _MENTION_FIELDS)):
    raise RuntimeError("timex.Mention no longer starts with start, end (positional): update normalize._dates_of")
_MENTION_REST = operator.attrgetter(*[f.name for f in _MENTION_FIELDS[2:]])


def _dates_of(article_id: str, parsed: text.ParsedText, body_mentions: list[timex.Mention]) -> sanity.ArticleDates:
    """The sanity check reads the title too: headlines say "next month" as often as ledes do; and the
    datelines of the title and the body's head, unless one of them gave the claimed date itself."""
    k = len(parsed.title) + 2 if parsed.title else 0
    datelines = []
    if parsed.title and (dl := text.title_dateline_day(parsed.title)):
        datelines.append(("title", dl))
    if (dl := text.body_dateline_day(parsed.body)) and dl.text != parsed.dateline_text:
        datelines.append(("body", dataclasses.replace(dl, start=dl.start + k, end=dl.end + k)))
    if not parsed.title:
        return sanity.ArticleDates(article_id, parsed.published_claimed, body_mentions, parsed.body, datelines)
    head = parsed.title + "\n\n"
    title_mentions = timex.extract_mentions(parsed.title, parsed.published_claimed)
    mention = timex.Mention
    shifted = [mention(m.start + k, m.end + k, *_MENTION_REST(m)) for m in body_mentions]
    return sanity.ArticleDates(article_id, parsed.published_claimed, title_mentions + shifted, head + parsed.body,
                               datelines)


def _format_guess(path: str) -> str | None:
    """The format a file's name says, for files that could not be read."""
    from dateline.sources.records import _suffix_format  # noqa: PLC0415

    fmt, gz = _suffix_format(path)
    return None if fmt is None else f"{fmt}.gz" if gz else fmt


def _ledger(f: RawFile | RawRecord, outcome: str, article_id: str | None, run_id: str, now: datetime) -> SourceFile:
    return SourceFile(source_path=storable_path(f.path), content_sha256=f.sha256, size_bytes=f.file_size,
                      outcome=outcome, article_id=article_id, run_id=run_id, seen_at=now, mtime_ns=f.mtime_ns,
                      record_key=f.record_key, source_format=f.fmt or _format_of(f.path))


def _reject(f: RawFile | RawRecord, reason: str, detail: str | None, run_id: str, now: datetime) -> Reject:
    return Reject(source_path=storable_path(f.path), content_sha256=f.sha256, size_bytes=f.size, reason=reason,
                  detail=detail, run_id=run_id, rejected_at=now, record_key=f.record_key)
