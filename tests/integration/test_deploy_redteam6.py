"""Red team 6: a revision that ends its own transaction (ROLLBACK, SQLAlchemy's rollback(), a savepoint).

Each case runs the real CLI on a real server, cleanly and with a failure after the transaction ended
(a table of the name the last operation makes is there), then once more after the blocker is dropped:
the run never exits 0 with the revision unrecorded, never says "rolled back as a unit" over statements
that committed, and the rerun ends at 0013 with ``db verify`` clean.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query, start_manage
from support.faults import execute, kill_session, lock_session, wait_until

REVISION = '''"""Ends its own transaction half-way; the last table fails on demand."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
BODY


def downgrade():
    op.execute("DROP TABLE IF EXISTS rt6_block")
    op.execute("DROP TABLE IF EXISTS rt6_after")
    op.execute("DROP TABLE IF EXISTS rt6_item")
'''
_TABLE = '    op.create_table("NAME", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))\n'
ITEM, AFTER, BLOCK = (_TABLE.replace("NAME", name) for name in ("rt6_item", "rt6_after", "rt6_block"))
BLOCK_SQL = "CREATE TABLE rt6_block ( id INTEGER NOT NULL, CONSTRAINT pk_rt6_block PRIMARY KEY (id) )"
EXISTS = {
    "sqlite": "table rt6_block already exists",
    "postgresql": 'relation "rt6_block" already exists',
    "mariadb": "(1050, \"Table 'rt6_block' already exists\")",
}
# the ways a revision rolls back its own transaction
ROLLBACKS = {
    "op": '    op.execute("ROLLBACK")\n',
    "bind": '    op.get_bind().exec_driver_sql("ROLLBACK")\n',
    "connection": "    op.get_bind().rollback()\n",  # SQLAlchemy's own
}


def _directory(tmp_path: Path, body: str) -> str:
    source = REVISION.replace("__project_head__", PROJECT_HEAD).replace("BODY\n", body)
    return str(migrations_with(tmp_path, {"0013_rt6.py": source}))


def _upgrade(database: Database, directory: str) -> tuple[int, str]:
    ran = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    return ran.returncode, ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else ""


def _tables(database: Database) -> set[str]:
    found = set()
    for table in ("rt6_item", "rt6_after", "rt6_block"):
        if query(database, f"SELECT COUNT(*) FROM {table}"):
            found.add(table)
    return found


def _recorded_clean(database: Database, directory: str) -> None:
    assert current(database) == {"0013"}
    assert history(database)[-1][:3] == ("0013", "upgrade", "success")
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
    assert verify.returncode == 0, verify.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize("rollback", sorted(ROLLBACKS))
def test_a_revision_that_rolls_back_itself_is_recorded(
    database: Database, tmp_path: Path, rollback: str
) -> None:
    # SQLAlchemy's rollback() ended Alembic's transaction: the version update and the history row went
    # with it at exit 0 (PostgreSQL, SQLite: the revision unrecorded, its row left 'running'), or every
    # run failed on 'This transaction is inactive' (MariaDB). What the rollback took is the revision's
    # own doing, as raw SQL's ROLLBACK is: the rest runs and the revision is recorded.
    directory = _directory(tmp_path, ITEM + ROLLBACKS[rollback] + AFTER + BLOCK)
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    # where DDL commits on its own the table stays; where a revision is one transaction it was rolled back
    kept = {"rt6_item"} if database.backend == "mariadb" else set()
    assert _tables(database) == kept | {"rt6_after", "rt6_block"}


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize("rollback", sorted(ROLLBACKS))
def test_a_failure_after_a_revision_rolled_back_itself_is_told_and_resumed(
    database: Database, tmp_path: Path, rollback: str
) -> None:
    # SQLite: after a ROLLBACK the revision sent, each statement committed on its own (no transaction
    # was begun again): the failure said "rolled back as a unit" while rt6_after stayed, and every rerun
    # failed on "table rt6_after already exists"
    directory = _directory(tmp_path, ITEM + ROLLBACKS[rollback] + AFTER + BLOCK)
    execute(database, "CREATE TABLE rt6_block (other INTEGER)")
    code, error = _upgrade(database, directory)
    assert code == 1
    assert error.startswith("Error: revision 0013 failed at operation ")
    assert f"({BLOCK_SQL}): database error: {EXISTS[database.backend]}; " in error
    if database.backend == "mariadb":
        assert _tables(database) == {"rt6_item", "rt6_after", "rt6_block"}
        assert history(database)[-1][:3] == ("0013", "upgrade", "partial")
    else:
        assert error.endswith("; rolled back as a unit")
        assert _tables(database) == {"rt6_block"}
        assert history(database)[-1][:3] == ("0013", "upgrade", "failed")
    assert current(database) == {PROJECT_HEAD}

    execute(database, "DROP TABLE rt6_block")
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    kept = {"rt6_item"} if database.backend == "mariadb" else set()
    assert _tables(database) == kept | {"rt6_after", "rt6_block"}


SAVEPOINT = """    with op.get_bind().begin_nested():
        op.execute("INSERT INTO rt6_item (id) VALUES (1)")
    try:
        with op.get_bind().begin_nested():
            op.execute("INSERT INTO rt6_item (id) VALUES (1)")
    except sa.exc.IntegrityError:
        pass  # the duplicate is refused; the savepoint keeps the rest
    op.execute("INSERT INTO rt6_item (id) VALUES (2)")
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_revision_with_savepoints_runs_clean_and_resumes(database: Database, tmp_path: Path) -> None:
    # MariaDB: the journal committed each DML with its row inside the revision's savepoint, which ended
    # the savepoint under SQLAlchemy: "Can't operate on closed transaction inside context manager"
    directory = _directory(tmp_path, ITEM + SAVEPOINT + AFTER + BLOCK)
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    assert query(database, "SELECT id FROM rt6_item ORDER BY id") == [(1,), (2,)]


# a savepoint the revision rolls back on purpose: its insert and (MariaDB) the journal row with it
UNDONE = """    nested = op.get_bind().begin_nested()
    op.execute("INSERT INTO rt6_item (id) VALUES (9)")
    nested.rollback()
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_failure_after_savepoints_resumes_with_each_row_once(database: Database, tmp_path: Path) -> None:
    directory = _directory(tmp_path, ITEM + SAVEPOINT + UNDONE + AFTER + BLOCK)
    execute(database, "CREATE TABLE rt6_block (other INTEGER)")
    code, error = _upgrade(database, directory)
    assert code == 1
    assert f"({BLOCK_SQL}): database error: {EXISTS[database.backend]}; " in error
    if database.backend == "mariadb":
        # the caught duplicate (3) and the insert its savepoint undid (5) are not applied
        assert error.endswith("4 operations applied and journaled; `db upgrade` resumes at operation 3")
        assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
            (index, "done") for index in (1, 2, 4, 6)
        ]
        assert query(database, "SELECT id FROM rt6_item ORDER BY id") == [(1,), (2,)]
    else:
        assert error.endswith("; rolled back as a unit")
        assert _tables(database) == {"rt6_block"}
    execute(database, "DROP TABLE rt6_block")
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    assert query(database, "SELECT id FROM rt6_item ORDER BY id") == [(1,), (2,)]


DOWNGRADE_COMMITS = '''"""Its downgrade commits itself half-way; a table fails on demand after."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("rt6_item", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table("rt6_after", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt6_after")
    COMMIT
    op.create_table("rt6_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.drop_table("rt6_block")
    op.drop_table("rt6_item")
'''


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("commit", ["op", "connection"])
def test_a_downgrade_that_commits_itself_then_fails_resumes(
    database: Database, tmp_path: Path, commit: str
) -> None:
    ends = {"op": 'op.execute("COMMIT")', "connection": "op.get_bind().commit()"}[commit]
    source = DOWNGRADE_COMMITS.replace("__project_head__", PROJECT_HEAD).replace("COMMIT", ends)
    directory = str(migrations_with(tmp_path, {"0013_rt6.py": source}))
    assert _upgrade(database, directory) == (0, "")
    execute(database, "CREATE TABLE rt6_block (other INTEGER)")
    down = ("db", "downgrade", "-d", directory, PROJECT_HEAD)
    first = run_manage(*down, database_url=database.url)
    operations = 2 if commit == "op" else 1
    assert (first.returncode, first.stderr.strip().splitlines()[-1]) == (
        1,
        f"Error: revision 0013 failed at operation {operations + 1} ({BLOCK_SQL}): database error:"
        f" {EXISTS[database.backend]}; rolled back but for {operations} operations the revision itself"
        " committed (journaled); `db downgrade` resumes after them",
    )
    assert _tables(database) == {"rt6_item", "rt6_block"}
    assert current(database) == {"0013"}
    assert history(database)[-1][:3] == ("0013", "downgrade", "partial")
    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    assert f"revision 0013: {operations} of ? operations applied (downgrade;" in status.stdout
    refused = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    assert refused.returncode == 1
    assert "`db downgrade` resumes it" in refused.stderr

    execute(database, "DROP TABLE rt6_block")
    again = run_manage(*down, database_url=database.url)
    assert again.returncode == 0, again.stderr
    assert current(database) == {PROJECT_HEAD}
    assert _tables(database) == set()
    assert history(database)[-1][:3] == ("0013", "downgrade", "success")
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
    assert verify.returncode == 0, verify.stderr


# a user variable read from a table the revision then drops (not one it made: a rerun cannot make it again)
SETTING_FROM_A_GONE_TABLE = """    op.execute("SET @n = (SELECT COUNT(*) FROM rt6_source)")
    op.drop_table("rt6_source")
    op.execute("INSERT INTO rt6_item (id) SELECT @n")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_session_setting_that_fails_when_issued_again_stops_the_resume_with_the_way_out(
    database: Database, tmp_path: Path
) -> None:
    # the rerun issued the applied SET again, which failed on the dropped table, and said "`db upgrade`
    # resumes at operation 5", which every rerun said again, failing the same way
    directory = _directory(tmp_path, ITEM + SETTING_FROM_A_GONE_TABLE + BLOCK)
    execute(
        database,
        "CREATE TABLE rt6_block (other INTEGER)",
        "CREATE TABLE rt6_source (id INTEGER)",
        "INSERT INTO rt6_source VALUES (1)",
    )
    upgrade = ("db", "upgrade", "-d", directory, "--allow-unsafe")  # the lint flags the drop
    first = run_manage(*upgrade, database_url=database.url)
    assert first.returncode == 1
    assert (
        first.stderr.strip()
        .splitlines()[-1]
        .endswith("4 operations applied and journaled; `db upgrade` resumes at operation 5")
    )
    execute(database, "DROP TABLE rt6_block")
    again = run_manage(*upgrade, database_url=database.url)
    assert again.returncode == 1
    schema = sa.make_url(database.url).database
    assert again.stderr.strip().splitlines()[-1] == (
        "Error: revision 0013: operation 2 (SET @n = (SELECT COUNT(*) FROM rt6_source)), a session setting"
        ' an earlier run applied, failed when issued again for the resume (database error: (1146, "Table'
        f" '{schema}.rt6_source' doesn't exist\")): what follows it would run without it; finish or"
        " undo its applied operations by hand, then run `db journal clear 0013` and `db upgrade` again;"
        " no operation of it was run this time"
    )
    assert query(database, "SELECT id FROM rt6_item") == [(1,)]
    assert len(query(database, f"SELECT op_index FROM {JOURNAL}")) == 4
    assert current(database) == {PROJECT_HEAD}
    assert history(database)[-1][:3] == ("0013", "upgrade", "partial")


