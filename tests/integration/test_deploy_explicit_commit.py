"""A revision that commits itself half-way (``op.execute("COMMIT")``), as public chains do before
``ALTER TYPE ... ADD VALUE`` or ``CREATE INDEX CONCURRENTLY`` on PostgreSQL.

What ran before the COMMIT stays whatever happens after it. Before: a failure after it said "rolled
back as a unit", and every rerun failed on "relation ... already exists" (or, guarded, inserted the
row again). Now the statements it commits are journaled in that same commit, like an autocommit
block's, and the rerun skips them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute

REVISION = '''"""Commits itself half-way; the last table fails on demand."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("cm_item", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.execute("INSERT INTO cm_item (id) VALUES (1)")
    COMMIT
    op.create_index("ix_cm_item_id", "cm_item", ["id"])
    op.create_table("cm_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("cm_block")
    op.drop_index("ix_cm_item_id", table_name="cm_item")
    op.drop_table("cm_item")
'''
BLOCK = "CREATE TABLE cm_block ( id INTEGER NOT NULL, CONSTRAINT pk_cm_block PRIMARY KEY (id) )"
COMMITS = {
    "op": 'op.execute("COMMIT")',
    "bind": 'op.get_bind().exec_driver_sql("COMMIT")',
    "text": 'op.get_bind().execute(sa.text("commit"))',
    # the revision opens a transaction again itself (on SQLite: one was open already, as on PostgreSQL)
    "begin": 'op.execute("COMMIT")\n    op.execute("BEGIN")',
}


def _directory(tmp_path: Path, commit: str) -> str:
    source = REVISION.replace("__project_head__", PROJECT_HEAD).replace("COMMIT", commit)
    return str(migrations_with(tmp_path, {"0013_commit.py": source}))


def _upgrade(database: Database, directory: str) -> tuple[int, str]:
    ran = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    return ran.returncode, ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else ""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("commit", ["op", "bind", "text", "begin"])
def test_what_a_revision_committed_itself_is_journaled_and_skipped_on_the_rerun(
    database: Database, tmp_path: Path, commit: str
) -> None:
    directory = _directory(tmp_path, COMMITS[commit])
    execute(database, "CREATE TABLE cm_block (other INTEGER)")
    code, error = _upgrade(database, directory)
    table_exists = {
        "sqlite": "table cm_block already exists",
        "postgresql": 'relation "cm_block" already exists',
    }
    operations = 2 if commit in ("bind", "text") else 3  # a COMMIT sent through the bind is not an operation
    last = operations + (3 if commit == "begin" else 2)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation {last} ({BLOCK}): database error:"
        f" {table_exists[database.backend]}; rolled back but for {operations} operations the revision"
        " itself committed (journaled); `db upgrade` resumes after them",
    )
    assert query(database, "SELECT id FROM cm_item") == [(1,)]
    assert [
        row[:2] for row in query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index")
    ] == [(index, "done") for index in range(1, operations + 1)]
    assert history(database)[-1][:3] == ("0013", "upgrade", "partial")

    execute(database, "DROP TABLE cm_block")
    assert _upgrade(database, directory) == (0, "")
    assert current(database) == {"0013"}
    assert query(database, "SELECT id FROM cm_item") == [(1,)]  # once
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert history(database)[-1][:3] == ("0013", "upgrade", "success")
    verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
    assert verify.returncode == 0, verify.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_revision_that_commits_itself_runs_clean(database: Database, tmp_path: Path) -> None:
    directory = _directory(tmp_path, COMMITS["op"])
    assert _upgrade(database, directory) == (0, "")
    assert query(database, "SELECT id FROM cm_item") == [(1,)]
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    down = run_manage("db", "downgrade", "-d", directory, "--allow-data-loss", database_url=database.url)
    assert down.returncode == 0, down.stderr
    assert current(database) == {PROJECT_HEAD}
