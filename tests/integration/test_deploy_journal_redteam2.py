"""Red-team round 2 on the intent journal: loops, guards, values, autocommit blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage, run_manage_process
from support.databases import PROJECT_HEAD, Database
from support.deploy import JOURNAL, current, query, start_manage, wait_for
from support.faults import BIG_ROWS, execute, kill_session, make_big_table, session_running

HEADER = '''"""Red-team revision."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
'''


def _directory(tmp_path: Path, body: str) -> str:
    return str(migrations_with(tmp_path, {"0013_rt.py": HEADER + body}))


def _run(database: Database, *args: str) -> tuple[int, str]:
    ran = run_manage("db", *args, database_url=database.url)
    lines = ran.stderr.strip().splitlines()
    return ran.returncode, ran.stderr.strip() if "Traceback" in ran.stderr else (lines[-1] if lines else "")


LOOP = """
lint_allow = {"not-analysable": "the data fix reads the rows still to fix"}


def upgrade():
    op.create_table(
        "rt_t",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("slug", sa.String(5)),
    )
    op.execute("INSERT INTO rt_t (id) SELECT id FROM rt_src")
    query = "SELECT t.id, s.name FROM rt_t t JOIN rt_src s ON s.id = t.id WHERE t.slug IS NULL ORDER BY t.id"
    rows = op.get_bind().execute(sa.text(query)).fetchall()
    t = sa.table("rt_t", sa.column("id", sa.Integer()), sa.column("slug", sa.String(5)))
    for row_id, name in rows:
        op.execute(t.update().where(t.c.id == row_id).values(slug=name))


def downgrade():
    op.drop_table("rt_t")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_loop_that_issues_its_applied_statement_for_another_row_stops_the_rerun(
    database: Database, tmp_path: Path
) -> None:
    # before: the rerun's UPDATE for row 2 (the SQL text of the applied UPDATE for row 1, other values)
    # was skipped as applied; row 2 was never fixed and the run ended `success`, `db verify` content
    execute(
        database,
        "CREATE TABLE rt_src (id INTEGER PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO rt_src (id, name) VALUES (1, 'a'), (2, 'toolongname'), (3, 'c')",
    )  # the application's rows the data fix reads
    directory = _directory(tmp_path, LOOP)
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1 and "Data too long for column 'slug'" in error, error
    execute(database, "UPDATE rt_src SET name = 'b' WHERE id = 2")  # the cause, fixed by hand
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.startswith(
        "Error: revision 0013 issued operation 3 (UPDATE rt_t SET slug=%(slug)s WHERE rt_t.id = %(id_1)s"
        " [values "
    ), error
    assert error.endswith(
        " with other bound values than the earlier run that applied it (a loop over rows that changed"
        " since, or a value made at run time such as a timestamp or uuid4()): the journal cannot tell"
        " whether it would write the same rows; finish or undo its applied operations by hand, then run"
        " `db journal clear 0013` and `db upgrade` again; no operation of it was run this time"
    ), error
    assert query(database, "SELECT id, slug FROM rt_t ORDER BY id") == [(1, "a"), (2, None), (3, None)]
    assert current(database) == {PROJECT_HEAD}
    # the way out it names: undo by hand, clear, upgrade
    execute(database, "DROP TABLE rt_t")
    assert _run(database, "-d", directory, "journal", "clear", "0013")[0] == 0
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id, slug FROM rt_t ORDER BY id") == [(1, "a"), (2, "b"), (3, "c")]


SET_VALUES = """

def upgrade():
    op.create_table(
        "rt_s",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("state", sa.String(20)),
    )
    op.execute("INSERT INTO rt_s (id, state) VALUES (1, 'alpha'), (2, 'beta'), (3, 'other')")
    s = sa.table("rt_s", sa.column("state", sa.String(20)))
    op.execute(s.update().where(s.c.state.in_({"alpha", "beta", "gamma", "delta"})).values(state="old"))
    op.create_table("rt_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_block")
    op.drop_table("rt_s")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_values_in_a_set_fingerprint_the_same_in_every_process(database: Database, tmp_path: Path) -> None:
    # before: the fingerprint was the repr of the values, and a set's order changes with the process's
    # hash seed: the rerun of the unchanged revision was refused, its applied UPDATE "issued with other
    # bound values"
    directory = _directory(tmp_path, SET_VALUES)
    execute(database, "CREATE TABLE rt_block (other INTEGER)")  # the cause
    first = run_manage_process(
        "db", "upgrade", "-d", directory, database_url=database.url, env={"PYTHONHASHSEED": "1"}
    )
    assert first.returncode == 1 and "(CREATE TABLE rt_block (" in first.stderr, first.stderr
    execute(database, "DROP TABLE rt_block")
    rerun = run_manage_process(
        "db", "upgrade", "-d", directory, database_url=database.url, env={"PYTHONHASHSEED": "2"}
    )
    assert (rerun.returncode, rerun.stderr) == (0, ""), rerun.stderr
    assert query(database, "SELECT id, state FROM rt_s ORDER BY id") == [(1, "old"), (2, "old"), (3, "other")]
    assert current(database) == {"0013"}


DO_BLOCK = """

def upgrade():
    op.create_table("rt_a", sa.Column("id", sa.Integer()))
    op.get_bind().execute(sa.text("@@WRITE"))
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO rt_a (id) VALUES (2)")
    op.create_table("rt_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_block")
    op.drop_table("rt_a")
"""


ANONYMOUS_BLOCK = "DO $$ BEGIN INSERT INTO rt_a (id) VALUES (1); END $$"
DATA_MODIFYING_WITH = "WITH v AS (SELECT 1 AS id) INSERT INTO rt_a (id) SELECT id FROM v"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("write", [ANONYMOUS_BLOCK, DATA_MODIFYING_WITH])
def test_an_anonymous_block_or_a_data_modifying_with_is_a_write_outside_the_operations(
    database: Database, tmp_path: Path, write: str
) -> None:
    # before: PostgreSQL's DO and WITH ... INSERT were not taken for writes, so the autocommit block
    # committed their row unjournaled; the rerun ran them again: rows (1, 1, 2), exit 0
    directory = _directory(tmp_path, DO_BLOCK.replace("@@WRITE", write))
    execute(database, "CREATE TABLE rt_block (other INTEGER)")  # the cause
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.endswith(
        f"; but 1 write outside its operations (the first: {write}) committed: it will not be run again"
        " over them; undo them by hand, then run `db journal clear 0013` and `db upgrade` again (or finish"
        " the revision by hand and run `db stamp` and `db journal clear 0013`)"
    ), error
    execute(database, "DROP TABLE rt_block")
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.startswith(
        f"Error: revision 0013 stopped after 1 write outside its operations (the first: {write}) had"
        " committed"
    ), error
    assert query(database, "SELECT id FROM rt_a ORDER BY id") == [(1,), (2,)]
    assert current(database) == {PROJECT_HEAD}


NEW_ROWS_BEFORE_APPLIED = """
lint_allow = {"not-analysable": "the data fix reads the rows still to fix"}


def upgrade():
    rows = op.get_bind().execute(sa.text("SELECT id FROM rt_app WHERE fixed = 0 ORDER BY id")).fetchall()
    for (row_id,) in rows:
        op.execute(sa.text("UPDATE rt_app SET fixed = 1 WHERE id = :i").bindparams(i=row_id))
    op.create_table("rt_b", sa.Column("id", sa.Integer()))
    op.create_table("rt_c", sa.Column("id", sa.Integer()))
    op.create_table("rt_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_block")
    op.drop_table("rt_c")
    op.drop_table("rt_b")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_refusal_after_passing_over_says_what_this_run_applied(database: Database, tmp_path: Path) -> None:
    # the first run had no rows to fix; the application added one before the rerun, whose UPDATE came
    # where the applied CREATE TABLE rt_b was: passed over, the UPDATE ran (committed, journaled), then
    # rt_b came again and the run stopped saying "no operation of it was run this time"
    execute(
        database,
        "CREATE TABLE rt_app (id INTEGER PRIMARY KEY, fixed INTEGER)",
        "CREATE TABLE rt_block (other INTEGER)",  # the cause
    )
    directory = _directory(tmp_path, NEW_ROWS_BEFORE_APPLIED)
    assert _run(database, "upgrade", "-d", directory)[0] == 1
    execute(database, "INSERT INTO rt_app (id, fixed) VALUES (1, 0)", "DROP TABLE rt_block")
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 issued operation 4 (CREATE TABLE rt_b ( id INTEGER )) again after passing over"
        " it as applied by an earlier run; finish or undo its applied operations by hand, then run"
        " `db journal clear 0013` and `db upgrade` again; 1 operations of it were run this time;"
        " 3 operations applied and journaled; `db upgrade` resumes at operation 4",
    )
    assert query(database, "SELECT id, fixed FROM rt_app") == [(1, 1)]
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert {"rt_b", "rt_c", "rt_block"} <= database.tables()


CONCURRENT_INDEX = """
lint_allow = {"not-analysable": "x"}


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_deploy_big_payload", "deploy_big", ["payload"], postgresql_concurrently=True)
    op.create_table("rt_after", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_after")
    op.drop_index("ix_deploy_big_payload", "deploy_big")
"""


def _index_builder(database: Database) -> int | None:
    # the runner's session, not a parallel worker of its build (that one's end is the build's failure)
    rows = query(
        database,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
        " AND backend_type = 'client backend' AND query LIKE 'CREATE INDEX CONCURRENTLY%'",
    )
    return int(rows[0][0]) if rows else None


VALID = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_deploy_big_payload'::regclass"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_concurrent_index_build_killed_half_way_is_not_taken_for_applied(
    database: Database, tmp_path: Path
) -> None:
    # a CREATE INDEX CONCURRENTLY whose session ends mid-build leaves an index PostgreSQL marks invalid
    # (in the catalog, unused by the planner); the rerun took its name for "applied"
    make_big_table(database, BIG_ROWS)
    directory = _directory(tmp_path, CONCURRENT_INDEX)
    runner = start_manage("db", "upgrade", "-d", directory, database_url=database.url)
    wait_for(lambda: _index_builder(database) is not None, "the index build")
    session = _index_builder(database)
    assert session is not None
    kill_session(database, session)
    _out, err = runner.communicate(timeout=120)
    assert runner.returncode == 1, err
    assert query(database, VALID) == [(False,)]
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.startswith("Error: revision 0013 failed at operation 1 (CREATE INDEX CONCURRENTLY"), error
    assert (
        "was started by a runner that stopped before it finished, and the catalog cannot show whether it took"
        " effect; check it by hand, then run `db journal resolve 0013 --applied` if it took effect or"
        " `db journal resolve 0013 --not-applied` if it did not, and `db upgrade` again"
    ) in error, error
    assert current(database) == {PROJECT_HEAD}
    # the way out: the invalid index dropped by hand, the statement settled as not applied
    execute(database, "DROP INDEX ix_deploy_big_payload")
    assert _run(database, "-d", directory, "journal", "resolve", "0013", "--not-applied")[0] == 0
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, VALID) == [(True,)]


DOWNGRADE_WITH_A_LOOP = """
lint_allow = {"not-analysable": "the data fix reads the rows still to fix"}


def upgrade():
    op.create_table("rt_b", sa.Column("id", sa.Integer()))
    op.create_table("rt_c", sa.Column("id", sa.Integer()))
    op.create_table("rt_d", sa.Column("id", sa.Integer()))


def downgrade():
    rows = op.get_bind().execute(sa.text("SELECT id FROM rt_app WHERE fixed = 0 ORDER BY id")).fetchall()
    for (row_id,) in rows:
        op.execute(sa.text("UPDATE rt_app SET fixed = 1 WHERE id = :i").bindparams(i=row_id))
    op.drop_table("rt_b")
    op.drop_table("rt_c")
    op.drop_table("rt_d")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_downgrade_refused_after_passing_over_names_db_downgrade(
    database: Database, tmp_path: Path
) -> None:
    # before: "... and `db upgrade` again", which refuses over a half-downgraded revision
    execute(database, "CREATE TABLE rt_app (id INTEGER PRIMARY KEY, fixed INTEGER)")
    directory = _directory(tmp_path, DOWNGRADE_WITH_A_LOOP)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    execute(database, "DROP TABLE rt_d")  # the cause: the downgrade's last statement fails
    assert _run(database, "downgrade", "-d", directory, "--allow-data-loss", PROJECT_HEAD)[0] == 1
    execute(database, "CREATE TABLE rt_d (id INTEGER)", "INSERT INTO rt_app (id, fixed) VALUES (1, 0)")
    code, error = _run(database, "downgrade", "-d", directory, "--allow-data-loss", PROJECT_HEAD)
    assert code == 1
    assert error.startswith(
        "Error: revision 0013 issued operation 4 (DROP TABLE rt_b) again after passing over it as applied by"
        " an earlier run; finish or undo its applied operations by hand, then run `db journal clear 0013`"
        " and `db downgrade` again; 1 operations of it were run this time;"
    ), error
    assert current(database) == {"0013"}


DML_IN_A_BLOCK = """

def upgrade():
    with op.get_context().autocommit_block():
        op.execute("INSERT INTO rt_src (id) SELECT 1 FROM (SELECT @@SLEEP) AS slow")
    op.create_table("rt_after", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_after")
"""


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_session_lost_after_a_blocks_dml_before_its_journal_row_loses_both(
    database: Database, tmp_path: Path
) -> None:
    # inside an autocommit block a DML would commit on its own, before its journal row: a session lost
    # between the two left the row applied and its journal row 'started' (the rerun could not tell; said
    # "rolled back as a unit" / "nothing of it was applied" before that). Now the two share a transaction.
    sleep = "pg_sleep(3)" if database.backend == "postgresql" else "SLEEP(3)"
    execute(database, "CREATE TABLE rt_src (id INTEGER)")
    directory = _directory(tmp_path, DML_IN_A_BLOCK.replace("@@SLEEP", sleep))
    assert _run(database, "upgrade", "-d", directory, PROJECT_HEAD) == (0, "")
    engine = database.engine()
    try:
        with engine.connect() as holder:
            # the journal held: the runner's row, written after its DML, waits
            if database.backend == "postgresql":
                holder.exec_driver_sql(f"LOCK TABLE {JOURNAL} IN SHARE MODE")
            else:  # the gap lock of an empty table keeps inserts out
                holder.exec_driver_sql(f"SELECT * FROM {JOURNAL} FOR UPDATE").fetchall()
            runner = start_manage("db", "upgrade", "-d", directory, database_url=database.url)
            row = f"INSERT INTO %{JOURNAL}"  # PostgreSQL: named with its schema (public.)
            wait_for(lambda: session_running(database, row) is not None, "the journal row")
            session = session_running(database, row)
            assert session is not None
            kill_session(database, session)
            holder.rollback()
    finally:
        engine.dispose()
    _out, err = runner.communicate(timeout=120)
    assert runner.returncode == 1
    remains = "rolled back as a unit" if database.backend == "postgresql" else "nothing of it was applied"
    assert err.strip().splitlines()[-1].endswith(f"; {remains}"), err
    assert query(database, "SELECT id FROM rt_src") == []  # rolled back with its journal row
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id FROM rt_src") == [(1,)]


BLOCK_IN_A_DOWNGRADE = """

def upgrade():
    op.create_table("rt_b", sa.Column("id", sa.Integer()))
    op.create_index("ix_rt_b", "rt_b", ["id"])
    op.create_table("rt_d", sa.Column("id", sa.Integer()))


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_rt_b", "rt_b", postgresql_concurrently=True)
    op.drop_table("rt_d")
    op.drop_table("rt_b")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_downgrade_that_failed_after_an_autocommit_block_names_db_downgrade(
    database: Database, tmp_path: Path
) -> None:
    # before: "`db upgrade` resumes after them", which refuses over a half-downgraded revision
    directory = _directory(tmp_path, BLOCK_IN_A_DOWNGRADE)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    execute(database, "DROP TABLE rt_d")  # the cause
    code, error = _run(database, "downgrade", "-d", directory, "--allow-data-loss", PROJECT_HEAD)
    assert code == 1
    assert error.endswith(
        "; rolled back but for 1 operations an autocommit block committed (journaled); `db downgrade` resumes"
        " after them"
    ), error
    execute(database, "CREATE TABLE rt_d (id INTEGER)")
    assert _run(database, "downgrade", "-d", directory, "--allow-data-loss", PROJECT_HEAD) == (0, "")
    assert current(database) == {PROJECT_HEAD}
    assert not {"rt_b", "rt_d"} & database.tables()


EMPTY_BLOCK = """
lint_allow = {"not-analysable": "its guard reads the catalog"}


def upgrade():
    op.create_table("rt_a", sa.Column("id", sa.Integer()))
    op.execute("INSERT INTO rt_a (id) VALUES (1)")
    with op.get_context().autocommit_block():
        big = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM rt_a")).scalar() > 1000
        if big:  # only a large table needs its index built without blocking writes
            op.create_index("ix_rt_a", "rt_a", ["id"], postgresql_concurrently=True)
    op.create_table("rt_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rt_block")
    op.drop_table("rt_a")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_what_an_autocommit_block_with_no_statement_committed_is_journaled(
    database: Database, tmp_path: Path
) -> None:
    # Alembic commits the statements before a block when it begins, whether or not the block issues
    # any: before, those of a block whose guard issued nothing went unjournaled, the failure said
    # "rolled back as a unit" and every rerun failed on "relation rt_a already exists"
    execute(database, "CREATE TABLE rt_block (other INTEGER)")  # the cause
    directory = _directory(tmp_path, EMPTY_BLOCK)
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.endswith(
        "; rolled back but for 2 operations an autocommit block committed (journaled); `db upgrade` resumes"
        " after them"
    ), error
    execute(database, "DROP TABLE rt_block")
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id FROM rt_a") == [(1,)]


UNIQUE_CONCURRENTLY = """

def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_rt_dup_v", "rt_dup", ["v"], unique=True, postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_rt_dup_v", table_name="rt_dup", postgresql_concurrently=True)
"""


RAW_CONCURRENTLY = 'op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_rt_dup_v ON public.rt_dup (v)")'


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("raw", [False, True], ids=["op.create_index", "op.execute"])
def test_a_failed_concurrent_unique_index_names_the_invalid_index_it_left(
    database: Database, raw: bool, tmp_path: Path
) -> None:
    # PostgreSQL keeps an index whose CONCURRENTLY build failed (invalid); every rerun said
    # "already exists" while the message said nothing of it
    execute(database, "CREATE TABLE rt_dup (v INTEGER)", "INSERT INTO rt_dup (v) VALUES (1), (1)")
    body = UNIQUE_CONCURRENTLY
    if raw:
        body = body.replace(
            'op.create_index("ix_rt_dup_v", "rt_dup", ["v"], unique=True, postgresql_concurrently=True)',
            RAW_CONCURRENTLY,
        )
    directory = _directory(tmp_path, body)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 failed at operation 1 (CREATE UNIQUE INDEX CONCURRENTLY ix_rt_dup_v ON"
        + (" public." if raw else " ")
        + 'rt_dup (v)): database error: could not create unique index "ix_rt_dup_v"; PostgreSQL keeps'
        " the invalid index ix_rt_dup_v the failed CONCURRENTLY build left:"
        " fix the cause, run `DROP INDEX CONCURRENTLY ix_rt_dup_v`, then `db upgrade` again",
    )
    execute(database, "DELETE FROM rt_dup WHERE ctid IN (SELECT max(ctid) FROM rt_dup)")
    execute(database, "DROP INDEX ix_rt_dup_v")
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 0, error
    assert current(database) == {"0013"}
