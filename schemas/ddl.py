"""Derive DuckDB DDL and Arrow schemas from the table models, so each table is declared once."""

import functools
import types
import typing
from datetime import date, datetime
from typing import Any, Literal, Union

import pyarrow as pa
from pydantic import BaseModel

from schemas.base import TableModel

_SCALARS: dict[type, tuple[str, pa.DataType]] = {
    str: ("VARCHAR", pa.string()),
    int: ("BIGINT", pa.int64()),
    float: ("DOUBLE", pa.float64()),
    bool: ("BOOLEAN", pa.bool_()),
    bytes: ("BLOB", pa.binary()),
    date: ("DATE", pa.date32()),
    # Timestamps are naive UTC throughout: DuckDB TIMESTAMP, not TIMESTAMPTZ, so analysts' SQL does
    # not depend on the session time zone.
    datetime: ("TIMESTAMP", pa.timestamp("us")),
}


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """Return (inner type, nullable) for ``X | None``."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return args[0], True
    return annotation, False


def column_type(annotation: Any) -> tuple[str, pa.DataType, tuple[str, ...] | None]:
    """Map one field annotation to (DuckDB type, Arrow type, allowed values for a CHECK or None)."""
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
        return "VARCHAR", pa.string(), tuple(values)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        sql, arrow, _ = column_type(item)
        return f"{sql}[]", pa.list_(arrow), None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = []
        arrow_fields = []
        for name, info in annotation.model_fields.items():
            sql, arrow, _ = column_type(unwrap_optional(info.annotation)[0])
            fields.append(f'"{name}" {sql}')
            arrow_fields.append(pa.field(name, arrow))
        return f"STRUCT({', '.join(fields)})", pa.struct(arrow_fields), None
    if annotation in _SCALARS:
        sql, arrow = _SCALARS[annotation]
        return sql, arrow, None
    raise TypeError(f"no DuckDB type for {annotation!r}")


def create_table_sql(model: type[TableModel], *, constraints: bool = True) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for a model: NOT NULL from required fields, CHECK from Literals.

    ``constraints=False`` leaves out what DuckLake lacks (CHECK, PRIMARY KEY): a lake's loads keep the
    declared keys unique themselves, and validation checks the Literals before any row is written.
    """
    lines = []
    for name, info in model.model_fields.items():
        inner, nullable = unwrap_optional(info.annotation)
        sql, _, allowed = column_type(inner)
        line = f'    "{name}" {sql}'
        if not nullable:
            line += " NOT NULL"
        if allowed and constraints:
            quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in allowed)
            line += f' CHECK ("{name}" IN ({quoted}))'
        lines.append(line)
    if model.key_indexed and constraints:
        keys = ", ".join(f'"{k}"' for k in model.primary_key)
        lines.append(f"    PRIMARY KEY ({keys})")
    return f'CREATE TABLE IF NOT EXISTS "{model.table}" (\n' + ",\n".join(lines) + "\n)"


@functools.cache  # models are classes, fixed once imported
def arrow_schema(model: type[TableModel]) -> pa.Schema:
    """The Arrow schema bulk loads use, so Arrow tables match the DuckDB columns exactly."""
    fields = []
    for name, info in model.model_fields.items():
        inner, nullable = unwrap_optional(info.annotation)
        _, arrow, _ = column_type(inner)
        fields.append(pa.field(name, arrow, nullable=nullable))
    return pa.schema(fields)


def to_arrow(model: type[TableModel], rows: "list[TableModel] | pa.Table") -> pa.Table:
    """Turn validated rows into one Arrow table with the model's schema (a table with that schema, as
    built column by column for quality results, is returned as it is; any other schema is an error)."""
    schema = arrow_schema(model)
    if isinstance(rows, pa.Table):
        if not rows.schema.equals(schema):
            raise TypeError(f"{model.table} rows have schema {rows.schema}, not the model's {schema}")
        return rows
    return pa.Table.from_pylist([r.model_dump() for r in rows], schema=schema)
