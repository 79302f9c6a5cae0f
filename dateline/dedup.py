"""Duplicates across batches parsed at the same time.

Batches are parsed in parallel (a process pool or a Dask cluster), so two batches in flight can both
carry the same bytes under different paths, each without knowing of the other. Batches are loaded one
at a time, in order: the first one loaded keeps the article, and ``drop_seen`` turns the later copy into
what ``normalize_files`` would have made of it had it known: a ``duplicate`` of the article, or a reject
with the first copy's reason. Pure functions; the load task calls them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from dateline.store import Batch
from schemas import Reject

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

#: The detail of a reject that repeats an earlier file's bytes (normalize_files says the same).
SAME_BYTES_REJECTED = "same bytes as a file rejected earlier"


def drop_seen(batch: Batch, seen: Mapping[str, str], reasons: Mapping[str, str]) -> Batch:
    """The batch without articles whose content ``seen`` already holds (content hash -> article id, or
    "" for content that was rejected; ``reasons`` gives those rejects' reasons).

    Each such file keeps its one ``source_files`` row, now ``duplicate`` (pointing at the earlier article)
    or ``rejected`` (with a ``rejects`` row), and its article, mention and quality rows go. Article ids
    are content-addressed, so the rows to drop are exactly those with the dropped article's id.
    """
    dropped: set[str] = set()
    repeats: set[tuple[str, str]] = set()  # rejected here and earlier: say it is a repeat, as normalize does
    source_files, rejects = [], list(batch.rejects)
    for row in batch.source_files:
        earlier = seen.get(row.content_sha256) if row.content_sha256 else None
        if row.outcome == "rejected" and earlier == "":
            repeats.add((row.source_path, row.content_sha256))
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
                                  detail=SAME_BYTES_REJECTED, run_id=row.run_id, rejected_at=row.seen_at))
    if repeats:
        rejects = [r.model_copy(update={"reason": reasons.get(r.content_sha256, r.reason), "detail": SAME_BYTES_REJECTED})
                   if (r.source_path, r.content_sha256) in repeats else r for r in rejects]
    if not dropped and not repeats:
        return batch
    return dataclasses.replace(
        batch,
        source_files=source_files,
        articles=[a for a in batch.articles if a.article_id not in dropped],
        date_mentions=[m for m in batch.date_mentions if m.article_id not in dropped],
        quality_results=_without_articles(batch.quality_results, dropped),
        rejects=rejects,
    )


def contents_of(batch: Batch) -> tuple[dict[str, str], dict[str, str]]:
    """What the batch tells later batches: content hash -> article id ("" if rejected), and the
    rejected hashes' reasons. Unreadable files (no hash) tell nothing."""
    hashes = {r.content_sha256: r.article_id or "" for r in batch.source_files if r.content_sha256}
    reasons = {r.content_sha256: r.reason for r in batch.rejects if r.content_sha256}
    return hashes, reasons


def _without_articles(table: "pa.Table", article_ids: set[str]) -> "pa.Table":
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(table):
        return table
    return table.filter(pc.invert(pc.is_in(table["article_id"], value_set=pa.array(sorted(article_ids), pa.string()))))
