"""One migrator at a time: a lock held by a database session (or file) of the runner itself.

Every kind of lock used here dies with its holder, so a killed runner (kill -9) never leaves a
stale lock and nobody needs a "release locks" command (notes/deploy-safety.md):
PostgreSQL session advisory lock, MariaDB/MySQL ``GET_LOCK``, Oracle a row lock held by a
session of its own that never commits (DDL commits on the migration session cannot release it,
and no DBMS_LOCK grant is needed), SQLite ``flock`` on a file beside the database.

The lock is keyed on database, schema and version table. It lives on a session of its own, which
can be lost while the runner goes on (proxy idle timeout, ``wait_timeout``, failover, KILL): the
run asks ``ensure_held`` before each revision and statement, and a keep-alive thread pings the
session during long statements. The successor waits for the loser's migration session anyway
(``orphans.py``), so even a lost lock never lets two runners migrate at once.
"""

from __future__ import annotations

import datetime
import fcntl
import functools
import getpass
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import MigrationError
from . import tables as deploy_tables
from .tables import HOLDER_ROW, MUTEX_ROW, DeployTables

POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 30.0
# the server's own idle limit of the lock session, asked once when the lock is taken (None: none)
IDLE_LIMIT = {
    "mysql": "SELECT @@SESSION.wait_timeout",
    "mariadb": "SELECT @@SESSION.wait_timeout",
    "postgresql": "SELECT current_setting('idle_session_timeout')::interval",  # PostgreSQL 14+
}


class LockTimeout(MigrationError):
    """Another runner held the migration lock for longer than we were told to wait."""

    def __init__(self, holder: str, timeout: float, of: str = "") -> None:
        super().__init__(
            f"migration lock{of} still held by {holder} after waiting {timeout:g} s; nothing was run"
        )
        self.holder = holder
        self.timeout = timeout


class LockLost(MigrationError):
    """The lock's session ended (or the lock went) while we ran: we stop before the next step."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as the holder wrote it."""

    host: str | None
    pid: int | None
    os_user: str | None
    since: datetime.datetime | None
    session: str | None = None

    def __str__(self) -> str:
        if self.pid is None:
            return "another runner (it has not written its name yet)"
        since = f", since {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since else ""
        return f"pid {self.pid} on host {self.host} (user {self.os_user}{since})"


def utcnow() -> datetime.datetime:
    """Now in UTC, without a zone: DATE and DATETIME columns store no zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


@functools.cache
def os_user() -> str:
    """The operating-system user running this process."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no passwd entry in some containers
        return str(os.getuid())


def read_holder(engine: Engine, names: DeployTables) -> Holder:
    """The holder row, read on a short connection of its own (unknown if the table is not there yet)."""
    try:
        with engine.connect() as connection:
            return read_holder_on(connection, names)
    except sa.exc.DBAPIError:
        return Holder(None, None, None, None)


def read_holder_on(connection: Connection, names: DeployTables) -> Holder:
    """The holder row, read on ``connection`` (its transaction is ended)."""
    table = names.lock
    columns = (table.c.host, table.c.pid, table.c.os_user, table.c.since, table.c.server_session)
    row = connection.execute(sa.select(*columns).where(table.c.id == HOLDER_ROW)).first()
    connection.rollback()
    return Holder(*row) if row is not None else Holder(None, None, None, None)


