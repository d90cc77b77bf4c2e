"""Run a revision's ``upgrade()`` and ``downgrade()`` against a recording ``op``: nothing is executed.

Rules judge what a revision does, not how its source reads, so loops, helper functions and
``batch_alter_table`` blocks are all seen. Each phase runs in Alembic's offline environment for the
target (``offline.py``), and SQL sent through ``op.get_bind()`` is recorded like ``op.execute``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import alembic.op  # noqa: F401 - sets up the module-level ``op`` proxy we install ourselves
from alembic.operations import BatchOperations, MigrateOperation, Operations, ops
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script
from sqlalchemy.exc import NoInspectionAvailable

from .model import NO_ALLOW, LintTarget, RecordedRevision, Step
from .offline import OfflineRead, RecordingBind, WatchedContext, installed
from .raw_sql import classify

if TYPE_CHECKING:
    from .stand_ins import StandIns


class _BatchTable:
    """What ``BatchOperations`` reads from its impl to build each operation: the table's name."""

    def __init__(self, table_name: str, schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema


def _failure_line(exc: BaseException) -> str:
    if isinstance(exc, OfflineRead):
        return str(exc)
    offline = "which an offline run cannot do"
    if isinstance(exc, NoInspectionAvailable) and RecordingBind.__name__ in str(exc):
        return f"reads the live catalog (sa.inspect(op.get_bind())), {offline}"
    if isinstance(exc, AttributeError) and isinstance(exc.obj, RecordingBind):
        return (
            f"uses op.get_bind() as a live connection (.{exc.name}: an ORM Session or the driver), {offline}"
        )
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


@contextmanager
def _watching(environment: EnvironmentContext, asked: list[str]) -> Iterator[None]:
    """Note every question revision code asks about offline mode."""
    context = environment.get_context()
    assert isinstance(context, WatchedContext)

    def is_offline_mode() -> bool:
        asked.append("context.is_offline_mode()")
        return True

    environment.is_offline_mode = is_offline_mode  # type: ignore[method-assign]
    context.watch = asked.append
    try:
        yield
    finally:
        context.watch = None
        del environment.is_offline_mode


def record_phase(
    function: Callable[[], Any], environment: EnvironmentContext
) -> tuple[list[Step], str | None, str | None]:
    """The steps ``function`` performs, the error that stopped it, and how it asked about offline mode."""
    steps: list[Step] = []
    context = environment.get_context()
    assert isinstance(context, WatchedContext)
    dialect = context.dialect.name

    def record(operation: MigrateOperation, batch: bool = False, via: str = "op.execute") -> Any:
        statements = (
            tuple(classify(operation.sqltext, dialect)) if isinstance(operation, ops.ExecuteSQLOp) else ()
        )
        steps.append(Step(operation, batch, statements, via, autocommit=context.autocommit_depth > 0))
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
    bind = RecordingBind(context, lambda statement, via: record(ops.ExecuteSQLOp(statement), via=via))
    context.connection = context.impl.connection = bind  # type: ignore[assignment]
    asked: list[str] = []
    with installed(environment), installed(operations), _watching(environment, asked):
        try:
            function()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - user code failing (or exiting) is a finding
            return steps, _failure_line(exc), (asked[0] if asked else None)
    return steps, None, (asked[0] if asked else None)


def _down_revisions(script: Script) -> tuple[str, ...]:
    down = script.down_revision
    return tuple(down) if isinstance(down, (tuple, list)) else ((down,) if down else ())


def record_revision(
    script: Script,
    environment: EnvironmentContext,
    stand_ins: StandIns | None = None,
    target: LintTarget | None = None,
) -> RecordedRevision:
    """Record both phases of one revision script (or say why its module could not be loaded)."""
    module = script.module
    recorded = RecordedRevision(
        revision=script.revision,
        path=str(script.path),
        down_revision=_down_revisions(script),
        lint_allow=getattr(module, "lint_allow", NO_ALLOW),
        load_error=getattr(module, "__lint_load_error__", None),
    )
    if recorded.load_error:
        return recorded
    if stand_ins is not None:
        recorded.stand_ins |= stand_ins.touched_by(str(script.path))
    for phase in ("upgrade", "downgrade"):
        function = getattr(module, phase, None)
        if phase == "downgrade":
            recorded.has_downgrade = callable(function)
        if not callable(function):
            continue
        arguments = target.phase_arguments() if target is not None else {}
        phase_function = functools.partial(function, **arguments) if arguments else function
        with stand_ins.active() if stand_ins is not None else _nothing() as touched:
            steps, error, asked = record_phase(phase_function, environment)
        recorded.stand_ins |= touched
        if phase == "upgrade":
            recorded.upgrade, recorded.upgrade_error = steps, error
        else:
            recorded.downgrade, recorded.downgrade_error = steps, error
        if asked:
            recorded.offline_branches[phase] = asked
    return recorded


@contextmanager
def _nothing() -> Iterator[set[str]]:
    yield set()
