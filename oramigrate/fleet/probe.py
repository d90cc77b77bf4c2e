"""Where one target stands, read without the lock: current revision, pending, half-applied, failed.

A rerun of ``db fleet upgrade`` skips a target this probe finds at head with nothing half-applied:
no lock taken, nothing written. The reads are the deploy layer's (``revisions.current_heads``,
``journal.progress``, the history table); a target being migrated right now reads as it was
before its runner's current transaction.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from ..deploy import history, journal
from ..deploy.checksums import Findings, verify
from ..deploy.report import half_applied
from ..deploy.tables import DeployTables, check_own
from ..revisions import current_heads, pending


@dataclass(frozen=True)
class Standing:
    """A target's revisions and what its history says about the next one."""

    current: tuple[str, ...]
    pending: tuple[str, ...]
    half_applied: tuple[str, ...] = ()  # one line per revision the journal holds progress of
    last_outcome: str | None = None  # of the latest history row: success, failed, partial, running
    last_error: str | None = None
    next_id: int = 1  # the history id the next row gets (rows from here on are this run's or later)

    @property
    def at_head(self) -> bool:
        """Nothing to apply and nothing half-applied."""
        return not self.pending and not self.half_applied

    @property
    def state(self) -> str:
        """One word: at-head, pending, partial, failed or running."""
        if self.at_head:
            return "at-head"
        if self.half_applied or self.last_outcome == history.PARTIAL:
            return "partial"
        if self.last_outcome in (history.FAILED, history.RUNNING):
            return "failed" if self.last_outcome == history.FAILED else "running"
        return "pending"


@dataclass
class ProbeContext:
    """What every probe of one chain shares: the loaded revisions and the tool's table names."""

    scripts: ScriptDirectory
    names: DeployTables
    version_table: str = "alembic_version"


def probe(engine: Engine, context: ProbeContext) -> Standing:
    """Read the target's standing on one short session."""
    with engine.connect() as connection:
        current = current_heads(connection, context.version_table)
        try:
            waiting = tuple(script.revision for script in pending(context.scripts, current))
        except CommandError:  # the database names a revision no file defines
            waiting = ()
        if not _has_history(connection, context.names):
            return Standing(current, waiting)
        half = _half_applied(connection, context, current)
        table = context.names.history
        last = connection.execute(
            sa.select(table.c.id, table.c.outcome, table.c.error).order_by(table.c.id.desc()).limit(1)
        ).first()
        connection.rollback()
    if last is None:
        return Standing(current, waiting, half)
    return Standing(current, waiting, half, last.outcome, last.error, last.id + 1)


def applied_here(engine: Engine, names: DeployTables, since_id: int) -> list[str]:
    """Revisions this process applied (history rows from ``since_id`` written by its pid and host)."""
    table = names.history
    with engine.connect() as connection:
        if not _has_history(connection, names):
            return []
        rows = connection.execute(
            sa.select(table.c.revision)
            .where(
                table.c.id >= since_id,
                table.c.pid == os.getpid(),
                table.c.host == socket.gethostname(),
                table.c.direction.in_(("upgrade", "downgrade")),
                table.c.outcome == history.SUCCESS,
            )
            .order_by(table.c.id)
        ).all()
    return [row.revision for row in rows]


def verify_files(engine: Engine, context: ProbeContext) -> tuple[Findings, tuple[str, ...]]:
    """Applied revisions checked against the files (``checksums.verify``) on the loaded chain, and
    the half-applied revisions' progress, on one session."""
    with engine.connect() as connection:
        heads = current_heads(connection, context.version_table)
        if not _has_history(connection, context.names):
            from ..revisions import applied

            return Findings(unknown=[script.revision for script in applied(context.scripts, heads)]), ()
        return verify(connection, context.names, context.scripts, heads), _half_applied(
            connection, context, heads
        )


def _half_applied(connection: Connection, context: ProbeContext, heads: tuple[str, ...]) -> tuple[str, ...]:
    # one line per revision still half-way (not one already where its journal leads)
    found = journal.progress(connection, context.names)
    try:
        found = half_applied(found, context.scripts, heads)
    except CommandError:  # a head no file defines: every journal is shown
        pass
    return tuple(str(p) for p in found)


def _has_history(connection: Connection, names: DeployTables) -> bool:
    return check_own(connection, names)
