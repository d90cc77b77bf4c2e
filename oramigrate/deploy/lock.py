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
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import MigrationError
from . import tables as deploy_tables
from .tables import HOLDER_ROW, MUTEX_ROW, DeployTables

POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 30.0


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

    def _halves(self) -> tuple[int, int]:
        # pg_locks shows a bigint advisory key as two oids: high half in classid, low half in objid
        return divmod(self._key() & 0xFFFFFFFFFFFFFFFF, 1 << 32)

    def _keep_alive(self) -> None:
        # a long statement leaves the lock session idle: proxies and wait_timeout end idle sessions
        while not self._stop.wait(KEEPALIVE_SECONDS):
            with self._mutex:
                if self._lost is None:
                    self._lost = self._check()

    def _check(self) -> str | None:
        connection = self._connection
        if connection is None:
            return None  # SQLite: a file lock cannot be lost while the process lives
        try:
            if self.dialect == "postgresql":
                classid, objid = self._halves()
                held = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND classid::bigint = :classid"
                        " AND objid::bigint = :objid AND objsubid = 1"
                    ),
                    {"classid": classid, "objid": objid},
                ).scalar()
            elif self.dialect in ("mysql", "mariadb"):
                held = connection.execute(
                    sa.text("SELECT IS_USED_LOCK(:name) = CONNECTION_ID()"), {"name": self._name}
                ).scalar()
            else:  # Oracle: the row lock lasts as long as the session and its transaction
                held = connection.exec_driver_sql("SELECT 1 FROM dual").scalar()
        except sa.exc.SQLAlchemyError as exc:
            return f"its session ended: {_short(exc)}"
        return None if held else "another session holds it now"

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
            schema = f"{schema}.{self._connection.exec_driver_sql('SELECT current_schema()').scalar()}"
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


def describe_wait(holder: Holder, timeout: float) -> str:
    """The line printed while waiting."""
    return f"waiting up to {timeout:g} s for the migration lock held by {holder}"