STOPS = '''"""Waits on a marker file before and after it commits itself."""
import os
import time
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def _stop(point):
    if op.get_context().as_sql or os.environ.get("RT6_STOP") != point:
        return
    marker = Path(os.environ["RT6_MARKER"])
    marker.write_text(point)
    deadline = time.monotonic() + 60
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def upgrade():
    op.create_table("rt6_item", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.execute("INSERT INTO rt6_item (id) VALUES (1)")
    _stop("before-commit")
    COMMIT
    _stop("after-commit")
    op.execute("INSERT INTO rt6_item (id) VALUES (2)")
    op.create_table("rt6_after", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt6_after")
    op.drop_table("rt6_item")
'''
COMMITS = {"op": 'op.execute("COMMIT")', "connection": "op.get_bind().commit()"}


def _stopping_runner(
    database: Database, tmp_path: Path, commit: str, stop: str
) -> tuple[str, subprocess.Popen[str], Path]:
    source = STOPS.replace("__project_head__", PROJECT_HEAD).replace("COMMIT\n", COMMITS[commit] + "\n")
    directory = str(migrations_with(tmp_path, {"0013_rt6.py": source}))
    marker = tmp_path / "marker"
    runner = start_manage(
        "db", "upgrade", "-d", directory, database_url=database.url, RT6_STOP=stop, RT6_MARKER=str(marker)
    )
    wait_until(marker.exists, "the revision's stop", runner)
    return directory, runner, marker


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize("commit", sorted(COMMITS))
def test_a_kill_right_after_the_revision_committed_itself_resumes_with_each_row_once(
    database: Database, tmp_path: Path, commit: str
) -> None:
    directory, runner, _marker = _stopping_runner(database, tmp_path, commit, "after-commit")
    os.kill(runner.pid, signal.SIGKILL)
    runner.communicate()
    assert query(database, "SELECT id FROM rt6_item") == [(1,)]
    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    # a COMMIT sent through op.execute is an operation (journaled); SQLAlchemy's commit() is not
    applied = 3 if commit == "op" else 2
    assert f"revision 0013: {applied} of " in status.stdout
    assert f"the next `db upgrade` resumes at operation {applied + 1}" in status.stdout
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    assert query(database, "SELECT id FROM rt6_item ORDER BY id") == [(1,), (2,)]
    assert history(database)[-1][4] == f"resumed: skipped {applied} operations applied by an earlier run"


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
@pytest.mark.parametrize("commit", sorted(COMMITS))
def test_a_lock_lost_before_the_revision_commits_itself_commits_nothing(
    database: Database, tmp_path: Path, commit: str
) -> None:
    directory, runner, marker = _stopping_runner(database, tmp_path, commit, "before-commit")
    kill_session(database, lock_session(database))
    marker.unlink()
    _out, err = runner.communicate(timeout=60)
    assert runner.returncode == 1, err
    assert "migration lock lost" in err.strip().splitlines()[-1]
    if database.backend == "postgresql":  # its commit would have made rows durable without the lock
        assert query(database, "SELECT COUNT(*) FROM rt6_item") == []
    assert history(database)[-1][:3] == ("0013", "upgrade", "aborted")
    assert current(database) == {PROJECT_HEAD}
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    assert query(database, "SELECT id FROM rt6_item ORDER BY id") == [(1,), (2,)]


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_sql_of_a_revision_that_commits_through_sqlalchemy_writes_the_commit_where_it_is(
    database: Database, tmp_path: Path
) -> None:
    # before: half the script, then "unexpected AttributeError: 'MockConnection' object has no attribute
    # 'commit'"; now the script says what the revision does online, as op.execute("COMMIT") writes it
    scripts = {}
    for commit in ("op", "connection"):
        source = STOPS.replace("__project_head__", PROJECT_HEAD).replace("COMMIT\n", COMMITS[commit] + "\n")
        directory = str(migrations_with(tmp_path / commit, {"0013_rt6.py": source}))
        ran = run_manage(
            "db", "upgrade", "-d", directory, "--sql", f"{PROJECT_HEAD}:0013", database_url=database.url
        )
        assert ran.returncode == 0, ran.stderr
        scripts[commit] = ran.stdout
    # the two scripts differ only in the checksum of their revision's file
    assert re.sub(r"'ast:\w+'", "", scripts["connection"]) == re.sub(r"'ast:\w+'", "", scripts["op"])
    lines = [
        line
        for line in scripts["op"].splitlines()
        if "rt6_item" in line or line.startswith(("COMMIT", "BEGIN"))
    ]
    inserted_first = lines.index("INSERT INTO rt6_item (id) VALUES (1);")
    assert lines[inserted_first + 1] == "COMMIT;"
    if database.backend == "postgresql":  # its DDL is transactional: the rest is one transaction again
        assert lines[inserted_first + 2] == "BEGIN;"
    assert "INSERT INTO rt6_item (id) VALUES (2);" in lines[inserted_first + 2 :]


