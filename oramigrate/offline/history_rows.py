"""The history rows a script writes, so that ``db log`` and ``db verify`` see a deploy a DBA ran.

The same table and columns the online run writes (``deploy/tables.py``): the revision, direction,
the file's checksum, who (the session user, OS user and client host as the database knows them)
and when (UTC, as the online run records it). Where DDL commits on its own (Oracle, MariaDB) a
'running' row is committed before the revision and set to 'success' in the commit that moves the
version table, so a script stopped half-way leaves the row 'running' for the next ``db upgrade``
to close; PostgreSQL writes one 'success' row inside the revision's transaction. A stamp does no work:
its rows ('stamp' for each revision it marks applied, 'unstamp' for each it marks not applied, as
``db stamp`` online writes them) go with the version update, in its transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..deploy.history import RUNNING, SUCCESS
from .conventions import Conventions

NOTE = "run from a --sql script"


def _values(
    history: sa.Table, conventions: Conventions, revision: str, direction: str, checksum: str | None
) -> dict[str, sa.ColumnElement[object]]:
    return {
        "id": sa.func.coalesce(sa.func.max(history.c.id), 0) + 1,
        "revision": sa.literal(revision),
        "direction": sa.literal(direction),
        "checksum": sa.literal(checksum) if checksum else sa.literal(None),
        **conventions.columns(),
        "started": sa.literal_column(conventions.now),
    }


def _insert(history: sa.Table, values: dict[str, sa.ColumnElement[object]]) -> sa.Insert:
    values["note"] = sa.literal(NOTE)
    # each value labelled with its column, so that the script reads as the row it writes
    selected = [value.label(name) for name, value in values.items()]
    return history.insert().from_select(list(values), sa.select(*selected))


def started(
    history: sa.Table, conventions: Conventions, revision: str, direction: str, checksum: str | None
) -> sa.Insert:
    """A 'running' row for a revision about to run."""
    values = _values(history, conventions, revision, direction, checksum)
    values["outcome"] = sa.literal(RUNNING)
    return _insert(history, values)


def succeeded_at_once(
    history: sa.Table, conventions: Conventions, revision: str, direction: str, checksum: str | None
) -> sa.Insert:
    """A 'success' row written in the revision's own transaction (transactional DDL)."""
    values = _values(history, conventions, revision, direction, checksum)
    values["finished"] = sa.literal_column(conventions.finished)
    values["duration_ms"] = sa.literal_column(conventions.duration)
    values["outcome"] = sa.literal(SUCCESS)
    return _insert(history, values)


def recorded(
    history: sa.Table, conventions: Conventions, revision: str, direction: str, checksum: str | None
) -> sa.Insert:
    """A 'success' row for something done at once (a stamp): written with the version update it records."""
    values = _values(history, conventions, revision, direction, checksum)
    values["finished"] = sa.literal_column(conventions.now)
    values["duration_ms"] = sa.literal(0)
    values["outcome"] = sa.literal(SUCCESS)
    return _insert(history, values)


def succeeded(history: sa.Table, conventions: Conventions, revision: str, direction: str) -> sa.Update:
    """The latest 'running' row of this revision and direction, now 'success'."""
    latest = (
        sa.select(sa.func.max(history.c.id).label("id"))
        .where(
            history.c.revision == sa.literal(revision),
            history.c.direction == sa.literal(direction),
            history.c.outcome == sa.literal(RUNNING),
        )
        .subquery("latest")
    )
    # through a derived table: MariaDB refuses a subquery on the table being updated (error 1093)
    return (
        history.update()
        .where(history.c.id == sa.select(latest.c.id).scalar_subquery())
        .values(
            outcome=sa.literal(SUCCESS),
            finished=sa.literal_column(conventions.finished),
            duration_ms=sa.literal_column(conventions.duration),
        )
    )
