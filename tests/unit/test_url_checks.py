"""Database URLs are checked by structure before anything connects: each bad one, its one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from oramigrate.errors import ConfigurationError
from oramigrate.settings import database_url, env_secret, mask_url, parse_database_url

EXPECTED = "expected dialect+driver://user:password@host:port/database"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "postgresql://",
            "DATABASE_URL names no host: add @host after the user (postgresql would connect "
            "to a local default)",
        ),
        (
            "postgresql+psycopg://app@127.0.0.1:5432",
            "DATABASE_URL names no database: add /NAME after the "
            "host (postgresql would fall back to a default)",
        ),
        (
            "mysql+pymysql://root@127.0.0.1:3306/",
            "DATABASE_URL names no database: add /NAME after the host (mysql would fall back to a default)",
        ),
        (
            "oracle+oracledb://u:p@db:1521",
            "DATABASE_URL names no database: add ?service_name=NAME (oracle would fall back to a default)",
        ),
        ("mysql+pymysql://root@127.0.0.1:port/app", f"DATABASE_URL: the port is not a number ({EXPECTED})"),
        ("postgresql+psycopg://u:p@h:0/db", "DATABASE_URL: port 0 is not between 1 and 65535"),
        ("postgresql+psycopg://u:p@h:70000/db", "DATABASE_URL: port 70000 is not between 1 and 65535"),
        (
            "postgresql+psycopg://app:p@ss@127.0.0.1/app",
            "DATABASE_URL has more than one '@' before the "
            "host: URL-encode the password (an '@' in it is written %40)",
        ),
        (
            "mysql+pymysql://app:a@b:c@127.0.0.1:3306/app",
            "DATABASE_URL has more than one '@' before the "
            "host: URL-encode the password (an '@' in it is written %40)",
        ),
        ("nosuchdb://u:p@h/x", "DATABASE_URL: unknown database dialect or driver 'nosuchdb'"),
        (
            "postgresql+nosuch://u:p@h/x",
            "DATABASE_URL: unknown database dialect or driver 'postgresql+nosuch'",
        ),
        (
            "mysql://root@h/db",
            "DATABASE_URL: the driver 'mysqldb' of 'mysql' is not installed (installed: "
            "sqlite, postgresql+psycopg, mysql+pymysql, oracle+oracledb)",
        ),
        (
            "postgresql+asyncpg://u@h/d",
            "DATABASE_URL: 'postgresql+asyncpg' is an asyncio driver; the migrations need a synchronous one",
        ),
        (
            "sqlite://app.db",
            "DATABASE_URL: an SQLite URL has no host; write sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db (three or four slashes)",
        ),
        (" sqlite:///x.db", "DATABASE_URL starts or ends with white space: remove it"),
        ("sqlite:///x\x01.db", "DATABASE_URL contains a control character (U+0001) at position 12"),
        ("not a url", f"DATABASE_URL is not a valid database URL ({EXPECTED})"),
        ("", f"DATABASE_URL is not a valid database URL ({EXPECTED})"),
    ],
)
def test_bad_urls_are_refused_with_one_line(raw: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_database_url(raw)
    assert str(refused.value) == message
    assert "\n" not in str(refused.value)


def test_a_password_with_an_encoded_at_sign_is_kept_and_hidden() -> None:
    url = parse_database_url("postgresql+psycopg://app:p%40ss%3Aword@127.0.0.1:5432/app")
    assert (url.username, url.password, url.host, url.database) == ("app", "p@ss:word", "127.0.0.1", "app")
    assert mask_url(url) == "postgresql+psycopg://app:***@127.0.0.1:5432/app"


def test_socket_forms_name_the_server_in_the_query() -> None:
    parse_database_url("postgresql+psycopg://app@/app?host=/var/run/postgresql")
    parse_database_url("mysql+pymysql://root@/app?unix_socket=/run/mysqld/mysqld.sock")
    parse_database_url("oracle+oracledb://u:p@db:1521/?service_name=FREEPDB1")


def test_mask_url_never_shows_a_password_it_cannot_place() -> None:
    # read naively, "ss" would be the host and be shown
    assert mask_url("postgresql+psycopg://app:p@ss@127.0.0.1/app") == "<invalid URL>"
    assert mask_url("mysql+pymysql://root@127.0.0.1:port/app") == "<invalid URL>"


def test_relative_sqlite_is_under_the_project_folder(tmp_path: Path) -> None:
    (tmp_path / "instance").mkdir()
    url = database_url({"DATABASE_URL": "sqlite:///instance/app.db"}, "sqlite://", tmp_path)
    assert url.database == str(tmp_path / "instance" / "app.db")
    absolute = database_url({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}, "sqlite://", tmp_path)
    assert absolute.database == f"{tmp_path}/a.db"
    assert database_url({"DATABASE_URL": "sqlite://"}, "x", tmp_path).database is None  # in memory


def test_sqlite_in_a_missing_folder_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        database_url({"DATABASE_URL": "sqlite:///nowhere/app.db"}, "sqlite://", tmp_path)
    assert str(refused.value) == (
        f"DATABASE_URL: the folder of the SQLite file does not exist: {tmp_path / 'nowhere'} "
        "(create it, or fix the path)"
    )
    with pytest.raises(ConfigurationError, match=r"is a folder, not an SQLite file$"):
        database_url({"DATABASE_URL": f"sqlite:///{tmp_path}"}, "sqlite://", tmp_path)


def test_secret_files_are_read_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_text("x" * (64 * 1024 + 1))
    with pytest.raises(ConfigurationError, match=r"^X_FILE: .*/big is longer than 65536 characters$"):
        env_secret("X", {"X_FILE": str(big)})
    with pytest.raises(ConfigurationError, match=r"^X_FILE: /dev/zero is longer than 65536 characters$"):
        env_secret("X", {"X_FILE": "/dev/zero"})
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigurationError, match=r"^X_FILE: .*/binary is not UTF-8 text$"):
        env_secret("X", {"X_FILE": str(binary)})
