"""Compile a recorded operation for the target exactly as ``--sql`` would, and what the columns compile to."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext

from .. import plugin
from ..errors import UnsupportedOperation
from ..oracle import target as oracle_target
from ..private import constraint_column_names
from .model import LintTarget, Step

_NOISE = (
    re.compile(r"<([\w.]+) object at 0x[0-9a-f]+>"),
    re.compile(r"\s*\(Background on this error at: [^)]*\)"),
)


@lru_cache(maxsize=8)
def _context_and_buffer(target: LintTarget) -> tuple[MigrationContext, io.StringIO]:
    plugin.install()  # our operations render through Alembic's registry too
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=target.dialect, opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True}
    )
    if target.dialect == "oracle" and target.version is not None:
        oracle_target.apply_to_dialect(context.dialect, target.version)
    return context, buffer


def render_context(target: LintTarget) -> MigrationContext:
    """An offline context for the target (one per target, reused: its buffer is emptied per render)."""
    return _context_and_buffer(target)[0]


def _clean(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = _NOISE[1].sub("", _NOISE[0].sub(lambda m: m.group(1).rsplit(".", 1)[-1], text))
    return f"{type(exc).__name__}: {text}"


@dataclass(frozen=True)
class Rendered:
    """What compiling one step for the target gave: its SQL, or the compiler's error, and its warnings."""

    sql: str
    error: str | None
    warnings: tuple[str, ...]


def render(step: Step, target: LintTarget) -> Rendered:
    """Compile ``step`` for ``target``; guard refusals are other rules' business and count as rendered."""
    if step.batch and target.dialect == "sqlite":
        return Rendered("", None, ())  # SQLite batch mode rebuilds the table; nothing to compile alone
    context, buffer = _context_and_buffer(target)
    buffer.seek(0)
    buffer.truncate()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            Operations(context).invoke(step.operation)
        except UnsupportedOperation:
            pass
        except Exception as exc:  # noqa: BLE001 - any compile failure is the finding
            return Rendered("", _clean(exc), ())
    return Rendered(buffer.getvalue(), None, tuple(" ".join(str(w.message).split()) for w in caught))


def compiled_type(type_: Any, target: LintTarget) -> str | None:
    """``VARCHAR2(20 CHAR)``, ``CLOB``: a type as the target's DDL spells it (None if it cannot)."""
    if type_ is None or isinstance(type_, str):
        return None
    try:
        return str(render_context(target).dialect.type_compiler_instance.process(sa.types.to_instance(type_)))
    except Exception:  # noqa: BLE001 - not-renderable reports what does not compile
        return None


@dataclass(frozen=True)
class ColumnUse:
    """A column a step defines or retypes, and what it takes part in."""

    table: str
    column: str
    type: Any
    definition: sa.Column[Any] | None = None  # None for a retype (alter_column type_=)


def column_uses(step: Step) -> Iterator[ColumnUse]:
    """Columns a step defines (create_table, add_column) or retypes (alter_column)."""
    operation = step.operation
    if isinstance(operation, ops.CreateTableOp):
        for item in operation.columns:
            if isinstance(item, sa.Column):
                yield ColumnUse(operation.table_name.lower(), item.name.lower(), item.type, item)
    elif isinstance(operation, ops.AddColumnOp):
        column = operation.column
        yield ColumnUse(operation.table_name.lower(), column.name.lower(), column.type, column)
    elif isinstance(operation, ops.AlterColumnOp) and operation.modify_type is not None:
        yield ColumnUse(operation.table_name.lower(), operation.column_name.lower(), operation.modify_type)


def foreign_keys(step: Step) -> Iterator[tuple[str, Any, Any]]:
    """(table, ondelete, onupdate) of every foreign key a step creates."""
    operation = step.operation
    if isinstance(operation, ops.CreateForeignKeyOp):
        kw = operation.kw
        yield operation.source_table.lower(), kw.get("ondelete"), kw.get("onupdate")
    elif isinstance(operation, (ops.CreateTableOp, ops.AddColumnOp)):
        table = operation.table_name.lower()
        items = operation.columns if isinstance(operation, ops.CreateTableOp) else [operation.column]
        for item in items:
            keys = (
                item.foreign_keys
                if isinstance(item, sa.Column)
                else [item]
                if isinstance(item, sa.ForeignKeyConstraint)
                else []
            )
            for key in keys:
                yield table, key.ondelete, key.onupdate


def key_columns(step: Step) -> Iterator[tuple[str, str, str]]:
    """(table, column, what) for columns a step puts in a primary key, unique constraint, index or FK."""
    operation = step.operation
    if isinstance(operation, (ops.CreateTableOp, ops.AddColumnOp)):
        table = operation.table_name.lower()
        items = operation.columns if isinstance(operation, ops.CreateTableOp) else [operation.column]
        for item in items:
            if isinstance(item, sa.Column):
                for flag, what in (
                    (item.primary_key, "primary key"),
                    (item.unique, "unique constraint"),
                    (item.index, "index"),
                    (item.foreign_keys, "foreign key"),
                ):
                    if flag:
                        yield table, item.name.lower(), what
            elif isinstance(
                item, (sa.PrimaryKeyConstraint, sa.UniqueConstraint, sa.ForeignKeyConstraint, sa.Index)
            ):
                what = {
                    "PrimaryKeyConstraint": "primary key",
                    "UniqueConstraint": "unique constraint",
                    "ForeignKeyConstraint": "foreign key",
                    "Index": "index",
                }[type(item).__name__]
                names = constraint_column_names(item)
                for name in names or [c for c in getattr(item, "column_keys", [])]:
                    yield table, str(getattr(name, "name", name)).lower(), what
    for kind, what, attribute in (
        (ops.CreateIndexOp, "index", "columns"),
        (ops.CreateUniqueConstraintOp, "unique constraint", "columns"),
        (ops.CreatePrimaryKeyOp, "primary key", "columns"),
        (ops.CreateForeignKeyOp, "foreign key", "local_cols"),
    ):
        if isinstance(operation, kind):
            table = str(
                getattr(operation, "table_name", None) or getattr(operation, "source_table", "")
            ).lower()
            for name in getattr(operation, attribute, []) or []:
                yield table, str(getattr(name, "name", name)).lower(), what
