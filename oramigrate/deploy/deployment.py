"""One deployment: hold the migration lock with the tool's tables ready, and record what it decided.

``deployment(config)`` is what ``db upgrade``, ``downgrade``, ``stamp``, ``baseline`` and ``db journal``
run inside; the run it yields reaches env.py through ``config.attributes`` (``configuration.RUN``).
In order: SIGINT/SIGTERM become ``Interrupted``; the lock is taken; the run's session is opened.
Then, once env.py has reached ``run()`` (``DeployRun.ready``; a command without env.py calls it):
the tool's tables are created if missing; the previous holder's migration session is waited out (or
ended); our holder row is written, naming our session; rows a dead runner left are closed. So an
env.py that fails on import writes nothing, not even the tool's tables. On the way out the holder
row is cleared and the lock released; a release that fails after a successful run is a warning, not
a failure (the lock ends with its session anyway).

Two sessions per run: the lock's, and one for everything else (tables, holder row, history,
journal, the revisions themselves). The lock keeps a session of its own: on Oracle it is a row lock
that the migration session's DDL would commit away, and everywhere it must outlive a lost
migration session until the run has written what happened (notes/deploy-safety.md).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from ..configuration import RUN, VERSION_TABLE, Settings, engine_of, scripts_of, settings_of
from ..lint import LintReport
from ..revisions import applied, current_heads
from . import history, holder, journal
from . import tables as deploy_tables
from .checksums import Findings, checksum
from .interrupts import Interruptions
from .lock import MigrationLock, describe_wait, read_holder_on
from .lockwait import Budget
from .notify import Notify
from .run import DeployRun, run_engine

ADOPTED = "adopted: applied before the history table existed"


def names_of(config: Config) -> deploy_tables.DeployTables:
    """The tool's tables for ``config``: history from the settings, the lock from the version table."""
    version_table = config.attributes.get(VERSION_TABLE) or deploy_tables.DEFAULT_VERSION_TABLE
    return deploy_tables.build(settings_of(config).history_table, version_table)


@contextmanager
def deployment(
    config: Config, lock_timeout: float | None, notify: Notify, *, kill_orphan: bool = False
) -> Iterator[DeployRun]:
    """Hold the migration lock, with the tool's tables ready, for the duration of the block."""
    scripts = scripts_of(config)  # first: a broken revision file stops us before anything is written
    engine = engine_of(config)
    settings = settings_of(config)
    timeout = settings.lock_timeout if lock_timeout is None else lock_timeout
    names = names_of(config)
    interrupts = Interruptions()
    with interrupts.installed():
        deadline = time.monotonic() + timeout
        lock = MigrationLock(engine, names)
        lock.acquire(deadline, timeout, lambda holding: notify(describe_wait(holding, timeout)))
        failed = False
        working = run_engine(engine)
        try:
            with working.connect() as connection:
                run = DeployRun(engine, names, scripts, connection, lock, interrupts=interrupts)
                run.notify = notify
                # nothing is written until env.py reaches run() (or a command without env.py asks):
                # an env.py that fails on import leaves the database as it was, the tool's tables too
                run.prepare = functools.partial(_prepare, run, deadline, kill_orphan, notify)
                config.attributes[RUN] = run
                try:
                    yield run
                except BaseException:
                    failed = True
                    raise
                finally:
                    del config.attributes[RUN]
                    run.close()
                    if run.token:
                        _leave(run, notify, quiet=failed)
        except BaseException:
            failed = True
            raise
        finally:
            if working is not engine:
                working.dispose()
            problem = lock.release()
            if problem is not None and not failed:
                notify(f"warning: {problem}")


def _prepare(run: DeployRun, deadline: float, kill_orphan: bool, notify: Notify) -> None:
    # the tool's tables, the wait for a dead holder's session, our holder row, then the tidy
    connection, names = run.connection, run.names
    deploy_tables.create_missing(connection, names)  # under the lock: one runner creates them
    previous = read_holder_on(connection, names)
    holder.wait_for_orphan(connection, previous, deadline, kill_orphan, notify)
    run.session = holder.current_session(connection)
    run.token = holder.write(connection, names, run.session)
    _tidy(run)  # after the row: its failure (or a signal) also clears the holder row just written


