"""Deploy-safe ``upgrade``, ``downgrade`` and ``stamp``: under the migration lock, audited, checked.

Each is a plain function the click command calls; ``--sql`` (offline) runs Alembic's command
as it is, with no lock and no history: the script is for a DBA to run, and its text stays as
the snapshots in tests/test_oracle_offline.py expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy.engine import Connection, Engine

from . import deploy_tables, history, journal, lint_gate
from .checksums import Findings, RevisionsChanged, checksum, lineage, verify
from .deploy_run import ACTIVE, DeployRun
from .deploy_tables import HOLDER_ROW
from .lint import LintReport
from .lock import MigrationLock, describe_wait

DEFAULT_LOCK_TIMEOUT = 300.0
ADOPTED = "adopted: applied before the history table existed"
Notify = Callable[[str], None]


def ignore(_message: str) -> None:
    """The default ``notify``: say nothing."""


def migrate_config(directory: str | None, x_arg: Any = None) -> Config:
    """Flask-Migrate's Alembic configuration for ``directory`` (default: the app's)."""
    config: Config = current_app.extensions["migrate"].migrate.get_config(directory, x_arg=x_arg)
    return config


def app_engine() -> Engine:
    """The application's engine (Flask-SQLAlchemy)."""
    engine: Engine = current_app.extensions["migrate"].db.engine
    return engine


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions in ``alembic_version`` (none if the table is not there)."""
    heads = MigrationContext.configure(connection).get_current_heads()
    connection.commit()
    return heads


@contextmanager
def deployment(config: Config, lock_timeout: float, notify: Notify) -> Iterator[DeployRun]:
    """Hold the migration lock, with the tool's tables ready, for the duration of the block."""
    engine = app_engine()
    names = deploy_tables.tables()
    lock = MigrationLock(engine, names)
    lock.acquire(lock_timeout, lambda holder: notify(describe_wait(holder, lock_timeout)))
    try:
        with engine.connect() as audit:
            deploy_tables.create_missing(audit, names)  # under the lock: one runner creates them
            lock.write_holder(audit)
            run = DeployRun(engine, names, ScriptDirectory.from_config(config), audit)
            _tidy(run)
            token = ACTIVE.set(run)
            try:
                yield run
            finally:
                ACTIVE.reset(token)
                run.dispose()
                audit.rollback()
                audit.execute(names.lock.update().where(names.lock.c.id == HOLDER_ROW).values(pid=None))
                audit.commit()
    finally:
        lock.release()


def _tidy(run: DeployRun) -> None:
    # rows a killed runner left 'running'; revisions applied before the history existed
    half_applied = {(p.revision, p.direction) for p in journal.progress(run.audit, run.names)}
    history.close_abandoned(run.audit, run.names, half_applied)
    if not history.rows(run.audit, run.names):
        for script in lineage(run.scripts, current_heads(run.audit)):
            history.record(run.audit, run.names, script.revision, "stamp", checksum(script), ADOPTED)
    run.audit.commit()


def upgrade(
    directory: str | None = None,
    revision: str = "head",
    *,
    sql: bool = False,
    tag: str | None = None,
    x_arg: Any = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    allow_edited: bool = False,
    allow_unsafe: bool = False,
    notify: Notify = ignore,
) -> None:
    """Upgrade to ``revision`` under the lock, refusing edited applied revisions and unsafe new ones."""
    config = migrate_config(directory, x_arg)
    if sql:
        scripts = ScriptDirectory.from_config(config)
        lint_gate.check_before_upgrade(
            scripts, lint_gate.pending(scripts, [], revision), allow_unsafe, notify
        )
        command.upgrade(config, revision, sql=True, tag=tag)
        return
    with deployment(config, lock_timeout, notify) as run:
        heads = current_heads(run.audit)
        findings = verify(run.audit, run.names, run.scripts, heads)
        if findings and not allow_edited:
            raise RevisionsChanged(findings)
        to_apply = lint_gate.pending(run.scripts, heads, revision)
        report = lint_gate.check_before_upgrade(run.scripts, to_apply, allow_unsafe, notify)
        _accept(run, findings)
        _record_unsafe(run, report)
        command.upgrade(config, revision, tag=tag)


def _record_unsafe(run: DeployRun, report: LintReport) -> None:
    # --allow-unsafe: the history says that revisions with lint errors were applied knowingly
    for revision in sorted({finding.revision for finding in report.errors_unacknowledged()}):
        script = run.scripts.get_revision(revision)
        codes = ", ".join(sorted({f.code for f in report.errors_unacknowledged(revision)}))
        history.record(
            run.audit,
            run.names,
            revision,
            "accept",
            checksum(script) if script else None,
            f"applied with --allow-unsafe despite lint errors: {codes}",
        )


def _accept(run: DeployRun, findings: Findings) -> None:
    # --allow-edited: the files on disk become the recorded truth, and the history says who decided
    note = "accepted with --allow-edited: "
    for revision, _path in findings.edited:
        script = run.scripts.get_revision(revision)
        assert script is not None
        history.record(run.audit, run.names, revision, "accept", checksum(script), note + "edited file")
    for revision in findings.unknown:
        script = run.scripts.get_revision(revision)
        checksum_now = checksum(script) if script is not None else None
        history.record(run.audit, run.names, revision, "accept", checksum_now, note + "no history row")
    for revision in findings.missing:
        history.record(run.audit, run.names, revision, "unstamp", None, note + "file missing")


def downgrade(
    directory: str | None = None,
    revision: str = "-1",
    *,
    sql: bool = False,
    tag: str | None = None,
    x_arg: Any = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    notify: Notify = ignore,
) -> None:
    """Revert to ``revision`` under the lock, one history row per revision reverted."""
    config = migrate_config(directory, x_arg)
    if sql:
        # as Flask-Migrate: offline needs a starting point
        command.downgrade(config, "head:-1" if revision == "-1" else revision, sql=True, tag=tag)
        return
    with deployment(config, lock_timeout, notify):
        command.downgrade(config, revision, tag=tag)


def stamp(
    directory: str | None = None,
    revision: str = "head",
    *,
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    notify: Notify = ignore,
) -> None:
    """Mark the database as at ``revision`` under the lock; the history records what changed."""
    config = migrate_config(directory)
    if sql:
        command.stamp(config, revision, sql=True, tag=tag, purge=purge)
        return
    with deployment(config, lock_timeout, notify) as run:
        before = _lineage_or_empty(run.scripts, current_heads(run.audit))
        command.stamp(config, revision, tag=tag, purge=purge)
        record_stamp(run, before, "stamp")


def _lineage_or_empty(scripts: ScriptDirectory, heads: tuple[str, ...]) -> list[str]:
    try:
        return [script.revision for script in lineage(scripts, heads)]
    except CommandError:  # heads no file defines (what --purge is for)
        return []


def record_stamp(run: DeployRun, before: list[str], direction: str, note: str | None = None) -> None:
    """History rows for the revisions a stamp marked applied (``direction``) or not applied any more."""
    after = _lineage_or_empty(run.scripts, current_heads(run.audit))
    for revision in after:
        if revision not in before:
            script = run.scripts.get_revision(revision)
            assert script is not None
            history.record(run.audit, run.names, revision, direction, checksum(script), note)
    for revision in reversed(before):
        if revision not in after:
            history.record(run.audit, run.names, revision, "unstamp", None, note)
