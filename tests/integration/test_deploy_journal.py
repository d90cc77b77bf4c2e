"""A revision failing at its third operation: resumed from the journal on MariaDB, rolled back elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import FAILING_REVISION, JOURNAL, current, history, query


def _execute(database: Database, sql: str) -> None:
    engine = database.engine()
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(sql))
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_third_operation_fails_then_the_fixed_rerun_completes(database: Database, tmp_path: Path) -> None:
    directory = str(migrations_with(tmp_path, {"0013_fails.py": FAILING_REVISION}))
    _execute(database, "CREATE TABLE deploy_probe_b (other INTEGER)")  # the cause

    failed = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    assert failed.returncode == 1
    error = failed.stderr.strip().splitlines()[-1]
    assert error.startswith(
        "Error: revision 0013 failed at operation 3"
        + (" of 4" if database.backend == "mariadb" else "")
        + " (CREATE TABLE deploy_probe_b ( id INTEGER NOT NULL,"
        " CONSTRAINT pk_deploy_probe_b PRIMARY KEY (id) )): database error: "
    ), error
    assert "already exists" in error
    assert current(database) == {PROJECT_HEAD}

    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    assert status.returncode == 0, status.stderr
    if database.backend == "mariadb":
        assert error.endswith("; 2 operations applied and journaled; `db upgrade` resumes at operation 3")
        assert query(
            database, f"SELECT op_index, op_total, description FROM {JOURNAL} ORDER BY op_index"
        ) == [
            (
                1,
                4,
                "CREATE TABLE deploy_probe_a ( id INTEGER NOT NULL,"
                " CONSTRAINT pk_deploy_probe_a PRIMARY KEY (id) )",
            ),
            (2, 4, "ALTER TABLE deploy_probe_a ADD COLUMN note VARCHAR(20)"),
        ]
        assert status.stdout.splitlines() == [
            f"current: {PROJECT_HEAD}",
            "pending: 1 revisions (0013)",
            "lock: free",
            "revision 0013: 2 of 4 operations applied (upgrade; last applied: ALTER TABLE deploy_probe_a"
            " ADD COLUMN note VARCHAR(20)); the next `db upgrade` resumes at operation 3",
        ]
        assert history(database)[-1][:3] == ("0013", "upgrade", "partial")
        # the same facts for tools: the journal's state as fields
        fields = json.loads(
            run_manage("db", "-d", directory, "status", "--json", database_url=database.url).stdout
        )
        assert fields["pending"] == ["0013"] and fields["lock"] == {
            "held": False,
            "holder": None,
            "running": [],
        }
        assert fields["journal"] == [
            {
                "revision": "0013", "direction": "upgrade", "done": 2, "total": 4,
                "last": "ALTER TABLE deploy_probe_a ADD COLUMN note VARCHAR(20)", "started": None,
                "outside": [], "running": False,
            }
        ]  # fmt: skip
    else:  # transactional DDL: nothing of 0013 is left
        assert error.endswith("; rolled back as a unit")
        assert "deploy_probe_a" not in database.tables()
        assert status.stdout.splitlines() == [
            f"current: {PROJECT_HEAD}",
            "pending: 1 revisions (0013)",
            "lock: free",
        ]
        assert history(database)[-1][:3] == ("0013", "upgrade", "failed")

    _execute(database, "DROP TABLE deploy_probe_b")  # the cause removed
    fixed = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    assert fixed.returncode == 0, fixed.stderr  # re-running the first two would fail: "already exists"
    assert current(database) == {"0013"}
    assert {"deploy_probe_a", "deploy_probe_b"} <= database.tables()
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    note = (
        "resumed: skipped 2 operations applied by an earlier run" if database.backend == "mariadb" else None
    )
    assert history(database)[-1] == ("0013", "upgrade", "success", None, note)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_half_applied_revision_whose_file_is_gone_says_nothing_resumes_it(
    database: Database, tmp_path: Path
) -> None:
    # renamed or rebased away: no `db upgrade` will run it again, whatever the journal holds
    directory = migrations_with(tmp_path, {"0013_fails.py": FAILING_REVISION})
    _execute(database, "CREATE TABLE deploy_probe_b (other INTEGER)")
    assert run_manage("db", "upgrade", "-d", str(directory), database_url=database.url).returncode == 1
    (directory / "versions" / "0013_fails.py").unlink()
    status = run_manage("db", "-d", str(directory), "status", database_url=database.url)
    assert status.stdout.splitlines()[3:] == [
        "revision 0013: 2 of 4 operations applied (upgrade; last applied: ALTER TABLE deploy_probe_a ADD"
        " COLUMN note VARCHAR(20)); no revision file defines 0013 any more, so nothing resumes it: restore"
        " the file, or undo its applied operations by hand and run `db journal clear 0013`"
    ]
