"""The audited history: one row per revision applied, reverted, stamped or adopted, and how it went."""

from __future__ import annotations

import datetime
import os
import socket
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .lock import os_user, utcnow
from .tables import TEXT_LENGTH, DeployTables

RUNNING, SUCCESS, FAILED, PARTIAL = "running", "success", "failed", "partial"
# the lock was lost (stopped before the next step), a signal stopped the run
ABORTED, INTERRUPTED = "aborted", "interrupted"
# directions after which the revision counts as applied, with the checksum recorded then
APPLYING = ("upgrade", "stamp", "baseline", "accept")
REVERTING = ("downgrade", "unstamp")
# a repair by hand with `db journal resolve | clear` (the revision's state is unchanged)
JOURNAL = "journal"
# monotonic start of the rows this process opened: durations finer than DATE's seconds
_STARTED: dict[int, float] = {}
_STATEMENTS = "oramigrate.history_statements"
_FOLDED = "oramigrate.history_folded"
ABANDONED = "the runner stopped before finishing (killed, or its database session ended)"


def _statements(table: sa.Table) -> tuple[sa.Insert, sa.Update]:
    # built once per table (kept in its info): SQLAlchemy then finds the compiled form without rebuilding it
    cached = table.info.get(_STATEMENTS)
    if cached is None:
        cached = table.info[_STATEMENTS] = (
            table.insert(),
            table.update().where(table.c.id == sa.bindparam("row_id")),
        )
    return cached  # type: ignore[no-any-return]


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:TEXT_LENGTH]


def next_id(connection: Connection, names: DeployTables) -> int:
    """The id of the next row: max + 1 (every history write happens under the migration lock)."""
    table = names.history
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1)).scalar_one())


def start(
    connection: Connection,
    names: DeployTables,
    revision: str,
    direction: str,
    checksum: str | None,
    note: str | None = None,
    row_id: int | None = None,
    *,
    commit: bool = True,
) -> int:
    """Insert a row for a revision about to run; committed at once so others can see it
    (``commit=False``: by the caller's transaction, the previous revision's)."""
    row_id = next_id(connection, names) if row_id is None else row_id
    row = opening(connection, revision, direction, checksum, note, row_id)
    connection.execute(_statements(names.history)[0], row)  # one compiled INSERT for every row of a run
    if commit:
        connection.commit()
    _STARTED[row_id] = time.monotonic()
    return row_id


# the columns of a row for a revision about to run, in the order ``opening`` gives their values
_OPENED = (
    "id",
    "revision",
    "direction",
    "checksum",
    "db_user",
    "os_user",
    "host",
    "pid",
    "started",
    "outcome",
    "note",
)


def opening(
    connection: Connection, revision: str, direction: str, checksum: str | None, note: str | None, row_id: int
) -> dict[str, Any]:
    """The values of a row for a revision about to run."""
    user, host = connection.engine.url.username, socket.gethostname()
    values = (
        row_id,
        revision,
        direction,
        checksum,
        user,
        os_user(),
        host,
        os.getpid(),
        utcnow(),
        RUNNING,
        _clip(note),
    )
    return dict(zip(_OPENED, values, strict=True))


def close_and_open(
    connection: Connection,
    names: DeployTables,
    row_id: int,
    note: str | None,
    following: dict[str, Any] | None,
    held: tuple[sa.TextClause, dict[str, Any]],
) -> bool:
    """PostgreSQL, in the revision's own transaction: close row ``row_id`` as a success and open the
    ``following`` row (``opening``) in one statement, only while ``held`` (the migration lock, as
    ``MigrationLock.held_condition`` gives it) is true; whether it was. One round trip instead of three
    (the lock check on the lock session, the UPDATE, the INSERT)."""
    condition, lock_parameters = held
    table = names.history
    closing, folded = _folded_statements(table, condition)
    began = _STARTED.pop(row_id, None)
    parameters: dict[str, Any] = {
        **lock_parameters,
        "row_id": row_id,
        "close_outcome": SUCCESS,
        "close_finished": utcnow(),
        "close_duration_ms": int((time.monotonic() - began) * 1000) if began is not None else None,
        "close_note": _clip(note),
    }
    if following is None:
        return connection.execute(closing, parameters).rowcount == 1
    parameters.update({f"open_{name}": value for name, value in following.items()})
    if not connection.execute(folded, parameters).all():
        return False
    _STARTED[following["id"]] = time.monotonic()
    return True


def _folded_statements(table: sa.Table, condition: sa.TextClause) -> tuple[sa.Update, sa.Insert]:
    # the closing UPDATE alone (the last revision), and WITH closed AS (UPDATE ... RETURNING)
    # INSERT ... SELECT ... FROM closed: built once per table and lock (kept in the table's info)
    cache = table.info.setdefault(_FOLDED, {})
    if condition not in cache:
        closing = (
            table.update()
            .where(table.c.id == sa.bindparam("row_id"), condition)
            .values(
                outcome=sa.bindparam("close_outcome", type_=table.c.outcome.type),
                finished=sa.bindparam("close_finished", type_=table.c.finished.type),
                duration_ms=sa.bindparam("close_duration_ms", type_=table.c.duration_ms.type),
                error=sa.null(),
                note=sa.bindparam("close_note", type_=table.c.note.type),
            )
        )
        closed = closing.returning(table.c.id).cte("closed")
        opened = sa.select(*(sa.bindparam(f"open_{name}", type_=table.c[name].type) for name in _OPENED))
        folded = table.insert().from_select(list(_OPENED), opened.select_from(closed)).add_cte(closed)
        cache[condition] = (closing, folded.returning(table.c.id))
    return cache[condition]  # type: ignore[no-any-return]


