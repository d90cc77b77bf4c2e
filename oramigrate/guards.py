"""Refusals at execution time, for hand-written migrations that autogenerate never saw.

Each wraps Alembic's own implementation of an operation and checks before anything is sent, so an
Oracle revision never fails half-way on something we could have known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from alembic.operations import Operations, ops

from .errors import UnsupportedOperation
from .rewrite import refuse_identity_on_existing_column
from .sequences import CreateSequenceOp


class NameTooLong(UnsupportedOperation):
    """An identifier longer than the target Oracle version allows (30 bytes below 12.2)."""


def _created_names(operation: Any) -> Iterable[str]:
    """Names an operation creates: table, columns, constraints, indexes, sequences, renames."""
    if isinstance(operation, ops.CreateTableOp):
        yield operation.table_name
        for item in operation.columns:
            name = getattr(item, "name", None)
            if isinstance(name, str):
                yield name
    elif isinstance(operation, ops.AddColumnOp):
        yield operation.column.name
    elif isinstance(operation, ops.CreateIndexOp):
        yield str(operation.index_name)
    elif isinstance(operation, ops.AddConstraintOp):
        name = getattr(operation, "constraint_name", None)
        if isinstance(name, str):
            yield name
    elif isinstance(operation, ops.RenameTableOp):
        yield operation.new_table_name
    elif isinstance(operation, ops.AlterColumnOp) and operation.modify_name:
        yield operation.modify_name
    elif isinstance(operation, CreateSequenceOp):
        yield operation.sequence_name


def refuse_long_names(operation: Any, dialect: Any) -> None:
    """On Oracle, refuse a name over the dialect's limit (set from the target or server version)."""
    if dialect.name != "oracle":
        return
    limit = dialect.max_identifier_length
    for name in _created_names(operation):
        size = len(name.encode("utf-8"))
        if size > limit:
            version = ".".join(str(part) for part in dialect.server_version_info or ()) or "?"
            raise NameTooLong(
                f"name {name!r} is {size} bytes; Oracle {version} allows {limit} "
                "(30 bytes before 12.2): shorten it, or set ORACLE_TARGET_VERSION to the version you run"
            )


def _guard(op_class: type, check: Callable[[Any, Any], None]) -> None:
    original = Operations._to_impl.dispatch(op_class)

    def guarded(operations: Operations, operation: Any) -> Any:
        check(operation, operations.get_context().dialect)
        return original(operations, operation)

    guarded.__doc__ = f"Alembic's {op_class.__name__} implementation, checked first for Oracle."
    Operations.implementation_for(op_class, replace=True)(guarded)


def _alter_column_checks(operation: ops.AlterColumnOp, dialect: Any) -> None:
    refuse_identity_on_existing_column(operation, dialect.name)
    refuse_long_names(operation, dialect)


_guard(ops.AlterColumnOp, _alter_column_checks)
for _op_class in (
    ops.CreateTableOp,
    ops.AddColumnOp,
    ops.CreateIndexOp,
    ops.CreateUniqueConstraintOp,
    ops.CreateForeignKeyOp,
    ops.CreateCheckConstraintOp,
    ops.CreatePrimaryKeyOp,
    ops.RenameTableOp,
    CreateSequenceOp,
):
    _guard(_op_class, refuse_long_names)
