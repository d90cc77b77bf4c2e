"""``db journal show | resolve | clear``: settle a half-applied revision by hand, recorded in the history.

``resolve REV --applied`` says the statement a dead runner started did take effect (it is marked
done); ``--not-applied`` says it did not (its row goes, so the next ``db upgrade`` runs it). ``clear``
forgets the revision's journal, after the applied statements were undone or finished by hand.
Each runs under the migration lock and writes a ``journal`` history row naming what changed.
"""

from __future__ import annotations

from typing import Any

from alembic.config import Config

from ..configuration import engine_of
from ..errors import MigrationError
from . import history, journal
from .deployment import deployment, names_of
from .notify import Notify, ignore
from .report import has_history


class NothingToResolve(MigrationError):
    """The revision has no journal rows, or none that started without finishing."""


def rows(config: Config) -> list[dict[str, Any]]:
    """Every journal row: revision, direction, operation, total, state (started or done), statement."""
    names = names_of(config)
    with engine_of(config).connect() as connection:
        found = journal.entries(connection, names) if has_history(connection, names) else {}
    return [
        {
            "revision": revision, "direction": direction, "operation": row.index, "total": row.total,
            "state": row.state, "statement": row.statement,
        }
        for (revision, direction), entries in found.items()
        for row in entries
    ]  # fmt: skip


def show(config: Config) -> list[str]:
    """Every journal row, one line each (none: "journal: empty")."""
    lines = []
    for row in rows(config):
        total = "?" if row["total"] is None else row["total"]
        if row["state"] == journal.OUTSIDE:  # numbered -1, -2, ... in the order they were sent
            where = f"write {-row['operation']} outside its operations"
        else:
            where = f"operation {row['operation']} of {total} {row['state']}"
        lines.append(f"{row['revision']} {row['direction']} {where}: {row['statement']}")
    return lines or ["journal: empty"]


def resolve(
    config: Config,
    revision: str,
    applied: bool,
    *,
    lock_timeout: float | None = None,
    notify: Notify = ignore,
) -> str:
    """Settle the started-not-done statement(s) of ``revision``: applied (done) or not (forgotten)."""
    with deployment(config, lock_timeout, notify) as run:
        run.ready()  # no env.py here: the run is made ready at once
        table = run.names.journal
        started = [
            (direction, row)
            for (rev, direction), rows in journal.entries(run.connection, run.names, revision).items()
            for row in rows
            if row.state == journal.STARTED and rev == revision
        ]
        if not started:
            raise NothingToResolve(
                f"revision {revision} has no started operation to resolve (`db journal show`)"
            )
        described = []
        for direction, row in started:
            where = (
                table.c.revision == revision,
                table.c.direction == direction,
                table.c.op_index == row.index,
            )
            if applied:
                run.connection.execute(table.update().where(*where).values(state=journal.DONE))
            else:
                run.connection.execute(table.delete().where(*where))
            described.append(f"operation {row.index} ({row.statement[:200]})")
        verdict = "applied" if applied else "not applied"
        note = f"resolved by hand as {verdict}: " + "; ".join(described)
        history.record(run.connection, run.names, revision, history.JOURNAL, None, note)
        return f"{revision}: {note}"


def clear(
    config: Config, revision: str, *, lock_timeout: float | None = None, notify: Notify = ignore
) -> str:
    """Forget ``revision``'s journal (its applied statements were finished or undone by hand)."""
    with deployment(config, lock_timeout, notify) as run:
        run.ready()  # no env.py here: the run is made ready at once
        rows = [row for rows in journal.entries(run.connection, run.names, revision).values() for row in rows]
        if not rows:
            raise NothingToResolve(f"revision {revision} has no journal rows (`db journal show`)")
        journal.clear(run.connection, run.names, [revision])
        note = (
            f"journal cleared by hand: {len(rows)} rows ({sum(r.state == journal.DONE for r in rows)} done)"
        )
        history.record(run.connection, run.names, revision, history.JOURNAL, None, note)
        return f"{revision}: {note}"