class MigrationLock:
    """The database-wide migration lock; ``acquire`` waits up to ``timeout`` seconds."""

    def __init__(self, engine: Engine, names: DeployTables) -> None:
        self.engine = engine
        self.names = names
        self.dialect = engine.dialect.name
        self._connection: Connection | None = None
        self._file: IO[str] | None = None
        self._name = ""
        self._mutex = threading.Lock()  # the lock session is shared with the keep-alive thread
        self._lost: str | None = None
        self._stop = threading.Event()
        self._keepalive: threading.Thread | None = None
        self._keepalive_seconds = KEEPALIVE_SECONDS
        # the live check, made once per lock (it runs before every revision or statement)
        self._check_statement: sa.TextClause | None = None
        self._check_parameters: dict[str, int | str] = {}
        self._backend: tuple[int, datetime.datetime] | None = None  # PostgreSQL: the lock session's

    def acquire(self, deadline: float, timeout: float, on_wait: Callable[[Holder], None]) -> None:
        """Take the lock, telling ``on_wait`` once who holds it if we wait; LockTimeout at ``deadline``."""
        self._open()
        told = False
        while not self._try():
            if not told:
                on_wait(read_holder(self.engine, self.names))
                told = True
            if time.monotonic() >= deadline:
                holder = read_holder(self.engine, self.names)
                self.release()
                raise LockTimeout(str(holder), timeout)
            time.sleep(POLL_SECONDS)
        self._stop.clear()
        if self._connection is not None:
            self._keepalive_seconds = keepalive_interval(self._idle_limit())
            self._keepalive = threading.Thread(target=self._keep_alive, name="migration-lock", daemon=True)
            self._keepalive.start()

    def ensure_held(self, before: str) -> None:
        """Raise LockLost unless the lock is still ours (a live check on the lock session)."""
        with self._mutex:
            if self._lost is None:
                self._lost = self._check()
        if self._lost is not None:
            raise LockLost(f"migration lock lost before {before} ({self._lost}); stopped there")

    def release(self) -> str | None:
        """Give the lock back; what went wrong if it could not be (ending the session releases it anyway)."""
        self._stop.set()
        if self._keepalive is not None:
            self._keepalive.join()
            self._keepalive = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is None:
            return None
        connection, self._connection = self._connection, None
        try:
            if self.dialect == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            elif self.dialect in ("mysql", "mariadb"):
                connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": self._name})
            connection.rollback()  # Oracle: ends the transaction that holds the row lock
        except sa.exc.SQLAlchemyError as exc:
            return f"could not release the migration lock ({_short(exc)}); it ended with its session"
        finally:
            try:
                connection.close()
            except sa.exc.SQLAlchemyError:
                pass
        return None

    def held_now(self) -> bool | None:
        """Whether some runner holds the lock now, asked without waiting (None: cannot tell)."""
        try:
            self._open()
        except sa.exc.DBAPIError:
            return None
        try:
            connection = self._connection
            if self.dialect == "postgresql" and connection is not None:
                classid, objid = self._halves()
                return bool(
                    connection.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                            " AND classid::bigint = :classid AND objid::bigint = :objid AND objsubid = 1"
                        ),
                        {"classid": classid, "objid": objid},
                    ).scalar()
                )
            if self.dialect in ("mysql", "mariadb") and connection is not None:
                return (
                    connection.execute(sa.text("SELECT IS_USED_LOCK(:name)"), {"name": self._name}).scalar()
                    is not None
                )
            return not self._try()  # SQLite, Oracle: taken for an instant, given back below
        except sa.exc.DBAPIError:
            return None
        finally:
            self.release()

    def held_condition(self) -> tuple[sa.TextClause, dict[str, Any]] | None:
        """A condition any session can put in its own statement: true while the lock session (by pid
        and start time) holds the lock (PostgreSQL's ``pg_locks``; None elsewhere). It saves a round
        trip on the lock session; when it is false, ``ensure_held`` says why."""
        if self.dialect != "postgresql" or self._backend is None:
            return None
        classid, objid = self._halves()
        pid, started = self._backend
        parameters = {"lock_pid": pid, "lock_started": started, "lock_classid": classid, "lock_objid": objid}
        return _PG_HELD, parameters

    def _halves(self) -> tuple[int, int]:
        # pg_locks shows a bigint advisory key as two oids: high half in classid, low half in objid
        return divmod(self._key() & 0xFFFFFFFFFFFFFFFF, 1 << 32)

    def _idle_limit(self) -> float | None:
        # seconds after which the server itself ends the idle lock session (wait_timeout,
        # idle_session_timeout): the keep-alive comes sooner
        query = IDLE_LIMIT.get(self.dialect)
        if query is None or self._connection is None:
            return None
        try:
            limit = self._connection.exec_driver_sql(query).scalar()
        except sa.exc.DBAPIError:  # an older server without the setting: no limit of its own
            self._connection.rollback()
            return None
        if isinstance(limit, datetime.timedelta):
            limit = limit.total_seconds()
        return float(limit) if limit else None

    def _keep_alive(self) -> None:
        # a long statement leaves the lock session idle: proxies and wait_timeout end idle sessions
        while not self._stop.wait(self._keepalive_seconds):
            with self._mutex:
                if self._lost is None:
                    self._lost = self._check()

    def _check(self) -> str | None:
        connection = self._connection
        if connection is None:
            return None  # SQLite: a file lock cannot be lost while the process lives
        if self._check_statement is None:
            self._check_statement, self._check_parameters = self._live_check()
        try:
            held = connection.execute(self._check_statement, self._check_parameters).scalar()
        except sa.exc.SQLAlchemyError as exc:
            return f"its session ended: {_short(exc)}"
        return None if held else "another session holds it now"

    def _live_check(self) -> tuple[sa.TextClause, dict[str, int | str]]:
        # asked on the lock session itself: whether this very session holds the lock now
        if self.dialect == "postgresql":
            classid, objid = self._halves()
            statement = sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid::bigint = :classid"
                " AND objid::bigint = :objid AND objsubid = 1"
            )
            return statement, {"classid": classid, "objid": objid}
        if self.dialect in ("mysql", "mariadb"):
            return sa.text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"), {"name": self._name}
        # Oracle: the row lock lasts as long as the session and its transaction
        return sa.text("SELECT 1 FROM dual"), {}

    def _open(self) -> None:
        if self.dialect == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                self._file = open(f"{database}.migration-lock", "a", encoding="utf-8")
            return
        if self.dialect == "oracle":
            self._ensure_oracle_lock_table()
            self._connection = self.engine.connect()
            return
        self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        schema = self.engine.url.database or ""
        if self.dialect == "postgresql":
            current, pid, started = self._connection.exec_driver_sql(
                "SELECT current_schema(), pid, backend_start FROM pg_stat_activity"
                " WHERE pid = pg_backend_pid()"
            ).one()
            self._backend = (pid, started)
            schema = f"{schema}.{current}"
        name = f"oramigrate:{schema}:{self.names.version_table}"
        # MariaDB's GET_LOCK names are server-wide, 64 characters at most
        self._name = (
            name if len(name) <= 64 else "oramigrate:" + hashlib.sha256(name.encode()).hexdigest()[:40]
        )

    def _key(self) -> int:
        return int.from_bytes(hashlib.sha256(self._name.encode()).digest()[:8], "big", signed=True)

    def _try(self) -> bool:
        if self.dialect == "sqlite":
            if self._file is None:
                return True
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
        connection = self._connection
        assert connection is not None
        if self.dialect == "postgresql":
            got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key()})
            return bool(got.scalar())
        if self.dialect in ("mysql", "mariadb"):
            got = connection.execute(sa.text("SELECT GET_LOCK(:name, 0)"), {"name": self._name})
            return bool(got.scalar())
        if self.dialect == "oracle":
            return self._try_oracle(connection)
        return True  # an unknown dialect: no lock rather than a refusal to migrate

    def _try_oracle(self, connection: Connection) -> bool:
        table = self.names.lock
        statement = sa.select(table.c.id).where(table.c.id == MUTEX_ROW).with_for_update(nowait=True)
        try:
            connection.execute(statement)
        except sa.exc.DBAPIError as exc:
            connection.rollback()
            if "ORA-00054" in str(exc.orig):  # resource busy: another session holds the row
                return False
            raise
        return True  # the transaction stays open: the row lock lasts until release()

    def _ensure_oracle_lock_table(self) -> None:
        # Several runners may create it at once: the loser's ORA-00955 / ORA-00001 means "already done".
        for _attempt in range(3):
            try:
                with self.engine.connect() as connection:
                    deploy_tables.create_missing(connection, self.names)
                return
            except sa.exc.DBAPIError as exc:
                if not any(code in str(exc.orig) for code in ("ORA-00955", "ORA-00001")):
                    raise
        raise MigrationError("could not create the migration lock table (created and dropped concurrently?)")