def lock_budget(settings: Settings, seconds: float | None, retries: int | None) -> Budget:
    """Each statement's lock-wait budget: the command line's, else the settings'."""
    return Budget(
        settings.lock_wait if seconds is None else seconds,
        settings.lock_retries if retries is None else retries,
    )


def _leave(run: DeployRun, notify: Notify, quiet: bool) -> None:
    try:
        run.connection.rollback()
        holder.clear(run.connection, run.names, run.token)
    except sa.exc.DBAPIError as exc:
        if not quiet:
            notify(f"warning: could not clear the lock holder row ({exc.orig}); the next runner checks it")


def _tidy(run: DeployRun) -> None:
    # rows a killed runner left 'running'; revisions applied before the history existed. Other chains'
    # live runners are looked for first (only if rows are open): reading the sessions ends the transaction
    live = (
        holder.live_elsewhere(run.connection, run.names)
        if history.running(run.connection, run.names)
        else set()
    )
    found = journal.progress(run.connection, run.names)
    heads = current_heads(run.connection, run.names.version_table)
    done = set(applied_or_empty(run.scripts, heads))
    # a journal whose revision is already where it leads (finished by hand and stamped): superseded
    stale = {p.revision for p in found if not journal.half_way(p.revision, p.direction, done)}
    journal.clear(run.connection, run.names, stale)
    found = [p for p in found if p.revision not in stale]
    run.journaled = {p.revision for p in found}
    run.half = found
    run.elsewhere = {
        table: pairs
        for table, rows in journal.other_journals(run.connection, run.names).items()
        # as for our own journal: a revision already where the journal leads is no longer half-way
        if (pairs := [(r, d) for r, d in rows if journal.half_way(r, d, done)])
    }
    half_applied = {(p.revision, p.direction) for p in found}
    history.close_abandoned(run.connection, run.names, half_applied, live)
    if not history.rows(run.connection, run.names):
        for script in applied(run.scripts, heads):
            history.record(run.connection, run.names, script.revision, "stamp", checksum(script), ADOPTED)
    run.connection.commit()


def record_unsafe(run: DeployRun, report: LintReport) -> None:
    """``--allow-unsafe``: the revision's own history row says it ran despite lint errors (its outcome
    says how that ended)."""
    for revision in sorted({finding.revision for finding in report.errors_unacknowledged()}):
        codes = ", ".join(sorted({f.code for f in report.errors_unacknowledged(revision)}))
        run.notes[(revision, "upgrade")] = f"run with --allow-unsafe despite lint errors: {codes}"


def accept_edited(run: DeployRun, findings: Findings) -> None:
    """``--allow-edited``: the files on disk become the recorded truth, and the history says who decided."""
    note = "accepted with --allow-edited: "
    for revision, _path in findings.edited:
        script = run.scripts.get_revision(revision)
        assert script is not None
        history.record(run.connection, run.names, revision, "accept", checksum(script), note + "edited file")
    for revision in findings.unknown:
        script = run.scripts.get_revision(revision)
        checksum_now = checksum(script) if script is not None else None
        history.record(run.connection, run.names, revision, "accept", checksum_now, note + "no history row")
    for revision in findings.missing:
        history.record(run.connection, run.names, revision, "unstamp", None, note + "file missing")


def applied_or_empty(scripts: ScriptDirectory, heads: tuple[str, ...]) -> list[str]:
    """The applied revision ids at ``heads``; none when a head has no file (what --purge is for)."""
    try:
        return [script.revision for script in applied(scripts, heads)]
    except CommandError:
        return []


def record_stamp(run: DeployRun, before: list[str], direction: str, note: str | None = None) -> None:
    """History rows for the revisions a stamp marked applied (``direction``) or not applied any more."""
    after = applied_or_empty(run.scripts, current_heads(run.connection, run.names.version_table))
    for revision in after:
        if revision not in before:
            script = run.scripts.get_revision(revision)
            assert script is not None
            history.record(run.connection, run.names, revision, direction, checksum(script), note)
    for revision in reversed(before):
        if revision not in after:
            history.record(run.connection, run.names, revision, "unstamp", None, note)
