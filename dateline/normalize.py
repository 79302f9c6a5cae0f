"""What is computed: raw files -> typed article, mention, source-file and reject records.

Pure functions that know nothing of Prefect or DuckDB. ``tasks/normalize.py`` wraps them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from dateline import sanity, text, timex
from dateline.sources import RawFile, Unreadable, decode_bytes
from schemas import Article, BoilerplateRemoval, DateMention, Reject, SourceFile


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
    source_files: list[SourceFile] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # content hashes met here -> article id ("" if rejected)


def normalize_files(
    files: Sequence[RawFile | Unreadable], run_id: str, *, seen: dict[str, str] | None = None
) -> Normalized:
    """Turn a batch of read files into records.

    ``seen`` maps content hashes met earlier in this run to their article id, so a file identical to
    one already handled becomes a ``duplicate`` ledger row, not a second article. It is not modified:
    the hashes this batch met come back in ``Normalized.hashes``.
    """
    out = Normalized()
    seen = out.hashes = dict(seen or {})
    now = utcnow()
    pending: list[tuple[RawFile, str, text.ParsedText, list[timex.Mention]]] = []
    for f in files:
        if isinstance(f, Unreadable):
            out.rejects.append(Reject(source_path=f.path, content_sha256="", size_bytes=None, reason=f.reason,
                                      detail=f.detail or None, run_id=run_id, rejected_at=now))
            continue
        if f.sha256 in seen:
            out.source_files.append(_ledger(f, "duplicate" if seen[f.sha256] else "rejected", seen[f.sha256] or None, run_id, now))
            continue
        decoded = decode_bytes(f.data)
        if decoded.text is None:
            seen[f.sha256] = ""
            out.rejects.append(_reject(f, decoded.reject_reason or "not text", decoded.detail, run_id, now))
            out.source_files.append(_ledger(f, "rejected", None, run_id, now))
            continue
        parsed = text.parse_text(decoded.text)
        if not parsed.body.strip():
            seen[f.sha256] = ""
            detail = ", ".join(sorted({r.rule for r in parsed.boilerplate})) or None
            out.rejects.append(_reject(f, "empty after boilerplate removal", detail, run_id, now))
            out.source_files.append(_ledger(f, "rejected", None, run_id, now))
            continue
        seen[f.sha256] = article_id_for(f.sha256)
        mentions = timex.extract_mentions(parsed.body, parsed.published_claimed)
        pending.append((f, decoded.encoding or "utf-8", parsed, mentions))

    verdicts = sanity.judge_batch([_dates_of(article_id_for(f.sha256), p, ms) for f, _, p, ms in pending])
    for (f, encoding, p, mentions), verdict in zip(pending, verdicts, strict=True):
        aid = article_id_for(f.sha256)
        out.articles.append(
            Article(
                article_id=aid,
                source_path=f.path,
                content_sha256=f.sha256,
                size_bytes=f.size,
                encoding=encoding,
                title=p.title,
                publisher=p.publisher,
                publisher_evidence=p.publisher_evidence,
                byline=p.byline,
                dateline_text=p.dateline_text,
                published_claimed=p.published_claimed,
                published_claimed_at=p.published_claimed_at,
                pubdate_method=p.pubdate_method,
                pubdate_confidence=p.pubdate_confidence,
                published_inferred_min=verdict.inferred_min,
                published_inferred_max=verdict.inferred_max,
                date_status=verdict.status,
                date_score=verdict.score,
                date_evidence=verdict.evidence_text(),
                body=p.body,
                boilerplate=[BoilerplateRemoval(rule=r.rule, text=r.text) for r in p.boilerplate],
                word_count=len(p.body.split()),
                quality_status="passed",  # decided by validation; see tasks/validate.py
                run_id=run_id,
                loaded_at=now,
            )
        )
        out.date_mentions.extend(
            DateMention(
                article_id=aid, mention_index=i, start_char=m.start, end_char=m.end, text=m.text,
                timex_type=m.type, value=m.value, kind=m.kind, granularity=m.granularity, tense=m.tense,
                explicit_year=m.explicit_year, earliest=m.earliest, latest=m.latest, run_id=run_id,
            )
            for i, m in enumerate(mentions)
        )
        out.source_files.append(_ledger(f, "loaded", aid, run_id, now))
    return out


def _dates_of(article_id: str, parsed: text.ParsedText, body_mentions: list[timex.Mention]) -> sanity.ArticleDates:
    """The sanity check reads the title too: headlines say "next month" as often as ledes do."""
    if not parsed.title:
        return sanity.ArticleDates(article_id, parsed.published_claimed, body_mentions, parsed.body)
    head = parsed.title + "\n\n"
    title_mentions = timex.extract_mentions(parsed.title, parsed.published_claimed)
    shifted = [dataclasses.replace(m, start=m.start + len(head), end=m.end + len(head)) for m in body_mentions]
    return sanity.ArticleDates(article_id, parsed.published_claimed, title_mentions + shifted, head + parsed.body)


def _ledger(f: RawFile, outcome: str, article_id: str | None, run_id: str, now: datetime) -> SourceFile:
    return SourceFile(source_path=f.path, content_sha256=f.sha256, size_bytes=f.size, outcome=outcome,
                      article_id=article_id, run_id=run_id, seen_at=now)


def _reject(f: RawFile, reason: str, detail: str | None, run_id: str, now: datetime) -> Reject:
    return Reject(source_path=f.path, content_sha256=f.sha256, size_bytes=f.size, reason=reason,
                  detail=detail, run_id=run_id, rejected_at=now)
