"""Autocommit blocks and caught failures on the real servers: rows exactly once, counts and journal true.

Inside ``op.get_context().autocommit_block()`` every statement commits on its own. A DML there must
still commit together with its journal row, or a kill between the two leaves the rows applied and the
journal not saying so (the rerun inserts them again). A nested block is refused with one line, and a
statement the revision caught and swallowed after the server refused it is not counted as applied.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query, start_manage
from support.faults import execute

HEADER = '''"""Autocommit-block revision."""
import os
import time
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
lint_allow = {"not-analysable": "the test's fault injection listens on the connection"}
'''

# the kill point: after the Nth statement sent on the migration session inside the block (the
# revision's own, the journal's, the transaction's), the runner writes the marker and waits to be killed
KILLED_IN_BLOCK = """

rows = sa.table("ac_rows", sa.column("id", sa.Integer()), sa.column("note", sa.String(20)))


def _stop_after(wanted):
    sent = [0]

    def stop(*_args):
        sent[0] += 1
        if sent[0] != wanted:
            return
        marker = Path(os.environ["AC_MARKER"])
        marker.write_text(str(wanted))
        deadline = time.monotonic() + 60
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    return stop


def upgrade():
    op.create_table("ac_rows", sa.Column("id", sa.Integer()), sa.Column("note", sa.String(20)))
    bind = op.get_bind()
    stop = _stop_after(int(os.environ.get("AC_STOP_AFTER", "0")))
    with op.get_context().autocommit_block():
        sa.event.listen(bind, "after_cursor_execute", stop)
        op.execute("INSERT INTO ac_rows (id, note) VALUES (1, 'one')")
        op.bulk_insert(rows, [{"id": 2, "note": "two"}, {"id": 3, "note": "three"}])
        op.execute(sa.text("UPDATE ac_rows SET note = :n WHERE id = 1").bindparams(n="first"))
        sa.event.remove(bind, "after_cursor_execute", stop)
    op.create_table("ac_last", sa.Column("id", sa.Integer()))


def downgrade():
    op.drop_table("ac_last")
    op.drop_table("ac_rows")
"""
EXACTLY_ONCE = [(1, "first", 1), (2, "two", 1), (3, "three", 1)]


def _directory(tmp_path: Path, body: str) -> str:
    return str(migrations_with(tmp_path, {"0013_ac.py": HEADER + body}))


def _run(database: Database, *args: str) -> tuple[int, str]:
    ran = run_manage("db", *args, database_url=database.url)
    lines = ran.stderr.strip().splitlines()
    return ran.returncode, ran.stderr.strip() if "Traceback" in ran.stderr else (lines[-1] if lines else "")


def _journal(database: Database) -> list[tuple[int, str]]:
    return [
        (int(index), state)
        for index, state in query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index")
    ]


def _rows(database: Database) -> list[tuple[object, ...]]:
    return query(database, "SELECT id, MAX(note), COUNT(*) FROM ac_rows GROUP BY id ORDER BY id")


def _killed_at(database: Database, directory: str, tmp_path: Path, point: int) -> bool:
    """Run ``db upgrade`` killed after statement ``point`` of the block; False if it finished first."""
    marker = tmp_path / "marker"
    runner = start_manage(
        "db",
        "upgrade",
        "-d",
        directory,
        database_url=database.url,
        AC_STOP_AFTER=str(point),
        AC_MARKER=str(marker),
    )
    while not marker.exists():
        if runner.poll() is not None:
            _out, err = runner.communicate()
            assert runner.returncode == 0, err
            return False
    os.kill(runner.pid, signal.SIGKILL)
    runner.communicate(timeout=30)
    marker.unlink()
    return True


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_a_kill_at_any_statement_of_an_autocommit_block_leaves_each_row_exactly_once(
    database: Database, tmp_path: Path
) -> None:
    # before: a DML in the block committed on its own and its journal row after it; killed between the
    # two, the rerun found the row 'started' and could not tell (or, told "not applied", inserted again)
    directory = _directory(tmp_path, KILLED_IN_BLOCK)
    assert _run(database, "upgrade", PROJECT_HEAD, "-d", directory) == (0, "")
    point = 1
    while _killed_at(database, directory, tmp_path, point):
        rerun = _run(database, "upgrade", "-d", directory)
        assert rerun == (0, ""), f"killed after statement {point}: {rerun}"
        found = _rows(database)
        assert found == EXACTLY_ONCE, f"killed after statement {point}"
        assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
        assert current(database) == {"0013"}
        assert _run(database, "downgrade", PROJECT_HEAD, "-d", directory, "--allow-data-loss") == (0, "")
        point += 1
    # every statement of the block was a kill point: 3 DML, each with its journal row and its commit
    assert point > 9, point
    assert _rows(database) == EXACTLY_ONCE


NESTED = """

def upgrade():
    op.create_table("ac_a", sa.Column("id", sa.Integer()))
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO ac_a (id) VALUES (1)")
        with op.get_context().autocommit_block():
            op.execute("INSERT INTO ac_a (id) VALUES (2)")
    op.create_table("ac_b", sa.Column("id", sa.Integer()))


def downgrade():
    op.drop_table("ac_b")
    op.drop_table("ac_a")
