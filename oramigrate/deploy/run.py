"""One locked run of revisions: history rows around each revision, the journal inside it.

``environment.py`` hands the online run to :meth:`DeployRun.run_migrations` when the command
layer put one in ``config.attributes`` (``db upgrade``, ``downgrade``, ``stamp``, ``baseline``).
The run has one database session: the holder row, the history, the journal and the revisions all
go through it (the lock has a session of its own, ``lock.py``). Each revision gets its own
transaction (``transaction_per_migration``), so a revision's success is committed before the next
starts; SQLite is made transactional for DDL (BEGIN emitted by us, not by the driver).

The lock is checked where a change could become durable without it: where DDL commits on its own
(MariaDB, Oracle) before each revision and each statement; where the revision is one transaction
(PostgreSQL, SQLite) once, just before it commits, and before any statement that commits on its
own (an autocommit block). A signal is looked for before each statement (``before_statement``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from ..errors import MigrationError
from ..failures import describe
from ..private import migration_plan, open_transaction, replace_migration_plan
from ..progress import Progress, Silent
from ..revisions import applied, first_line
from . import dataloss, history, journal
from .blockers import Watcher
from .checksums import checksum
from .interrupts import Interrupted, Interruptions
from .journal import InvalidIndexLeft, JournalMismatch, JournalOutside, Refused, StatementJournal
from .lock import LockLost, MigrationLock
from .lockwait import Budget, LockWaitExhausted, LockWaits
from .tables import DeployTables


class RevisionFailed(MigrationError):
    """A revision failed: which one, at which operation, with what database error."""


class HalfApplied(MigrationError):
    """A half-applied revision stands in the way of the run: it is finished or undone first."""


class PlanRefused(MigrationError):
    """The revisions to run cannot be planned: a revision spec past the chain, a missing upgrade()."""

    exit_code = 2


_MISSING_FUNCTION = re.compile(r"^module '([^']+)' has no attribute '(upgrade|downgrade)'$")


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        # the driver's own words: describe() would call a failed statement "database unavailable"
        text = f"database error: {exc.orig}"
    else:
        described = describe(exc)
        text = described[0] if described is not None else f"{type(exc).__name__}: {exc}"
    return first_line(text) or type(exc).__name__


def _transaction_aborted(exc: BaseException) -> bool:
    """PostgreSQL's "current transaction is aborted": a statement refused after an earlier one failed."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "25P02" or getattr(orig, "pgcode", None) == "25P02"


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite begins transactions only before DML; with it out of the way we emit BEGIN ourselves
    dbapi_connection.isolation_level = None


def _emit_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def run_engine(engine: Engine) -> Engine:
    """The engine a locked run works on: SQLite gets one whose DDL is transactional (dispose it after)."""
    if engine.dialect.name != "sqlite":
        return engine
    transactional = sa.create_engine(engine.url, poolclass=NullPool)
    sa.event.listen(transactional, "connect", _driver_autocommit)
    sa.event.listen(transactional, "begin", _emit_begin)
    return transactional


def _direction(step: RevisionStep) -> str:
    return "upgrade" if step.is_upgrade else "downgrade"


def _downgrades(plan: list[Any]) -> list[RevisionStep]:
    return [step for step in plan if isinstance(step, RevisionStep) and not step.is_upgrade]


