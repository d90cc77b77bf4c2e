"""Who blocks a session: asked of the server, from another session, while the migration waits.

A statement waiting for a lock is invisible to its own session, and once its budget runs out the
wait is over and the server no longer says who was in the way. So a watcher thread asks, on its
own connection, while the statement runs: PostgreSQL ``pg_blocking_pids`` and ``pg_stat_activity``;
MariaDB the InnoDB lock waits, else the holders of metadata locks (``metadata_lock_info`` when the
plugin is loaded, else every session with an open transaction: a transaction keeps the metadata
locks of every table it touched until it ends); Oracle ``v$session.blocking_session``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .sessions import number

_TEXT = 160

POSTGRESQL = """\
SELECT a.pid, a.usename, coalesce(a.client_addr::text || ':' || a.client_port, 'local'),
       coalesce(a.query, ''), a.state,
       extract(epoch FROM now() - coalesce(a.xact_start, a.query_start, a.backend_start))
FROM pg_stat_activity a
WHERE a.pid = ANY (pg_blocking_pids(:session))
ORDER BY a.pid"""

MARIADB_ROW_LOCKS = """\
SELECT p.id, p.user, p.host, coalesce(p.info, ''), p.command, timestampdiff(SECOND, b.trx_started, now())
FROM information_schema.innodb_lock_waits w
JOIN information_schema.innodb_trx r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.innodb_trx b ON b.trx_id = w.blocking_trx_id
JOIN information_schema.processlist p ON p.id = b.trx_mysql_thread_id
WHERE r.trx_mysql_thread_id = :session
ORDER BY p.id"""

MARIADB_METADATA_PLUGIN = """\
SELECT DISTINCT p.id, p.user, p.host, coalesce(p.info, ''), p.command, p.time
FROM information_schema.metadata_lock_info m
JOIN information_schema.processlist p ON p.id = m.thread_id
WHERE m.thread_id NOT IN (:session, connection_id()) AND m.lock_type <> 'Backup lock'
ORDER BY p.id"""

MARIADB_OPEN_TRANSACTIONS = """\
SELECT p.id, p.user, p.host, coalesce(p.info, ''), p.command, timestampdiff(SECOND, t.trx_started, now())
FROM information_schema.innodb_trx t
JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
WHERE p.id NOT IN (:session, connection_id()){same_database}
ORDER BY t.trx_started"""
# the open transactions of sessions in the migration's own database: without the metadata_lock_info
# plugin the likeliest holders (another application's transactions elsewhere on the server hold no
# lock on our tables unless they read them across databases, which the wider list then covers)
SAME_DATABASE = """
  AND p.db <=> (SELECT q.db FROM information_schema.processlist q WHERE q.id = :session)"""

ORACLE = """\
SELECT b.sid || ',' || b.serial#, b.username, b.machine,
       (SELECT q.sql_text FROM v$sqlarea q WHERE q.sql_id = nvl(b.sql_id, b.prev_sql_id)),
       b.status, b.last_call_et
FROM v$session w JOIN v$session b ON b.sid = w.blocking_session
WHERE w.sid = :session"""


@dataclass(frozen=True)
class Blocker:
    """A session in the migration's way: who, from where, running what, for how long."""

    session: str
    user: str
    host: str
    statement: str
    state: str
    seconds: float

    def __str__(self) -> str:
        active = self.state.lower() in ("", "active", "query")
        if active:
            doing = f"running {self.statement}" if self.statement else "running"
        else:
            doing = self.state + (f", last statement {self.statement}" if self.statement else "")
        return (
            f"session {self.session} of user {self.user} from {self.host}, {doing}, for {self.seconds:.0f} s"
        )


def describe(blockers: list[Blocker]) -> str:
    """The blockers on one line ("an unknown session" when none was seen)."""
    return "; ".join(str(b) for b in blockers) or "a session the server did not name"


def blockers_of(connection: Connection, session: str) -> list[Blocker]:
    """The sessions blocking ``session`` now (server id as ``sessions.session_id`` gives it)."""
    dialect, server_number = connection.dialect.name, number(session)
    try:
        if dialect == "postgresql":
            rows = _rows(connection, POSTGRESQL, server_number)
        elif dialect in ("mysql", "mariadb"):
            rows = _rows(connection, MARIADB_ROW_LOCKS, server_number)
            rows = rows or _metadata_holders(connection, server_number)
        elif dialect == "oracle":
            rows = _rows(connection, ORACLE, server_number)
        else:
            return []
    except sa.exc.DBAPIError:  # no right to read the session views: say so through "unnamed"
        rows = []
    finally:
        if connection.in_transaction():
            connection.rollback()
    return [_blocker(row) for row in rows]


