"""The intent journal of the running revision, for databases whose DDL commits on its own.

On Oracle and MariaDB a revision that stops half-way leaves its first statements applied while
``alembic_version`` still names the previous revision. Each statement the revision executes
(every ``impl._exec`` call, in the order its ``upgrade()`` issues them) is journaled:

- DDL: a row ``started`` (holding the statement) is committed before it runs and set ``done`` after
  it, so a kill at any point leaves either nothing, or a row that says the statement may have run;
- DML: its row is written ``done`` inside the statement's own transaction (one commit), so the rows
  and the journal commit together or not at all.

A rerun executes the revision again: ``done`` statements are skipped after checking they are still
the same statements; a ``started`` one is decided from the catalog (``catalog.py``), or the run stops
naming it and the ``db journal`` command that settles it. The rows go with the version row change
that supersedes them (``clear``), and a resume uses them only if no later success of the revision
superseded them.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import dml

from ..errors import MigrationError
from ..private import (
    install_as_module_operations,
    module_operations,
    open_transaction,
    replace_statement_executor,
    set_open_transaction,
    statement_executor,
)
from . import catalog
from .lock import utcnow
from .lockwait import LockWaits, waits_unbounded
from .tables import TEXT_LENGTH, DeployTables

STARTED, DONE = "started", "done"
_DML_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE")
# comments and parentheses before a statement's first word ("-- seed\nINSERT ...", "/* x */ UPDATE ...")
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
# what a revision may send through op.get_bind() without the journal: reads and session settings
_READ_WORDS = ("SELECT", "SHOW", "DESC", "EXPLAIN", "SET", "WITH")


class JournalMismatch(MigrationError):
    """A half-applied revision no longer issues the statements its journal says were applied."""


class JournalUndecided(MigrationError):
    """A statement started by a runner that died, whose effect the catalog cannot show."""


class _RevisionLockWait(Exception):
    def __init__(self, blockers: list[Any]) -> None:
        super().__init__("lock wait ran out")
        self.blockers = blockers


class Checkpoint(Protocol):
    """What the run checks before each statement: the lock is ours, no signal asked us to stop."""

    def before_statement(self, where: str, *, check_lock: bool = True) -> None: ...

    def statement_running(self) -> Any: ...


@dataclass(frozen=True)
class Entry:
    """One journal row: operation ``index`` of a revision, its state and statement."""

    index: int
    state: str
    statement: str
    total: int | None = None
    attempt: int | None = None


@dataclass(frozen=True)
class Progress:
    """How far a half-applied revision got."""

    revision: str
    direction: str
    done: int
    total: int | None
    last: str
    started: Entry | None = None

    def __str__(self) -> str:
        total = "?" if self.total is None else str(self.total)
        text = (
            f"revision {self.revision}: {self.done} of {total} operations applied"
            f" ({self.direction}; last applied: {self.last})"
        )
        if self.started is not None:
            text += f"; operation {self.started.index} started, outcome unknown: {self.started.statement}"
        return text


def describe_statement(construct: Any, dialect: Dialect) -> str:
    """The statement as one line of SQL (what the journal stores and compares)."""
    if isinstance(construct, str):
        text = construct
    else:
        try:
            text = str(construct.compile(dialect=dialect))
        except sa.exc.SQLAlchemyError:
            text = type(construct).__name__
    return re.sub(r"\s+", " ", text).strip()[:TEXT_LENGTH]


def is_dml(construct: Any) -> bool:
    """Whether a statement is DML (transactional everywhere) rather than DDL (committing on its own)."""
    if isinstance(construct, dml.UpdateBase):
        return True
    text = construct if isinstance(construct, str) else getattr(construct, "text", None)
    return isinstance(text, str) and _first_words(text).startswith(_DML_WORDS)


def _first_words(text: str) -> str:
    return text[_LEADING.match(text).end() :].upper()  # type: ignore[union-attr]


def is_read(construct: Any) -> bool:
    """Whether a statement sent through ``op.get_bind()`` only reads (or sets the session): not journaled."""
    if isinstance(construct, sa.sql.expression.SelectBase):
        return True
    if isinstance(construct, (dml.UpdateBase, sa.schema.ExecutableDDLElement)):
        return False
    text = construct if isinstance(construct, str) else getattr(construct, "text", None)
    if not isinstance(text, str):
        return True  # a function call, a sequence's next value: nothing a rerun would repeat
    words = _first_words(text)
    return words.startswith(_READ_WORDS) and not words.startswith(
        "SET STATEMENT"
    )  # SET STATEMENT ... FOR DDL


def count_operations(migration_fn: Callable[..., Any], dialect: Dialect) -> int | None:
    """How many statements ``migration_fn`` issues, run offline into a buffer (None if it cannot run so)."""
    dry = MigrationContext.configure(
        dialect=dialect, opts={"as_sql": True, "output_buffer": io.StringIO(), "literal_binds": True}
    )
    count = 0
    execute = statement_executor(dry.impl)

    def counting(construct: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        return execute(construct, *args, **kwargs)

    replace_statement_executor(dry.impl, counting)
    outer = module_operations()
    try:
        with Operations.context(dry):
            migration_fn()
    except Exception:  # noqa: BLE001 - a revision that reads data online cannot run offline: total unknown
        return None
    finally:
        # Operations.context removes the module proxy on exit instead of restoring the outer one
        if outer is not None:
            install_as_module_operations(outer)
    return count


def entries(
    connection: Connection, names: DeployTables, revision: str | None = None
) -> dict[tuple[str, str], list[Entry]]:
    """Journal rows by (revision, direction), in operation order."""
    journal = names.journal
    query = sa.select(
        journal.c.revision,
        journal.c.direction,
        journal.c.op_index,
        journal.c.state,
        journal.c.description,
        journal.c.op_total,
        journal.c.attempt,
    ).order_by(journal.c.revision, journal.c.direction, journal.c.op_index)
    if revision is not None:
        query = query.where(journal.c.revision == revision)
    found: dict[tuple[str, str], list[Entry]] = {}
    for rev, direction, index, state, description, total, attempt in connection.execute(query):
        # rows of earlier versions of the tool have no state: they were written after the commit
        found.setdefault((rev, direction), []).append(
            Entry(index, state or DONE, description, total, attempt)
        )
    return found


def progress(connection: Connection, names: DeployTables) -> list[Progress]:
    """Every half-applied revision the journal knows of."""
    found = []
    for (revision, direction), rows in entries(connection, names).items():
        done = [row for row in rows if row.state == DONE]
        started = next((row for row in rows if row.state == STARTED), None)
        last = done[-1].statement if done else "nothing"
        total = rows[-1].total
        found.append(Progress(revision, direction, len(done), total, last, started))
    return found


_SHAPE = {"revision", "direction", "op_index", "state", "description"}


def other_journals(connection: Connection, names: DeployTables) -> dict[str, list[tuple[str, str]]]:
    """(revision, direction) pairs in the journals of other history tables (``MIGRATION_HISTORY_TABLE``)
    of this schema, by table: runners with another history share the version table and the lock, so a
    revision one of them half-applied is half-applied for all (only where DDL commits on its own)."""
    if connection.dialect.name in ("postgresql", "sqlite"):
        return {}
    inspector = sa.inspect(connection)
    own = names.journal.name.lower()
    found: dict[str, list[tuple[str, str]]] = {}
    for table in inspector.get_table_names():
        if not table.lower().endswith("_journal") or table.lower() == own:
            continue
        if not _SHAPE <= {column["name"].lower() for column in inspector.get_columns(table)}:
            continue
        other = sa.table(table, sa.column("revision"), sa.column("direction"))
        rows = connection.execute(sa.select(other.c.revision, other.c.direction).distinct()).all()
        if rows:
            found[table] = [(revision, direction) for revision, direction in rows]
    return found


def clear(connection: Connection, names: DeployTables, revisions: Iterable[str]) -> None:
    """Delete the journal rows of ``revisions`` (in the caller's transaction)."""
    wanted = sorted(set(revisions))
    if wanted:
        connection.execute(names.journal.delete().where(names.journal.c.revision.in_(wanted)))


def settle_command(revision: str, direction: str = "upgrade") -> str:
    """The commands that settle a started statement of ``revision`` by hand (``direction``: the run's)."""
    return (
        f"check it by hand, then run `db journal resolve {revision} --applied` if it took effect"
        f" or `db journal resolve {revision} --not-applied` if it did not, and `db {direction}` again"
    )


class StatementJournal:
    """Names, journals, and on a rerun skips or decides, the statements of one revision run."""

    def __init__(
        self,
        context: MigrationContext,
        names: DeployTables,
        revision: str,
        direction: str,
        *,
        journaling: bool,
        attempt: int | None,
        checkpoint: Checkpoint,
        resume: list[Entry] | None = None,
        waits: LockWaits | None = None,
        counting: bool = False,
    ) -> None:
        self.context = context
        self.counting = counting  # count the statements even when not journaling (progress on a terminal)
        self.waits = waits
        # transactional DDL: statements an autocommit block committed (a retried revision skips them)
        self.committed: dict[int, str] = {}
        self.lock_retries = 0
        # on transactional DDL the statements are only counted and named (for the error message)
        self.journaling = journaling
        self.table = names.journal
        self.revision = revision
        self.direction = direction
        self.attempt = attempt
        self.checkpoint = checkpoint
        self.total: int | None = None
        self.index = 0
        self.completed = 0  # statements finished (run, or skipped as applied before) in this run
        self.wrote = False  # rows of this revision exist (to clear with the version update)
        self.in_doubt = False  # the failing statement may have run (its started row stays)
        self._construct: Any = ""
        self._described: str | None = None
        self.applied = {entry.index: entry for entry in resume or []}
        self.decided: list[str] = []
        self.found_applied = 0
        # statements the revision sent through op.get_bind() are journaled like op's (events on the
        # connection); ``_own``: the journal's own statements (and op's, already journaled) pass by
        self._own = 0
        self._foreign: tuple[int, bool] | None = None  # (operation, is DML) sent, not yet finished
        self._foreign_running = ExitStack()

    @property
    def current(self) -> str:
        """The statement running (or last run), as the journal names it; compiled only when asked."""
        if self._described is None:
            self._described = describe_statement(self._construct, self.context.dialect)
        return self._described

    @property
    def resumed(self) -> int:
        """How many statements a previous run applied (or the catalog showed applied)."""
        return sum(1 for entry in self.applied.values() if entry.state == DONE) + self.found_applied

    def run(self, migration_fn: Callable[..., Any], **kwargs: Any) -> None:
        """Run the revision, each statement journaled (or skipped if a previous run applied it)."""
        if self.journaling or self.counting:
            counted = functools.partial(migration_fn, **kwargs) if kwargs else migration_fn
            self.total = count_operations(counted, self.context.dialect)
        execute = statement_executor(self.context.impl)

        def journaled(construct: Any, *args: Any, **options: Any) -> Any:
            self._own += 1
            try:
                return each(construct, *args, **options)
            finally:
                self._own -= 1

        def each(construct: Any, *args: Any, **options: Any) -> Any:
            self.index += 1
            self._construct, self._described = construct, None
            # a statement that commits on its own needs the lock now; one inside the revision's
            # transaction is covered by the check before that transaction commits
            self.checkpoint.before_statement(self._where, check_lock=self.journaling or self._autocommit())
            if self.index in self.applied and self._settled_before(construct):
                self.completed = self.index
                return None
            if self.index in self.committed:
                return self._replayed()
            if not self.journaling:
                return self._transactional(execute, construct, args, options)
            return self._retried(lambda: self._journaled(execute, construct, args, options))

        replace_statement_executor(self.context.impl, journaled)
        connection = self._connection()
        if self.journaling:
            sa.event.listen(connection, "before_execute", self._foreign_before, retval=True)
            sa.event.listen(connection, "after_execute", self._foreign_after)
            sa.event.listen(connection, "before_cursor_execute", self._driver_before, retval=True)
            sa.event.listen(connection, "after_cursor_execute", self._driver_after)
        try:
            self._run_whole(migration_fn, kwargs)
        except sa.exc.DBAPIError as exc:
            self._foreign_failed(exc)
            raise
        finally:
            replace_statement_executor(self.context.impl, None)
            if self.journaling:
                sa.event.remove(connection, "before_execute", self._foreign_before)
                sa.event.remove(connection, "after_execute", self._foreign_after)
                sa.event.remove(connection, "before_cursor_execute", self._driver_before)
                sa.event.remove(connection, "after_cursor_execute", self._driver_after)
            self._foreign_running.close()

    # --- statements sent through op.get_bind(): journaled as op's are --------------------------

    def _driver_before(
        self, conn: Connection, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool
    ) -> tuple[str, Any]:
        # op.get_bind().exec_driver_sql(...): no before_execute; its SQL string reaches only the cursor
        if context is None or context.compiled is not None:
            return statement, parameters
        clause, _multi, _params = self._foreign_before(conn, statement, [], {}, {})
        if clause is statement:
            return statement, parameters
        return "SELECT 1 FROM DUAL WHERE 1 = 0", ()  # applied by an earlier run (MariaDB, Oracle)

    def _driver_after(
        self, conn: Connection, _cursor: Any, _statement: str, _p: Any, context: Any, _m: bool
    ) -> None:
        if context is not None and context.compiled is None:
            self._foreign_after(conn)

    def _foreign_before(
        self, _conn: Connection, clause: Any, multiparams: Any, params: Any, _options: Any
    ) -> tuple[Any, Any, Any]:
        if self._own or is_read(clause):
            return clause, multiparams, params
        self._own += 1
        try:
            if self._foreign is not None:  # the last one failed and the revision went on
                self._foreign_failed(None)
            self.index += 1
            self._construct, self._described = clause, None
            self.checkpoint.before_statement(self._where)
            if self.index in self.applied and self._settled_before(clause):
                self.completed = self.index
                # applied by an earlier run: sent as a statement that does nothing
                return sa.select(sa.literal(1)).where(sa.false()), [], {}
            self._foreign_running.enter_context(self.checkpoint.statement_running())
            dml_statement = is_dml(clause)
            if not dml_statement:
                self._write(STARTED)
                self._commit()
            self._foreign = (self.index, dml_statement)
        finally:
            self._own -= 1
        return clause, multiparams, params

    def _foreign_after(self, _conn: Connection, *_args: Any) -> None:
        if self._own or self._foreign is None:
            return
        _index, dml_statement = self._foreign
        self._foreign = None
        self._own += 1
        try:
            if dml_statement:  # the rows and their journal row commit together
                self._write(DONE)
                self._commit()
            else:
                try:
                    self._mark_done()
                except sa.exc.DBAPIError:
                    self.in_doubt = True
                    raise
            self.completed = self.index
        finally:
            self._own -= 1
            self._foreign_running.close()

    def _foreign_failed(self, exc: sa.exc.DBAPIError | None) -> None:
        if self._foreign is None:
            return
        _index, dml_statement = self._foreign
        self._foreign = None
        self._own += 1
        try:
            if exc is not None and (exc.connection_invalidated or self._connection().invalidated):
                self.in_doubt = not dml_statement  # a lost DML rolled back with its journal row
            else:
                self._end_transaction(commit=False)
                if not dml_statement:
                    self._forget_started()
        finally:
            self._own -= 1
            self._foreign_running.close()

    @property
    def _where(self) -> str:
        return f"operation {self.index} of revision {self.revision}"

    def _run_whole(self, migration_fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        # transactional DDL: a lock wait that ran out rolls the revision back (its locks go with it,
        # so the application is not kept waiting during the backoff) and runs it again; the budget is
        # the session's for the whole run (set once by the run, it outlives the rollback)
        retry = 0
        while True:
            try:
                migration_fn(**kwargs)
                return
            except _RevisionLockWait as wait:
                retry += 1
                self.lock_retries += 1
                where, statement = self._where, self.current
                self._end_transaction(commit=False)
                assert self.waits is not None
                self.waits.after_timeout(retry, where, statement, wait.blockers)
                self.index = self.completed = 0
                self.checkpoint.before_statement(f"revision {self.revision}, retry {retry}")

    def _transactional(self, execute: Callable[..., Any], construct: Any, args: Any, options: Any) -> Any:
        if self.waits is not None and self._autocommit():
            # its own transaction: retried alone, and a retry of the revision must not run it again
            result = self._retried(
                lambda: self._attempt(lambda: self._counted(execute, construct, args, options), session=True)
            )
            self.committed.update({index: "" for index in range(1, self.index)})
            self.committed[self.index] = self.current
            return result
        if self.waits is None:
            return self._counted(execute, construct, args, options)
        ran, result, blockers = self.waits.attempt(lambda: self._counted(execute, construct, args, options))
        if not ran:
            raise _RevisionLockWait(blockers)
        return result

    def _counted(self, execute: Callable[..., Any], construct: Any, args: Any, options: Any) -> Any:
        with self.checkpoint.statement_running():
            result = execute(construct, *args, **options)
            self.completed = self.index
        return result

    def _replayed(self) -> None:
        committed = self.committed[self.index]
        if committed and committed != self.current:
            raise JournalMismatch(
                f"revision {self.revision} issued another statement when run again after a lock wait:"
                f" operation {self.index} was {committed!r}, is now {self.current!r}"
            )
        self.completed = self.index  # committed by an autocommit block before the lock wait

    def _retried(self, once: Callable[[], tuple[bool, Any, list[Any]]]) -> Any:
        # one statement, tried again (the same statement, the same journal row index) after each
        # lock wait that ran out; it did nothing each time, so nothing is left behind
        retry = 0
        while True:
            ran, result, blockers = once()
            if ran:
                return result
            retry += 1
            self.lock_retries += 1
            assert self.waits is not None
            self.waits.after_timeout(retry, self._where, self.current, blockers)
            self.checkpoint.before_statement(self._where)

    def _autocommit(self) -> bool:
        options = self._connection().get_execution_options()
        return bool(options.get("isolation_level") == "AUTOCOMMIT")

    def _attempt(self, run: Callable[[], Any], *, session: bool = False) -> tuple[bool, Any, list[Any]]:
        # the session has the budget for the whole run, inside and outside transactions alike; a
        # statement of an autocommit block (``session``) that must wait unbounded (PostgreSQL
        # CONCURRENTLY index DDL) lifts it for itself, and the budget comes back after it
        if self.waits is None:
            return True, run(), []
        if not session or not waits_unbounded(self.context.dialect.name, self.current):
            return self.waits.attempt(run)
        self.waits.apply(self._connection(), local=False, unbounded=True)
        outcome = self.waits.attempt(run)
        self.waits.apply(self._connection(), local=False)
        return outcome

    def _settled_before(self, construct: Any) -> bool:
        # True: skip the statement (applied by an earlier run); False: run it now
        entry = self.applied[self.index]
        if entry.statement != self.current:
            raise JournalMismatch(
                f"revision {self.revision} changed since it was half-applied: operation {self.index} was"
                f" {entry.statement!r}, is now {self.current!r}; finish or undo its applied operations by"
                f" hand, then run `db journal clear {self.revision}` and `db {self.direction}` again"
            )
        if entry.state == DONE:
            return True
        decision = catalog.decide(self._connection(), construct)
        self._commit()  # end the reads' transaction before anything else runs
        if decision == catalog.UNDECIDED:
            raise JournalUndecided(
                f"revision {self.revision}: operation {self.index} ({self.current}) was started by a runner"
                " that stopped before it finished, and the catalog cannot show whether it took effect;"
                f" {settle_command(self.revision, self.direction)}"
            )
        if decision == catalog.APPLIED:
            self._mark_done()
            self.found_applied += 1
            self.decided.append(f"operation {self.index} found applied")
            return True
        self.decided.append(f"operation {self.index} found not applied, run again")
        del self.applied[self.index]
        self._forget_started()
        return False

    def _journaled(
        self, execute: Callable[..., Any], construct: Any, args: Any, options: Any
    ) -> tuple[bool, Any, list[Any]]:
        if is_dml(construct):
            # the rows and their journal row commit together, or neither does
            with self.checkpoint.statement_running():
                ran, result, blockers = self._attempt(lambda: execute(construct, *args, **options))
                if not ran:
                    self._end_transaction(commit=False)
                    return False, None, blockers
                self._write(DONE)
                self._commit()
                self.completed = self.index
            return True, result, []
        with self.checkpoint.statement_running():
            self._write(STARTED)
            self._commit()
            try:
                ran, result, blockers = self._attempt(lambda: execute(construct, *args, **options))
            except sa.exc.DBAPIError as exc:
                self._after_failure(exc)
                raise
            if not ran:
                # the wait ran out: the statement did nothing, its row goes (a retry writes it again)
                self._end_transaction(commit=False)
                self._forget_started()
                return False, None, blockers
            try:
                self._mark_done()
            except sa.exc.DBAPIError:
                # it ran, but whether its 'done' row landed is unknown (the session went as it was
                # written): the next run decides from the catalog, or names the command that settles it
                self.in_doubt = True
                raise
            self.completed = self.index
        return True, result, []

    def _after_failure(self, exc: sa.exc.DBAPIError) -> None:
        if exc.connection_invalidated or self._connection().invalidated:
            self.in_doubt = True  # the session is gone: the statement may still run, or have run
            return
        # the server said no: the statement did nothing, forget that it started
        self._end_transaction(commit=False)
        self._forget_started()

    def _write(self, state: str) -> None:
        self._connection().execute(
            self.table.insert().values(
                revision=self.revision,
                direction=self.direction,
                op_index=self.index,
                op_total=self.total,
                description=self.current,
                applied=utcnow(),
                state=state,
                attempt=self.attempt,
            )
        )
        self.wrote = True

    def _mark_done(self) -> None:
        table = self.table
        self._connection().execute(
            table.update()
            .where(table.c.revision == self.revision, table.c.direction == self.direction)
            .where(table.c.op_index == self.index)
            .values(state=DONE, applied=utcnow(), attempt=self.attempt)
        )
        self._commit()

    def _forget_started(self) -> None:
        table = self.table
        self._connection().execute(
            table.delete()
            .where(table.c.revision == self.revision, table.c.direction == self.direction)
            .where(table.c.op_index == self.index)
        )
        self._commit()

    def _connection(self) -> Connection:
        connection = self.context.connection
        assert connection is not None
        return connection

    def _commit(self) -> None:
        self._end_transaction(commit=True)

    def _end_transaction(self, commit: bool) -> None:
        # end Alembic's per-revision transaction, then hand it a new one
        connection = self._connection()
        transaction = open_transaction(self.context)
        if transaction is not None:
            transaction.commit() if commit else transaction.rollback()
            set_open_transaction(self.context, connection.begin())
        elif connection.in_transaction():
            connection.commit() if commit else connection.rollback()
