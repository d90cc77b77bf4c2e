"""Bad input through the real CLI: one clear line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import run_manage
from support.databases import MARIADB_ADMIN_URL, ROOT


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line (Alembic's INFO progress lines aside)."""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("INFO ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_malformed_database_url() -> None:
    result = run_manage("db", "current", database_url="not a url at all")
    assert result.returncode == 2
    assert _one_line_error(result) == (
        "Error: DATABASE_URL is not a valid database URL "
        "(expected dialect+driver://user:password@host:port/database)"
    )


def test_unknown_dialect() -> None:
    result = run_manage("db", "current", database_url="nosuchdb://u:p@localhost/x")
    assert result.returncode == 2
    assert _one_line_error(result) == "Error: DATABASE_URL: unknown database dialect or driver 'nosuchdb'"


def test_unreachable_server_masks_password() -> None:
    result = run_manage("db", "current", database_url="postgresql+psycopg://app:hunter2@127.0.0.1:1/app")
    assert result.returncode == 1
    line = _one_line_error(result)
    assert line.startswith("Error: database unavailable (postgresql+psycopg://app:***@127.0.0.1:1/app): ")
    assert "Connection refused" in line
    assert "hunter2" not in result.stdout + result.stderr


def test_wrong_password() -> None:
    from support.databases import server_or_skip

    server_or_skip(MARIADB_ADMIN_URL, "mariadb").dispose()
    result = run_manage("db", "current", database_url="mysql+pymysql://root:wrong-pw@127.0.0.1:3306/mysql")
    assert result.returncode == 1
    line = _one_line_error(result)
    assert line.startswith("Error: database unavailable (mysql+pymysql://root:***@127.0.0.1:3306/mysql): ")
    assert "Access denied for user 'root'" in line
    assert "wrong-pw" not in result.stdout + result.stderr


def test_unknown_revision(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    result = run_manage("db", "upgrade", "feedbeef", database_url=url)
    assert result.returncode == 1
    assert _one_line_error(result) == "Error: Can't locate revision identified by 'feedbeef'"


def test_oracle_split_settings_need_a_password() -> None:
    result = run_manage("db", "current", env={"ORACLE_USER": "app", "ORACLE_DSN": "localhost:1521/FREEPDB1"})
    assert result.returncode == 2
    assert (
        _one_line_error(result)
        == "Error: ORACLE_PASSWORD or ORACLE_PASSWORD_FILE is required with ORACLE_USER "
        "(only a --sql script needs none)"
    )


def test_password_on_argv_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    result = run_manage(
        "dbCreateRegUser", "--email", "a@example.com", "--password", "pw12345678", database_url=url
    )
    assert result.returncode == 2
    assert "a password on the command line is visible to every user of this machine" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_needs_no_database_secret_or_heavy_import() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['manage.py', '--help']\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "heavy = ('sqlalchemy', 'alembic', 'flask_migrate', 'flask_security', 'webapp', 'models')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print('EXIT', code, 'HEAVY', heavy)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql+psycopg://u:p@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "EXIT 0 HEAVY []"
    for name in ("db ", "dbCreateRegUser", "runserver"):
        assert f"  {name}" in result.stdout
    for name in ("run ", "shell ", "routes "):  # Flask's own: they work, unlisted
        assert f"  {name}" not in result.stdout


def test_thick_mode_without_instant_client_is_one_line(tmp_path: Path) -> None:
    # a process of its own: python-oracledb's mode is chosen once per process
    from support.cli import run_manage_process

    empty = tmp_path / "instantclient_19_25"
    empty.mkdir()
    result = run_manage_process("db", "current", env={"ORACLE_CLIENT_LIB_DIR": str(empty)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: ORACLE_CLIENT_LIB_DIR={empty}: the Oracle Client libraries could not be loaded (DPI-1047); "
        "install Oracle Instant Client 19 or 21 there (with libaio), or unset ORACLE_CLIENT_LIB_DIR for thin "
        "mode (Oracle 12.1 and later)"
    ]
