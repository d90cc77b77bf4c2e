"""Lint as a gate through the real CLI: upgrade refuses, --allow-unsafe records, migrate and check report."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import migrations_with, run_manage
from support.databases import HEAD_PLACEHOLDER, PROJECT_HEAD, PROJECT_REVISIONS

DROP = '''"""drop last_name"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
{allow}


def upgrade():
    op.drop_column("auth_user", "last_name")


def downgrade():
    op.add_column("auth_user", sa.Column("last_name", sa.String(100)))
'''


def _chain(tmp_path: Path, allow: str = "") -> tuple[Path, str]:
    directory = migrations_with(tmp_path)
    (directory / "versions" / "0013_drop.py").write_text(
        DROP.format(allow=allow).replace(HEAD_PLACEHOLDER, PROJECT_HEAD)
    )
    url = f"sqlite:///{tmp_path}/app.db"
    assert run_manage("db", "-d", str(directory), "upgrade", PROJECT_HEAD, database_url=url).returncode == 0
    return directory, url


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("INFO ")]


def test_upgrade_refuses_an_unacknowledged_drop(tmp_path: Path) -> None:
    directory, url = _chain(tmp_path)
    refused = run_manage("db", "-d", str(directory), "upgrade", database_url=url)
    assert refused.returncode == 1
    assert _errors(refused.stderr) == [
        "Error: refusing to upgrade: 1 unacknowledged lint error(s):",
        "  0013 drop-column: upgrade() drops column auth_user.last_name",
        "  acknowledge each in its revision (lint_allow = {code: reason}) or pass --allow-unsafe",
    ]
    current = run_manage("db", "-d", str(directory), "current", database_url=url)
    assert current.stdout.strip() == PROJECT_HEAD
    offline = run_manage("db", "-d", str(directory), "upgrade", "--sql", "0002:0013", database_url=url)
    assert offline.returncode == 1 and offline.stdout == ""


def test_allow_unsafe_applies_and_is_recorded(tmp_path: Path) -> None:
    directory, url = _chain(tmp_path)
    applied = run_manage("db", "-d", str(directory), "upgrade", "--allow-unsafe", database_url=url)
    assert applied.returncode == 0, applied.stderr
    assert "  0013 drop-column: upgrade() drops column auth_user.last_name" in applied.stderr
    log = json.loads(run_manage("db", "-d", str(directory), "log", "--json", database_url=url).stdout)
    rows = [
        (row["revision"], row["direction"], row["outcome"], row["note"])
        for row in log
        if row["revision"] == "0013"
    ]
    # the acceptance is the revision's own row: it lives and dies with the revision's outcome
    assert rows == [
        ("0013", "upgrade", "success", "run with --allow-unsafe despite lint errors: drop-column"),
    ]


def test_acknowledged_drop_is_applied(tmp_path: Path) -> None:
    directory, url = _chain(
        tmp_path, allow='lint_allow = {"drop-column": "last_name moved to the profile table"}'
    )
    applied = run_manage("db", "-d", str(directory), "upgrade", database_url=url)
    assert applied.returncode == 0, applied.stderr
    assert run_manage("db", "-d", str(directory), "current", database_url=url).stdout.strip() == "0013 (head)"


def test_check_fails_on_lint_errors_and_passes_clean(tmp_path: Path) -> None:
    directory, url = _chain(tmp_path)
    clean = run_manage("db", "check", database_url=url)
    assert clean.returncode == 0, clean.stderr
    assert (
        clean.stdout.splitlines()[-1]
        == f"{len(PROJECT_REVISIONS)} revision(s) linted for oracle 11.2: 0 error(s), 0 warning(s), "
        "1 acknowledged"
    )
    failed = run_manage("db", "-d", str(directory), "check", database_url=url)
    assert failed.returncode == 1
    assert (
        _errors(failed.stderr)[0]
        == (
            "Error: db check failed: drift: New upgrade operations detected: "
            "[('add_column', None, 'auth_user', Column('last_name', String(length=100), table=<auth_user>))]"
            "; lint: 1 unacknowledged error(s)"
        )
        or "lint: 1 unacknowledged error(s)" in _errors(failed.stderr)[0]
    )


def test_migrate_prints_the_lint_of_the_new_revision(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path)
    url = f"sqlite:///{tmp_path}/app.db"
    assert run_manage("db", "-d", str(directory), "upgrade", database_url=url).returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "app.db") as connection:  # the schema lacks a column the models have
        connection.execute("ALTER TABLE auth_user DROP COLUMN confirmed_at")
    made = run_manage("db", "-d", str(directory), "migrate", "-m", "again", database_url=url)
    assert made.returncode == 0, made.stderr
    summary = "1 revision(s) linted for oracle 11.2: 0 error(s), 0 warning(s), 0 acknowledged"
    assert made.stdout.splitlines()[-1] == summary
