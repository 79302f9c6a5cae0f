"""An article's signature and keys, as the rows ``story_signatures`` and ``story_keys`` keep of it.

Computed where the text already is: by the parse workers as they normalize a batch (so the stories stage
never re-reads a body and the work is spread over the workers), and by the stage itself for articles
that have none (a ``--rebuild``, or a database loaded before signatures were made at parse time).
Pure functions; nothing here knows about DuckDB or Prefect.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from dateline.stories.clusters import Item, article_keys
from dateline.stories.features import features
from schemas import StoryKey, StorySignature
from schemas.ddl import arrow_schema


def sign(article_id: str, title: str | None, body: str | None, run_id: str) -> tuple[StorySignature, list[str]]:
    """The article's ``story_signatures`` row and the keys it is found by (``clusters.article_keys``)."""
    f = features(title, body or "")
    keys = article_keys(Item(article_id, None, f.signature, f.n_shingles, f.terms))
    return StorySignature(article_id=article_id, minhash=f.signature.tolist(), n_shingles=f.n_shingles,
                          terms=list(f.terms), run_id=run_id), keys


def key_rows(signed: Sequence[tuple[str, Sequence[str]]], run_id: str) -> pa.Table:
    """``story_keys`` rows of (article_id, keys) pairs. About 60 keys an article: built as Arrow columns,
    not one pydantic model each (310,000 models at 5,000 articles took ~0.4 GB and a second)."""
    article_ids = [a for a, keys in signed for _ in keys]
    return pa.Table.from_pydict({"article_id": article_ids, "key": [k for _, keys in signed for k in keys],
                                 "run_id": [run_id] * len(article_ids)}, schema=arrow_schema(StoryKey))
