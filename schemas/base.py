"""The base class every table model derives from: it carries the table name and its primary key."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class TableModel(BaseModel):
    """A row of one DuckDB table. Subclasses set ``table`` and ``primary_key``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: ClassVar[str]
    primary_key: ClassVar[tuple[str, ...]]
