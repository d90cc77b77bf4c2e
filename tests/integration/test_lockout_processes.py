"""The lock-out holds across processes and restarts: real ``runserver --production`` servers on one database.

Flask-Limiter's in-memory window is per process; the failed sign-in count is in ``auth_user``, so
failures made on one server lock the account on the other, and a successful sign-in on either
resets it. Each server is waitress in its own process, signed in to over plain HTTP as a browser
would (CSRF token, session cookie), on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from support.cli import run_manage
from support.databases import Database
from support.server import start_production, stop

EMAIL, PASSWORD, WRONG = "ops@example.com", "Granite-harbour-83", "Wrong-guess-12"
ATTEMPTS, SECONDS = 3, 8
LOCKING = {"LOGIN_LOCKOUT_ATTEMPTS": str(ATTEMPTS), "LOGIN_LOCKOUT_SECONDS": str(SECONDS)}


class Visitor:
    """One browser: its cookies, the login form's CSRF token, a sign-in POST."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        """One request with this visitor's cookies; status and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            connection.close()

    def sign_in(self, email: str, password: str) -> int:
        """POST the login form; 302 when signed in, 200 when refused."""
        _, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
        assert token is not None, page
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token[1]})
        status, _ = self.request("POST", "/login", form)
        return status


def count(database: Database) -> tuple[int, datetime | None]:
    """The account's failed_logins and last_failed_login_at, read from the database."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT failed_logins, last_failed_login_at FROM auth_user WHERE email = :e")
            # typed: SQLite hands a DATETIME back as text
            typed = query.columns(failed_logins=sa.Integer, last_failed_login_at=sa.DateTime)
            row = connection.execute(typed, {"e": EMAIL}).one()
    finally:
        engine.dispose()
    return int(row[0]), row[1]


def wait_for_the_end_of(locked_at: datetime) -> None:
    """Sleep until the lock that ``locked_at`` started has ended (UTC, as the column stores it)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    time.sleep(max(0.0, (locked_at - now).total_seconds() + SECONDS + 0.5))


def prepared(database: Database) -> None:
    """``database`` at head with the account, as an operator makes it (the CLI, full argon2 cost)."""
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    made = run_manage(
        "dbCreateRegUser",
        "--email",
        EMAIL,
        "--password-stdin",
        database_url=database.url,
        input=PASSWORD + "\n",
    )
    assert made.returncode == 0, made.stderr


@pytest.fixture
def two_servers(database: Database) -> Iterator[tuple[int, int]]:
    """Two production servers on ``database``, at head, with one account; their ports."""
    prepared(database)
    servers: list[Any] = []
    try:
        for _ in range(2):
            servers.append(start_production(database.url, "--threads", "2", env=LOCKING))
        yield servers[0][1], servers[1][1]
    finally:
        for server, _port in servers:
            stop(server)


def test_failures_on_one_server_lock_the_account_on_the_other(
    database: Database, two_servers: tuple[int, int]
) -> None:
    first, second = Visitor(two_servers[0]), Visitor(two_servers[1])
    for visitor in (first, second, first):
        assert visitor.sign_in(EMAIL, WRONG) == 200
    failures, locked_at = count(database)
    assert failures == ATTEMPTS and locked_at is not None
    # the right password, on both servers, while the lock holds
    assert second.sign_in(EMAIL, PASSWORD) == 200
    assert first.sign_in(EMAIL, PASSWORD) == 200
    # a wrong one while locked is counted, and does not move the lock's end
    assert second.sign_in(EMAIL, WRONG) == 200
    assert count(database) == (ATTEMPTS + 1, locked_at)
    elapsed = (datetime.now(UTC).replace(tzinfo=None) - locked_at).total_seconds()
    assert elapsed < SECONDS, f"the locked checks took {elapsed:.1f} s: the test proved nothing"

    wait_for_the_end_of(locked_at)
    assert second.sign_in(EMAIL, PASSWORD) == 302
    assert count(database) == (0, None)


def test_a_successful_sign_in_on_either_server_resets_the_count(
    database: Database, two_servers: tuple[int, int]
) -> None:
    first, second = Visitor(two_servers[0]), Visitor(two_servers[1])
    for visitor in (first, second):
        assert visitor.sign_in(EMAIL, WRONG) == 200
    assert count(database)[0] == ATTEMPTS - 1
    assert first.sign_in(EMAIL, PASSWORD) == 302
    assert count(database) == (0, None)
    for visitor in (Visitor(two_servers[1]), Visitor(two_servers[0])):
        assert visitor.sign_in(EMAIL, WRONG) == 200
    assert Visitor(two_servers[1]).sign_in(EMAIL, PASSWORD) == 302  # never 3 in a row


def test_the_lock_survives_a_restart(database: Database) -> None:
    prepared(database)
    hour = {**LOCKING, "LOGIN_LOCKOUT_SECONDS": "3600"}
    server, port = start_production(database.url, "--threads", "2", env=hour)
    try:
        for _ in range(ATTEMPTS):
            assert Visitor(port).sign_in(EMAIL, WRONG) == 200
    finally:
        stop(server)
    server, port = start_production(database.url, "--threads", "2", env=hour)  # a new process, no memory
    try:
        assert Visitor(port).sign_in(EMAIL, PASSWORD) == 200
    finally:
        stop(server)
    assert count(database)[0] == ATTEMPTS
