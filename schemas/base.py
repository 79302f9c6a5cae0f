"""The base class every table model derives from: it carries the table name and its primary key."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class TableModel(BaseModel):
    """A row of one DuckDB table. Subclasses set ``table`` and ``primary_key``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: ClassVar[str]
    primary_key: ClassVar[tuple[str, ...]]
    # False for an article's detail rows (its date mentions, its quality results): they are written only in
    # the transaction that inserts their article (``dateline.store.loads``), so `primary_key` stays unique
    # without a DuckDB index, which DuckDB would rewrite whole at every checkpoint (docs/performance.md).
    # The key stays declared, and tests check it.
    key_indexed: ClassVar[bool] = True
