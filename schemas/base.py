"""The base class every table model derives from: it carries the table name and its primary key."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class TableModel(BaseModel):
    """A row of one DuckDB table. Subclasses set ``table`` and ``primary_key``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: ClassVar[str]
    primary_key: ClassVar[tuple[str, ...]]
    # False for an article's detail rows (its date mentions, its quality results): they are written only in
    # the transaction that inserts their article (``store.load_batch``), so `primary_key` stays unique
    # without a DuckDB PRIMARY KEY. Such an index is an ART that DuckDB rewrites whole at every checkpoint:
    # on the two biggest tables (17 rows per article), from 20k to 100k articles loaded, the quality_results
    # insert went 34 -> 102 ms and the commit 61 -> 116 ms per 500-article batch. The key stays declared,
    # and tests check it.
    key_indexed: ClassVar[bool] = True
