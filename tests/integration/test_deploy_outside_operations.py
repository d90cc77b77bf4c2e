"""Writes a revision's own code sends past its operations (``op.get_bind()``, an ORM ``Session``).

The journal cannot skip them on a rerun (the code that sends them runs again), so on MariaDB, where
each DDL commits, a revision that stopped after such a write committed is never resumed over it: the
run names the writes and the commands that settle it. Rows are never repeated. On PostgreSQL the
revision rolls back as a unit and the rerun simply runs it again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute

REVISION = '''"""Writes through op.get_bind() and a Session between operations; the last one may fail."""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
lint_allow = {"not-analysable": "a data fix through the ORM: it needs the live connection"}

probe = sa.table("bind_probe", sa.column("n", sa.Integer()))


def upgrade():
    op.create_table("bind_probe", sa.Column("n", sa.Integer()))
    WRITES
    op.execute(probe.insert().values(n=9))
    op.create_table("bind_last", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("bind_last")
    op.drop_table("bind_probe")
'''
THROUGH_BIND = """bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO bind_probe (n) VALUES (1)"))
    bind.exec_driver_sql("INSERT INTO bind_probe (n) VALUES (2)")
    session = Session(bind=bind)
    session.execute(probe.insert().values(n=3))
    session.flush()
    bind.execute(sa.text("SELECT COUNT(*) FROM bind_probe")).scalar()"""


def _prepared(tmp_path: Path, writes: str = THROUGH_BIND) -> str:
    source = REVISION.replace("__project_head__", PROJECT_HEAD).replace("WRITES", writes)
    return str(migrations_with(tmp_path, {"0013_bind.py": source}))


def _upgrade(database: Database, directory: str) -> tuple[int, str]:
    ran = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
    return ran.returncode, ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else ""


FIRST_WRITE = "INSERT INTO bind_probe (n) VALUES (1)"
# the way out every message names for writes committed outside the operations (the same words each time)
WAY_OUT = (
    "undo them by hand, then run `db journal clear 0013` and `db upgrade` again"
    " (or finish the revision by hand and run `db stamp` and `db journal clear 0013`)"
)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_revision_that_stopped_after_committed_outside_writes_is_not_run_again_over_them(
    database: Database, tmp_path: Path
) -> None:
    directory = _prepared(tmp_path)
    execute(database, "CREATE TABLE bind_last (other INTEGER)")  # the cause: the last operation fails
    code, error = _upgrade(database, directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 failed at operation 3 (CREATE TABLE bind_last ( id INTEGER NOT NULL, CONSTRAINT"
        " pk_bind_last PRIMARY KEY (id) )): database error: (1050, \"Table 'bind_last' already exists\");"
        " 2 operations applied and journaled; but 3 writes outside its"
        f" operations (the first: {FIRST_WRITE}) committed: it will not be run again over them; {WAY_OUT}",
    )
    assert query(database, "SELECT n FROM bind_probe ORDER BY n") == [(1,), (2,), (3,), (9,)]
    assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
        (-3, "outside"),
        (-2, "outside"),
        (-1, "outside"),
        (1, "done"),
        (2, "done"),
    ]
    shown = run_manage("db", "-d", directory, "journal", "show", database_url=database.url)
    assert shown.stdout.splitlines()[:2] == [
        "0013 upgrade write 3 outside its operations: INSERT INTO bind_probe (n) VALUES (%(n)s)",
        "0013 upgrade write 2 outside its operations: INSERT INTO bind_probe (n) VALUES (2)",
    ]
    as_json = run_manage("db", "-d", directory, "status", "--json", database_url=database.url)
    fields = json.loads(as_json.stdout)
    assert fields["journal"][0]["outside"] == [
        FIRST_WRITE,
        "INSERT INTO bind_probe (n) VALUES (2)",
        "INSERT INTO bind_probe (n) VALUES (%(n)s)",
    ]
    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    assert status.stdout.splitlines()[3:] == [
        "revision 0013: 2 of ? operations applied (upgrade; last applied: INSERT INTO bind_probe (n) VALUES"
        " (%(n)s) [values 8b28b58f2e]); 3 writes outside its operations (the first: INSERT INTO bind_probe"
        f" (n) VALUES (1)) committed, so it is not resumed over them: {WAY_OUT}"
    ]
    verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
    assert (verify.returncode, verify.stderr.splitlines()[-1]) == (
        1,
        "Error: half-applied: revision 0013: 2 of ? operations applied (upgrade; last applied: INSERT INTO"
        " bind_probe (n) VALUES (%(n)s) [values 8b28b58f2e]); 3 writes outside its operations (the first:"
        f" INSERT INTO bind_probe (n) VALUES (1)) committed, so it is not resumed over them: {WAY_OUT}",
    )

    # the cause is gone, but running upgrade() again would insert 1, 2 and 3 a second time
    execute(database, "DROP TABLE bind_last")
    code, error = _upgrade(database, directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 stopped after 3 writes outside its operations (the first:"
        f" {FIRST_WRITE}) had committed (sent by its upgrade() through op.get_bind() or a Session, not by"
        f" an operation); running it again would repeat them: {WAY_OUT}",
    )
    assert query(database, "SELECT n FROM bind_probe ORDER BY n") == [(1,), (2,), (3,), (9,)]
    assert current(database) == {PROJECT_HEAD}

    # the way out it names: undo by hand, clear, upgrade: every row exactly once
    execute(database, "DROP TABLE bind_probe")
    cleared = run_manage("db", "-d", directory, "journal", "clear", "0013", database_url=database.url)
    assert cleared.returncode == 0, cleared.stderr
    code, error = _upgrade(database, directory)
    assert code == 0, error
    assert current(database) == {"0013"}
    assert query(database, "SELECT n FROM bind_probe ORDER BY n") == [(1,), (2,), (3,), (9,)]
    assert [row[1:3] for row in history(database) if row[0] == "0013"] == [
        ("upgrade", "partial"),
        ("upgrade", "failed"),
        ("journal", "success"),
        ("upgrade", "success"),
    ]


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_outside_writes_that_never_committed_leave_the_revision_resumable(
    database: Database, tmp_path: Path
) -> None:
    # the write through the bind and the failing INSERT share one transaction: both roll back
    writes = 'op.get_bind().execute(sa.text("INSERT INTO bind_probe (n) VALUES (1)"))\n'
    writes += '    op.execute("INSERT INTO bind_probe (n) SELECT n FROM bind_source")'
    directory = _prepared(tmp_path, writes)
    code, error = _upgrade(database, directory)
    assert code == 1
    assert error.startswith("Error: revision 0013 failed at operation 2")
    assert "writes outside" not in error
    execute(database, "CREATE TABLE bind_source (n INTEGER)")
    code, error = _upgrade(database, directory)
    assert code == 0, error
    assert query(database, "SELECT n FROM bind_probe ORDER BY n") == [(1,), (9,)]
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_reads_whose_literals_name_a_write_leave_the_revision_resumable(
    database: Database, tmp_path: Path
) -> None:
    # the words in a literal or a quoted name are not the statement's: these are reads, and after a
    # failure the rerun resumes past the applied operations instead of refusing over "writes"
    reads = "bind = op.get_bind()\n"
    reads += (
        "    bind.execute(sa.text(\"SELECT COUNT(*) FROM bind_probe WHERE 'moved' <> 'into the archive'\"))\n"
    )
    reads += '    bind.execute(sa.text("SELECT n AS `into x` FROM bind_probe /* into y */"))'
    directory = _prepared(tmp_path, reads)
    execute(database, "CREATE TABLE bind_last (other INTEGER)")
    code, error = _upgrade(database, directory)
    assert code == 1
    assert error.startswith("Error: revision 0013 failed at operation 3")
    assert "writes outside" not in error
    assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
        (1, "done"),
        (2, "done"),
    ]
    execute(database, "DROP TABLE bind_last")
    code, error = _upgrade(database, directory)
    assert code == 0, error
    assert query(database, "SELECT n FROM bind_probe ORDER BY n") == [(9,)]
    assert current(database) == {"0013"}