def _metadata_holders(connection: Connection, session: int) -> list[Any]:
    waiting = connection.execute(
        sa.text("SELECT coalesce(state, '') FROM information_schema.processlist WHERE id = :session"),
        {"session": session},
    ).scalar()
    if not waiting or "metadata lock" not in str(waiting):
        return []
    try:
        return _rows(connection, MARIADB_METADATA_PLUGIN, session)
    except sa.exc.DBAPIError:  # the metadata_lock_info plugin is not loaded
        connection.rollback()
    rows = _rows(connection, MARIADB_OPEN_TRANSACTIONS.format(same_database=SAME_DATABASE), session)
    return rows or _rows(connection, MARIADB_OPEN_TRANSACTIONS.format(same_database=""), session)


def _rows(connection: Connection, sql: str, session: int) -> list[Any]:
    return list(connection.execute(sa.text(sql), {"session": session}))


def _blocker(row: Any) -> Blocker:
    session, user, host, statement, state, seconds = row
    text = " ".join(str(statement or "").split())[:_TEXT]
    return Blocker(str(session), str(user), str(host), text, str(state or ""), float(seconds or 0))


class Watcher:
    """While a statement runs, asks (on a connection of its own) who blocks the migration session.

    One per run: ``with watcher:`` around each statement arms it. Its thread starts with the first
    statement and looks only once a statement has run for ``interval`` seconds, so a short statement
    costs no thread, no connection and no query; the connection is opened for a long statement and
    closed when it ends (a session on the server only while a statement waits).
    """

    def __init__(self, engine: Engine, session: str, interval: float) -> None:
        self.engine = engine
        self.session = session
        self.interval = interval
        self.seen: list[Blocker] = []
        self._condition = threading.Condition()
        self._running = 0  # the number of the statement now running (0: none)
        self._count = 0
        self._closed = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Watcher:
        with self._condition:
            self._count += 1
            self._running = self._count
            self.seen = []
            self._condition.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="oramigrate-blockers", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._condition:
            self._running = 0
            self._condition.notify()

    def close(self) -> None:
        """Stop the thread (the run is over)."""
        with self._condition:
            self._closed = True
            self._condition.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _moved_on(self, running: int) -> bool:
        return self._closed or self._running != running

    def _watch(self) -> None:
        connection: Connection | None = None
        try:
            while True:
                with self._condition:
                    # wait for a statement, then give it ``interval`` to finish before anyone looks
                    self._condition.wait_for(lambda: self._closed or self._running != 0)
                    running = self._running
                    ended = self._closed or self._condition.wait_for(
                        functools.partial(self._moved_on, running), timeout=self.interval
                    )
                    if self._closed:
                        return
                if ended:
                    if connection is not None:
                        connection.close()
                        connection = None
                    continue
                if connection is None:
                    connection = self.engine.connect()
                found = blockers_of(connection, self.session)
                with self._condition:
                    if found and self._running == running:
                        self.seen = found
        except sa.exc.SQLAlchemyError:  # the watcher only informs: a failure costs the name, not the run
            pass
        finally:
            if connection is not None:
                connection.close()


WatcherFactory = Callable[[], Watcher | None]


ACTIVITY = {
    "postgresql": "SELECT coalesce(query, ''), state, coalesce(wait_event_type, ''),"
    " extract(epoch FROM now() - query_start) FROM pg_stat_activity WHERE pid = :session",
    "mariadb": "SELECT coalesce(info, ''), command, coalesce(state, ''), time"
    " FROM information_schema.processlist WHERE id = :session",
    "oracle": "SELECT (SELECT q.sql_text FROM v$sqlarea q WHERE q.sql_id = s.sql_id), s.status,"
    " CASE WHEN s.blocking_session IS NOT NULL THEN 'Lock' ELSE s.event END, s.last_call_et"
    " FROM v$session s WHERE s.sid = :session",
}


@dataclass(frozen=True)
class Activity:
    """What the migration session runs now: its statement (None between statements), for how long, and
    who holds the lock it waits for (None: it does not wait)."""

    session: str
    state: str
    statement: str | None
    seconds: float
    waiting_for: str | None

    def __str__(self) -> str:
        if self.statement is None:
            return f"session {self.session} is between statements ({self.state})"
        line = f"session {self.session} runs {self.statement} (for {self.seconds:.0f} s)"
        if self.waiting_for is not None:
            line += f", waiting for a lock held by {self.waiting_for}"
        return line


def activity(connection: Connection, session: str) -> Activity | None:
    """What ``session`` runs now and whether it waits for a lock, and on whom (None: not seen)."""
    dialect = "mariadb" if connection.dialect.name == "mysql" else connection.dialect.name
    sql = ACTIVITY.get(dialect)
    if sql is None:
        return None
    try:
        row = connection.execute(sa.text(sql), {"session": number(session)}).first()
    except sa.exc.DBAPIError:
        row = None
    finally:
        if connection.in_transaction():
            connection.rollback()
    if row is None:
        return None
    statement, state, waiting, seconds = row
    text = " ".join(str(statement or "").split())[:_TEXT]
    if not text or str(state).lower() in ("idle", "sleep", "inactive"):
        return Activity(session, str(state), None, float(seconds or 0), None)
    blocker = describe(blockers_of(connection, session)) if "lock" in str(waiting).lower() else None
    return Activity(session, str(state), text, float(seconds or 0), blocker)