def finish(
    connection: Connection,
    names: DeployTables,
    row_id: int,
    outcome: str,
    error: str | None = None,
    note: str | None = None,
    *,
    commit: bool = True,
) -> None:
    """Close a row: outcome, finish time, duration, error text (``commit=False``: the caller's
    transaction, the one that also records the revision in ``alembic_version``, commits it)."""
    table = names.history
    finished = utcnow()
    began = _STARTED.pop(row_id, None)
    if began is not None:
        duration = int((time.monotonic() - began) * 1000)
    else:
        started = connection.execute(sa.select(table.c.started).where(table.c.id == row_id)).scalar_one()
        duration = int((finished - started) / datetime.timedelta(milliseconds=1))
    values: dict[str, Any] = {
        "outcome": outcome,
        "finished": finished,
        "duration_ms": duration,
        "error": _clip(error),
    }
    if note is not None:
        values["note"] = _clip(note)
    # one statement per table, its SET clause from the parameters: compiled once for a whole run
    connection.execute(_statements(table)[1], {"row_id": row_id, **values})
    if commit:
        connection.commit()


def record(
    connection: Connection,
    names: DeployTables,
    revision: str,
    direction: str,
    checksum: str | None,
    note: str | None = None,
) -> None:
    """A row for something done at once (stamp, baseline, an accepted edit)."""
    finish(connection, names, start(connection, names, revision, direction, checksum, note), SUCCESS)


def close_abandoned(
    connection: Connection,
    names: DeployTables,
    half_applied: set[tuple[str, str]],
    live_elsewhere: set[tuple[str | None, int | None]],
) -> None:
    """Rows left 'running' by a runner that died: partial if the journal kept its progress, else failed.

    Our lock keeps out only runners of our version table: the row of a runner ``live_elsewhere`` names
    (host, pid), of another chain sharing this history, stays open."""
    table = names.history
    rows = connection.execute(
        sa.select(table.c.id, table.c.revision, table.c.direction, table.c.host, table.c.pid).where(
            table.c.outcome == RUNNING
        )
    ).all()
    for row_id, revision, direction, host, pid in rows:
        if (host, pid) in live_elsewhere:
            continue
        outcome = PARTIAL if (revision, direction) in half_applied else FAILED
        finish(connection, names, row_id, outcome, ABANDONED)


def rows(connection: Connection, names: DeployTables) -> list[dict[str, Any]]:
    """Every row, oldest first."""
    table = names.history
    return [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(table.c.id))]


def applied_checksums(connection: Connection, names: DeployTables) -> dict[str, str | None]:
    """Revisions the history says are applied now, with the checksum recorded when they were."""
    table = names.history
    applied: dict[str, str | None] = {}
    query = sa.select(table.c.revision, table.c.direction, table.c.checksum).where(table.c.outcome == SUCCESS)
    for revision, direction, checksum in connection.execute(query.order_by(table.c.id)):
        if direction in APPLYING:
            applied[revision] = checksum
        elif direction in REVERTING:
            applied.pop(revision, None)
    return applied


def superseded(connection: Connection, names: DeployTables, revision: str, attempt: int | None) -> bool:
    """Whether ``revision`` was applied, reverted or stamped successfully after history row ``attempt``."""
    table = names.history
    query = sa.select(sa.func.count()).where(
        table.c.revision == revision,
        table.c.outcome == SUCCESS,
        table.c.direction.in_(APPLYING[:-1] + REVERTING),
    )
    if attempt is not None:
        query = query.where(table.c.id > attempt)
    return bool(connection.execute(query).scalar_one())


def checksum_of(connection: Connection, names: DeployTables, row_id: int | None) -> str | None:
    """The checksum history row ``row_id`` recorded (None if there is no such row)."""
    if row_id is None:
        return None
    table = names.history
    return connection.execute(sa.select(table.c.checksum).where(table.c.id == row_id)).scalar_one_or_none()


def running(connection: Connection, names: DeployTables) -> list[tuple[str, str]]:
    """(revision, direction) of the rows a runner has open now."""
    return [(revision, direction) for revision, direction, _host, _pid in open_rows(connection, names)]


def open_rows(connection: Connection, names: DeployTables) -> list[tuple[str, str, str | None, int | None]]:
    """(revision, direction, host, pid) of the rows a runner has open now, oldest first."""
    table = names.history
    query = sa.select(table.c.revision, table.c.direction, table.c.host, table.c.pid)
    rows = connection.execute(query.where(table.c.outcome == RUNNING).order_by(table.c.id))
    return [(revision, direction, host, pid) for revision, direction, host, pid in rows]
