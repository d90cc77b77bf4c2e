"""One deployment: hold the migration lock with the tool's tables ready, and record what it decided.

``deployment(config)`` is what ``db upgrade``, ``downgrade``, ``stamp`` and ``baseline`` run inside;
the run it yields reaches env.py through ``config.attributes`` (``configuration.RUN``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..configuration import RUN, engine_of, scripts_of, settings_of
from ..lint import LintReport
from ..revisions import applied, current_heads
from . import history, journal
from . import tables as deploy_tables
from .checksums import Findings, checksum
from .lock import MigrationLock, describe_wait
from .run import DeployRun
from .tables import HOLDER_ROW

ADOPTED = "adopted: applied before the history table existed"
Notify = Callable[[str], None]


def ignore(_message: str) -> None:
    """The default ``notify``: say nothing."""


@contextmanager
def deployment(config: Config, lock_timeout: float | None, notify: Notify) -> Iterator[DeployRun]:
    """Hold the migration lock, with the tool's tables ready, for the duration of the block."""
    engine = engine_of(config)
    settings = settings_of(config)
    timeout = settings.lock_timeout if lock_timeout is None else lock_timeout
    names = deploy_tables.build(settings.history_table)
    lock = MigrationLock(engine, names)
    lock.acquire(timeout, lambda holder: notify(describe_wait(holder, timeout)))
    try:
        with engine.connect() as audit:
            deploy_tables.create_missing(audit, names)  # under the lock: one runner creates them
            lock.write_holder(audit)
            run = DeployRun(engine, names, scripts_of(config), audit)
            _tidy(run)
            config.attributes[RUN] = run
            try:
                yield run
            finally:
                del config.attributes[RUN]
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
        for script in applied(run.scripts, current_heads(run.audit)):
            history.record(run.audit, run.names, script.revision, "stamp", checksum(script), ADOPTED)
    run.audit.commit()


def record_unsafe(run: DeployRun, report: LintReport) -> None:
    """``--allow-unsafe``: the history says that revisions with lint errors were applied knowingly."""
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


def accept_edited(run: DeployRun, findings: Findings) -> None:
    """``--allow-edited``: the files on disk become the recorded truth, and the history says who decided."""
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


def applied_or_empty(scripts: ScriptDirectory, heads: tuple[str, ...]) -> list[str]:
    """The applied revision ids at ``heads``; none when a head has no file (what --purge is for)."""
    try:
        return [script.revision for script in applied(scripts, heads)]
    except CommandError:
        return []


def record_stamp(run: DeployRun, before: list[str], direction: str, note: str | None = None) -> None:
    """History rows for the revisions a stamp marked applied (``direction``) or not applied any more."""
    after = applied_or_empty(run.scripts, current_heads(run.audit))
    for revision in after:
        if revision not in before:
            script = run.scripts.get_revision(revision)
            assert script is not None
            history.record(run.audit, run.names, revision, direction, checksum(script), note)
    for revision in reversed(before):
        if revision not in after:
            history.record(run.audit, run.names, revision, "unstamp", None, note)