@dataclass
class DeployRun:
    """State of one locked run: its connection and the revision now running."""

    engine: Engine
    names: DeployTables
    scripts: ScriptDirectory
    # the run's one session: holder row, history, journal and revisions (a lost one reconnects to
    # write what happened)
    connection: Connection
    lock: MigrationLock | None = None
    token: str = ""
    interrupts: Interruptions = field(default_factory=Interruptions)
    # the server's id of the connection's session, as the holder row records it
    session: str | None = None
    allow_data_loss: bool = False
    confirm: Callable[[str], bool] | None = None
    # each statement's lock-wait budget and retries (None: the server's own waits); who hears of waits
    budget: Budget | None = None
    notify: Callable[[str], None] = lambda _message: None
    # revisions with journal rows when the run began (read once: under the lock only we write them)
    journaled: set[str] = field(default_factory=set)
    # the half-applied revisions the journal knew of when the run began (none of them running)
    half: list[journal.Progress] = field(default_factory=list)
    # half-applied revisions in the journals of other history tables (MIGRATION_HISTORY_TABLE) here
    elsewhere: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # a note for a revision's own history row: --allow-unsafe, --allow-data-loss; lives with its outcome
    notes: dict[tuple[str, str], str] = field(default_factory=dict)
    # a multi-database chain's bind this run migrates (None: a single-database chain)
    engine_name: str | None = None
    # the live line on a terminal (progress.py); silent elsewhere
    progress: Progress = field(default_factory=Silent)
    # what makes the run ready to write (the tool's tables, the holder row, the tidy): once, when env.py
    # reaches run(), so that an env.py failing before that writes nothing
    prepare: Callable[[], None] | None = None
    _row: int | None = None
    _next_id: int | None = None
    _prepared: int | None = None  # the next revision's 'running' row, written by the previous commit
    _upcoming: Any = None
    _revision: str = ""
    _journal: StatementJournal | None = None
    _heads: tuple[str, ...] = ()
    _fresh: bool = False  # the lock was checked and no statement ran since
    _waits: LockWaits | None = None
    _home: journal.Home | None = None  # PostgreSQL: the journal, named with its schema, read once per run
    _watcher: Watcher | None = None

    def ready(self) -> None:
        """Make the run ready to write, once: the tool's tables, the holder row, the tidy, the checks."""
        prepare, self.prepare = self.prepare, None
        if prepare is not None:
            prepare()

    def connection_for_migrations(self) -> Connection:
        """The run's connection, ready and its transaction ended: Alembic's per-revision transactions are
        its own (a connection in a transaction at ``configure`` would be the caller's, never committed)."""
        self.ready()
        if self.connection.in_transaction():
            self.connection.commit()
        return self.connection

    def configure_options(self, connection: Connection) -> dict[str, Any]:
        """Options for ``context.configure`` in a locked run."""
        options: dict[str, Any] = {"transaction_per_migration": True, "on_version_apply": self._applied}
        if connection.dialect.name == "sqlite":
            options["transactional_ddl"] = True
        return options

    # --- the checkpoint the journal calls before each statement ---------------------------------

    def before_statement(self, where: str, *, check_lock: bool = True) -> None:
        """Stop here if a signal came or (``check_lock``: the statement commits on its own) the lock is
        no longer ours; the statement is shown on a terminal."""
        journal_run = self._journal
        if journal_run is not None and not isinstance(self.progress, Silent):
            self.progress.statement(journal_run.index, journal_run.total, journal_run.current)
        self.interrupts.check()
        if not check_lock:
            return  # inside the revision's transaction: checked once, before it commits
        if self._fresh:
            self._fresh = False  # checked just before this revision began, nothing ran since
        elif self.lock is not None:
            self.lock.ensure_held(where)

    def statement_running(self) -> AbstractContextManager[None]:
        """Signals wait while a statement and its journal rows are in flight."""
        return self.interrupts.deferred()

    # --- the run ----------------------------------------------------------------------------------

    def run_migrations(self, context: EnvironmentContext, **arguments: Any) -> None:
        """Run what Alembic planned, one transaction and one history row per revision (``arguments``:
        what each revision's ``upgrade()``/``downgrade()`` gets, a multi-database chain's bind)."""
        self.engine_name = arguments.get("engine_name")
        migration_context = context.get_context()
        connection = migration_context.connection
        assert connection is not None
        self._waits = self._lock_waits(connection.dialect.name, self.session)
        if self._waits is not None:
            # the session's budget for the whole run: it outlives a rolled-back attempt, no SET per revision
            self._waits.apply(connection, local=False)
            connection.commit()
        if connection.dialect.name == "postgresql" and not migration_context.as_sql:
            # before any revision may set its own search_path: where the journal is, read once
            self._home = journal.Home.of(connection, self.names)
            connection.commit()
        planned = migration_plan(migration_context)

        def steps(heads: Any, ctx: MigrationContext) -> Iterator[Any]:
            plan = self._plan(planned, heads, ctx, context.get_revision_argument())
            self._heads = tuple(heads)
            self._refuse_elsewhere(plan)
            self._check_half_applied(plan)
            self._check_data_loss(plan, ctx)
            revisions = [step for step in plan if isinstance(step, RevisionStep)]
            self.progress.planned(len(revisions), _direction(revisions[0]) if revisions else "upgrade")
            for index, step in enumerate(plan):
                self._end_idle_transaction(ctx)
                self._upcoming = plan[index + 1] if index + 1 < len(plan) else None
                if isinstance(step, RevisionStep):
                    self._checkpoint(f"revision {step.revision.revision}", ctx)
                    self._begin(step, ctx)
                    self.progress.revision(step.revision.revision)
                yield step
                # resumed by Alembic only after the step's transaction committed
                self._succeeded()
                if isinstance(step, RevisionStep):
                    self.progress.revision_done()

        replace_migration_plan(migration_context, steps)
        try:
            with context.begin_transaction():
                context.run_migrations(**arguments)
            self.interrupts.check()  # a signal held during the last commit
        except (Exception, SystemExit) as exc:  # sys.exit() in a revision is its failure, not a success
            failure = self._failed(exc)
            if failure is None and isinstance(exc, SystemExit):
                failure = RevisionFailed(f"a revision called sys.exit({exc.code!r}); nothing more was run")
            if failure is None:
                raise
            raise failure from exc
        finally:
            self._end_waits(connection)
            self.progress.finished()

    def _plan(self, planned: Any, heads: Any, ctx: MigrationContext, destination: Any) -> list[Any]:
        # Alembic plans with bare asserts (`head+1`, an empty revision) and finds a revision without
        # upgrade() or downgrade() only here: one line before any revision runs
        try:
            return list(planned(heads, ctx))
        except AssertionError:
            current = ", ".join(heads) or "base"
            raise PlanRefused(
                f"cannot go from {current} to {destination!r}: it steps past the chain's head or base,"
                " or names no revision (db history lists them)"
            ) from None
        except AttributeError as exc:
            missing = _MISSING_FUNCTION.match(str(exc))
            if missing is None:
                raise
            module, function = missing.groups()
            paths = [
                script.path for script in self.scripts.walk_revisions() if script.module.__name__ == module
            ]
            raise PlanRefused(
                f"the revision file {paths[0] if paths else module} defines no {function}(): nothing was run"
            ) from None

    def _lock_waits(self, dialect: str, session: str | None) -> LockWaits | None:
        budget = self.budget
        if budget is None or dialect == "sqlite":
            return None
        interval = min(0.5, max(0.05, budget.seconds / 4))
        if session is not None and self._watcher is None:
            self._watcher = Watcher(self.engine, session, interval)  # one per run, armed per statement
        watcher = self._watcher
        return LockWaits(budget, dialect, self.notify, lambda: watcher)

    def _end_waits(self, connection: Connection) -> None:
        if self._waits is None:
            return
        try:  # a pooled session goes back with the server's own settings
            if connection.in_transaction():
                connection.rollback()
            self._waits.reset(connection)
            connection.commit()
        except sa.exc.DBAPIError:
            self._rollback()

    def close(self) -> None:
        """Stop what this run started (the blocker watcher)."""
        if self._watcher is not None:
            self._watcher.close()
            self._watcher = None

    def _checkpoint(self, where: str, ctx: MigrationContext) -> None:
        self.interrupts.check()
        if ctx.impl.transactional_ddl:
            return  # the revision is one transaction: the lock is checked before it commits
        if self.lock is not None:
            self.lock.ensure_held(where)
        self._fresh = True

    def _end_idle_transaction(self, ctx: MigrationContext) -> None:
        # Alembic's reads (current heads, version table) autobegin; ending that transaction first
        # keeps the first revision's transaction its own (its history row commits before it begins).
        connection = ctx.connection
        if open_transaction(ctx) is None and connection is not None and connection.in_transaction():
            connection.commit()

    def refuse_over_half_downgrade(self) -> None:
        """``db upgrade``: a half-downgraded revision is finished (``db downgrade``) or restored first, else
        the upgrade would call the database at its head, or build on a revision half taken apart."""
        for half in self.half:
            if half.direction == "downgrade":
                raise HalfApplied(
                    f"revision {half.revision} is half-downgraded ({half}); `db downgrade` resumes it, or"
                    f" restore its reverted operations by hand and run `db journal clear {half.revision}`;"
                    " nothing was changed"
                )

    def _refuse_elsewhere(self, plan: list[Any]) -> None:
        # a runner with another history table would run the revision from its first statement again
        running = {step.revision.revision for step in plan if isinstance(step, RevisionStep)}
        for table, pairs in sorted(self.elsewhere.items()):
            mine = [(revision, direction) for revision, direction in pairs if revision in running]
            if not mine:
                continue
            revision, direction = mine[0]
            history_table = table[: -len("_journal")]
            raise HalfApplied(
                f"revision {revision} is half-applied ({direction}) according to {table}, the journal of"
                f" runners with MIGRATION_HISTORY_TABLE={history_table}"
                f" (this run's is {self.names.history.name}); run `db {direction}` with that setting to"
                " resume it; nothing was changed"
            )

    def _check_half_applied(self, plan: list[Any]) -> None:
        # downgrading the parent of a half-applied revision takes away what its applied operations
        # stand on (a dropped table takes their columns with it), while its journal still says they
        # are applied: the next upgrade would skip them
        self._refuse_under_half_applied({step.revision.revision for step in _downgrades(plan)})

    def _refuse_under_half_applied(self, reverting: set[str]) -> None:
        # a downgrade, or a stamp that marks the parent not applied: `db upgrade` would then apply the
        # parent again under the half-applied revision, whose journal skips what it says is applied
        if not self.half or not reverting:
            return
        known = {script.revision: script for script in self.scripts.walk_revisions()}
        for half in self.half:
            # a journal whose revision file is gone (renamed, rebased away) says nothing of its parent
            script = known.get(half.revision) if half.direction == "upgrade" else None
            parents = set(to_tuple(script.down_revision, default=())) if script is not None else set()
            for parent in sorted(parents & reverting):
                raise HalfApplied(
                    f"revision {half.revision} is half-applied on top of {parent} ({half}); downgrading"
                    f" (or unstamping) {parent} would take away what its applied operations stand on while"
                    " its journal still says they are applied; finish it with `db upgrade`, or undo its"
                    f" applied operations by hand and run `db journal clear {half.revision}`;"
                    " nothing was changed"
                )

    def _check_data_loss(self, plan: list[Any], ctx: MigrationContext) -> None:
        downgrades = _downgrades(plan)
        if not downgrades:
            return
        connection = ctx.connection
        assert connection is not None
        planned = dataloss.planned_all(
            self.scripts, [step.revision for step in downgrades], ctx.dialect.name, self.engine_name
        )
        losses = [loss for loss in dataloss.counted(connection, planned) if loss.loses_data]
        if not losses:
            return
        listed = "; ".join(str(loss) for loss in losses)
        if not self.allow_data_loss and not (
            self.confirm and self.confirm(f"this downgrade loses data: {listed}")
        ):
            raise dataloss.DataLossRefused(losses)
        how = "--allow-data-loss" if self.allow_data_loss else "confirmed at the terminal"
        for step in downgrades:
            mine = [str(loss) for loss in losses if loss.revision == step.revision.revision]
            if mine:
                self.notes[(step.revision.revision, "downgrade")] = (
                    f"data loss allowed ({how}): " + "; ".join(mine)
                )

    def _begin(self, step: RevisionStep, ctx: MigrationContext) -> None:
        self._revision = revision = step.revision.revision
        direction = _direction(step)
        if self._prepared is not None:
            self._row, self._prepared = self._prepared, None
        else:
            self._row = history.start(
                self.connection,
                self.names,
                revision,
                direction,
                checksum(step.revision),
                self.notes.get((revision, direction)),
                row_id=self._id(),
            )
        journaling = not ctx.impl.transactional_ddl
        # transactional DDL too: an autocommit block's statements are journaled, as they commit
        resume, edited = self._resumable(step, direction) if revision in self.journaled else (None, False)
        journal_run = StatementJournal(
            ctx,
            self.names,
            revision,
            direction,
            journaling=journaling,
            attempt=self._row,
            checkpoint=self,
            resume=resume,
            edited=edited,
            waits=self._waits,
            counting=not isinstance(self.progress, Silent),  # "operation 2 of 5" on a terminal
            home=self._home,
        )
        migration_fn = step.migration_fn

        @functools.wraps(migration_fn)  # Alembic logs the step under the function's name
        def run_journaled(**kwargs: Any) -> None:
            journal_run.run(migration_fn, **kwargs)

        step.migration_fn = run_journaled
        self._journal = journal_run

    def _resumable(self, step: RevisionStep, direction: str) -> tuple[list[journal.Entry] | None, bool]:
        # the journal of the latest attempt, if no success of the revision superseded it since; and
        # whether the revision was edited since the attempt that journaled its first rows
        connection, revision = self.connection, step.revision.revision
        rows = journal.entries(connection, self.names, revision)
        mine = rows.get((revision, direction), [])
        attempts = [entry.attempt for entry in mine if entry.attempt is not None]
        stale = not mine or history.superseded(connection, self.names, revision, max(attempts, default=None))
        table = self.names.journal
        edited = False
        if stale:
            journal.clear(connection, self.names, [revision])
        else:
            first = history.checksum_of(connection, self.names, min(attempts, default=None))
            edited = first is not None and first != checksum(step.revision)
            if not edited:  # an edited revision's rows keep their attempt: every rerun compares with it
                update = table.update().where(table.c.revision == revision).values(attempt=self._row)
                connection.execute(update)
        connection.commit()
        return (None, False) if stale else (mine, edited)

    def _applied(self, ctx: MigrationContext, step: Any, heads: set[str], **_kwargs: Any) -> None:
        # inside the step's last transaction, with Alembic's version update: the journal goes and the
        # history row says success in the same commit (atomic on MariaDB and Oracle too)
        with self.interrupts.held():
            connection = ctx.connection
            assert connection is not None
            journal_run = self._journal
            before, self._heads = self._heads, tuple(heads)
            if self._row is None or journal_run is None:  # a stamp step: every revision whose state changed
                changed = {s.revision for s in applied(self.scripts, before)}
                changed ^= {s.revision for s in applied(self.scripts, heads)}
                self._refuse_under_half_applied(changed)
                journal.clear(connection, self.names, changed & self.journaled)
                self.journaled -= changed
                return
            where = f"the commit of revision {self._revision}"
            held = self.lock.held_condition() if self.lock is not None else None
            if not journal_run.journaling and held is not None:
                # PostgreSQL: the revision's one lock check, its row closed and the next one opened,
                # all in one statement of its own transaction
                self._clear_journal(connection, journal_run)
                if not history.close_and_open(
                    connection, self.names, self._row, self._success_note(journal_run), self._next_row(), held
                ):
                    self._lock_lost(where)
                return
            if self.lock is not None:
                # a transactional revision's one check, after its statements and before its commit; where
                # each statement committed on its own, the last one may have outlived the lock: the
                # revision is recorded only while the lock is still ours (else the journal resumes it)
                self.lock.ensure_held(where)
            self._clear_journal(connection, journal_run)
            history.finish(
                connection,
                self.names,
                self._row,
                history.SUCCESS,
                note=self._success_note(journal_run),
                commit=False,
            )
            self._prepare_next(connection)

    def _clear_journal(self, connection: Connection, journal_run: StatementJournal) -> None:
        # the revision's journal goes in the commit that records it
        if journal_run.wrote or self._revision in self.journaled:
            journal.clear(connection, self.names, [self._revision])
            self.journaled.discard(self._revision)

    def _lock_lost(self, where: str) -> None:
        assert self.lock is not None
        self.lock.ensure_held(where)  # says why, in the lock session's own words
        raise LockLost(f"migration lock lost before {where} (pg_locks shows it held by no session of ours)")

    def _next_row(self) -> dict[str, Any] | None:
        # the values of the next revision's row, for the statement that closes this one
        upcoming = self._upcoming
        if not isinstance(upcoming, RevisionStep):
            return None
        revision, direction = upcoming.revision.revision, _direction(upcoming)
        row_id = self._id()
        self._prepared = row_id
        note = self.notes.get((revision, direction))
        return history.opening(
            self.connection, revision, direction, checksum(upcoming.revision), note, row_id
        )

    def _success_note(self, journal_run: StatementJournal) -> str | None:
        parts = []
        own = self.notes.get((journal_run.revision, journal_run.direction))
        if own:
            parts.append(own)
        if journal_run.resumed:
            parts.append(f"resumed: skipped {journal_run.resumed} operations applied by an earlier run")
        parts += journal_run.decided
        if journal_run.lock_retries:
            parts.append(f"retried {journal_run.lock_retries} times after lock waits ran out")
        return "; ".join(parts) or None

    def _prepare_next(self, connection: Connection) -> None:
        upcoming = self._upcoming
        if isinstance(upcoming, RevisionStep):
            # the next revision's row commits with this one: no commit of its own, and if the runner
            # dies between the two, the row left 'running' says where
            revision, direction = upcoming.revision.revision, _direction(upcoming)
            self._prepared = history.start(
                connection,
                self.names,
                revision,
                direction,
                checksum(upcoming.revision),
                self.notes.get((revision, direction)),
                row_id=self._id(),
                commit=False,
            )

    def _id(self) -> int:
        # under the lock no one else writes history: read the next id once, then count
        if self._next_id is None:
            self._next_id = history.next_id(self.connection, self.names)
        self._next_id += 1
        return self._next_id - 1

    def _succeeded(self) -> None:
        # the revision's transaction committed: its history row with it
        self._row, self._journal = None, None

    def _failed(self, exc: BaseException) -> MigrationError | None:
        outcome = history.FAILED
        if isinstance(exc, Interrupted):
            outcome = history.INTERRUPTED
        elif isinstance(exc, LockLost):
            outcome = history.ABORTED
        error = _error_line(exc)
        self._rollback()  # a lost session reconnects on the next statement: a new session writes this
        if self._journal is not None:
            self._journal.restore_session(self.connection)
        if self._row is None:
            if self._prepared is not None:  # stopped between revisions: the next one's row says how
                history.finish(self.connection, self.names, self._prepared, outcome, error)
                self._prepared = None
            return None
        journal_run = self._journal
        assert journal_run is not None
        first = journal_run.first_failure
        if first is not None and first.error is not exc and _transaction_aborted(exc):
            error = _error_line(first.error)  # the statement that failed, not a later one refused after it
        else:
            first = None
        last = journal_run.completed  # the last statement finished in this run
        outside = self._committed_outside(journal_run)
        if outcome == history.FAILED and journal_run.journaling and (last or journal_run.in_doubt or outside):
            outcome = history.PARTIAL
        if outcome == history.FAILED and journal_run.kept:
            outcome = history.PARTIAL
        history.finish(self.connection, self.names, self._row, outcome, error)
        self._row, self._journal, self._prepared = None, None, None
        return self._failure(exc, journal_run, error, first, last, outside)

    def _failure(
        self,
        exc: BaseException,
        journal_run: StatementJournal,
        error: str,
        first: Refused | None,
        last: int,
        outside: list[journal.Entry],
    ) -> MigrationError:
        # the error the failed revision raises: where it stopped, why, and what it leaves
        of_total = "" if journal_run.total is None else f" of {journal_run.total}"
        if isinstance(exc, JournalOutside):
            return exc  # refused before it ran: its message says what to do
        if isinstance(exc, JournalMismatch) and not journal_run.ran:
            return RevisionFailed(f"{exc}; no operation of it was run this time")  # it names the way out
        if isinstance(exc, JournalMismatch):  # after statements a rerun's guard issued before applied ones
            ran = f"{journal_run.ran} operations of it were run this time"
            return RevisionFailed(f"{exc}; {ran}; {self._what_remains(journal_run, last)}")
        if isinstance(exc, LockWaitExhausted):
            return LockWaitExhausted(f"{exc}; {self._what_remains(journal_run, last)}", exc.blockers)
        if first is not None:
            statement = first.statement[:200]
            where = f"revision {self._revision} failed at operation {first.index}{of_total} ({statement})"
        elif isinstance(exc, (Interrupted, LockLost)):
            where = f"revision {self._revision} stopped after operation {last}{of_total}"
        elif journal_run.index and last == journal_run.index:
            # its own Python code raised after its last statement finished: not that statement's failure
            where = f"revision {self._revision} failed after operation {last}{of_total}"
        else:
            statement = journal_run.current[:200]
            where = (
                f"revision {self._revision} failed at operation {journal_run.index}{of_total} ({statement})"
            )
        remains = self._what_remains(journal_run, last, resumed=not outside)
        if outside:  # not resumed over them: what is applied, and the way out instead of a resume
            remains = (
                f"{remains}; but {journal.outside_summary(outside)} committed: it will not be run again over"
                f" them; {journal.outside_way_out(self._revision, journal_run.direction)}"
            )
        elif isinstance(exc, InvalidIndexLeft):
            remains = exc.way_out if remains == "rolled back as a unit" else f"{remains}; {exc.way_out}"
        message = f"{where}: {error}; {remains}"
        if isinstance(exc, Interrupted):
            return Interrupted(exc.signum, message)
        if isinstance(exc, LockLost):
            return LockLost(message)
        return RevisionFailed(message)

    def _committed_outside(self, journal_run: StatementJournal) -> list[journal.Entry]:
        # the writes the revision's code sent past its operations whose rows (so whose effects) committed
        if not journal_run.outside:
            return []
        try:
            rows = journal.entries(self.connection, self.names, journal_run.revision)
            self.connection.rollback()
        except sa.exc.DBAPIError:
            self._rollback()
            return []
        mine = rows.get((journal_run.revision, journal_run.direction), [])
        return [row for row in mine if row.state == journal.OUTSIDE]

    def _what_remains(self, journal_run: StatementJournal, last: int, *, resumed: bool = True) -> str:
        # what the failed run leaves (``last``: the last statement it finished), and (``resumed``) how the
        # next run goes on from it; a statement the revision caught after the server refused it is not applied
        done = journal_run.applied_count
        if journal_run.in_doubt:
            return (
                f"the connection was lost while operation {journal_run.index} ran, so its outcome is unknown;"
                f" {done} operations applied and journaled; the next `db {journal_run.direction}` decides it"
                " from the catalog"
            )
        if not journal_run.journaling and journal_run.kept:
            who = journal_run.committed_by
            kept = f"rolled back but for {len(journal_run.kept)} operations {who} committed"
            return f"{kept} (journaled); `db {journal_run.direction}` resumes after them" if resumed else kept
        if not resumed:  # writes outside its operations committed: it is not resumed
            return (
                f"{done} operations applied and journaled" if done else "none of its operations was applied"
            )
        if not journal_run.journaling:
            return "rolled back as a unit"
        if last == 0 and journal_run.resumed:
            return f"the {journal_run.resumed} operations an earlier run applied stay journaled"
        if done == 0:
            return "nothing of it was applied"
        if done == journal_run.total:
            return (
                f"all {done} operations applied and journaled;"
                f" the next `db {journal_run.direction}` records the revision"
            )
        resumes = f"`db {journal_run.direction}` resumes at operation {journal_run.resumes_at}"
        if journal_run.undone:  # a DROP TABLE undid a CREATE TABLE of it: the rerun makes the table again
            dropped = f"{journal_run.undone} tables it created were dropped again by it"
            return f"{done} operations applied and journaled ({dropped}); {resumes}"
        return f"{done} operations applied and journaled; {resumes}"

    def _rollback(self) -> None:
        try:
            self.connection.rollback()
        except sa.exc.DBAPIError:
            pass
