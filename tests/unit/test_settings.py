"""Configuration from the environment: secrets, URLs, masking, Oracle split form, target version."""

from __future__ import annotations

from pathlib import Path

import pytest

from oramigrate.errors import ConfigurationError
from oramigrate.oracle.target import parse_version
from oramigrate.settings import database_url, env_secret, mask_url, missing_password


def test_secret_from_variable_wins_over_file(tmp_path: Path) -> None:
    secret = tmp_path / "s"
    secret.write_text("from-file\n")
    assert env_secret("X", {"X": "direct", "X_FILE": str(secret)}) == "direct"
    assert env_secret("X", {"X_FILE": str(secret)}) == "from-file"
    assert env_secret("X", {}) is None


def test_unreadable_or_empty_secret_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match=r"^X_FILE: cannot read .*/missing: No such file or directory$"
    ):
        env_secret("X", {"X_FILE": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("")
    with pytest.raises(ConfigurationError, match=r"^X_FILE: .*/empty is empty$"):
        env_secret("X", {"X_FILE": str(tmp_path / "empty")})


def test_oracle_split_form_builds_an_oracledb_url(tmp_path: Path) -> None:
    password = tmp_path / "pw"
    password.write_text("p@ss:word/1")
    url = database_url(
        {"ORACLE_USER": "app", "ORACLE_PASSWORD_FILE": str(password), "ORACLE_DSN": "db:1522/FREEPDB1"},
        "sqlite://",
    )
    assert url.drivername == "oracle+oracledb"
    assert (url.username, url.password, url.host, url.port) == ("app", "p@ss:word/1", "db", 1522)
    assert dict(url.query) == {"service_name": "FREEPDB1"}
    assert mask_url(url) == "oracle+oracledb://app:***@db:1522?service_name=FREEPDB1"


def test_oracle_split_form_without_password_is_asked_for_on_connecting() -> None:
    environ = {"ORACLE_USER": "app", "ORACLE_DSN": "db:1522/FREEPDB1"}
    url = database_url(environ, "sqlite://")
    assert (url.username, url.password, url.host) == ("app", None, "db")
    assert missing_password(environ) == (
        "ORACLE_PASSWORD or ORACLE_PASSWORD_FILE is required with ORACLE_USER"
        " (only a --sql script needs none)"
    )
    assert missing_password({**environ, "ORACLE_PASSWORD": "pw"}) is None
    assert missing_password({}) is None


def test_oracle_dsn_must_be_easy_connect() -> None:
    with pytest.raises(ConfigurationError, match="ORACLE_DSN must be host"):
        database_url(
            {"ORACLE_USER": "a", "ORACLE_PASSWORD": "b", "ORACLE_DSN": "(DESCRIPTION=...)"}, "sqlite://"
        )


def test_both_forms_at_once_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        database_url({"DATABASE_URL": "sqlite://", "ORACLE_USER": "a"}, "sqlite://")


def test_default_applies_when_nothing_is_set() -> None:
    assert database_url({}, "sqlite:////tmp/app.db").render_as_string() == "sqlite:////tmp/app.db"


def test_mask_url_of_text_and_of_garbage() -> None:
    assert mask_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert mask_url("::::") == "<invalid URL>"


@pytest.mark.parametrize(
    ("text", "version"), [("11.2", (11, 2)), ("12.1", (12, 1)), ("19", (19,)), ("23", (23,))]
)
def test_target_versions(text: str, version: tuple[int, ...]) -> None:
    assert parse_version(text) == version


@pytest.mark.parametrize("text", ["", "xe", "10.2", "21c", "1.2.3.4.5"])
def test_bad_target_versions(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_version(text)
