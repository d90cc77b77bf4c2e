"""Bad and odd inputs a demanding user or an attacker tries, found by a red-team pass over every command.

Each is the contract of README's "Errors": one ``Error:`` line, a non-zero exit, no traceback, no
secret in the output, nothing half-written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from support.cli import Ran, run_manage
from support.databases import ROOT

HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()

SECRET = "Zq9-not-for-output"


def one_error(result: Ran) -> str:
    """The single ``Error:`` line of a failed run (no traceback, no crash log)."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "unexpected" not in errors[0], errors[0]
    return errors[0]


def test_a_password_in_the_url_query_is_never_printed() -> None:
    # psycopg reads ?password= like the password part of the URL
    url = f"postgresql+psycopg://app@127.0.0.1:1/app?password={SECRET}&sslmode=disable"
    result = run_manage("db", "current", database_url=url)
    assert one_error(result).startswith(
        "Error: database unavailable (postgresql+psycopg://app@127.0.0.1:1/app?password=***&sslmode=disable):"
    )
    assert SECRET not in result.stdout + result.stderr


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("history_table", "error"),
    [
        (
            "alembic_version",
            "Error: MIGRATION_HISTORY_TABLE=alembic_version would put the history in the version table"
            " alembic_version: choose another name",
        ),
        (
            "alembic_version_lock",
            "Error: MIGRATION_HISTORY_TABLE=alembic_version_lock would put the history in the lock table"
            " alembic_version_lock: choose another name",
        ),
    ],
)
@pytest.mark.parametrize("command", [("upgrade",), ("stamp", "head"), ("log",), ("status",)])
def test_a_history_table_named_like_alembics_own_is_refused(
    history_table: str, error: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", *command, database_url=url, env={"MIGRATION_HISTORY_TABLE": history_table})
    assert one_error(result) == error
    assert _tables(url) == set()


@pytest.mark.parametrize(
    "command", [("upgrade",), ("downgrade",), ("log",), ("status",), ("journal", "show")]
)
def test_a_history_table_named_like_an_application_table_is_refused(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "upgrade", database_url=url).returncode == 0
    before = _tables(url)
    result = run_manage("db", *command, database_url=url, env={"MIGRATION_HISTORY_TABLE": "auth_user"})
    assert one_error(result) == (
        "Error: table auth_user exists but is not a migration history table (no column revision,"
        " direction, started, outcome): choose another name for MIGRATION_HISTORY_TABLE; nothing was"
        " written"
    )
    assert _tables(url) == before  # no auth_user_journal, no column added to auth_user
    assert run_manage("db", "current", database_url=url).stdout.strip() == f"{HEAD} (head)"


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("MIGRATION_LOCK_TIMEOUT", "inf", "must be a finite 0 or more seconds, not 'inf'"),
        ("MIGRATION_LOCK_TIMEOUT", "1e309", "must be a finite 0 or more seconds, not '1e309'"),
        ("MIGRATION_LOCK_RETRIES", "\u0663", "must be a whole number from 0 to 100, not '\u0663'"),
        (
            "ORACLE_TARGET_VERSION",
            "\u0661\u0669",
            "must look like 11.2, 12.1, 19, 21 or 23, not '\u0661\u0669'",
        ),
    ],
)
def test_a_setting_that_only_looks_like_a_number_is_refused(
    setting: str, value: str, error: str, tmp_path: Path
) -> None:
    result = run_manage(
        "db", "upgrade", database_url=f"sqlite:///{tmp_path / 'app.db'}", env={setting: value}
    )
    assert one_error(result) == f"Error: {setting} {error}"
    assert result.returncode == 2
    assert not (tmp_path / "app.db").exists() or _tables(f"sqlite:///{tmp_path / 'app.db'}") == set()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--lock-timeout", "inf"),
        ("--lock-timeout", "nan"),
        ("--lock-wait", "nan"),
        ("--lock-timeout", "1e309"),
    ],
)
@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_a_lock_option_that_is_not_finite_is_refused(
    option: str, value: str, command: str, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", command, option, value, database_url=url)
    assert one_error(result).startswith(f"Error: Invalid value for '{option}': ")
    assert one_error(result).endswith("is not a finite number of seconds")
    assert result.returncode == 2
    assert not (tmp_path / "app.db").exists() or _tables(url) == set()
