"""Driver messages of real failed connections to PostgreSQL (psycopg) and MariaDB (PyMySQL), masked.

Each failure is a real connection attempt against the machine's servers; the message is the
driver's own. ``describe`` (the error boundary) must show no secret, by structure or by known
value, and must not garble what is no secret: the old substring replacement turned a short
password "127" into ``'***.0.0.1'`` and missed the tail of a password an unencoded ``@`` split.
"""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from support.cli import run_manage
from support.databases import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, server_or_skip

from oramigrate.failures import describe


def _failure(url: str, **engine_options: object) -> sa_exc.DBAPIError:
    """What SQLAlchemy raises when connecting with ``url`` fails."""
    engine = sa.create_engine(url, **engine_options)  # type: ignore[arg-type]
    try:
        with pytest.raises(sa_exc.DBAPIError) as raised:
            engine.connect()
    finally:
        engine.dispose()
    return raised.value


@pytest.fixture(scope="module")
def servers() -> None:
    """Both servers reachable (skipped with the reason otherwise, failed under CI=true)."""
    for admin, name in ((POSTGRES_ADMIN_URL, "postgresql"), (MARIADB_ADMIN_URL, "mariadb")):
        server_or_skip(admin, name).dispose()


def test_psycopg_quotes_a_token_of_the_connection_string(servers: None) -> None:
    uri = "postgresql://postgres:p%40ss%zz@127.0.0.1:5432/postgres"
    failure = _failure("postgresql+psycopg://", creator=lambda: psycopg.connect(uri))
    assert str(failure.orig).strip() == 'invalid percent-encoded token: "p%40ss%zz"'
    assert describe(failure, sa.make_url(uri)) == (
        "database error (postgresql://postgres:***@127.0.0.1:5432/postgres): "
        'invalid percent-encoded token: "***"',
        1,
    )


@pytest.mark.parametrize(
    ("url", "driver_says", "shown"),
    [
        (
            "postgresql+psycopg://postgres:pa@ss@127.0.0.1:5432/postgres",
            "failed to resolve host 'ss@127.0.0.1': [Errno -2] Name or service not known",
            "database unavailable (postgresql+psycopg://postgres:***@127.0.0.1:5432/postgres): "
            "failed to resolve host '***@127.0.0.1': [Errno -2] Name or service not known",
        ),
        (
            "mysql+pymysql://root:pa@ss@127.0.0.1:3306/mysql",
            "(2003, \"Can't connect to MySQL server on 'ss@127.0.0.1' "
            '([Errno -2] Name or service not known)")',
            "database unavailable (mysql+pymysql://root:***@127.0.0.1:3306/mysql): "
            "(2003, \"Can't connect to MySQL server on '***@127.0.0.1' "
            '([Errno -2] Name or service not known)")',
        ),
    ],
)
def test_the_tail_of_a_password_an_unencoded_at_split(
    servers: None, url: str, driver_says: str, shown: str
) -> None:
    failure = _failure(url)
    assert str(failure.orig) == driver_says
    assert describe(failure, sa.make_url(url)) == (shown, 1)


def test_a_short_password_does_not_garble_the_host_or_the_database(servers: None) -> None:
    maria = "mysql+pymysql://root:127@127.0.0.1:3306/mysql"
    failure = _failure(maria)
    assert describe(failure, sa.make_url(maria)) == (
        "database unavailable (mysql+pymysql://root:***@127.0.0.1:3306/mysql): "
        "(1045, \"Access denied for user 'root'@'127.0.0.1' (using password: YES)\")",
        1,
    )
    postgres = "postgresql+psycopg://postgres:pw@127.0.0.1:5432/pw_missing"
    failure = _failure(postgres)
    assert describe(failure, sa.make_url(postgres)) == (
        "database unavailable (postgresql+psycopg://postgres:***@127.0.0.1:5432/pw_missing): connection "
        'failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "pw_missing" '
        "does not exist",
        1,
    )


def test_a_password_the_server_quotes_back_is_masked_as_a_known_value(servers: None) -> None:
    # the user name is the password (a copy-paste slip): MariaDB names the user in its refusal
    url = "mysql+pymysql://Tidal-pool-73:Tidal-pool-73@127.0.0.1:3306/mysql"
    assert describe(_failure(url), sa.make_url(url)) == (
        "database unavailable (mysql+pymysql://***:***@127.0.0.1:3306/mysql): "
        "(1045, \"Access denied for user '***'@'127.0.0.1' (using password: YES)\")",
        1,
    )


def test_the_cli_masks_a_secret_setting_the_driver_repeats(servers: None) -> None:
    """Through the real CLI: the salt, set by mistake as the role name, is not printed."""
    salt = "Zq3-salt-value-for-this-test-only-0123456789"
    url = f"postgresql+psycopg://{salt}@127.0.0.1:5432/postgres"
    ran = run_manage("db", "current", database_url=url, env={"SECURITY_PASSWORD_SALT": salt})
    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        "Error: database unavailable (postgresql+psycopg://***@127.0.0.1:5432/postgres): connection failed: "
        'connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "***" does not exist'
    ]
