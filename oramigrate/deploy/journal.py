"""Per-operation journal of the running revision, for databases whose DDL commits on its own.

On Oracle and MariaDB a revision that fails half-way leaves its first statements applied while
``alembic_version`` still names the previous revision. Each statement the revision executes
(every ``impl._exec`` call, in the order its ``upgrade()`` issues them) is committed and then
journaled; the next run executes the revision again but skips the journaled statements, after
checking that they are still the same statements. Journal rows go when the revision completes,
in the same transaction as Alembic's version update.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Dialect

from ..errors import MigrationError
from ..private import (
    install_as_module_operations,
    module_operations,
    open_transaction,
    replace_statement_executor,
    set_open_transaction,
    statement_executor,
)
from .lock import utcnow
from .tables import TEXT_LENGTH, DeployTables


class JournalMismatch(MigrationError):
    """A half-applied revision no longer issues the statements its journal says were applied."""


@dataclass(frozen=True)
class Progress:
    """How far a half-applied revision got."""

    revision: str
    direction: str
    done: int
    total: int | None
    last: str

    def __str__(self) -> str:
        total = "?" if self.total is None else str(self.total)
        return (
            f"revision {self.revision}: {self.done} of {total} operations applied"
            f" ({self.direction}; last applied: {self.last})"
        )


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


def progress(connection: Connection, names: DeployTables) -> list[Progress]:
    """Every half-applied revision the journal knows of."""
    journal = names.journal
    rows = connection.execute(
        sa.select(
            journal.c.revision,
            journal.c.direction,
            journal.c.op_index,
            journal.c.op_total,
            journal.c.description,
        ).order_by(journal.c.revision, journal.c.direction, journal.c.op_index)
    ).all()
    found: dict[tuple[str, str], Progress] = {}
    for revision, direction, index, total, description in rows:
        found[(revision, direction)] = Progress(revision, direction, index, total, description)
    return list(found.values())


class StatementJournal:
    """Names, journals, and on a rerun skips, the statements of one revision run on one connection."""

    def __init__(
        self,
        context: MigrationContext,
        names: DeployTables,
        revision: str,
        direction: str,
        *,
        journaling: bool,
    ) -> None:
        self.context = context
        # on transactional DDL the statements are only counted and named (for the error message)
        self.journaling = journaling
        self.table = names.journal
        self.revision = revision
        self.direction = direction
        self.total: int | None = None
        self.index = 0
        self._construct: Any = ""
        self._described: str | None = None
        self.applied: dict[int, str] = {}
        if journaling:
            self.applied = self._read_applied()

    def _read_applied(self) -> dict[int, str]:
        revision, direction = self.revision, self.direction
        done = (
            self._connection()
            .execute(
                sa.select(self.table.c.op_index, self.table.c.description)
                .where(self.table.c.revision == revision, self.table.c.direction == direction)
                .order_by(self.table.c.op_index)
            )
            .all()
        )
        return {index: description for index, description in done}

    @property
    def current(self) -> str:
        """The statement running (or last run), as the journal names it; compiled only when asked."""
        if self._described is None:
            self._described = describe_statement(self._construct, self.context.dialect)
        return self._described

    @property
    def resumed(self) -> int:
        """How many statements a previous run applied."""
        return len(self.applied)

    def run(self, migration_fn: Callable[..., Any], **kwargs: Any) -> None:
        """Run the revision, each statement committed and journaled (or skipped if journaled before)."""
        if self.journaling:
            self.total = count_operations(migration_fn, self.context.dialect)
        impl = self.context.impl
        execute = statement_executor(impl)

        def journaled(construct: Any, *args: Any, **options: Any) -> Any:
            self.index += 1
            self._construct, self._described = construct, None
            if self.index in self.applied:
                if self.applied[self.index] != self.current:
                    raise JournalMismatch(
                        f"revision {self.revision} changed since it was half-applied: operation"
                        f" {self.index} was {self.applied[self.index]!r}, is now {self.current!r};"
                        " finish or undo it by hand, then clear its journal rows"
                    )
                return None
            result = execute(construct, *args, **options)
            if self.journaling:
                self._commit_and_journal()
            return result

        replace_statement_executor(impl, journaled)
        try:
            migration_fn(**kwargs)
        finally:
            replace_statement_executor(impl, None)

    def _connection(self) -> Connection:
        connection = self.context.connection
        assert connection is not None
        return connection

    def _commit_and_journal(self) -> None:
        connection = self._connection()
        # commit what the statement did (DML too: it must not be journaled yet lost), then the journal row
        transaction = open_transaction(self.context)
        if transaction is not None:
            transaction.commit()
        elif connection.in_transaction():
            connection.commit()
        connection.execute(
            self.table.insert().values(
                revision=self.revision,
                direction=self.direction,
                op_index=self.index,
                op_total=self.total,
                description=self.current,
                applied=utcnow(),
            )
        )
        connection.commit()
        set_open_transaction(self.context, connection.begin())

    def clear(self) -> None:
        """Forget the journal of this revision (called inside the transaction of the version update)."""
        self._connection().execute(
            self.table.delete().where(
                self.table.c.revision == self.revision, self.table.c.direction == self.direction
            )
        )
