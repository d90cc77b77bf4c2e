"""Refusals at execution time, for hand-written migrations that autogenerate never saw."""

from __future__ import annotations

from typing import Any

from alembic.operations import Operations, ops

from .rewrite import refuse_identity_on_existing_column

_alter_column = Operations._to_impl.dispatch(ops.AlterColumnOp)


@Operations.implementation_for(ops.AlterColumnOp, replace=True)
def alter_column(operations: Operations, operation: ops.AlterColumnOp) -> Any:
    """Alembic's alter_column, refused on Oracle when it would add IDENTITY to an existing column."""
    refuse_identity_on_existing_column(operation, operations.get_context().dialect.name)
    return _alter_column(operations, operation)
