"""Secrets out of error messages by structure, then by known values (oramigrate/masking.py).

Oracle's messages are python-oracledb's own, raised by its client with no server (a connect
string it cannot parse), or quoted as its documentation shows them (Database Error Messages).
The PostgreSQL and MariaDB messages of real failed connections are in
tests/integration/test_masked_driver_messages.py.
"""

from __future__ import annotations

from pathlib import Path

import oracledb
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from oramigrate.failures import describe
from oramigrate.masking import known_secrets, mask_secrets

ORACLE_URL = "oracle+oracledb://scott:Tiger-pw9@db.example:1521/?service_name=FREEPDB1"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the password of every URL, split at the last '@' before the path, whatever it is
        ("at postgresql://app:S3cret@db:5432/app.", "at postgresql://app:***@db:5432/app."),
        ("x postgresql://app:p@ss/w0rd@db/app y", "x postgresql://app:***@db/app y"),
        ("'mysql+pymysql://root:p%40ss@db/app'", "'mysql+pymysql://root:***@db/app'"),
        (
            "postgresql://app@db/app sqlite:///tmp/me@home/app.db",
            "postgresql://app@db/app sqlite:///tmp/me@home/app.db",
        ),
        # key=value pairs: libpq conninfo, query strings, Oracle wallets
        ("host=db password='a b' dbname=app", "host=db password=*** dbname=app"),
        ("x://db/?sslmode=require&password=zz&x=1", "x://db/?sslmode=require&password=***&x=1"),
        ("(WALLET_PASSWORD=w4llet)", "(WALLET_PASSWORD=***)"),
        # Oracle's user/password@connect_identifier
        ('connect string "scott/Tiger-pw9@db:1521/FREEPDB1"', 'connect string "scott/***@db:1521/FREEPDB1"'),
        (
            "ORA-01017: invalid username/password; logon denied",
            "ORA-01017: invalid username/password; logon denied",
        ),
    ],
)
def test_structure(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


def test_known_values_raw_and_encoded_but_not_short_ones() -> None:
    secrets = ["p@ss w0rd!", "127"]
    assert mask_secrets(
        "got p@ss w0rd! and p%40ss%20w0rd%21 and p%40ss+w0rd%21 and p%40ss%20w0rd!", secrets
    ) == ("got *** and *** and *** and ***")
    # three characters would hide the host they also spell; a URL's password is masked by structure
    assert mask_secrets("on '127.0.0.1' via mysql://root:127@127.0.0.1/x", secrets) == (
        "on '127.0.0.1' via mysql://root:***@127.0.0.1/x"
    )


def test_known_secrets_come_from_the_url_and_the_secret_settings(tmp_path: object) -> None:
    environ = {
        "DATABASE_URL": "postgresql://app:h%40rd@db/app",
        "ORACLE_PASSWORD": "Tiger-pw9",
        "SECRET_KEY": "k" * 8,
        "SECURITY_PASSWORD_SALT": "s" * 8,
        "UNRELATED": "shown",
    }
    url = sa.make_url("postgresql+psycopg://app:pa@ss@db/app")  # an unencoded '@' split it
    assert known_secrets(url, environ) == ["Tiger-pw9", "h%40rd", "kkkkkkkk", "pa", "pa@ss", "ssssssss"]
    assert known_secrets(None, {"SECRET_KEY_FILE": "/nonexistent/key"}) == []  # reported where it is read


def _oracle_failure(dsn: str) -> sa_exc.DBAPIError:
    """The error SQLAlchemy raises when python-oracledb's client refuses ``dsn`` (no server involved)."""
    engine = sa.create_engine(
        "oracle+oracledb://", creator=lambda: oracledb.connect(user="scott", password="Tiger-pw9", dsn=dsn)
    )
    try:
        with pytest.raises(sa_exc.DBAPIError) as raised:
            engine.connect()
    finally:
        engine.dispose()
    return raised.value


def test_python_oracledb_quotes_the_connect_string_with_its_password() -> None:
    failure = _oracle_failure("scott/Tiger-pw9@db.example:abc/FREEPDB1")
    assert (
        str(failure.orig) == 'DPY-4018: cannot parse connect string "scott/Tiger-pw9@db.example:abc/FREEPDB1"'
    )
    assert describe(failure) == (
        'database error: DPY-4018: cannot parse connect string "scott/***@db.example:abc/FREEPDB1"',
        1,
    )
    wallet = _oracle_failure(
        "tcps://db.example:1522/FREEPDB1?wallet_password=W4llet-pw&transport_connect_timeout=x"
    )
    assert describe(wallet) == (
        'database error: DPY-4018: cannot parse connect string "tcps://db.example:1522/FREEPDB1?'
        'wallet_password=***&transport_connect_timeout=x"',
        1,
    )


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        # Oracle Database Error Messages, as the documentation prints them: nothing secret, left whole
        ("ORA-01017: invalid credential or not authorized; logon denied", None),
        ("ORA-12154: TNS:could not resolve the connect identifier specified", None),
        ("ORA-28000: The account is locked.", None),
        # a connect descriptor quoted by python-oracledb (DPY-2049) that carries a wallet password
        (
            "DPY-2049: no addresses are defined in connect descriptor: "
            "(DESCRIPTION=(SECURITY=(WALLET_PASSWORD=W4llet-pw))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))",
            "DPY-2049: no addresses are defined in connect descriptor: "
            "(DESCRIPTION=(SECURITY=(WALLET_PASSWORD=***))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))",
        ),
        # the account's own password quoted back: masked as a known value
        (
            "DPY-4011: the database or network closed the connection (Tiger-pw9)",
            "DPY-4011: the database or network closed the connection (***)",
        ),
    ],
)
def test_oracle_messages_as_documented(message: str, shown: str | None) -> None:
    failure = sa_exc.OperationalError("connect", {}, Exception(message))
    url = sa.make_url(ORACLE_URL)
    where = "oracle+oracledb://scott:***@db.example:1521/?service_name=FREEPDB1"
    assert describe(failure, url) == (f"database unavailable ({where}): {shown or message}", 1)


def test_the_line_of_an_unexpected_error_is_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    import click

    from oramigrate.failures import run_guarded

    def broken() -> None:
        raise RuntimeError("cannot open postgresql://app:S3cret-pw@db/app")

    with pytest.raises(click.exceptions.Exit):
        run_guarded(broken)
    line = capsys.readouterr().err
    assert line.startswith(
        "Error: unexpected RuntimeError: cannot open postgresql://app:***@db/app (traceback in "
    )
    assert "S3cret" not in line
    # the log file holds the whole traceback, masked the same way
    log = Path(line.rsplit("(traceback in ", 1)[1].rstrip().rstrip(")"))
    logged = log.read_text()
    assert "RuntimeError: cannot open postgresql://app:***@db/app" in logged
    assert "S3cret" not in logged
