"""Every use of Alembic's and SQLAlchemy's private attributes, here and nowhere else.

Each function names what it reaches into and why no public API serves; when either library changes
one of these, this module is the only one to mend (and the tests that exercise each will say so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from alembic import context as alembic_context
from alembic import op as alembic_op
from alembic.ddl.impl import DefaultImpl
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Sequence
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import IdentifierPreparer

# --- Alembic -------------------------------------------------------------------------------------


def environment_options(context: Any) -> dict[str, Any] | None:
    """The options the running command gave the environment (``revision_context`` for autogenerate).

    ``alembic.context`` is a module proxy; the ``EnvironmentContext`` behind it keeps the options.
    """
    environment = getattr(alembic_context, "_proxy", None) if context is alembic_context else context
    options = getattr(environment, "context_opts", None)
    return options if isinstance(options, dict) else None


Plan = Callable[[Any, MigrationContext], Iterable[Any]]


def migration_plan(context: MigrationContext) -> Plan:
    """The function that yields the steps Alembic planned (upgrade/downgrade/stamp)."""
    planned = context._migrations_fn
    assert planned is not None
    return planned


def replace_migration_plan(context: MigrationContext, plan: Plan) -> None:
    """Run ``plan`` instead: the only way to act between revisions inside one Alembic command."""
    context._migrations_fn = plan


def open_transaction(context: MigrationContext) -> Any:
    """The per-revision transaction Alembic opened (``transaction_per_migration``), or None."""
    return context._transaction


def set_open_transaction(context: MigrationContext, transaction: Any) -> None:
    """Hand Alembic a new per-revision transaction after committing its old one mid-revision."""
    context._transaction = transaction


def statement_executor(impl: DefaultImpl) -> Callable[..., Any]:
    """``impl._exec``: the one call every operation's statement goes through."""
    return impl._exec


def replace_statement_executor(impl: DefaultImpl, execute: Callable[..., Any] | None) -> None:
    """Route every statement through ``execute`` (None restores Alembic's own)."""
    if execute is None:
        del impl._exec
    else:
        impl._exec = execute  # type: ignore[method-assign]


def module_operations() -> Operations | None:
    """The ``Operations`` behind the ``alembic.op`` module proxy now (None outside a migration)."""
    return getattr(alembic_op, "_proxy", None)


def install_as_module_operations(operations: Operations) -> None:
    """Make ``operations`` what ``alembic.op`` forwards to (``Operations.context`` removes, not restores)."""
    operations._install_proxy()


def steps_to(scripts: ScriptDirectory, destination: str, upgrade: bool) -> Callable[..., Any]:
    """The ``fn`` ``alembic.command.upgrade``/``downgrade`` hand the environment, on ``scripts``.

    Alembic's commands load the revision files anew on every call; running its environment on a
    ``ScriptDirectory`` already loaded needs these two private planners (``db fleet``, many targets).
    """
    plan = scripts._upgrade_revs if upgrade else scripts._downgrade_revs
    return lambda current, _context: plan(destination, current)


def implementation_of(op_class: type) -> Callable[..., Any]:
    """Alembic's current implementation of ``op_class`` (to wrap it with a check)."""
    implementation: Callable[..., Any] = Operations._to_impl.dispatch(op_class)
    return implementation


# --- SQLAlchemy ----------------------------------------------------------------------------------


def standalone_sequences(metadata: MetaData) -> Iterable[Sequence]:
    """Sequences declared on ``metadata`` itself (not through a column); no public accessor exists."""
    return list(metadata._sequences.values())


def copy_column(column: Column[Any]) -> Column[Any]:
    """A detached copy of ``column`` (what ``Table.to_metadata`` uses)."""
    return column._copy()


def requires_quotes(preparer: IdentifierPreparer, name: str) -> bool:
    """Whether the dialect quotes ``name`` when it renders it (case, reserved word, characters)."""
    return bool(preparer._requires_quotes(name))


def set_oracle_features(dialect: Dialect, version: tuple[int, ...]) -> None:
    """The Oracle dialect's feature flags that ``initialize()`` sets from the server version."""
    dialect._supports_oracle_json = version >= (21,)  # type: ignore[attr-defined]
    dialect._supports_offset_fetch = (  # type: ignore[attr-defined]
        dialect.enable_offset_fetch and version >= (12,)  # type: ignore[attr-defined]
    )
