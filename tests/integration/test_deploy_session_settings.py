"""A session's settings (``SET ...``, Oracle's ``ALTER SESSION``) run again when a revision resumes.

A setting belongs to the session that ran it, not to the database: the rerun has a new session, so a
journaled ``SET FOREIGN_KEY_CHECKS=0`` skipped as "applied" would run the rest of the revision under
the server's defaults (here: the insert it exists for fails on the foreign key).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute

from oramigrate.deploy.journal import session_setting

REVISION = '''"""Rows whose parent comes later, with the foreign key checks off; one table fails on demand."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET FOREIGN_KEY_CHECKS=0")
    op.create_table("set_parent", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table(
        "set_child",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("set_parent.id"), nullable=False),
    )
    op.create_table("set_blocked", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.execute("INSERT INTO set_child (id, parent_id) VALUES (1, 7)")
    op.execute("INSERT INTO set_parent (id) VALUES (7)")
    op.execute("SET FOREIGN_KEY_CHECKS=1")


def downgrade():
    op.drop_table("set_blocked")
    op.drop_table("set_child")
    op.drop_table("set_parent")
'''


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_resumed_revision_sets_its_session_settings_again(database: Database, tmp_path: Path) -> None:
    source = REVISION.replace("__project_head__", PROJECT_HEAD)
    directory = str(migrations_with(tmp_path, {"0013_settings.py": source}))
    execute(database, "CREATE TABLE set_blocked (other INTEGER)")  # operation 4 fails
    first = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    assert first.returncode == 1
    assert first.stderr.splitlines()[-1].startswith("Error: revision 0013 failed at operation 4")
    assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
        (1, "done"),
        (2, "done"),
        (3, "done"),
    ]

    execute(database, "DROP TABLE set_blocked")
    second = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    assert second.returncode == 0, second.stderr
    assert current(database) == {"0013"}
    assert query(database, "SELECT id, parent_id FROM set_child") == [(1, 7)]
    assert query(database, "SELECT id FROM set_parent") == [(7,)]
    assert [row[1:3] for row in history(database) if row[0] == "0013"] == [
        ("upgrade", "partial"),
        ("upgrade", "success"),
    ]
    # the two tables were skipped as applied; the setting ran again in the new session
    notes = query(database, "SELECT note FROM migration_history WHERE revision = '0013' ORDER BY id")
    assert notes[-1] == ("resumed: skipped 2 operations applied by an earlier run",)


@pytest.mark.parametrize(
    "statement",
    [
        "SET FOREIGN_KEY_CHECKS=0",
        "set session sql_mode = 'ANSI'",
        "SET search_path TO app, public",
        "SET LOCAL lock_timeout = '1s'",
        "/* x */ SET NAMES utf8mb4",
        "RESET search_path",
        "USE app",
        "ALTER SESSION SET CURRENT_SCHEMA = app",
        "alter  session set ddl_lock_timeout = 30",
    ],
)
def test_a_session_setting(statement: str) -> None:
    assert session_setting(statement) is True


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE t SET (fillfactor = 70)",
        "ALTER SYSTEM SET work_mem = '8MB'",
        "UPDATE t SET n = 1",
        "INSERT INTO t (n) VALUES (1)",
        "CREATE TABLE setting (n INTEGER)",
        "",
    ],
)
def test_not_a_session_setting(statement: str) -> None:
    assert session_setting(statement) is False
