"""Duplicates across batches parsed at the same time.

Batches are parsed in parallel (a process pool or a Dask cluster), so two batches in flight can both
carry the same bytes under different paths, each without knowing of the other. Batches are loaded one
at a time, in order: the first one loaded keeps the article, and ``drop_seen`` turns the later copy into
what ``normalize_files`` would have made of it had it known: a ``duplicate`` of the article, or a reject
with the first copy's reason. Pure functions; the load task calls them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas import Batch, Reject, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

class ContentIndex:
    """Content met so far, by SHA-256: the article it became ("" when it was rejected), and the reasons
    of the rejected ones.

    Deliberately not a dict or a dataclass: Prefect walks task parameters of those kinds entry by entry,
    and a run's index grows to one entry per file; it passes other objects whole.
    """

    __slots__ = ("articles", "reasons")

    def __init__(self, articles: dict[str, str] | None = None, reasons: dict[str, str] | None = None) -> None:
        self.articles = articles if articles is not None else {}
        self.reasons = reasons if reasons is not None else {}

    def update(self, other: "ContentIndex") -> None:
        self.articles.update(other.articles)
        self.reasons.update(other.reasons)

    def __len__(self) -> int:
        return len(self.articles)

    def __repr__(self) -> str:
        return f"ContentIndex({len(self.articles)} contents, {len(self.reasons)} rejected)"


#: The detail of a reject that repeats an earlier file's bytes (normalize_files says the same).
SAME_BYTES_REJECTED = "same bytes as a file rejected earlier"


def drop_seen(batch: Batch, met: ContentIndex) -> Batch:
    """The batch without articles whose content ``met`` already holds (loaded by an earlier batch of the
    run as an article, or rejected, with the reason).

    Each such file keeps its one ``source_files`` row, now ``duplicate`` (pointing at the earlier article)
    or ``rejected`` (with a ``rejects`` row), and its article, mention and quality rows go. Article ids
    are content-addressed, so the rows to drop are exactly those with the dropped article's id.
    """
    seen, reasons = met.articles, met.reasons
    hashes = batch.source_files["content_sha256"].to_pylist()
    if not any(h in seen for h in hashes if h):  # the usual case: nothing in flight repeated this batch
        return batch
    dropped: set[str] = set()
    repeats: set[tuple[str, str]] = set()  # rejected here and earlier: say it is a repeat, as normalize does
    source_files = []
    rejects = [Reject.model_validate(r) for r in batch.rejects.to_pylist()]
    for row in (SourceFile.model_validate(r) for r in batch.source_files.to_pylist()):
        earlier = seen.get(row.content_sha256) if row.content_sha256 else None
        if row.outcome == "rejected" and earlier == "":
            repeats.add((row.source_path, row.content_sha256, row.record_key))
        if row.outcome != "loaded" or earlier is None:
            source_files.append(row)
            continue
        dropped.add(row.article_id)
        if earlier:
            source_files.append(row.model_copy(update={"outcome": "duplicate", "article_id": earlier}))
        else:
            source_files.append(row.model_copy(update={"outcome": "rejected", "article_id": None}))
            rejects.append(Reject(source_path=row.source_path, content_sha256=row.content_sha256,
                                  size_bytes=row.size_bytes, reason=reasons.get(row.content_sha256, "rejected"),
                                  detail=SAME_BYTES_REJECTED, run_id=row.run_id, rejected_at=row.seen_at,
                                  record_key=row.record_key))
    if repeats:
        rejects = [r.model_copy(update={"reason": reasons.get(r.content_sha256, r.reason), "detail": SAME_BYTES_REJECTED})
                   if (r.source_path, r.content_sha256, r.record_key) in repeats else r for r in rejects]
    return Batch(
        source_files=source_files,
        articles=_without_articles(batch.articles, dropped),
        date_mentions=_without_articles(batch.date_mentions, dropped),
        date_evidence=_without_articles(batch.date_evidence, dropped),
        quality_results=_without_articles(batch.quality_results, dropped),
        story_signatures=_without_articles(batch.story_signatures, dropped),
        rejects=rejects,
    )


def contents_of(batch: Batch) -> ContentIndex:
    """What the batch tells later batches: the content it carried and what became of it. Unreadable files
    (no hash) tell nothing."""
    ledger = batch.source_files
    hashes = {h: a or "" for h, a in zip(ledger["content_sha256"].to_pylist(), ledger["article_id"].to_pylist()) if h}
    reasons = {h: r for h, r in zip(batch.rejects["content_sha256"].to_pylist(), batch.rejects["reason"].to_pylist())
               if h}
    return ContentIndex(hashes, reasons)


def _without_articles(table: "pa.Table", article_ids: set[str]) -> "pa.Table":
    import pyarrow as pa
    import pyarrow.compute as pc

    if not table.num_rows or not article_ids:
        return table
    return table.filter(pc.invert(pc.is_in(table["article_id"], value_set=pa.array(sorted(article_ids), pa.string()))))
