"""The intent journal of the running revision, for databases whose DDL commits on its own.

On Oracle and MariaDB a revision that stops half-way leaves its first statements applied while
``alembic_version`` still names the previous revision. Each statement the revision executes
(every ``impl._exec`` call, in the order its ``upgrade()`` issues them) is journaled:

- DDL: a row ``started`` (holding the statement) is committed before it runs and set ``done`` after
  it, so a kill at any point leaves either nothing, or a row that says the statement may have run;
- DML: its row is written ``done`` inside the statement's own transaction (one commit), so the rows
  and the journal commit together or not at all; inside an autocommit block, where the statement would
  commit on its own, the two get an explicit transaction of their own (MariaDB, PostgreSQL);
- a statement the server refused leaves no row, and one the revision caught and swallowed is not
  counted applied: a rerun issues it again, as the revision's code does.

A statement the revision's own code sends past its operations (``op.get_bind().execute``, an ORM
``Session`` on that connection, ``exec_driver_sql``) that writes (DML or DDL) gets an ``outside`` row
just before it, in its transaction: it commits with the rows it writes, or with the DDL's own commit.
Such a statement cannot be skipped on a rerun (the code that sends it runs again), so a revision that
stopped after one committed is not resumed: the run names them and the commands that settle it.

A rerun executes the revision again: ``done`` statements are skipped after checking they are still
the same statements; a ``started`` one is decided from the catalog (``catalog.py``), or the run stops
naming it and the ``db journal`` command that settles it. The rows go with the version row change
that supersedes them (``clear``), and a resume uses them only if no later success of the revision
superseded them.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import hashlib
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
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
from .tables import OWN_COLUMNS, TEXT_LENGTH, DeployTables

STARTED, DONE, OUTSIDE = "started", "done", "outside"
_DML_WORDS = ("INSERT", "UPDATE", "DELETE", "MERGE")
# the first word of a statement that writes: data (DML), schema (DDL), or a PL/SQL block that may
# do either; reads (SELECT, SHOW, DESCRIBE, WITH ... SELECT) and session settings (SET) are not
_WRITE_WORDS = frozenset(
    {*_DML_WORDS, "REPLACE", "UPSERT", "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE"}
    | {"COMMENT", "CALL", "DECLARE", "DO", "EXEC", "EXECUTE", "LOAD", "PURGE", "FLASHBACK"}
)
_FINGERPRINT = 10
# who committed a revision's statements before its end, as its failure message names them
_BY_BLOCK, _BY_ITSELF = "an autocommit block", "the revision itself"
# values _stable keeps as they are (a subclass may have a repr of its own: it takes the general way)
_PLAIN = frozenset({int, str, float, bool, type(None), bytes, decimal.Decimal})
_PLAIN |= {datetime.date, datetime.datetime, datetime.time}
# how a DML of an autocommit block opens a transaction with its journal row, where SQL can (the driver
# is in autocommit mode there; Oracle's cannot be told in SQL: its DML there is journaled like a DDL)
_BEGIN = {"mysql": "START TRANSACTION", "mariadb": "START TRANSACTION", "postgresql": "BEGIN"}
_DML_AFTER_WITH = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
_SELECT_INTO = re.compile(r"\bINTO\s+(?!@)", re.IGNORECASE)
# PostgreSQL's COPY of a table (not of a query) from a file, a program or the client
_COPY_IN = re.compile(r"COPY\s+[^\s(]+\s*(?:\([^)]*\)\s*)?FROM\b", re.IGNORECASE)
# what is not the statement's own words: string literals ('' and \' inside), PostgreSQL's dollar quotes,
# quoted names, comments; and a row lock's FOR [NO KEY] UPDATE (a read)
_NOT_WORDS = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\$(\w*)\$.*?\$\1\$|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*|#[^\n]*|/\*.*?\*/"
    r"|\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b",
    re.IGNORECASE | re.DOTALL,
)
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # an object's default repr names its address
_VALUES = re.compile(r" \[values [0-9a-f]{10}\]$")
# the one table a CREATE TABLE or DROP TABLE names (DROP of several tables is not matched)
_TABLE_DDL = re.compile(
    r"\s*(CREATE|DROP)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?([`\"\w.$#]+)(\s*(?:CASCADE|PURGE)?\s*;?\s*$)?",
    re.IGNORECASE,
)
# a session's setting: belongs to the session that ran it (a rerun's new session needs it again)
_SETTING = re.compile(r"(?:SET|RESET|USE)\b|ALTER\s+SESSION\b", re.IGNORECASE)
# SQLite's BEGIN of a transaction, alone
_BARE_BEGIN = re.compile(
    r"\s*BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE
)
# a ROLLBACK of the whole transaction (not ROLLBACK TO SAVEPOINT)
_BARE_ROLLBACK = re.compile(r"\s*ROLLBACK(?:\s+(?:WORK|TRANSACTION))?\s*;?\s*$", re.IGNORECASE)
# the first word after leading white space, comments (--, /* */, MySQL's #) and parentheses
_FIRST_WORD = re.compile(r"(?:\s|--[^\n]*\n|#[^\n]*\n|/\*.*?\*/|\()*([A-Za-z]+)(\s*;?\s*$)?", re.DOTALL)


class JournalMismatch(MigrationError):
    """A half-applied revision no longer issues the statements its journal says were applied."""


class JournalUndecided(MigrationError):
    """A statement started by a runner that died, whose effect the catalog cannot show."""


class InvalidIndexLeft(MigrationError):
    """A PostgreSQL ``CREATE INDEX CONCURRENTLY`` failed and left its invalid index behind."""

    def __init__(self, detail: str, name: str, direction: str) -> None:
        super().__init__(detail)
        self.way_out = (
            f"PostgreSQL keeps the invalid index {name} the failed CONCURRENTLY build left: fix the cause,"
            f" run `DROP INDEX CONCURRENTLY {name}`, then `db {direction}` again"
        )


class JournalOutside(MigrationError):
    """A half-applied revision committed writes outside its operations: running it again would repeat them."""


class SettingNotRestored(JournalMismatch):
    """A session setting an earlier run applied failed when issued again for the resume."""


class NestedAutocommitBlock(MigrationError):
    """A revision opened an autocommit block inside another (Alembic cannot nest them)."""


class _RevisionLockWait(Exception):
    def __init__(self, blockers: list[Any]) -> None:
        super().__init__("lock wait ran out")
        self.blockers = blockers


class Checkpoint(Protocol):
    """What the run checks before each statement: the lock is ours, no signal asked us to stop."""

    def before_statement(self, where: str, *, check_lock: bool = True) -> None: ...

    def statement_running(self) -> Any: ...


def _table_ddl(statement: str, verb: str) -> str | None:
    """The table a ``CREATE TABLE`` (``verb``) or a one-table ``DROP TABLE`` statement names, unquoted."""
    matched = _TABLE_DDL.match(statement)
    if matched is None or matched.group(1).upper() != verb or (verb == "DROP" and matched.group(3) is None):
        return None
    return matched.group(2).replace('"', "").replace("`", "").lower()


@dataclass(frozen=True)
class Entry:
    """One journal row: operation ``index`` of a revision, its state and statement."""

    index: int
    state: str
    statement: str
    total: int | None = None
    attempt: int | None = None


@dataclass(frozen=True)
class Refused:
    """A statement the server refused: its operation number, as the journal names it, and the error."""

    index: int
    statement: str
    error: sa.exc.DBAPIError


@dataclass(frozen=True)
class Progress:
    """How far a half-applied revision got."""

    revision: str
    direction: str
    done: int
    total: int | None
    last: str
    started: Entry | None = None
    outside: tuple[Entry, ...] = ()
    file_gone: bool = False  # no revision file defines it any more: nothing resumes it

    def __str__(self) -> str:
        total = "?" if self.total is None else str(self.total)
        text = (
            f"revision {self.revision}: {self.done} of {total} operations applied"
            f" ({self.direction}; last applied: {self.last})"
        )
        if self.started is not None:
            text += f"; operation {self.started.index} started, outcome unknown: {self.started.statement}"
        if self.outside:
            text += f"; {outside_summary(self.outside)} committed, so it is not resumed over them"
        return text


def in_sent_order(outside: Iterable[Entry]) -> list[Entry]:
    """``outside`` rows in the order their writes were sent (they are numbered -1, -2, ...)."""
    return sorted(outside, key=lambda row: -row.index)


def outside_summary(rows: Iterable[Entry]) -> str:
    """ "2 writes outside its operations (the first: INSERT ...)"."""
    found = in_sent_order(rows)
    writes = "1 write" if len(found) == 1 else f"{len(found)} writes"
    return f"{writes} outside its operations (the first: {found[0].statement[:200]})"


def outside_way_out(revision: str, direction: str) -> str:
    """What settles the writes a half-applied revision committed outside its operations."""
    return (
        f"undo them by hand, then run `db journal clear {revision}` and `db {direction}` again"
        f" (or finish the revision by hand and run `db stamp` and `db journal clear {revision}`)"
    )


def describe_statement(construct: Any, dialect: Dialect, options: dict[str, Any] | None = None) -> str:
    """The statement as one line of SQL (what the journal stores and compares).

    A statement with bound values (``sa.text(...).bindparams``, ``bulk_insert`` rows) ends with a
    fingerprint of them: a rerun of an edited revision must not skip an applied statement whose values
    changed, and the values themselves (a data fix may carry secrets) stay out of the journal.
    """
    values: list[Any] = []
    if isinstance(construct, str):
        text = construct
    else:
        try:
            compiled = construct.compile(dialect=dialect)
            text = str(compiled)
            values = [_in_lists_sorted(compiled)] if compiled.params else []
        except sa.exc.SQLAlchemyError:
            text = type(construct).__name__
    given = options or {}
    values += [given[key] for key in ("multiparams", "params") if given.get(key)]
    text = re.sub(r"\s+", " ", text).strip()
    if values:
        digest = hashlib.sha256(_ADDRESS.sub("", repr(_stable(values))).encode()).hexdigest()[:_FINGERPRINT]
        return f"{text[: TEXT_LENGTH - 24]} [values {digest}]"
    return text[:TEXT_LENGTH]


def _in_lists_sorted(compiled: Any) -> dict[str, Any]:
    # an IN list's values in one order: one made from a set follows the process's hash seed
    params = dict(compiled.params)
    for bind, name in compiled.bind_names.items():
        if bind.expanding and isinstance(params.get(name), (list, tuple)):
            params[name] = sorted(params[name], key=repr)
    return params


def _stable(value: Any) -> Any:
    # the values in a form whose repr is the same in every process: a set's order follows the hash seed
    if _plain_rows(value):
        return value  # bulk_insert rows, as they are (their repr is the one the general case builds)
    if isinstance(value, (set, frozenset)):
        return sorted((_stable(item) for item in value), key=repr)
    if isinstance(value, dict):
        return {key: _stable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stable(item) for item in value]
    return value


def _plain_rows(value: Any) -> bool:
    # a list of plain dicts of plain scalars, which _stable would copy unchanged: skipping the copy halves
    # the cost of a 100k-row bulk_insert's fingerprint
    if type(value) is not list or not all(type(row) is dict for row in value):
        return False
    return {type(item) for row in value for item in row.values()} <= _PLAIN


def same_statement(recorded: str, now: str, *, values: bool) -> bool:
    """Whether a journaled statement is the one issued now (``values``: their fingerprints too)."""
    if values:
        return recorded == now
    return _VALUES.sub("", recorded) == _VALUES.sub("", now)


def writes(statement: str) -> bool:
    """Whether SQL text sent to the server writes (DML, DDL, a PL/SQL block), by its first word."""
    match = _FIRST_WORD.match(statement)
    if match is None:
        return False
    word = match.group(1).upper()
    if word == "BEGIN":  # a PL/SQL block; a bare BEGIN (;) starts a transaction
        return match.group(2) is None
    if word in ("WITH", "SELECT", "COPY"):  # by the words of the statement itself, not of its literals
        words = _NOT_WORDS.sub(" x ", statement)
        if word == "WITH":  # PostgreSQL: a query whose common table expressions or main statement write
            return _DML_AFTER_WITH.search(words) is not None
        if word == "COPY":  # PostgreSQL: rows in (COPY ... TO is a read)
            return _COPY_IN.search(words) is not None
        # PostgreSQL's SELECT ... INTO makes a table (MariaDB's INTO @variable does not)
        return _SELECT_INTO.search(words) is not None
    return word in _WRITE_WORDS


def session_setting(statement: str) -> bool:
    """Whether SQL text only sets the session's state (``SET``, ``RESET``, ``USE``, ``ALTER SESSION``)."""
    match = _FIRST_WORD.match(statement)
    return match is not None and _SETTING.match(statement, match.start(1)) is not None


