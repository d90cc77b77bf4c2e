"""The migration chain through the real CLI on each real database: up, check, down to nothing, up."""

from __future__ import annotations

import sqlalchemy as sa
from support.cli import run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database

APP_TABLES = {"auth_role", "auth_user", "auth_roles_users", "app_setting"}
APP_SEQUENCES = {"auth_role_id_seq", "auth_user_id_seq"}
# db upgrade's own history, journal and lock tables (issue 5), kept through downgrades
DEPLOY_TABLES = {"migration_history", "migration_history_journal", "alembic_version_lock"}


def test_upgrade_check_downgrade_upgrade(database: Database) -> None:
    up = run_manage("db", "upgrade", database_url=database.url)
    assert up.returncode == 0, up.stderr
    assert database.tables() == APP_TABLES | DEPLOY_TABLES | {"alembic_version"}
    expected_sequences = set() if database.backend == "sqlite" else APP_SEQUENCES
    assert database.sequences() == expected_sequences

    current = run_manage("db", "current", database_url=database.url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"{PROJECT_HEAD} (head)"

    check = run_manage("db", "check", database_url=database.url)
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert lines[0] == "No new upgrade operations detected."
    # 0004 acknowledges that Oracle commits its ALTERs one by one (lint_allow); tests/integration/
    # test_lint_cli.py holds the lines it prints
    assert lines[-1] == (
        f"{len(PROJECT_REVISIONS)} revision(s) linted for oracle 11.2: 0 error(s), 0 warning(s), "
        "1 acknowledged"
    )

    down = run_manage("db", "downgrade", "base", database_url=database.url)
    assert down.returncode == 0, down.stderr
    assert database.tables() == DEPLOY_TABLES | {"alembic_version"}
    assert database.sequences() == set()

    again = run_manage("db", "upgrade", database_url=database.url)
    assert again.returncode == 0, again.stderr
    assert database.tables() == APP_TABLES | DEPLOY_TABLES | {"alembic_version"}


def test_first_name_not_null_keeps_rows_and_backfills(database: Database) -> None:
    assert run_manage("db", "upgrade", "0001", database_url=database.url).returncode == 0
    engine = database.engine()
    rows = [
        {"id": 1, "email": "ada@example.com", "first_name": None, "last_name": "Lovelace"},
        {"id": 2, "email": "alan@example.com", "first_name": "Alan", "last_name": "Turing"},
        {"id": 3, "email": "grace@example.com", "first_name": None, "last_name": None},
    ]
    insert = sa.text(
        "INSERT INTO auth_user (id, email, first_name, last_name, password, active, fs_uniquifier) "
        "VALUES (:id, :email, :first_name, :last_name, 'x', :active, :email)"
    )
    with engine.begin() as connection:
        connection.execute(insert, [{**row, "active": True} for row in rows])

    up = run_manage("db", "upgrade", database_url=database.url)
    assert up.returncode == 0, up.stderr
    with engine.connect() as connection:
        kept = connection.execute(
            sa.text("SELECT id, email, first_name, last_name FROM auth_user ORDER BY id")
        ).all()
        column = {c["name"]: c for c in sa.inspect(connection).get_columns("auth_user")}
    engine.dispose()
    assert [tuple(row) for row in kept] == [
        (1, "ada@example.com", "unknown", "Lovelace"),
        (2, "alan@example.com", "Alan", "Turing"),
        (3, "grace@example.com", "unknown", None),
    ]
    assert column["first_name"]["nullable"] is False
