"""What each step changes, one effect at a time: operations and SQL statements on the same terms.

An ``op.drop_column`` and a raw ``ALTER TABLE .. DROP COLUMN`` are the same effect, so every rule
judges both, and statements of one ``op.execute`` are seen in their order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from alembic.operations import MigrateOperation, ops

from ..operations import CreateSequenceOp, DropSequenceOp
from .model import Step
from .raw_sql import RawStatement

EffectKind = Literal[
    "create table",
    "drop table",
    "rename table",
    "add column",
    "drop column",
    "rename column",
    "alter type",
    "set not null",
    "update",
    "delete",
    "truncate",
    "insert",
    "create sequence",
    "drop sequence",
    "ddl",
]
DATA_KINDS = frozenset({"update", "delete", "truncate", "insert"})


def lower(name: object) -> str:
    """Names compare case-insensitively, as unquoted Oracle names do."""
    return str(name).lower()


@dataclass(frozen=True)
class Effect:
    """One change a step makes to a table, a column, a sequence or rows."""

    kind: EffectKind
    table: str | None
    step: int
    column: str | None = None
    operation: MigrateOperation | None = None  # the Alembic operation, when it came from one
    statement: RawStatement | None = None  # the SQL statement, when it came from SQL
    old_type: Any = None  # TypeEngine, when the revision says what the column was
    new_type: Any = None  # TypeEngine, or the type as written in SQL
    new_name: str | None = None
    with_default: bool = False  # add column / set not null: a server default comes with it
    not_null: bool = False  # add column: NOT NULL
    columns: frozenset[str] = field(default_factory=frozenset)  # update: columns it sets


def _alter_column(index: int, alter: ops.AlterColumnOp) -> Iterator[Effect]:
    table, column = lower(alter.table_name), lower(alter.column_name)
    if alter.modify_type is not None:
        yield Effect("alter type", table, index, column, alter, None, alter.existing_type, alter.modify_type)
    if alter.modify_nullable is False:
        default = alter.modify_server_default not in (None, False) or (
            alter.modify_server_default is False and alter.existing_server_default not in (None, False)
        )
        yield Effect("set not null", table, index, column, alter, with_default=default)
    if alter.modify_name:
        yield Effect("rename column", table, index, column, alter, new_name=lower(alter.modify_name))
    if alter.modify_type is None and alter.modify_nullable is not False and not alter.modify_name:
        yield Effect("ddl", table, index, column, alter)


def _operation(index: int, operation: MigrateOperation) -> Iterator[Effect]:
    if isinstance(operation, ops.CreateTableOp):
        yield Effect("create table", lower(operation.table_name), index, operation=operation)
    elif isinstance(operation, ops.DropTableOp):
        yield Effect("drop table", lower(operation.table_name), index, operation=operation)
    elif isinstance(operation, ops.RenameTableOp):
        new = lower(operation.new_table_name)
        yield Effect("rename table", lower(operation.table_name), index, operation=operation, new_name=new)
    elif isinstance(operation, ops.AddColumnOp):
        column = operation.column
        default = (
            column.server_default is not None or column.computed is not None or column.identity is not None
        )
        yield Effect(
            "add column",
            lower(operation.table_name),
            index,
            lower(column.name),
            operation,
            new_type=column.type,
            with_default=default,
            not_null=not column.nullable,
        )
    elif isinstance(operation, ops.DropColumnOp):
        reverse = getattr(operation, "_reverse", None)  # drop_column(..., existing_type=) keeps it
        old = getattr(getattr(reverse, "column", None), "type", None) or operation.kw.get("existing_type")
        table, column_name = lower(operation.table_name), lower(operation.column_name)
        yield Effect("drop column", table, index, column_name, operation, old_type=old)
    elif isinstance(operation, ops.AlterColumnOp):
        yield from _alter_column(index, operation)
    elif isinstance(operation, CreateSequenceOp):
        yield Effect("create sequence", lower(operation.sequence_name), index, operation=operation)
    elif isinstance(operation, DropSequenceOp):
        yield Effect("drop sequence", lower(operation.sequence_name), index, operation=operation)
    elif isinstance(operation, ops.BulkInsertOp):
        yield Effect("insert", lower(operation.table.name), index, operation=operation)
    elif not isinstance(operation, ops.ExecuteSQLOp):
        yield Effect("ddl", lower(getattr(operation, "table_name", None) or ""), index, operation=operation)


_STATEMENT_KINDS: dict[str, EffectKind] = {
    "create table": "create table",
    "drop table": "drop table",
    "truncate table": "truncate",
    "create sequence": "create sequence",
    "drop sequence": "drop sequence",
    "update": "update",
    "delete": "delete",
    "insert": "insert",
    "merge": "update",
}
_CHANGE_KINDS: dict[str, EffectKind] = {
    "add": "add column",
    "drop": "drop column",
    "type": "alter type",
    "not null": "set not null",
    "null": "ddl",
    "rename": "rename column",
}


def _statement(index: int, statement: RawStatement) -> Iterator[Effect]:
    table = statement.table
    for change in statement.changes:
        yield Effect(
            _CHANGE_KINDS[change.action],
            table,
            index,
            change.column,
            statement=statement,
            new_type=change.type_text,
            new_name=change.new_name,
            with_default=change.default,
            not_null=change.not_null,
        )
    if statement.changes:
        return
    kind = _STATEMENT_KINDS.get(statement.verb)
    if kind is not None:
        yield Effect(kind, table, index, statement=statement, columns=statement.columns)
    elif statement.kind == "ddl":
        yield Effect("ddl", table, index, statement=statement)


def effects(steps: list[Step]) -> Iterator[Effect]:
    """Every effect of a phase's steps, in the order they happen."""
    for index, step in enumerate(steps):
        yield from _operation(index, step.operation)
        for statement in step.statements:
            yield from _statement(index, statement)
