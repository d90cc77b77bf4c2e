"""The lock-wait budget: session settings per database (exact SQL), the retry loop (calls), settings."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sqlalchemy as sa
from support.oracle_sql import parse

from oramigrate.configuration import Settings
from oramigrate.deploy import blockers
from oramigrate.deploy.blockers import Blocker
from oramigrate.deploy.lock import KEEPALIVE_SECONDS, keepalive_interval
from oramigrate.deploy.lockwait import (
    Budget,
    LockWaitExhausted,
    LockWaits,
    is_lock_timeout,
    reset_statements,
    session_statements,
)
from oramigrate.errors import ConfigurationError

ORA_00054 = "ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired"


class _DriverError(Exception):
    """A driver's exception as SQLAlchemy wraps it (the words and codes are the servers')."""

    def __init__(self, *args: Any, sqlstate: str | None = None) -> None:
        super().__init__(*args)
        self.sqlstate = sqlstate


def _wrapped(*args: Any, sqlstate: str | None = None) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError(
        "ALTER TABLE t ADD c INTEGER", None, _DriverError(*args, sqlstate=sqlstate)
    )


def test_session_statements_per_database() -> None:
    assert session_statements("oracle", 1.2) == ["ALTER SESSION SET DDL_LOCK_TIMEOUT = 2"]
    assert session_statements("oracle", 0.1) == ["ALTER SESSION SET DDL_LOCK_TIMEOUT = 1"]
    assert session_statements("postgresql", 1.5) == ["SET LOCAL lock_timeout = '1500ms'"]
    assert session_statements("postgresql", 2, local=False) == ["SET lock_timeout = '2000ms'"]
    assert session_statements("mariadb", 2.5) == [
        "SET SESSION lock_wait_timeout = 3, innodb_lock_wait_timeout = 3"
    ]
    assert session_statements("sqlite", 1) == []


def test_reset_statements_give_the_session_back_the_servers_settings() -> None:
    # the budget is set once per run on a pooled session: it goes back as the server would give it
    assert reset_statements("postgresql") == ["RESET lock_timeout"]
    assert reset_statements("mariadb") == [
        "SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT"
    ]
    assert reset_statements("oracle") == ["ALTER SESSION SET DDL_LOCK_TIMEOUT = 0"]
    assert reset_statements("sqlite") == []


def test_keepalive_comes_thrice_within_the_servers_idle_limit() -> None:
    assert keepalive_interval(None) == KEEPALIVE_SECONDS == 30
    assert keepalive_interval(0) == 30  # no limit (PostgreSQL's idle_session_timeout = 0)
    assert keepalive_interval(28800) == 30  # MariaDB's default wait_timeout
    assert keepalive_interval(60) == 20
    assert keepalive_interval(2) == 2 / 3
    assert keepalive_interval(0.3) == 0.2  # never busier than five times a second


def test_oracle_session_views_parse() -> None:
    for sql in (blockers.ORACLE, blockers.ACTIVITY["oracle"]):
        parse(" ".join(sql.replace("v$", "v_").replace("serial#", "serial_no").split()))


@pytest.mark.parametrize(
    ("dialect", "error", "expected"),
    [
        ("oracle", _wrapped(ORA_00054), True),
        ("oracle", _wrapped("ORA-04021: timeout occurred while waiting to lock object"), True),
        ("oracle", _wrapped("ORA-00955: name is already used by an existing object"), False),
        ("postgresql", _wrapped("canceling statement due to lock timeout", sqlstate="55P03"), True),
        ("postgresql", _wrapped("deadlock detected", sqlstate="40P01"), False),
        ("mariadb", _wrapped(1205, "Lock wait timeout exceeded; try restarting transaction"), True),
        ("mariadb", _wrapped(1050, "Table 't' already exists"), False),
    ],
)
def test_lock_timeouts_are_told_from_other_errors(dialect: str, error: Exception, expected: bool) -> None:
    assert is_lock_timeout(error, dialect) is expected


def _waits(retries: int, said: list[str], slept: list[float]) -> LockWaits:
    return LockWaits(Budget(1.0, retries), "oracle", said.append, sleep=slept.append, rng=random.Random(7))


def test_oracle_retry_loop_names_the_blocker_and_backs_off() -> None:
    said: list[str] = []
    slept: list[float] = []
    waits = _waits(3, said, slept)
    outcomes = [_wrapped(ORA_00054), _wrapped(ORA_00054), "done"]

    def statement() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    holder = [Blocker("41,7", "APP", "web-1", "UPDATE auth_user SET active = 0", "INACTIVE", 12)]
    retry = 0
    while True:
        ran, result, seen = waits.attempt(statement)
        if ran:
            break
        retry += 1
        waits.after_timeout(
            retry, "operation 1 of revision l001", "ALTER TABLE auth_user ADD nick VARCHAR2(40)", holder
        )
    assert result == "done" and waits.waits == 2 and seen == []
    assert len(slept) == 2 and 0.5 <= slept[0] <= 1.0 and 1.0 <= slept[1] <= 2.0
    assert said[0] == (
        "operation 1 of revision l001 waited 1 s for a lock (ALTER TABLE auth_user ADD nick VARCHAR2(40));"
        " blocked by session 41,7 of user APP from web-1, INACTIVE, last statement UPDATE auth_user SET"
        f" active = 0, for 12 s; retry 1 of 3 in {slept[0]:.1f} s"
    )


def test_after_the_last_retry_the_revision_stops_naming_the_blocker() -> None:
    waits = _waits(1, [], [])
    with pytest.raises(LockWaitExhausted) as stopped:
        waits.after_timeout(2, "operation 2 of revision l001", "CREATE INDEX ix ON t (c)", [])
    assert str(stopped.value) == (
        "operation 2 of revision l001 waited 1 s for a lock (CREATE INDEX ix ON t (c)) and gave up"
        " after 1 retries; blocked by a session the server did not name"
    )


def test_other_errors_are_not_retried() -> None:
    waits = _waits(3, [], [])

    def statement() -> None:
        raise _wrapped("ORA-00955: name is already used by an existing object")

    with pytest.raises(sa.exc.DBAPIError):
        waits.attempt(statement)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    budget = Budget(2.0, 10)
    for retry, (low, high) in {1: (1, 2), 2: (2, 4), 3: (4, 8), 9: (15, 30)}.items():
        assert low <= budget.backoff(retry, rng) <= high


def test_settings() -> None:
    settings = Settings.from_mapping({"MIGRATION_LOCK_WAIT": "1.5", "MIGRATION_LOCK_RETRIES": "0"})
    assert (settings.lock_wait, settings.lock_retries) == (1.5, 0)
    assert (Settings().lock_wait, Settings().lock_retries) == (5.0, 5)
    for name, value in [
        ("MIGRATION_LOCK_WAIT", "0"), ("MIGRATION_LOCK_WAIT", "soon"), ("MIGRATION_LOCK_WAIT", "7200"),
        ("MIGRATION_LOCK_RETRIES", "-1"), ("MIGRATION_LOCK_RETRIES", "2.5"),
        ("MIGRATION_LOCK_RETRIES", "101"),
    ]:  # fmt: skip
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_mapping({name: value})
