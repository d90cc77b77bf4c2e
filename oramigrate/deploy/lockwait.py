"""The lock-wait budget of each migration statement, and the retries when it runs out.

A DDL statement that waits for its table lock is worse than a slow one: on PostgreSQL and MariaDB
every later query on that table queues behind the waiting lock request, so one long application
transaction plus one waiting ``ALTER`` stalls the application. Oracle does the opposite and fails at
once (``DDL_LOCK_TIMEOUT`` is 0). So every migration session gets a budget per lock wait
(PostgreSQL ``lock_timeout``, MariaDB ``lock_wait_timeout`` and ``innodb_lock_wait_timeout``,
Oracle ``DDL_LOCK_TIMEOUT``); when it runs out the statement gives the lock queue back, the run
says who was in the way, sleeps (exponential backoff with full jitter) and tries again, and after
the last retry the revision stops cleanly, naming the blocker.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..configuration import DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_WAIT
from ..errors import MigrationError
from .blockers import Blocker, Watcher, describe

MAX_BACKOFF = 30.0
# the servers' own words for "the lock wait ran out" (not deadlocks, not other errors)
_POSTGRESQL_STATES = {"55P03"}  # lock_not_available: lock_timeout
_MARIADB_CODES = {1205}  # ER_LOCK_WAIT_TIMEOUT: metadata (lock_wait_timeout) and row locks (InnoDB)
_ORACLE_CODES = ("ORA-00054", "ORA-04021", "ORA-30006")
# PostgreSQL's CONCURRENTLY index statements take SHARE UPDATE EXCLUSIVE, which no SELECT, INSERT,
# UPDATE or DELETE conflicts with, then wait for the transactions writing the table: no application
# query queues behind them. A lock_timeout there cancels the build and leaves an INVALID index, on
# which the retry fails ("already exists"), so they wait without the budget.
_CONCURRENT_INDEX = re.compile(r"^\s*(CREATE|DROP|REINDEX)\b.*\bCONCURRENTLY\b", re.IGNORECASE | re.DOTALL)


def waits_unbounded(dialect: str, statement: str) -> bool:
    """Whether ``statement`` runs without the lock-wait budget (PostgreSQL CONCURRENTLY index DDL)."""
    return dialect == "postgresql" and bool(_CONCURRENT_INDEX.match(statement))


def whole_seconds(seconds: float) -> int:
    """MariaDB and Oracle take whole seconds: the budget rounded up, at least 1."""
    return max(1, math.ceil(seconds))


def session_statements(dialect: str, seconds: float, *, local: bool = True) -> list[str]:
    """The statements that give a migration session a lock-wait budget of ``seconds``.

    PostgreSQL's is ``SET LOCAL`` (``local``): it lives and dies with the revision's transaction, and
    a rolled-back attempt's setting would be undone anyway; outside a transaction (an autocommit
    block) it is a plain ``SET``.
    """
    if dialect == "postgresql":
        scope = "SET LOCAL" if local else "SET"
        return [f"{scope} lock_timeout = '{max(1, round(seconds * 1000))}ms'"]
    if dialect in ("mysql", "mariadb"):
        whole = whole_seconds(seconds)
        return [f"SET SESSION lock_wait_timeout = {whole}, innodb_lock_wait_timeout = {whole}"]
    if dialect == "oracle":
        return [f"ALTER SESSION SET DDL_LOCK_TIMEOUT = {whole_seconds(seconds)}"]
    return []


def reset_statements(dialect: str) -> list[str]:
    """The statements that give a session back the server's own lock-wait settings."""
    if dialect == "postgresql":
        return ["RESET lock_timeout"]
    if dialect in ("mysql", "mariadb"):
        return ["SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"]
    if dialect == "oracle":
        return ["ALTER SESSION SET DDL_LOCK_TIMEOUT = 0"]
    return []


def is_lock_timeout(exc: BaseException, dialect: str) -> bool:
    """Whether ``exc`` is the server saying a lock wait ran out (the statement did nothing)."""
    if not isinstance(exc, sa.exc.DBAPIError) or exc.connection_invalidated:
        return False
    orig = exc.orig
    if dialect == "postgresql":
        return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in _POSTGRESQL_STATES
    if dialect in ("mysql", "mariadb"):
        args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
        return bool(args) and args[0] in _MARIADB_CODES
    if dialect == "oracle":
        return any(code in str(orig) for code in _ORACLE_CODES)
    return False


class LockWaitExhausted(MigrationError):
    """A statement found its lock taken through every retry; the revision stopped cleanly."""

    def __init__(self, message: str, blockers: list[Blocker]) -> None:
        super().__init__(message)
        self.blockers = blockers


@dataclass(frozen=True)
class Budget:
    """How long one lock wait may last, and how many times a statement is tried again."""

    seconds: float = DEFAULT_LOCK_WAIT
    retries: int = DEFAULT_LOCK_RETRIES

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Seconds to sleep before retry ``retry`` (1-based): full jitter on a doubling ceiling."""
        ceiling = min(MAX_BACKOFF, self.seconds * 2.0 ** (retry - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass
class LockWaits:
    """One run's lock-wait policy: the session settings, the watcher, the retry decision."""

    budget: Budget
    dialect: str
    notify: Callable[[str], None]
    watcher: Callable[[], Watcher | None] = lambda: None
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    waits: int = 0  # lock waits that ran out in this run (the report counts them)

    def apply(self, connection: Connection, *, local: bool = True, unbounded: bool = False) -> None:
        """Give ``connection``'s session the budget (PostgreSQL ``local``: for its current transaction);
        ``unbounded``: no limit, for a statement that ``waits_unbounded``."""
        if unbounded:
            connection.exec_driver_sql(f"{'SET LOCAL' if local else 'SET'} lock_timeout = 0")
            return
        for statement in session_statements(self.dialect, self.budget.seconds, local=local):
            connection.exec_driver_sql(statement)

    def reset(self, connection: Connection) -> None:
        """Give ``connection``'s session the server's own settings back (a pooled session is reused)."""
        for statement in reset_statements(self.dialect):
            connection.exec_driver_sql(statement)

    def attempt(self, run: Callable[[], Any]) -> tuple[bool, Any, list[Blocker]]:
        """Run one attempt: (True, result, []) or (False, None, blockers) if its lock wait ran out."""
        watcher = self.watcher()
        try:
            if watcher is None:
                return True, run(), []
            with watcher:
                return True, run(), []
        except sa.exc.DBAPIError as exc:
            if not is_lock_timeout(exc, self.dialect):
                raise
            self.waits += 1
            return False, None, watcher.seen if watcher is not None else []

    def after_timeout(self, retry: int, where: str, statement: str, blockers: list[Blocker]) -> None:
        """Say who blocks and sleep before retry ``retry``; past the last one, stop the revision."""
        waited = f"{where} waited {self.budget.seconds:g} s for a lock ({statement[:120]})"
        if retry > self.budget.retries:
            raise LockWaitExhausted(
                f"{waited} and gave up after {self.budget.retries} retries; blocked by {describe(blockers)}",
                blockers,
            )
        delay = self.budget.backoff(retry, self.rng)
        self.notify(
            f"{waited}; blocked by {describe(blockers)}; retry {retry} of {self.budget.retries}"
            f" in {delay:.1f} s"
        )
        self.sleep(delay)