"""


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_a_nested_autocommit_block_is_refused_with_one_line(database: Database, tmp_path: Path) -> None:
    # before: Alembic's own assert, "Error: ... AssertionError"
    directory = _directory(tmp_path, NESTED)
    assert _run(database, "upgrade", PROJECT_HEAD, "-d", directory) == (0, "")
    code, error = _run(database, "upgrade", "-d", directory)
    remains = (
        "2 operations applied and journaled; `db upgrade` resumes at operation 3"
        if database.backend == "mariadb"
        else "rolled back but for 2 operations an autocommit block committed (journaled);"
        " `db upgrade` resumes after them"
    )
    of_total = " of 4" if database.backend == "mariadb" else ""  # counted where each statement commits
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed after operation 2{of_total}: autocommit blocks cannot be nested"
        " (op.get_context().autocommit_block() inside another); " + remains,
    )
    assert query(database, "SELECT id FROM ac_a") == [(1,)]
    assert _journal(database) == [(1, "done"), (2, "done")]
    assert [row[2] for row in history(database) if row[0] == "0013"] == ["partial"]
    assert current(database) == {PROJECT_HEAD}


CAUGHT = """

def upgrade():
    op.create_table("ac_a", sa.Column("id", sa.Integer()))
    try:
        op.execute("INSERT INTO ac_missing (id) VALUES (1)")
    except sa.exc.DBAPIError:
        pass  # the table is optional: the revision goes on without it
    op.execute("INSERT INTO ac_a (id) VALUES (3)")
    op.create_table("ac_block", sa.Column("id", sa.Integer()))


def downgrade():
    op.drop_table("ac_block")
    op.drop_table("ac_a")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_statement_the_revision_caught_is_not_counted_applied_and_runs_again(
    database: Database, tmp_path: Path
) -> None:
    # before: "3 operations applied and journaled; `db upgrade` resumes at operation 4", counting the
    # refused INSERT (operation 2) that applied nothing and has no journal row
    directory = _directory(tmp_path, CAUGHT)
    assert _run(database, "upgrade", PROJECT_HEAD, "-d", directory) == (0, "")
    execute(database, "CREATE TABLE ac_block (other INTEGER)")  # the cause
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 failed at operation 4 of 4 (CREATE TABLE ac_block ( id INTEGER )): database"
        " error: (1050, \"Table 'ac_block' already exists\"); 2 operations applied and journaled;"
        " `db upgrade` resumes at operation 2",
    )
    assert _journal(database) == [(1, "done"), (3, "done")]
    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    assert "revision 0013: 2 of 4 operations applied" in status.stdout, status.stdout
    # the table comes: the rerun runs operation 2 again (it applies now), skips 1 and 3
    execute(database, "DROP TABLE ac_block", "CREATE TABLE ac_missing (id INTEGER)")
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id FROM ac_a") == [(3,)]
    assert query(database, "SELECT id FROM ac_missing") == [(1,)]
    assert [row[2:] for row in history(database) if row[0] == "0013"] == [
        ("partial", "database error: (1050, \"Table 'ac_block' already exists\")", None),
        ("success", None, "resumed: skipped 2 operations applied by an earlier run"),
    ]


CAUGHT_BEFORE_A_BLOCK = """

def upgrade():
    op.create_table("ac_a", sa.Column("id", sa.Integer()))
    try:
        with op.get_bind().begin_nested():  # PostgreSQL: a refused statement aborts all but a savepoint
            op.execute("INSERT INTO ac_missing (id) VALUES (1)")
    except sa.exc.DBAPIError:
        pass  # the table is optional: the revision goes on without it
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO ac_a (id) VALUES (3)")
    op.create_table("ac_block", sa.Column("id", sa.Integer()))


def downgrade():
    op.drop_table("ac_block")
    op.drop_table("ac_a")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_caught_statement_before_an_autocommit_block_is_not_journaled_applied(
    database: Database, tmp_path: Path
) -> None:
    # before: the block journaled every statement issued before it 'done', the refused INSERT too, so
    # the rerun skipped it (returned nothing to the revision): the row never inserted, exit 0
    directory = _directory(tmp_path, CAUGHT_BEFORE_A_BLOCK)
    assert _run(database, "upgrade", PROJECT_HEAD, "-d", directory) == (0, "")
    execute(database, "CREATE TABLE ac_block (other INTEGER)")  # the cause
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.endswith(
        "rolled back but for 2 operations an autocommit block committed (journaled); `db upgrade` resumes"
        " after them"
    ), error
    assert _journal(database) == [(1, "done"), (3, "done")]
    execute(database, "DROP TABLE ac_block", "CREATE TABLE ac_missing (id INTEGER)")
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id FROM ac_a") == [(3,)]
    assert query(database, "SELECT id FROM ac_missing") == [(1,)]


ONLINE_IN_A_BLOCK = """

def upgrade():
    op.create_table("ac_a", sa.Column("id", sa.Integer()))
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO ac_a (id) VALUES (1)")
        op.create_index_online("ix_ac_a_id", "ac_a", ["id"])


def downgrade():
    op.drop_index_online("ix_ac_a_id", table_name="ac_a")
    op.drop_table("ac_a")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_an_online_helper_inside_an_autocommit_block_runs_in_that_block(
    database: Database, tmp_path: Path
) -> None:
    # the helper opens a block of its own on PostgreSQL (CONCURRENTLY): inside the revision's it nested one
    directory = _directory(tmp_path, ONLINE_IN_A_BLOCK)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT indexname FROM pg_indexes WHERE tablename = 'ac_a'") == [("ix_ac_a_id",)]
    assert query(database, "SELECT id FROM ac_a") == [(1,)]
