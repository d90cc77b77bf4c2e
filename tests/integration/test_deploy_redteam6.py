"""Red team 6: a revision that ends its own transaction (ROLLBACK, SQLAlchemy's rollback(), a savepoint).

Each case runs the real CLI on a real server, cleanly and with a failure after the transaction ended
(a table of the name the last operation makes is there), then once more after the blocker is dropped:
the run never exits 0 with the revision unrecorded, never says "rolled back as a unit" over statements
that committed, and the rerun ends at 0013 with ``db verify`` clean.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute

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
