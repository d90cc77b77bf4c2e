"""Run a revision's ``upgrade()`` and ``downgrade()`` against a recording ``op``: nothing is executed.

Rules judge what a revision does, not how its source reads, so loops, helper functions and
``batch_alter_table`` blocks are all seen. The context is Alembic's offline (``as_sql``) one for the
target dialect, so ``op.get_context().dialect`` answers as it would when the DBA runs ``--sql``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import alembic.op  # noqa: F401 - sets up the module-level ``op`` proxy we install ourselves
from alembic.operations import BatchOperations, MigrateOperation, Operations, ops
from alembic.runtime.migration import MigrationContext
from alembic.script import Script

from .. import plugin
from ..oracle import target as oracle_target
from .model import LintTarget
from .raw_sql import RawStatement, classify

NO_ALLOW = object()  # the revision module has no ``lint_allow``


@dataclass(frozen=True)
class Step:
    """One operation a phase performed, and for ``op.execute`` what its statements are."""

    operation: MigrateOperation
    batch: bool = False
    statements: tuple[RawStatement, ...] = ()


@dataclass
class RecordedRevision:
    """What one revision does when upgraded and downgraded, and what its module declares."""

    revision: str
    path: str
    down_revision: tuple[str, ...]
    upgrade: list[Step] = field(default_factory=list)
    downgrade: list[Step] = field(default_factory=list)
    upgrade_error: str | None = None
    downgrade_error: str | None = None
    has_downgrade: bool = True
    lint_allow: Any = NO_ALLOW


def recording_context(target: LintTarget) -> MigrationContext:
    """An offline migration context for the target dialect (and Oracle version); output discarded."""
    plugin.install()  # op.create_sequence / op.drop_sequence, as env.py has them
    context = MigrationContext.configure(
        dialect_name=target.dialect,
        opts={"as_sql": True, "output_buffer": io.StringIO(), "literal_binds": True},
    )
    if target.dialect == "oracle" and target.version is not None:
        oracle_target.apply_to_dialect(context.dialect, target.version)
    return context


class _BatchTable:
    """What ``BatchOperations`` reads from its impl to build each operation: the table's name."""

    def __init__(self, table_name: str, schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema


@contextmanager
def _installed(operations: Operations) -> Iterator[None]:
    """Point the module-level ``op`` at ``operations``, then restore whatever it pointed at.

    Restoring (rather than removing, as ``Operations.context`` does) keeps an enclosing
    migration run working when lint is called from inside one.
    """
    attr_names, modules = Operations._setups[Operations]
    names = ["_proxy", *attr_names]
    saved = [{name: module.get(name) for name in names if name in module} for module, _ in modules]
    operations._install_proxy()
    try:
        yield
    finally:
        for (module, _), before in zip(modules, saved, strict=True):
            for name in names:
                module.pop(name, None)
            module.update(before)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def record_phase(function: Callable[[], Any], context: MigrationContext) -> tuple[list[Step], str | None]:
    """The steps ``function`` (an ``upgrade``/``downgrade``) performs, and the error that stopped it."""
    steps: list[Step] = []
    dialect = context.dialect.name

    def record(operation: MigrateOperation, batch: bool = False) -> Any:
        statements = (
            tuple(classify(operation.sqltext, dialect)) if isinstance(operation, ops.ExecuteSQLOp) else ()
        )
        steps.append(Step(operation, batch, statements))
        # nothing is executed: the one return value scripts use is create_table's Table (bulk_insert)
        if isinstance(operation, ops.CreateTableOp):
            return operation.to_table(context)
        return None

    @contextmanager
    def batch_alter_table(table_name: str, schema: str | None = None, **_: Any) -> Iterator[BatchOperations]:
        batch = BatchOperations(context, impl=_BatchTable(table_name, schema))  # type: ignore[arg-type]
        batch.invoke = lambda operation: record(operation, batch=True)  # type: ignore[method-assign]
        yield batch

    operations = Operations(context)
    operations.invoke = record  # type: ignore[method-assign]
    operations.batch_alter_table = batch_alter_table  # type: ignore[method-assign,assignment]
    with _installed(operations):
        try:
            function()
        except Exception as exc:  # noqa: BLE001 - any failure of user code becomes a finding, not a crash
            return steps, _first_line(exc)
    return steps, None


def record_revision(script: Script, context: MigrationContext) -> RecordedRevision:
    """Record both phases of one revision script."""
    module: ModuleType = script.module
    down = script.down_revision
    recorded = RecordedRevision(
        revision=script.revision,
        path=script.path,
        down_revision=tuple(down) if isinstance(down, (tuple, list)) else ((down,) if down else ()),
        lint_allow=getattr(module, "lint_allow", NO_ALLOW),
    )
    upgrade = getattr(module, "upgrade", None)
    if callable(upgrade):
        recorded.upgrade, recorded.upgrade_error = record_phase(upgrade, context)
    downgrade = getattr(module, "downgrade", None)
    recorded.has_downgrade = callable(downgrade)
    if callable(downgrade):
        recorded.downgrade, recorded.downgrade_error = record_phase(downgrade, context)
    return recorded