def _short(exc: sa.exc.SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc).split("(Background on this error")[0]
    return " ".join(text.split())[:200]


# pg_stat_get_activity(pid), not the pg_stat_activity view: the statement is planned again after
# every revision's DDL, and the view's joins cost a quarter of a millisecond to plan each time
_PG_HELD = sa.text(
    "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = :lock_pid"
    " AND l.classid::bigint = :lock_classid AND l.objid::bigint = :lock_objid AND l.objsubid = 1"
    " AND (SELECT backend_start FROM pg_stat_get_activity(:lock_pid)) = :lock_started)"
).bindparams(
    sa.bindparam("lock_pid", type_=sa.Integer),
    sa.bindparam("lock_started", type_=sa.DateTime(timezone=True)),
    sa.bindparam("lock_classid", type_=sa.BigInteger),
    sa.bindparam("lock_objid", type_=sa.BigInteger),
)


def keepalive_interval(idle_limit: float | None) -> float:
    """How often the idle lock session is used: every 30 s, and thrice within the server's own idle limit."""
    if idle_limit is None or idle_limit <= 0:
        return KEEPALIVE_SECONDS
    return max(0.2, min(KEEPALIVE_SECONDS, idle_limit / 3))


def describe_wait(holder: Holder, timeout: float) -> str:
    """The line printed while waiting."""
    return f"waiting up to {timeout:g} s for the migration lock held by {holder}"
