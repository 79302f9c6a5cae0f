"""An article's signature, band hashes, key terms, numbers and opening organisations, as the row
``story_signatures`` keeps of it.

Computed where the text already is: by the parse workers as they normalize a batch (so the stories stage
never re-reads a body and the work is spread over the workers), and by the stage itself for articles
that have none (a ``--rebuild``, a database loaded before signatures were made at parse time, or one
signed before numbers or organisations were kept).
Pure functions; nothing here knows about DuckDB or Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dateline.stories.clusters import band_hashes, key_terms
from dateline.stories.features import N_PERM, features
from schemas import StorySignature
from schemas.ddl import arrow_schema


@dataclass
class Signer:
    """Collects the signatures of a batch's articles and gives them as the table's Arrow rows.

    Built column by column, not as one pydantic model per article: a signature's 128 values and its 32
    band hashes as numpy rows instead of Python ints (key rows as models, 310,000 at 5,000 articles, took
    ~0.4 GB and a second)."""

    run_id: str
    article_ids: list[str] = field(default_factory=list)
    signatures: list[np.ndarray] = field(default_factory=list)
    n_shingles: list[int] = field(default_factory=list)
    terms: list[tuple[str, ...]] = field(default_factory=list)
    keys: list[tuple[str, ...]] = field(default_factory=list)  # key terms, sorted
    numbers: list[tuple[str, ...]] = field(default_factory=list)
    orgs: list[tuple[str, ...]] = field(default_factory=list)

    def sign(self, article_id: str, title: str | None, body: str | None) -> None:
        f = features(title, body or "")
        self.article_ids.append(article_id), self.signatures.append(f.signature)
        self.n_shingles.append(f.n_shingles), self.terms.append(f.terms), self.keys.append(tuple(sorted(key_terms(f.terms))))
        self.numbers.append(f.numbers), self.orgs.append(f.orgs)

    def signature_rows(self) -> pa.Table:
        """``story_signatures`` rows of the articles signed."""
        n = len(self.article_ids)
        signatures = np.stack(self.signatures) if n else np.zeros((0, N_PERM), np.uint32)
        return pa.Table.from_arrays(
            [pa.array(self.article_ids, pa.string()), signature_blobs(signatures),
             pa.array(self.n_shingles, pa.int64()), pa.array([stored_terms(t) for t in self.terms], pa.string()),
             pa.array([self.run_id] * n, pa.string()), int_lists(band_hashes(signatures).view(np.int64)),
             pa.array([stored_terms(k) for k in self.keys], pa.string()),
             pa.array([" ".join(k) for k in self.numbers], pa.string()),  # '' none (NULL: signed before)
             pa.array([" ".join(o) for o in self.orgs], pa.string())],  # the same
            schema=arrow_schema(StorySignature))


def stored_terms(terms: tuple[str, ...]) -> str | None:
    """Story or key terms as ``story_signatures.terms`` and ``.keys`` keep them: joined by spaces (a term
    has none), None for none."""
    return " ".join(terms) or None


def stored_term_lists(terms: "pa.ChunkedArray | pa.Array") -> pa.ListArray:
    """``story_signatures.terms`` strings back as lists of terms (a NULL: a null list, no terms)."""
    return pc.split_pattern(terms.combine_chunks() if isinstance(terms, pa.ChunkedArray) else terms, " ")


def stored_number_lists(numbers: "pa.ChunkedArray | pa.Array") -> pa.ListArray:
    """``story_signatures.numbers`` strings back as lists of numbers ('' none; NULL, signed before numbers
    were kept, none too: the stage re-signs such a database before it clusters)."""
    numbers = numbers.combine_chunks() if isinstance(numbers, pa.ChunkedArray) else numbers
    return pc.split_pattern(pc.if_else(pc.equal(numbers, ""), pa.scalar(None, pa.string()), numbers), " ")


def int_lists(rows: np.ndarray) -> pa.ListArray:
    """An (n, k) int64 array as n Arrow lists of k values, without a Python int each."""
    n, k = rows.shape
    return pa.ListArray.from_arrays(pa.array(np.arange(n + 1, dtype=np.int32) * k), pa.array(rows.ravel(), pa.int64()))


def signature_blobs(signatures: np.ndarray) -> pa.BinaryArray:
    """An (n, N_PERM) block of signatures as ``story_signatures.minhash`` keeps them: one little-endian
    BLOB an article, straight from the block's bytes."""
    block = np.ascontiguousarray(signatures, dtype="<u4")
    n, width = len(block), N_PERM * 4
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.Array.from_buffers(pa.binary(), n, [None, offsets, pa.py_buffer(block.tobytes())])


def signatures_of_blobs(minhash: "pa.ChunkedArray | pa.BinaryArray") -> np.ndarray:
    """``story_signatures.minhash`` as read back (a BLOB column, in Arrow) as an (n, N_PERM) uint32 block:
    each chunk's bytes viewed in place, no Python value an article."""
    width = N_PERM * 4
    blocks = []
    for chunk in minhash.chunks if isinstance(minhash, pa.ChunkedArray) else [minhash]:
        n = len(chunk)
        if not n:
            continue
        if chunk.null_count or pc.min_max(pc.binary_length(chunk)).as_py() != {"min": width, "max": width}:
            raise ValueError(f"story_signatures.minhash: every signature must be {width} bytes")
        offsets = np.frombuffer(chunk.buffers()[1], np.int32)[chunk.offset:chunk.offset + n + 1]
        blocks.append(np.frombuffer(chunk.buffers()[2], np.uint8)[offsets[0]:offsets[-1]].view("<u4").reshape(n, N_PERM))
    return np.concatenate(blocks).astype(np.uint32, copy=False) if blocks else np.zeros((0, N_PERM), np.uint32)
