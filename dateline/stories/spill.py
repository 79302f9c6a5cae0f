"""What the stage in parts keeps in unnamed scratch files rather than in the process, where it would
grow the stage's peak with the corpus:

- ``SpilledRows``: every article's static vector (~400 bytes an article), written as the terms are weighed
  and read back for the rows a tile of pairs needs (``SpilledRows.row_dots``); a row pointer an article
  (8 bytes) stays in the process.
- ``SpilledTables``: the rows each batch of groups gives (a ``story_members`` row for every touched
  article, and its story's and copies' rows), written as each batch is done and streamed into DuckDB by
  ``store.replace_affected``.

The files are made in the temp directory (``TMPDIR``) and deleted from it as they are made
(``tempfile.TemporaryFile``): a killed run leaves nothing behind. They are read into memory the process
owns, not mapped, so the pages the kernel caches for them are its page cache, which it can drop, not the
process's memory.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pyarrow as pa

from schemas import DateEvidence, NearDuplicate, Story, StoryMember
from schemas.ddl import arrow_schema, to_arrow


class SpilledRows:
    """A CSR matrix written a part at a time (``append``: rows in order, columns already numbered across
    the parts, each row's columns ascending), then read back a range of rows at a time (``rows``)."""

    def __init__(self, block: int) -> None:
        self.block = block  # pairs whose rows ``row_dots`` gathers at once (``clusters.PAIR_BLOCK``)
        self._data = tempfile.TemporaryFile(prefix="dateline-stories-")
        self._indices = tempfile.TemporaryFile(prefix="dateline-stories-")
        self._pointers = [np.zeros(1, np.int64)]  # each part's row ends, while it is written
        self.indptr = self._pointers[0]
        self.width = 1

    def append(self, x) -> None:
        """Write the rows of ``x`` (scipy CSR, float32 values, sorted column numbers) after the others."""
        self._data.write(np.ascontiguousarray(x.data, np.float32).data)
        self._indices.write(np.ascontiguousarray(x.indices, np.int32).data)
        self._pointers.append(x.indptr[1:].astype(np.int64) + self._pointers[-1][-1])
        self.width = max(self.width, x.shape[1])

    def finish(self) -> SpilledRows:
        """Done writing: the row pointers as one array, the files flushed for ``rows`` to read."""
        self._data.flush(), self._indices.flush()
        self.indptr = np.concatenate(self._pointers)
        self._pointers = []
        return self

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def rows(self, *ranges: tuple[int, int]):
        """The rows of the ``(start, stop)`` ranges (stop exclusive), one after the other, as a CSR matrix of
        their own, ``width`` columns wide: read straight into its arrays (no copy to stack them)."""
        from scipy import sparse

        spans = [(int(self.indptr[a]), int(self.indptr[b])) for a, b in ranges]
        total = sum(hi - lo for lo, hi in spans)
        data, indices = np.empty(total, np.float32), np.empty(total, np.int32)
        at = 0
        for lo, hi in spans:
            for out, file in ((data, self._data), (indices, self._indices)):
                part = out[at:at + hi - lo]
                if len(part) and os.preadv(file.fileno(), [part], lo * 4) != part.nbytes:
                    raise OSError(f"short read of the stories' scratch file {file.name}")
            at += hi - lo
        starts = np.cumsum([0] + [hi - lo for lo, hi in spans])
        indptr = np.concatenate([[0]] + [self.indptr[a + 1:b + 1] - lo + s
                                         for (a, b), (lo, _), s in zip(ranges, spans, starts.tolist())])
        x = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, self.width))
        x.has_sorted_indices = True  # as written (``append``): scipy would otherwise check, or sort again
        return x

    def row_dots(self, p: np.ndarray) -> np.ndarray:
        """The dot product of rows i and j for each (i, j) row of ``p``, reading only the rows from the
        least to the greatest i and from the least to the greatest j (one range where they meet): the
        caller gives the pairs of a tile (``clusters.tiles``), checked ``block`` at a time. The products
        and their sums are those of the whole matrix's rows (the same values, columns and order), so they
        are the same to the last bit."""
        from dateline.stories.clusters import _row_dots

        if not len(p):
            return np.zeros(0)
        i_lo, i_hi = int(p[:, 0].min()), int(p[:, 0].max()) + 1
        j_lo, j_hi = int(p[:, 1].min()), int(p[:, 1].max()) + 1
        if j_lo <= i_hi and i_lo <= j_hi:  # the ranges meet: one read covers both
            lo = min(i_lo, j_lo)
            x, local = self.rows((lo, max(i_hi, j_hi))), p - lo
        else:
            x = self.rows((i_lo, i_hi), (j_lo, j_hi))
            local = np.stack([p[:, 0] - i_lo, p[:, 1] - j_lo + (i_hi - i_lo)], axis=1)
        return np.concatenate([_row_dots(x, local[start:start + self.block]) for start in range(0, len(p), self.block)])

    def close(self) -> None:
        self._data.close(), self._indices.close()

    def __enter__(self) -> SpilledRows:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SpilledTable:
    """One table's rows, written a batch at a time to a scratch file as an Arrow stream (``write``), then
    read back as a stream as many times as asked (``reader``: a lake's transaction may run again)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self._file = tempfile.TemporaryFile(prefix="dateline-stories-")
        self._writer = pa.ipc.new_stream(self._file, schema)
        self.num_rows = 0

    def write(self, rows: pa.Table) -> None:
        self._writer.write_table(rows)
        self.num_rows += rows.num_rows

    def reader(self) -> pa.RecordBatchReader:
        """The rows written, in order, as a stream from the file's start (writing is over)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._file.seek(0)
        return pa.ipc.open_stream(self._file)

    def close(self) -> None:
        self._file.close()


class SpilledTables:
    """``build.StoryTables`` of batches of whole stories (``add``), kept in scratch files: the rows of
    ``near_duplicates``, ``members``, ``stories`` and the story ``evidence`` as ``SpilledTable``s in their
    models' schemas, the counts added up (each counts stories or copies, which lie within one batch)."""

    MODELS = {"near_duplicates": NearDuplicate, "members": StoryMember, "stories": Story, "evidence": DateEvidence}

    def __init__(self) -> None:
        for name, model in self.MODELS.items():
            setattr(self, name, SpilledTable(arrow_schema(model)))
        self.counts: dict[str, int] = {}

    def add(self, part) -> None:
        """Write one batch's tables (``part``: ``build.StoryTables``; its evidence, a list of rows, as Arrow)."""
        for name in self.MODELS:
            rows = getattr(part, name)
            getattr(self, name).write(to_arrow(DateEvidence, rows) if name == "evidence" else rows)
        for name, count in part.counts.items():
            self.counts[name] = self.counts.get(name, 0) + count

    def close(self) -> None:
        for name in self.MODELS:
            getattr(self, name).close()

    def __enter__(self) -> SpilledTables:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
