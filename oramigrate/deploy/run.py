"""One locked run of revisions: history rows around each revision, the journal inside it.

``environment.py`` hands the online run to :meth:`DeployRun.run_migrations` when the command
layer put one in ``config.attributes`` (``db upgrade``, ``downgrade``, ``stamp``, ``baseline``).
Each revision gets its own transaction (``transaction_per_migration``), so a revision's success
is committed before the next starts; SQLite is made transactional for DDL (BEGIN emitted by us,
not by the driver).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from ..errors import MigrationError
from ..failures import describe
from ..private import migration_plan, open_transaction, replace_migration_plan
from ..revisions import first_line
from . import history
from .checksums import checksum
from .journal import StatementJournal
from .tables import DeployTables


class RevisionFailed(MigrationError):
    """A revision failed: which one, at which operation, with what database error."""


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        # the driver's own words: describe() would call a failed statement "database unavailable"
        text = f"database error: {exc.orig}"
    else:
        described = describe(exc)
        text = described[0] if described is not None else f"{type(exc).__name__}: {exc}"
    return first_line(text) or type(exc).__name__


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite begins transactions only before DML; with it out of the way we emit BEGIN ourselves
    dbapi_connection.isolation_level = None


def _emit_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


@dataclass
class DeployRun:
    """State of one locked run: the audit connection and the revision now running."""

    engine: Engine
    names: DeployTables
    scripts: ScriptDirectory
    audit: Connection
    _row: int | None = None
    _next_id: int | None = None
    _prepared: int | None = None  # the next revision's 'running' row, written by the previous commit
    _upcoming: Any = None
    _revision: str = ""
    _journal: StatementJournal | None = None
    _engines: list[Engine] = field(default_factory=list)

    def migration_engine(self, engine: Engine) -> Engine:
        """The engine the revisions run on: SQLite gets one whose DDL is transactional."""
        if engine.dialect.name != "sqlite":
            return engine
        transactional = sa.create_engine(engine.url, poolclass=NullPool)
        sa.event.listen(transactional, "connect", _driver_autocommit)
        sa.event.listen(transactional, "begin", _emit_begin)
        self._engines.append(transactional)
        return transactional

    def configure_options(self, connection: Connection) -> dict[str, Any]:
        """Options for ``context.configure`` in a locked run."""
        options: dict[str, Any] = {"transaction_per_migration": True, "on_version_apply": self._applied}
        if connection.dialect.name == "sqlite":
            options["transactional_ddl"] = True
        return options

    def run_migrations(self, context: EnvironmentContext) -> None:
        """Run what Alembic planned, one transaction and one history row per revision."""
        migration_context = context.get_context()
        planned = migration_plan(migration_context)

        def steps(heads: Any, ctx: MigrationContext) -> Iterator[Any]:
            plan = list(planned(heads, ctx))
            for index, step in enumerate(plan):
                self._end_idle_transaction(ctx)
                self._upcoming = plan[index + 1] if index + 1 < len(plan) else None
                if isinstance(step, RevisionStep):
                    self._begin(step, ctx)
                yield step
                # resumed by Alembic only after the step's transaction committed
                self._succeeded()

        replace_migration_plan(migration_context, steps)
        if self.audit.in_transaction():  # a read left open would hold SQLite's lock against the revisions
            self.audit.commit()
        try:
            with context.begin_transaction():
                context.run_migrations()
        except Exception as exc:
            failure = self._failed(exc)
            if failure is None:
                raise
            raise failure from exc

    def dispose(self) -> None:
        """Close the engines this run made."""
        for engine in self._engines:
            engine.dispose()

    def _end_idle_transaction(self, ctx: MigrationContext) -> None:
        # Alembic's reads (current heads, version table) autobegin; ending that transaction before
        # the audit connection writes keeps SQLite from waiting on our own read lock.
        connection = ctx.connection
        if open_transaction(ctx) is None and connection is not None and connection.in_transaction():
            connection.commit()

    def _begin(self, step: RevisionStep, ctx: MigrationContext) -> None:
        self._revision = step.revision.revision
        direction = "upgrade" if step.is_upgrade else "downgrade"
        if self._prepared is not None:
            self._row, self._prepared = self._prepared, None
        else:
            self._row = history.start(
                self.audit, self.names, self._revision, direction, checksum(step.revision), row_id=self._id()
            )
        journal = StatementJournal(
            ctx, self.names, self._revision, direction, journaling=not ctx.impl.transactional_ddl
        )
        migration_fn = step.migration_fn

        @functools.wraps(migration_fn)  # Alembic logs the step under the function's name
        def run_journaled(**kwargs: Any) -> None:
            journal.run(migration_fn, **kwargs)

        step.migration_fn = run_journaled
        self._journal = journal

    def _applied(self, ctx: MigrationContext, **_kwargs: Any) -> None:
        # inside the revision's last transaction, with Alembic's version update: the journal goes and
        # the history row says success in the same commit (atomic on MariaDB and Oracle too)
        journal = self._journal
        if self._row is None or journal is None:
            return  # a stamp step
        if journal.journaling:
            journal.clear()
        note = None
        if journal.resumed:
            note = f"resumed: skipped {journal.resumed} operations applied by an earlier run"
        connection = ctx.connection
        assert connection is not None
        history.finish(connection, self.names, self._row, history.SUCCESS, note=note, commit=False)
        upcoming = self._upcoming
        if isinstance(upcoming, RevisionStep):
            # the next revision's row commits with this one: no commit of its own, and if the runner
            # dies between the two, the row left 'running' says where
            direction = "upgrade" if upcoming.is_upgrade else "downgrade"
            self._prepared = history.start(
                connection,
                self.names,
                upcoming.revision.revision,
                direction,
                checksum(upcoming.revision),
                row_id=self._id(),
                commit=False,
            )

    def _id(self) -> int:
        # under the lock no one else writes history: read the next id once, then count
        if self._next_id is None:
            self._next_id = history.next_id(self.audit, self.names)
        self._next_id += 1
        return self._next_id - 1

    def _succeeded(self) -> None:
        # the revision's transaction committed: its history row with it
        self._row, self._journal = None, None

    def _failed(self, exc: BaseException) -> RevisionFailed | None:
        if self._row is None:
            if self._prepared is not None:  # failed between revisions: the next one's row says how
                self.audit.rollback()
                history.finish(self.audit, self.names, self._prepared, history.FAILED, _error_line(exc))
                self._prepared = None
            return None
        journal = self._journal
        assert journal is not None
        error = _error_line(exc)
        done = journal.index - 1
        of_total = "" if journal.total is None else f" of {journal.total}"
        statement = journal.current[:200]
        where = f"revision {self._revision} failed at operation {journal.index}{of_total} ({statement})"
        if journal.journaling and done > 0:
            outcome = history.PARTIAL
            after = (
                f"{done} operations applied and journaled; `db upgrade` resumes at operation {journal.index}"
            )
        else:
            outcome = history.FAILED
            after = "rolled back as a unit" if not journal.journaling else "nothing of it was applied"
        self.audit.rollback()
        history.finish(self.audit, self.names, self._row, outcome, error)
        self._row, self._journal, self._prepared = None, None, None
        return RevisionFailed(f"{where}: {error}; {after}")
