"""Helpers of the deploy-safety tests: migration folders with extra revisions, history reads, polling."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from support.cli import manage_env
from support.databases import ROOT, Database

HISTORY = "migration_history"
JOURNAL = "migration_history_journal"
LOCK = "alembic_version_lock"
DEPLOY_TABLES = {HISTORY, JOURNAL, LOCK}

# the third operation fails (the table it creates already exists when a test makes it first)
FAILING_REVISION = '''"""Test revision: the third operation fails while a table deploy_probe_b exists."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("deploy_probe_a", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    op.add_column("deploy_probe_a", sa.Column("note", sa.String(20), nullable=True))
    op.create_table("deploy_probe_b", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    op.create_index("ix_deploy_probe_a_note", "deploy_probe_a", ["note"])


def downgrade():
    op.drop_index("ix_deploy_probe_a_note", table_name="deploy_probe_a")
    op.drop_table("deploy_probe_b")
    op.drop_table("deploy_probe_a")
'''

PAUSE_SETTING = "DEPLOY_TEST_PAUSE"
SLEEPING_REVISION = '''"""Test revision: a table, a pause of DEPLOY_TEST_PAUSE seconds, another table."""
import os
import time

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("deploy_probe_a", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    # a pause in Python, not in SQL: a killed runner's session is idle, so the server ends it at once;
    # skipped when the journal counts the statements offline
    if not op.get_context().as_sql:
        time.sleep(float(os.environ.get("DEPLOY_TEST_PAUSE", "0")))
    op.create_table("deploy_probe_b", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))


def downgrade():
    op.drop_table("deploy_probe_b")
    op.drop_table("deploy_probe_a")
'''


def start_manage(*args: str, database_url: str, **env_overrides: str) -> subprocess.Popen[str]:
    """Start ``python manage.py ARGS`` without waiting for it."""
    env = manage_env(DATABASE_URL=database_url, **env_overrides)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def query(database: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (an empty list if a table it reads is not there yet)."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    except sa.exc.DBAPIError:
        return []
    finally:
        engine.dispose()


def history(database: Database) -> list[tuple[Any, ...]]:
    """(revision, direction, outcome, error, note) of every history row, oldest first."""
    return query(database, f"SELECT revision, direction, outcome, error, note FROM {HISTORY} ORDER BY id")


def current(database: Database) -> set[str]:
    """The revisions in alembic_version."""
    return {row[0] for row in query(database, "SELECT version_num FROM alembic_version")}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
