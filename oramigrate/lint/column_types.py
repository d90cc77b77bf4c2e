"""The type a column had before a change, and SQL type text read as a SQLAlchemy type.

An ``alter_column`` may say its ``existing_type``; a raw ``MODIFY (c NUMBER(8,2))`` never does. The type
before is then what the revision did earlier, or what the earlier revisions of the chain left (an
``add_column``, a ``create_table``, an earlier retype, followed through renames). Nothing else is
trusted: the application's models describe the schema after the change, not before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.types import TypeEngine

from .effects import Effect
from .model import RecordedRevision
from .walk import PhaseName, phase_effects, position

_TYPE_TEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_ ]*)(?:\(([^()]*)\))?(.*)$", re.DOTALL)
_STRINGS = {"VARCHAR2", "VARCHAR", "NVARCHAR2", "NVARCHAR", "CHARACTER VARYING", "VARCHARACTER"}
_CHARS = {"CHAR", "NCHAR", "CHARACTER", "BPCHAR"}
_DECIMALS = {"NUMBER", "NUMERIC", "DECIMAL", "DEC"}
_INTEGERS: dict[str, type[TypeEngine[Any]]] = {
    "INTEGER": sa.Integer,
    "INT": sa.Integer,
    "INT4": sa.Integer,
    "BIGINT": sa.BigInteger,
    "INT8": sa.BigInteger,
    "SMALLINT": sa.SmallInteger,
    "INT2": sa.SmallInteger,
}
_FLOATS = {"FLOAT", "REAL", "DOUBLE", "DOUBLE PRECISION", "BINARY_FLOAT", "BINARY_DOUBLE", "FLOAT4", "FLOAT8"}
_TEXTS = {"TEXT", "CLOB", "NCLOB", "MEDIUMTEXT", "LONGTEXT"}
_SIZE = re.compile(r"^\s*(\d+|\*)\s*(?:BYTE|CHAR)?\s*$", re.IGNORECASE)


def _sizes(arguments: str | None) -> list[int | None] | None:
    """``20 CHAR`` -> [20]; ``*, 0`` -> [None, 0]; None when an argument is not a plain size."""
    if not arguments:
        return []
    sizes: list[int | None] = []
    for part in arguments.split(","):
        match = _SIZE.match(part)
        if match is None:
            return None
        sizes.append(None if match.group(1) == "*" else int(match.group(1)))
    return sizes


def _typed(name: str, sizes: list[int | None], dialect: str) -> TypeEngine[Any] | None:
    first = sizes[0] if sizes else None
    if name in _STRINGS or name in _CHARS:
        return (sa.String if name in _STRINGS else sa.CHAR)(first)
    if name in _DECIMALS:
        if not sizes:
            return sa.Numeric()
        return sa.Numeric(first, sizes[1] if len(sizes) > 1 else 0)
    if name in _INTEGERS:
        return _INTEGERS[name]()  # MySQL's INT(11): a display width, not a size
    if name in _FLOATS:
        return sa.Float()
    if sizes:
        return None  # a size on a type that takes none: not a type we know
    if name in _TEXTS:
        return sa.Text()
    if name == "DATE":
        return sa.DateTime() if dialect == "oracle" else sa.Date()  # Oracle's DATE keeps the time of day
    if name in ("BOOLEAN", "BOOL"):
        return sa.Boolean()
    return None


def from_sql(text: str, dialect: str) -> TypeEngine[Any] | None:
    """``VARCHAR2(20 CHAR)`` -> ``String(20)``, ``NUMBER(8,2)`` -> ``Numeric(8, 2)``; None if unknown."""
    match = _TYPE_TEXT.match(text.strip())
    if match is None:
        return None
    name = " ".join(match.group(1).upper().split())
    rest = " ".join(match.group(3).upper().split())
    if name.startswith("TIMESTAMP") or name == "DATETIME":
        return sa.DateTime(timezone="TIME ZONE" in f"{name} {rest}")
    sizes = _sizes(match.group(2))
    if sizes is None or (rest and rest not in ("BYTE", "CHAR")):
        return None
    return _typed(name, sizes, dialect)


def as_type(value: Any, dialect: str) -> TypeEngine[Any] | None:
    """A TypeEngine for a type given as an object or as SQL text (None if unknown)."""
    if value is None:
        return None
    if isinstance(value, str):
        return from_sql(value, dialect)
    if isinstance(value, TypeEngine):
        return value
    try:
        instance: TypeEngine[Any] = sa.types.to_instance(value)
    except Exception:  # noqa: BLE001 - something that is not a type: unknown
        return None
    return instance


class Left:
    """What a scan of effects found for a column: its type (None: unknown) once ``settled``."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column
        self.settled = False
        self.type: Any = None

    def settle(self, type_: Any) -> Left:
        """The scan ends here: ``type_`` is the column's type (None: it cannot be known)."""
        self.settled, self.type = True, type_
        return self


def _created_type(effect: Effect, column: str) -> Any:
    if isinstance(effect.operation, ops.CreateTableOp):
        for item in effect.operation.columns:
            if isinstance(item, sa.Column) and item.name.lower() == column:
                return item.type
    if effect.statement is not None:  # CREATE TABLE in SQL: the type as written
        return dict(effect.statement.column_types).get(column)
    return None


def left_by(effects: Iterable[Effect], left: Left) -> Left:
    """Follow ``left``'s column back through ``effects`` (latest first) to the effect that typed it."""
    for effect in effects:
        if effect.kind == "rename table" and effect.new_name == left.table:
            left.table = str(effect.table)
        elif effect.table != left.table:
            continue
        elif effect.kind == "rename column" and effect.new_name == left.column:
            left.column = str(effect.column)
        elif effect.kind in ("alter type", "add column") and effect.column == left.column:
            return left.settle(effect.new_type)
        elif effect.kind == "create table":
            return left.settle(_created_type(effect, left.column))
        elif effect.kind == "drop table" or (effect.kind == "drop column" and effect.column == left.column):
            return left.settle(None)
    return left


def type_before(
    recorded: RecordedRevision, phase: PhaseName, effect: Effect, dialect: str
) -> TypeEngine[Any] | None:
    """The type ``effect``'s column had just before it: stated, made earlier in the revision, or left
    by an earlier revision of the chain (``recorded.earlier_type``)."""
    if effect.old_type is not None:
        return as_type(effect.old_type, dialect)
    every = phase_effects(recorded, phase)
    left = left_by(reversed(every[: position(every, effect)]), Left(str(effect.table), str(effect.column)))
    if not left.settled and phase == "downgrade":
        left = left_by(reversed(phase_effects(recorded, "upgrade")), left)
    if not left.settled and recorded.earlier_type is not None:
        return as_type(recorded.earlier_type(left.table, left.column), dialect)
    return as_type(left.type, dialect)
