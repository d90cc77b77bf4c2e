"""The holder row: who holds the lock, with which migration session, and waiting out a dead holder's session.

A runner killed while its statement runs leaves that statement running on the server; its lock
session dies at once. So a new holder reads the row its predecessor left, and waits (within the
lock timeout, saying so) until that migration session has left the server, or ends it with
``--kill-orphan``. Only then does it write its own row, read the journal and decide anything.
Each holder writes a random token and changes the row only where the token is its own, so a
holder that lost the lock can never overwrite its successor's row.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import MigrationError
from . import sessions
from .lock import POLL_SECONDS, Holder, os_user, utcnow
from .tables import HOLDER_ROW, OWN_COLUMNS, DeployTables, is_lock_table_name


class OrphanStillRunning(MigrationError):
    """The previous runner's migration session is still on the server (its statement still runs)."""


def write(connection: Connection, names: DeployTables, session: str | None) -> str:
    """Say who we are and which session migrates (``session``: the server's id of ``connection``),
    committed at once so that waiting runners can read it; our token."""
    token = uuid.uuid4().hex
    table = names.lock
    values = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "os_user": os_user(),
        "since": utcnow(),
        "server_session": session,
        "token": token,
    }
    connection.execute(table.update().where(table.c.id == HOLDER_ROW).values(**values))
    connection.commit()
    return token


def current_session(connection: Connection) -> str | None:
    """The server's id of ``connection``'s session (None where there is none, or it cannot be read)."""
    try:
        session = sessions.session_id(connection)
    except sa.exc.DBAPIError:
        connection.rollback()
        return None
    if connection.in_transaction():
        connection.commit()
    return session


def clear(connection: Connection, names: DeployTables, token: str) -> None:
    """Say nobody holds the lock (only if the row is still ours)."""
    table = names.lock
    connection.execute(
        table.update()
        .where(table.c.id == HOLDER_ROW, table.c.token == token)
        .values(pid=None, server_session=None, token=None)
    )
    connection.commit()


# the holder row's columns no other table of ours has
HOLDER_COLUMNS = ("server_session", "token")


def live_elsewhere(connection: Connection, names: DeployTables) -> set[tuple[str | None, int | None]]:
    """(host, pid) of the holders of other version tables' locks in this schema whose migration session
    is still on the server, or cannot be seen: chains that share the history table but not the lock run
    at once, and those runners' ``running`` rows are not abandoned."""
    if connection.dialect.name == "sqlite":
        return set()  # one file lock for every chain of the database: no other runner is at work
    inspector = sa.inspect(connection)
    live: set[tuple[str | None, int | None]] = set()
    for name in inspector.get_table_names():
        # named as lock_table_name names them: the application's tables are not reflected
        if name.lower() == names.lock.name.lower() or not is_lock_table_name(name):
            continue
        columns = {column["name"].lower() for column in inspector.get_columns(name)}
        # a lock table with a holder row that names its session (the history has id, host, pid too)
        if not {*OWN_COLUMNS["lock"], *HOLDER_COLUMNS} <= columns:
            continue
        other = sa.table(name, *(sa.column(c) for c in ("id", "host", "pid", "server_session")))
        query = sa.select(*other.c).where(other.c.id == HOLDER_ROW, other.c.pid.is_not(None))
        for row in connection.execute(query).all():
            # a holder whose session cannot be looked for counts as alive: its own chain tidies its rows
            if (
                row.server_session is None
                or sessions.presence(connection, row.server_session).alive is not False
            ):
                live.add((row.host, row.pid))
    connection.rollback()
    return live


def wait_for_orphan(
    connection: Connection,
    previous: Holder,
    deadline: float,
    kill: bool,
    notify: Callable[[str], None],
) -> None:
    """Return once ``previous``'s migration session has left the server (ended by us if ``kill``)."""
    if previous.session is None:
        return
    who = f"session {previous.session} of {previous}"
    told = False
    while True:
        seen = sessions.presence(connection, previous.session)
        if seen.alive is False:
            return
        if seen.alive is None:
            notify(f"warning: cannot see whether the previous runner's {who} is still on the server")
            return
        running = f"; it is running: {seen.statement}" if seen.statement else ""
        if kill:
            sessions.end(connection, previous.session)
            notify(f"ended the previous runner's migration {who} (--kill-orphan){running}")
            kill = False
            continue
        if not told:
            seconds = max(0.0, deadline - time.monotonic())
            notify(
                f"waiting up to {seconds:.0f} s for the previous runner's migration {who} to leave"
                f" the server{running}"
            )
            told = True
        if time.monotonic() >= deadline:
            raise OrphanStillRunning(
                f"the previous runner's migration {who} is still on the server{running}; nothing was run"
                " (wait for it to finish, or pass --kill-orphan to end it)"
            )
        time.sleep(POLL_SECONDS)
