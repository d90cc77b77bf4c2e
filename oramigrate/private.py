"""Every use of Alembic's and SQLAlchemy's private attributes, here and nowhere else.

Each function names what it reaches into and why no public API serves; when either library changes
one of these, this module is the only one to mend (and the tests that exercise each will say so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import context as alembic_context
from alembic import op as alembic_op
from alembic.ddl.impl import DefaultImpl
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Column, MetaData, Sequence
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import IdentifierPreparer

# --- Alembic -------------------------------------------------------------------------------------


def rendered_server_default(default: Any, autogen_context: Any) -> str | None:
    """A model's server default as the text Alembic hands a ``compare_server_default`` callable.

    ``_render_server_default_for_compare``: the same text for our plugin comparator, which Alembic
    calls with the columns only (no public function renders a default for comparing).
    """
    from alembic.autogenerate.compare.server_defaults import _render_server_default_for_compare

    return _render_server_default_for_compare(default, autogen_context)


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


class PerFileScripts(ScriptDirectory):
    """A ScriptDirectory that loads each revision file through ``load_one`` (one failing file is not fatal).

    Alembic loads every file in one private generator; overriding it is the only way in.
    """

    def load_one(self, path: Path, load: Callable[[Path], Script | None]) -> Script | None:
        """Load the revision file at ``path`` with ``load`` (Alembic's own); subclasses decide on failures."""
        return load(path)

    def _load_revisions(self) -> Iterator[Script]:
        for location in [v for v in self._version_locations if v.exists()]:
            for file_path in Script._list_py_dir(self, location):
                script = self.load_one(file_path.resolve(), lambda path: Script._from_path(self, path))
                if script is not None:
                    yield script


def set_migration_context(environment: EnvironmentContext, context: MigrationContext) -> None:
    """Make ``context`` the one ``environment`` hands out (no public setter exists)."""
    environment._migration_context = context


@contextmanager
def proxy_installed(proxy: Any) -> Iterator[None]:
    """Point a module-level proxy (``alembic.op``, ``alembic.context``) at ``proxy``, then restore it.

    Restoring (rather than removing, as Alembic does) keeps an enclosing migration run working when
    lint is called from inside one.
    """
    attr_names, modules = proxy._setups[type(proxy)]
    names = ["_proxy", *attr_names]
    saved = [{name: module.get(name) for name in names if name in module} for module, _ in modules]
    proxy._install_proxy()
    try:
        yield
    finally:
        for (module, _), before in zip(modules, saved, strict=True):
            for name in names:
                module.pop(name, None)
            module.update(before)


def steps_to(scripts: ScriptDirectory, destination: str, upgrade: bool) -> Callable[..., Any]:
    """The ``fn`` ``alembic.command.upgrade``/``downgrade`` hand the environment, on ``scripts``.

    Alembic's commands load the revision files anew on every call; running its environment on a
    ``ScriptDirectory`` already loaded needs these two private planners (``db fleet``, many targets).
    """
    plan = scripts._upgrade_revs if upgrade else scripts._downgrade_revs
    return lambda current, _context: plan(destination, current)


def file_alembic_was_loading(exc: BaseException) -> str | None:
    """The revision file Alembic was loading when ``exc`` was raised (a NUL byte, ``revision = 123``).

    Such errors are raised in importlib or in Alembic's ``Script`` with no frame of the file itself;
    the path is a local of Alembic's loader functions (``load_module_py``, ``Script._from_path``).
    env.py is loaded by the same function: only a file in a ``versions`` folder counts.
    """
    found = None
    traceback = exc.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if "alembic" in Path(frame.f_code.co_filename).parts:
            path = frame.f_locals.get("path")
            if frame.f_code.co_name in ("load_module_py", "_from_path") and path is not None:
                found = str(path) if Path(path).parent.name == "versions" else found
        traceback = traceback.tb_next
    return found


def implementation_of(op_class: type) -> Callable[..., Any]:
    """Alembic's current implementation of ``op_class`` (to wrap it with a check)."""
    implementation: Callable[..., Any] = Operations._to_impl.dispatch(op_class)
    return implementation


# --- SQLAlchemy ----------------------------------------------------------------------------------


def standalone_sequences(metadata: MetaData) -> Iterable[Sequence]:
    """Sequences declared on ``metadata`` itself (not through a column); no public accessor exists."""
    return list(metadata._sequences.values())


def update_values(update: Any) -> dict[Any, Any]:
    """The SET clause of an ``update()`` construct, column -> value (what ``.values()`` was given)."""
    return dict(update._values or {})


def constraint_column_names(constraint: Any) -> list[Any]:
    """The columns a constraint names before it is attached to a table (``Index``/``*Constraint``)."""
    return list(getattr(constraint, "_pending_colargs", []) or [])


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