def ends_transaction(statement: str) -> bool:
    """Whether SQL text commits the transaction it runs in (``COMMIT``, PostgreSQL's ``END``)."""
    match = _FIRST_WORD.match(statement)
    return match is not None and match.group(1).upper() in ("COMMIT", "END")


def _in_autocommit_block(connection: Connection) -> bool:
    # Alembic's autocommit block sets the connection's isolation level for the block's statements
    return bool(connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


def _begin_after_commit(connection: Connection, cursor: Any, statement: str, *_args: Any) -> None:
    # SQLite, where this tool sends BEGIN itself (the driver's own transaction handling is off): after
    # a COMMIT or ROLLBACK the revision sent, what follows is a transaction again, as PostgreSQL's driver
    # makes it (else each statement committed on its own, and a failure later rolled none of them back)
    ended = ends_transaction(statement) or _BARE_ROLLBACK.match(statement) is not None
    if not ended or cursor.connection.in_transaction:
        return
    if connection.in_transaction() and not _in_autocommit_block(connection):
        cursor.execute("BEGIN")


def _begin_in_transaction(
    _connection: Connection, cursor: Any, statement: str, parameters: Any, *_args: Any
) -> tuple[str, Any]:
    # SQLite: a BEGIN the revision sends inside the transaction this tool keeps open (after its own
    # COMMIT, or on a rerun that skipped that COMMIT) does nothing, as on PostgreSQL (a warning there)
    if cursor.connection.in_transaction and _BARE_BEGIN.match(statement):
        return "SELECT 1", ()
    return statement, parameters


def is_dml(construct: Any) -> bool:
    """Whether a statement is DML (transactional everywhere) rather than DDL (committing on its own)."""
    if isinstance(construct, dml.UpdateBase):
        return True
    text = construct if isinstance(construct, str) else getattr(construct, "text", None)
    if not isinstance(text, str):
        return False
    # after leading comments or parentheses ("-- seed\nINSERT ...", "/* x */ UPDATE ..."); REPLACE (MariaDB)
    match = _FIRST_WORD.match(text)
    return match is not None and match.group(1).upper() in {*_DML_WORDS, "REPLACE"}


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
        outside = tuple(row for row in rows if row.state == OUTSIDE)
        last = done[-1].statement if done else "nothing"
        total = rows[-1].total
        found.append(Progress(revision, direction, len(done), total, last, started, outside))
    return found


def half_way(revision: str, direction: str, applied: set[str]) -> bool:
    """Whether a journal of ``revision`` run in ``direction`` still stands half-way, the ``applied``
    revisions known: not when the revision is already where the journal leads (finished by hand)."""
    return (revision in applied) != (direction == "upgrade")


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
        # one of ours, as the tool's table check knows them (older versions' journals have no state)
        if not set(OWN_COLUMNS["journal"]) <= {
            column["name"].lower() for column in inspector.get_columns(table)
        }:
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


def settle_command(revision: str, direction: str) -> str:
    """The commands that settle a started statement of ``revision`` by hand (``direction``: the run's)."""
    return (
        f"check it by hand, then run `db journal resolve {revision} --applied` if it took effect"
        f" or `db journal resolve {revision} --not-applied` if it did not, and `db {direction}` again"
    )


@dataclass(frozen=True)
class Home:
    """PostgreSQL: where the tool's journal is, named with its schema, and the session's search_path as the
    run began (a revision may set its own, SET search_path TO archive, which outlives its commit)."""

    journal: sa.Table
    search_path: str

    @classmethod
    def of(cls, connection: Connection, names: DeployTables) -> Home:
        """Read once per run, before any revision ran."""
        schema, search_path = connection.exec_driver_sql(
            "SELECT current_schema(), current_setting('search_path')"
        ).one()
        return cls(names.journal.to_metadata(sa.MetaData(), schema=schema), search_path)


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
        edited: bool = False,
        home: Home | None = None,
    ) -> None:
        self.context = context
        self.edited = edited  # the revision changed since the attempt that journaled ``resume``
        self.counting = counting  # count the statements even when not journaling (progress on a terminal)
        self.waits = waits
        # transactional DDL: statements committed before the revision's end (an autocommit block, a COMMIT
        # it sent), with their text where known: a revision retried after a lock wait replays them
        self.committed: dict[int, str] = {}
        # transactional DDL: statements this run applied, as the journal names them (described as they run,
        # so a bulk_insert's rows are not held)
        self._issued: dict[int, str] = {}
        # transactional DDL: those whose commit this run journaled (an autocommit block commits what ran
        # before it and each of its own statements: a later failure cannot undo them)
        self.kept: set[int] = set()
        self._passed_over: list[Entry] = []  # journaled statements a rerun did not issue again
        self.lock_retries = 0
        # on transactional DDL the statements are only counted and named (for the error message)
        self.journaling = journaling
        self.table = names.journal if home is None else home.journal
        self.revision = revision
        self.direction = direction
        self.attempt = attempt
        self.checkpoint = checkpoint
        self.total: int | None = None
        self.index = 0
        self.completed = 0  # the last statement finished (run, or skipped as applied before) in this run
        # the statements applied, by this run or an earlier one: not one the server refused and the
        # revision caught (``try: op.execute(...) except ...: pass``), which a rerun issues again
        self.settled: set[int] = set()
        self.wrote = False  # rows of this revision exist (to clear with the version update)
        self.in_doubt = False  # the failing statement may have run (its started row stays)
        self._construct: Any = ""
        self._options: dict[str, Any] = {}
        self._described: str | None = None
        self.applied = {entry.index: entry for entry in resume or []}
        # statements applied (journaled done) by this or an earlier run: a later DROP TABLE may undo one
        self._done = {entry.index: entry.statement for entry in resume or [] if entry.state == DONE}
        # transactional DDL: the first statement the server refused in this run (PostgreSQL refuses every
        # later one, such as Alembic's cleanup after a failed batch copy, with "transaction is aborted")
        self.first_failure: Refused | None = None
        self.undone = 0  # statements of this run whose DROP TABLE undid an earlier CREATE TABLE of it
        self.decided: list[str] = []
        self.found_applied = 0
        self.set_again: set[int] = set()  # applied session settings this run issued again
        # transactional DDL: what committed statements before the revision's end (_BY_BLOCK, _BY_ITSELF)
        self.committers: dict[str, None] = {}
        self._adopt = False  # the revision's code committed Alembic's transaction (SQLAlchemy's commit())
        self.ran = 0  # statements this run executed (not skipped)
        self.outside = 0  # writes the revision's code sent past its operations in this run
        self._own = False  # a statement of this journal's (an operation, a journal row) is being sent
        self._in_block = False  # the revision is inside an autocommit block
        self.search_path = None if home is None else home.search_path  # PostgreSQL: the run's, as it began
        self._savepoints: list[int] = []  # the savepoints the revision's code holds: the index at each

    @property
    def current(self) -> str:
        """The statement running (or last run), as the journal names it; compiled only when asked."""
        if self._described is None:
            self._described = describe_statement(self._construct, self.context.dialect, self._options)
        return self._described

    @property
    def resumed(self) -> int:
        """How many statements a previous run applied (or the catalog showed applied)."""
        done = (index for index, entry in self.applied.items() if entry.state == DONE)
        return sum(1 for index in done if index not in self.set_again) + self.found_applied

    def run(self, migration_fn: Callable[..., Any], **kwargs: Any) -> None:
        """Run the revision, each statement journaled (or skipped if a previous run applied it)."""
        if self.journaling or self.counting:
            counted = functools.partial(migration_fn, **kwargs) if kwargs else migration_fn
            self.total = count_operations(counted, self.context.dialect)
        execute = statement_executor(self.context.impl)
        self._refuse_outside_writes()

        def journaled(construct: Any, *args: Any, **options: Any) -> Any:
            with self._owned():
                return operation(construct, *args, **options)

        def operation(construct: Any, *args: Any, **options: Any) -> Any:
            self._adopt_transaction()
            self.index += 1
            self._construct, self._options, self._described = construct, options, None
            # a statement that commits on its own needs the lock now; one inside the revision's
            # transaction is covered by the check before that transaction commits
            commits = self.journaling or self._autocommit() or ends_transaction(self.current)
            self.checkpoint.before_statement(self._where, check_lock=commits)
            if self._set_again():
                return self._setting_again(execute, construct, args, options)
            self._skip_not_reissued()
            if self.index in self.applied and self._settled_before(construct):
                self._finished()
                return None
            if self.index in self.committed:
                return self._replayed()
            if not self.journaling:
                return self._transactional(execute, construct, args, options)
            return self._retried(lambda: self._journaled(execute, construct, args, options))

        replace_statement_executor(self.context.impl, journaled)
        connection = self._connection()
        # transactional DDL too: an autocommit block commits the writes sent before it with the rest
        sa.event.listen(connection, "before_cursor_execute", self._outside_write)
        sa.event.listen(connection, "commit", self._code_commits)
        sa.event.listen(connection, "rollback", self._code_rolls_back)
        sa.event.listen(connection, "savepoint", self._savepoint)
        sa.event.listen(connection, "rollback_savepoint", self._rolled_back_to)
        sa.event.listen(connection, "release_savepoint", self._released)
        sqlite = self.context.dialect.name == "sqlite"
        if sqlite:
            sa.event.listen(connection, "after_cursor_execute", _begin_after_commit)
            sa.event.listen(connection, "before_cursor_execute", _begin_in_transaction, retval=True)
        self.context.autocommit_block = self._journaled_block(self.context.autocommit_block)  # type: ignore[method-assign]
        try:
            self._run_whole(migration_fn, kwargs)
        finally:
            replace_statement_executor(self.context.impl, None)
            sa.event.remove(connection, "before_cursor_execute", self._outside_write)
            sa.event.remove(connection, "commit", self._code_commits)
            sa.event.remove(connection, "rollback", self._code_rolls_back)
            sa.event.remove(connection, "savepoint", self._savepoint)
            sa.event.remove(connection, "rollback_savepoint", self._rolled_back_to)
            sa.event.remove(connection, "release_savepoint", self._released)
            if sqlite:
                sa.event.remove(connection, "after_cursor_execute", _begin_after_commit)
                sa.event.remove(connection, "before_cursor_execute", _begin_in_transaction)
            del self.context.autocommit_block  # Alembic's own again

    def restore_session(self, connection: Connection) -> None:
        """After a failure, rolled back: the search_path the run began with (one a revision set and committed
        outlives the rollback, and the history row is written next, unqualified)."""
        if self.search_path is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # a lost session: a new one has the default
                connection.execute(sa.select(sa.func.set_config("search_path", self.search_path, False)))
                connection.commit()  # a setting made in a transaction goes with its rollback

    def _set_again(self) -> bool:
        # a session's setting (SET FOREIGN_KEY_CHECKS=0, ALTER SESSION SET CURRENT_SCHEMA) an earlier run
        # applied belongs to that run's session, not to the database: this run's session needs it again
        # before what follows (running it twice changes nothing; its journal row stays, marked done)
        entry = self.applied.get(self.index)
        if entry is None or not session_setting(self.current) or not self._same(entry):
            return False
        if entry.state != DONE and self.journaling:
            self._mark_done()
        self.set_again.add(self.index)
        return True

    def _setting_again(self, execute: Callable[..., Any], construct: Any, args: Any, options: Any) -> Any:
        # the setting the resume needs fails now (it reads a table a later operation dropped): the rest
        # would run without it, and every rerun would fail here the same way, so say so and the way out
        try:
            return self._counted(execute, construct, args, options)
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            detail = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
            raise SettingNotRestored(
                f"revision {self.revision}: operation {self.index} ({self.current}), a session setting an"
                f" earlier run applied, failed when issued again for the resume (database error: {detail}):"
                f" what follows it would run without it; {self._finish_or_undo()}"
            ) from exc

    def _journaled_block(self, block: Callable[[], Any]) -> Callable[[], Any]:
        # transactional DDL: Alembic commits the statements before an autocommit block when it begins,
        # whether or not the block issues any; their rows go in that commit (a failure after the block,
        # or a kill as it begins, leaves them journaled, never committed unjournaled)
        @contextlib.contextmanager
        def journaled_block() -> Iterator[None]:
            if self._in_block and not self.context.as_sql:
                # Alembic's inner block would trip its own assert, after the outer one's commit
                raise NestedAutocommitBlock(
                    "autocommit blocks cannot be nested (op.get_context().autocommit_block() inside another)"
                )
            self._adopt_transaction()  # the block begins by committing Alembic's transaction: the live one
            if not self.journaling and not self.context.as_sql:
                with self._owned():  # the journal's rows, not the revision's writes
                    self._commits_here(_BY_BLOCK)
            # the commits Alembic makes as the block begins and ends are its own, not the revision's code's
            inner = block()
            with self._owned():
                inner.__enter__()
            self._in_block = True
            try:
                yield
            except BaseException:
                self._in_block = False
                with self._owned():
                    if not inner.__exit__(*sys.exc_info()):
                        raise
            else:
                self._in_block = False
                with self._owned():
                    inner.__exit__(None, None, None)

        return journaled_block

    def _commits_here(self, who: str) -> None:
        # transactional DDL: the transaction commits now (an autocommit block begins, the revision sends
        # COMMIT or calls commit()), with the rows of the statements it commits (this one included) written
        # just before
        kept = len(self.kept)
        self._journal_committed(self.index + 1)
        self._committed_already(self.settled | self._issued.keys())
        if len(self.kept) > kept:
            self.committers[who] = None

    def _committed_already(self, indices: Iterable[int]) -> None:
        # statements a commit took along, replayed by a retry after a lock wait ("": its text not compared)
        for index in indices:
            self.committed.setdefault(index, "")

    @property
    def committed_by(self) -> str:
        """Who committed statements before the revision ended (an autocommit block, a COMMIT it sent)."""
        return " and ".join(self.committers) or _BY_BLOCK

    def _refuse_outside_writes(self) -> None:
        outside = [entry for entry in self.applied.values() if entry.state == OUTSIDE]
        if not outside:
            return
        raise JournalOutside(
            f"revision {self.revision} stopped after {outside_summary(outside)} had committed"
            f" (sent by its {self.direction}() through op.get_bind() or a Session, not by an operation);"
            f" running it again would repeat them: {outside_way_out(self.revision, self.direction)}"
        )

    @contextlib.contextmanager
    def _owned(self) -> Iterator[None]:
        # what is sent meanwhile is this journal's (an operation, a journal row): not an outside write
        before, self._own = self._own, True
        try:
            yield
        finally:
            self._own = before

    def _outside_write(
        self, _connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kw: Any
    ) -> None:
        # SQLAlchemy's hook before any statement of the revision's connection: one the revision's code
        # sent past its operations gets its journal row first, in its transaction (a DML commits with it;
        # a DDL commits it before running, so the row says it may have run)
        if self._own:
            return
        if not self.journaling and not self._autocommit() and ends_transaction(statement):
            self._journal_code_commit()  # a COMMIT sent through the bind
            return
        if not writes(statement):
            return
        self.outside += 1
        with self._owned():
            self._write(OUTSIDE, -self.outside, describe_statement(statement, self.context.dialect))

    def _code_commits(self, _connection: Connection) -> None:
        # SQLAlchemy's hook before a commit of the revision's connection: the revision's code committing
        # (op.get_bind().commit()) commits what ran before it, as a COMMIT it sends does
        if self._own or self._autocommit() or self.context.as_sql:
            return
        if not self.journaling:  # where each statement commits with its journal row, nothing is left
            try:
                self._journal_code_commit()
            except BaseException:
                # SQLAlchemy has let go of the transaction it was committing, but the server still holds
                # it: the next write (the history row 'aborted') would have committed the revision's rows
                # with it, without the lock
                driver = _connection.connection.dbapi_connection
                with contextlib.suppress(Exception):
                    if driver is not None:
                        driver.rollback()
                raise
        self._adopt = True

    def _journal_code_commit(self) -> None:
        # transactional DDL: the revision's code commits past its operations: the lock is checked, and
        # what it commits is journaled in that commit, as an operation's COMMIT is
        self.checkpoint.before_statement(self._where, check_lock=True)
        with self._owned():
            self._commits_here(_BY_ITSELF)

    def _code_rolls_back(self, _connection: Connection) -> None:
        # SQLAlchemy's hook before a rollback of the revision's connection: the revision's code discarding
        # its transaction (op.get_bind().rollback()) ends Alembic's, as a ROLLBACK it sends does on the
        # server: what follows runs in the next one, which Alembic is handed (else the version update went
        # with it at exit 0, or, where each statement commits, the next failed on "transaction is inactive")
        if not self._own and not self.context.as_sql:
            self._adopt = True

    def _savepoint(self, _connection: Connection, _name: str | None) -> None:
        # the revision's code opens a savepoint (begin_nested()): what runs after it is undone with it
        self._savepoints.append(self.index)

    def _released(self, _connection: Connection, _name: str, _context: Any) -> None:
        if self._savepoints:
            self._savepoints.pop()

    def _rolled_back_to(self, _connection: Connection, _name: str, _context: Any) -> None:
        # the statements since the savepoint (the innermost: they end in order) are undone, their journal
        # rows with them (MariaDB: the journal does not commit inside one): not applied, a rerun issues them
        since = self._savepoints.pop() if self._savepoints else self.index
        for index in [index for index in self._done.keys() | self._issued.keys() if index > since]:
            if index not in self.kept:
                self._done.pop(index, None)
                self._issued.pop(index, None)
                self.settled.discard(index)

    def _adopt_transaction(self) -> None:
        # after the revision's code committed through SQLAlchemy, Alembic's transaction is over: what
        # follows runs in one SQLAlchemy begins, which Alembic is handed here, so that the version update
        # and the revision's end commit it (else they were rolled back at exit 0, the revision unrecorded)
        if not self._adopt or self._autocommit():
            return
        self._adopt = False
        connection = self._connection()
        set_open_transaction(self.context, connection.get_transaction() or connection.begin())

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
                self._adopt_transaction()
                return
            except _RevisionLockWait as wait:
                retry += 1
                self.lock_retries += 1
                where, statement = self._where, self.current
                self._end_transaction(commit=False)
                assert self.waits is not None
                self.waits.after_timeout(retry, where, statement, wait.blockers)
                self.index = self.completed = self.ran = 0
                self.settled.clear()
                self._issued.clear()  # rolled back; what a block committed is journaled already
                self.checkpoint.before_statement(f"revision {self.revision}, retry {retry}")

    def _transactional(self, execute: Callable[..., Any], construct: Any, args: Any, options: Any) -> Any:
        if ends_transaction(self.current) and not self._autocommit() and not self.context.as_sql:
            # the revision commits itself (a COMMIT before ALTER TYPE ... ADD VALUE, as public chains do):
            # what it commits is journaled in that commit, as for an autocommit block
            self._issued[self.index] = self.current  # the COMMIT itself, in its own commit
            self._commits_here(_BY_ITSELF)
            return self._counted(execute, construct, args, options)
        if self._autocommit():
            # its own transaction: retried alone, and a retry of the revision must not run it again; it
            # and what ran before it are committed, so journaled: a rerun after a failure skips them
            self._journal_committed(self.index)
            result = self._retried(lambda: self._journaled(execute, construct, args, options, session=True))
            self.kept.add(self.index)
            self._committed_already(self.settled)
            self.committed[self.index] = self.current
            self.committers[_BY_BLOCK] = None
            return result
        if self.waits is None:
            return self._counted(execute, construct, args, options)
        ran, result, blockers = self.waits.attempt(lambda: self._counted(execute, construct, args, options))
        if not ran:
            raise _RevisionLockWait(blockers)
        return result

    def _journal_committed(self, upto: int) -> None:
        # the statements before ``upto`` that Alembic's autocommit block commits (or committed) as it begins
        for index in range(1, upto):
            if index in self.kept or index in self.applied or index not in self._issued:
                continue  # journaled, or never applied (refused by the server, caught by the revision)
            self._write(DONE, index, self._issued[index])
            self.kept.add(index)

    def _counted(self, execute: Callable[..., Any], construct: Any, args: Any, options: Any) -> Any:
        with self.checkpoint.statement_running():
            try:
                result = execute(construct, *args, **options)
            except sa.exc.DBAPIError as exc:
                if self.first_failure is None:
                    self.first_failure = Refused(self.index, self.current, exc)
                raise
            self._issued[self.index] = self.current
            self._finished()
            self.ran += 1
        return result

    def _finished(self) -> None:
        # the statement running is applied (run now, or by an earlier run)
        self.completed = self.index
        self.settled.add(self.index)

    def _replayed(self) -> None:
        committed = self.committed[self.index]
        if committed and not same_statement(committed, self.current, values=False):
            raise JournalMismatch(
                f"revision {self.revision} issued another statement when run again after a lock wait:"
                f" operation {self.index} was {committed!r}, is now {self.current!r}"
            )
        self._finished()  # committed by an autocommit block before the lock wait

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
        return _in_autocommit_block(self._connection())

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

    def _same(self, entry: Entry) -> bool:
        # the statement and its bound values: the same SQL text with other values may write other rows
        # (a loop over the rows still to fix), so it is never taken for the one an earlier run applied
        return same_statement(entry.statement, self.current, values=True)

    def _other_values(self, entry: Entry) -> bool:
        # the SQL text of the applied statement, issued again with other bound values
        return not self._same(entry) and same_statement(entry.statement, self.current, values=False)

    def _skip_not_reissued(self) -> None:
        # code that reads the database (a guard ``if not inspector.has_table(...)``, a loop over rows
        # still to fix) no longer issues statements an earlier run applied: when every statement from
        # here to a later journaled one equal to this, or (the revision unedited) to the end of the
        # journal, was applied, the run goes on from there instead of calling the revision changed
        entry = self.applied.get(self.index)
        if entry is not None and (self.edited or self._other_values(entry)) and not self._same(entry):
            return  # edited, or the applied statement with other values: _settled_before refuses it
        if entry is None or self._same(entry):
            issued = functools.partial(same_statement, now=self.current, values=False)
            if entry is None and any(issued(passed.statement) for passed in self._passed_over):
                raise JournalMismatch(
                    f"revision {self.revision} issued operation {self.index} ({self.current}) again after"
                    f" passing over it as applied by an earlier run; {self._finish_or_undo()}"
                )
            return
        later = self.index + 1
        while later in self.applied and not self._same(self.applied[later]):
            later += 1
        skipped = [self.applied[i] for i in range(self.index, later)]
        if any(passed.state != DONE for passed in skipped):
            return
        if later not in self.applied:
            if self.edited or max(self.applied) >= later:
                return
            self._passed_over += skipped  # this statement was never journaled: it runs
        first, last = self.index, later - 1
        which = f"operation {first}" if first == last else f"operations {first} to {last}"
        self.decided.append(f"{which} applied by an earlier run, not issued again")
        self.settled.update(range(first, later))
        self.index = later

    def _finish_or_undo(self) -> str:
        # the way out of a journal the rerun cannot follow
        return (
            "finish or undo its applied operations by hand, then run"
            f" `db journal clear {self.revision}` and `db {self.direction}` again"
        )

    def _settled_before(self, construct: Any) -> bool:
        # True: skip the statement (applied by an earlier run); False: run it now
        entry = self.applied[self.index]
        if not self.edited and self._other_values(entry):
            raise JournalMismatch(
                f"revision {self.revision} issued operation {self.index} ({self.current}) with other"
                " bound values than the earlier run that applied it (a loop over rows that changed since, or"
                " a value made at run time such as a timestamp or uuid4()): the journal cannot tell whether"
                f" it would write the same rows; {self._finish_or_undo()}"
            )
        if not self._same(entry):
            raise JournalMismatch(
                f"revision {self.revision} changed since it was half-applied: operation {self.index} was"
                f" {entry.statement!r}, is now {self.current!r}; {self._finish_or_undo()}"
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
        self, execute: Callable[..., Any], construct: Any, args: Any, options: Any, session: bool = False
    ) -> tuple[bool, Any, list[Any]]:
        block = self._autocommit()
        if is_dml(construct) and (not block or self.context.dialect.name in _BEGIN):
            return self._journaled_dml(lambda: execute(construct, *args, **options), session, block)
        with self.checkpoint.statement_running():
            self._write(STARTED)
            self._commit()
            try:
                ran, result, blockers = self._attempt(
                    lambda: execute(construct, *args, **options), session=session
                )
            except sa.exc.DBAPIError as exc:
                self._after_failure(exc)
                raise
            if not ran:
                # the wait ran out: the statement did nothing, its row goes (a retry writes it again)
                self._end_transaction(commit=False)
                self._forget_started()
                return False, None, blockers
            try:
                self._mark_done_or_undone()
            except sa.exc.DBAPIError:
                # it ran, but whether its 'done' row landed is unknown (the session went as it was
                # written): the next run decides from the catalog, or names the command that settles it
                self.in_doubt = True
                raise
            self._finished()
            self.ran += 1
        return True, result, []

    def _journaled_dml(
        self, run: Callable[[], Any], session: bool, block: bool
    ) -> tuple[bool, Any, list[Any]]:
        # the rows and their journal row commit together, or neither does: in the revision's transaction,
        # or, in an autocommit block (where the statement would commit on its own), in one of their own
        with self.checkpoint.statement_running():
            if block:
                self._connection().exec_driver_sql(_BEGIN[self.context.dialect.name])
            try:
                ran, result, blockers = self._attempt(run, session=session)
                if ran:
                    self._write(DONE)
            except BaseException:
                if block:
                    self._rollback_own()
                raise
            if not ran:
                if block:
                    self._rollback_own()
                else:
                    self._end_transaction(commit=False)
                return False, None, blockers
            if block:
                self._connection().exec_driver_sql("COMMIT")
            else:
                self._commit()
            self._done[self.index] = self.current
            self._finished()
            self.ran += 1
        return True, result, []

    def _rollback_own(self) -> None:
        # the transaction a DML of an autocommit block had with its journal row; a lost session took it along
        with contextlib.suppress(sa.exc.DBAPIError):
            if not self._connection().invalidated:
                self._connection().exec_driver_sql("ROLLBACK")

    def _after_failure(self, exc: sa.exc.DBAPIError) -> None:
        if exc.connection_invalidated or self._connection().invalidated:
            self.in_doubt = True  # the session is gone: the statement may still run, or have run
            return
        # the server said no: the statement did nothing, forget that it started
        self._end_transaction(commit=False)
        self._forget_started()
        left = catalog.invalid_index_left(self._connection(), self._construct)
        if left is not None:  # but a CONCURRENTLY build keeps what it made: the rerun would trip on it
            detail = f"database error: {exc.orig}" if exc.orig is not None else str(exc)
            raise InvalidIndexLeft(detail.strip().splitlines()[0], left, self.direction) from exc

    def _write(self, state: str, index: int | None = None, description: str | None = None) -> None:
        # the row of the statement running, or of another one given (an earlier one, an outside write)
        self._connection().execute(
            self.table.insert().values(
                revision=self.revision,
                direction=self.direction,
                op_index=self.index if index is None else index,
                op_total=self.total,
                description=self.current if description is None else description,
                applied=utcnow(),
                state=state,
                attempt=self.attempt,
            )
        )
        self.wrote = True

    def _mark_done(self) -> None:
        # the started row of the statement running is set done, and committed
        table = self.table
        self._connection().execute(
            table.update()
            .where(table.c.revision == self.revision, table.c.direction == self.direction)
            .where(table.c.op_index == self.index)
            .values(state=DONE, applied=utcnow(), attempt=self.attempt)
        )
        self._commit()
        self._done[self.index] = self.current

    def _mark_done_or_undone(self) -> None:
        # a DROP TABLE of a table a done statement of this revision created undoes it (Alembic's batch
        # drops its _alembic_tmp_ table when the copy into it fails): both rows go in one commit, so a
        # rerun creates it again where it skipped the CREATE and failed on the missing table
        dropped = _table_ddl(self.current, "DROP")
        made = [i for i, text in self._done.items() if dropped and _table_ddl(text, "CREATE") == dropped]
        if not made:
            self._mark_done()
            return
        table = self.table
        self._connection().execute(
            table.delete()
            .where(table.c.revision == self.revision, table.c.direction == self.direction)
            .where(table.c.op_index.in_([max(made), self.index]))
        )
        self._commit()
        self._done.pop(max(made))
        self.applied.pop(max(made), None)
        self.undone += 1

    @property
    def _journaled_done(self) -> set[int]:
        # the statements journaled done, by this run or an earlier one (a statement may be in both sets)
        return self._done.keys() | self.kept

    @property
    def applied_count(self) -> int:
        """How many of its statements are journaled done, by this run or an earlier one (not one the
        server refused and the revision caught, nor a table it made and dropped again)."""
        return len(self._journaled_done)

    @property
    def resumes_at(self) -> int:
        """The first operation a rerun runs: the first one not journaled done."""
        done = self._journaled_done
        return next(index for index in range(1, len(done) + 2) if index not in done)

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
        self._adopt_transaction()
        with self._owned():  # this journal's commit, not the revision's code's
            self._end_owned_transaction(commit)

    def _end_owned_transaction(self, commit: bool) -> None:
        connection = self._connection()
        transaction = open_transaction(self.context)
        if transaction is None and self._autocommit():
            # inside an autocommit block every statement committed on its own: there is nothing to end,
            # and ending the block's own transaction would make its exit fail ("transaction is inactive")
            return
        if commit and connection.get_nested_transaction() is not None:
            # the revision's code holds a savepoint (begin_nested()): a commit now would end it under that
            # code; the statement and its journal row stay in one transaction, and commit or roll back
            # together later (MariaDB: the next statement's commit, a DDL's own, or the version update's)
            return
        if transaction is not None:
            transaction.commit() if commit else transaction.rollback()
            set_open_transaction(self.context, connection.begin())
        elif connection.in_transaction():
            connection.commit() if commit else connection.rollback()
