"""One migrator at a time: a lock held by the database session (or file) of the runner itself.

Every kind of lock used here dies with its holder, so a killed runner (kill -9) never leaves a
stale lock and nobody needs a "release locks" command (notes/deploy-safety.md):
PostgreSQL session advisory lock, MariaDB/MySQL ``GET_LOCK``, Oracle a row lock held by a
session of its own that never commits (DDL commits on the migration session cannot release it,
and no DBMS_LOCK grant is needed), SQLite ``flock`` on a file beside the database.
"""

from __future__ import annotations

import datetime
import fcntl
import functools
import getpass
import hashlib
import os
import socket
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


class LockTimeout(MigrationError):
    """Another runner held the migration lock for longer than we were told to wait."""

    def __init__(self, holder: str, timeout: float) -> None:
        super().__init__(
            f"migration lock still held by {holder} after waiting {timeout:g} s; nothing was run"
        )
        self.holder = holder
        self.timeout = timeout


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as the holder wrote it."""

    host: str | None
    pid: int | None
    os_user: str | None
    since: datetime.datetime | None

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
    table = names.lock
    try:
        with engine.connect() as connection:
            row = connection.execute(
                sa.select(table.c.host, table.c.pid, table.c.os_user, table.c.since).where(
                    table.c.id == HOLDER_ROW
                )
            ).first()
    except sa.exc.DBAPIError:
        row = None
    return Holder(*row) if row is not None else Holder(None, None, None, None)


class MigrationLock:
    """The database-wide migration lock; ``acquire`` waits up to ``timeout`` seconds."""

    def __init__(self, engine: Engine, names: DeployTables) -> None:
        self.engine = engine
        self.names = names
        self.dialect = engine.dialect.name
        self._connection: Connection | None = None
        self._file: IO[str] | None = None
        self._schema: str | None = None

    def acquire(self, timeout: float, on_wait: Callable[[Holder], None]) -> None:
        """Take the lock, telling ``on_wait`` once who holds it if we must wait; LockTimeout at the end."""
        self._open()
        deadline = time.monotonic() + timeout
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

    def write_holder(self, connection: Connection) -> None:
        """Say who we are, committed at once so that waiting runners can read it."""
        values = {"host": socket.gethostname(), "pid": os.getpid(), "os_user": os_user(), "since": utcnow()}
        table = self.names.lock
        connection.execute(table.update().where(table.c.id == HOLDER_ROW).values(**values))
        connection.commit()

    def release(self) -> None:
        """Give the lock back (ending the session would too: this is only the tidy way)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                if self.dialect == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_unlock_all()"))
                elif self.dialect in ("mysql", "mariadb"):
                    connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": self._lock_name()})
                connection.rollback()  # Oracle: ends the transaction that holds the row lock
            finally:
                connection.close()

    def _open(self) -> None:
        if self.dialect == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                self._file = open(f"{database}.migration-lock", "a", encoding="utf-8")
            return
        if self.dialect == "oracle":
            self._ensure_oracle_lock_table()
            self._connection = self.engine.connect()
        else:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql":
                self._schema = self._connection.execute(sa.text("SELECT current_schema()")).scalar()

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
            key = int.from_bytes(hashlib.sha256(self._lock_name().encode()).digest()[:8], "big", signed=True)
            return bool(
                connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            )
        if self.dialect in ("mysql", "mariadb"):
            got = connection.execute(sa.text("SELECT GET_LOCK(:name, 0)"), {"name": self._lock_name()})
            return bool(got.scalar())
        if self.dialect == "oracle":
            return self._try_oracle(connection)
        return True  # an unknown dialect: no lock rather than a refusal to migrate

    def _lock_name(self) -> str:
        # MariaDB's GET_LOCK names are server-wide (64 characters at most): name the database too.
        # PostgreSQL's advisory locks are database-wide: name the schema our tables live in (one lock
        # per tenant schema), except "public", whose key stays what earlier versions took
        database = self.engine.url.database or ""
        if self._schema not in (None, "public"):
            database = f"{database}.{self._schema}"
        name = f"oramigrate:{database}:{self.names.history.name}"
        return name if len(name) <= 64 else "oramigrate:" + hashlib.sha256(name.encode()).hexdigest()[:40]

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


def describe_wait(holder: Holder, timeout: float) -> str:
    """The line printed while waiting."""
    return f"waiting up to {timeout:g} s for the migration lock held by {holder}"