SEARCH_PATH = """    op.execute("CREATE SCHEMA rt6_archive")
    op.execute("SET search_path TO rt6_archive")
    op.execute("COMMIT")
    op.create_table("rt6_item", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.get_bind().exec_driver_sql("INSERT INTO rt6_item (id) VALUES (1)")
    op.execute("SET search_path TO public")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_revision_that_sets_search_path_then_commits_is_journaled_where_the_tool_keeps_it(
    database: Database, tmp_path: Path
) -> None:
    # the journal's rows went through the revision's search_path: every run failed at the COMMIT on
    # 'relation "migration_history_journal" does not exist', where raw Alembic runs it
    directory = _directory(tmp_path, SEARCH_PATH + AFTER + BLOCK)
    execute(database, "CREATE TABLE rt6_block (other INTEGER)")
    code, error = _upgrade(database, directory)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation 7 ({BLOCK_SQL}): database error: {EXISTS['postgresql']};"
        " rolled back but for 3 operations the revision itself committed (journaled); `db upgrade` resumes"
        " after them",
    )
    assert query(database, "SELECT nspname FROM pg_namespace WHERE nspname = 'rt6_archive'") == [
        ("rt6_archive",)
    ]
    execute(database, "DROP TABLE rt6_block")
    assert _upgrade(database, directory) == (0, "")
    _recorded_clean(database, directory)
    assert query(database, "SELECT id FROM rt6_archive.rt6_item") == [(1,)]
    assert _tables(database) == {"rt6_after", "rt6_block"}
