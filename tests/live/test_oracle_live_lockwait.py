"""Issue 16 on a live Oracle (ORACLE_URL): DDL_LOCK_TIMEOUT set, ORA-00054 retried, the blocker named.

Without a budget Oracle's DDL fails at once (ORA-00054) on a table with uncommitted DML. With
``--lock-wait 1`` each DDL waits up to a second, is retried with backoff, and after the last retry
the revision stops cleanly naming the blocking session (v$session.blocking_session; the user needs
SELECT on V_$SESSION and V_$SQLAREA, else the blocker is "a session the server did not name").
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from support.cli import migrations_with, run_manage
from support.databases import ROOT
from support.load import add_column_revision

ORACLE_URL = os.environ.get("ORACLE_URL", "")
pytestmark = pytest.mark.skipif(not ORACLE_URL, reason="ORACLE_URL is not set: no live Oracle here")


def _reset(engine: sa.Engine) -> None:
    run_manage("db", "downgrade", "base", "--allow-data-loss", database_url=ORACLE_URL)
    with engine.begin() as connection:
        for table in ("migration_history_journal", "migration_history", "alembic_version_lock"):
            try:
                connection.exec_driver_sql(f"DROP TABLE {table} PURGE")
            except sa.exc.DatabaseError:
                pass


def test_ddl_waits_its_budget_retries_and_names_the_blocker(tmp_path: Path) -> None:
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    directory = str(migrations_with(tmp_path, {"l001_nickname.py": add_column_revision(head)}))
    engine = sa.create_engine(ORACLE_URL)
    try:
        _reset(engine)
        assert run_manage("db", "upgrade", head, "-d", directory, database_url=ORACLE_URL).returncode == 0
        with engine.connect() as blocker:
            blocker.exec_driver_sql(
                "INSERT INTO auth_user (id, email, first_name, password, active, fs_uniquifier)"
                " VALUES (1, 'a@example.com', 'A', 'x', 1, 't1')"
            )  # uncommitted: a TM lock on auth_user
            stopped = run_manage(
                "db", "upgrade", "-d", directory, "--lock-wait", "1", "--lock-retries", "1",
                database_url=ORACLE_URL,
            )  # fmt: skip
            assert stopped.returncode == 1, stopped.stderr
            last = stopped.stderr.strip().splitlines()[-1]
            assert "operation 1 of revision l001 waited 1 s for a lock" in last
            assert "gave up after 1 retries; blocked by " in last
            assert last.endswith("nothing of it was applied")
            threading.Timer(1.5, blocker.rollback).start()
            finished = run_manage(
                "db", "upgrade", "-d", directory, "--lock-wait", "1", "--lock-retries", "5",
                database_url=ORACLE_URL,
            )  # fmt: skip
        assert finished.returncode == 0, finished.stderr
        assert "retry 1 of 5" in finished.stderr
        columns = {c["name"] for c in sa.inspect(engine).get_columns("auth_user")}
        assert "nickname" in columns
    finally:
        _reset(engine)
        engine.dispose()
