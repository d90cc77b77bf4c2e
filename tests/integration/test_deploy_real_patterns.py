"""Revisions written the way large projects write theirs, through a clean run and a half-way failure.

Each revision uses patterns read in public Alembic chains (Superset, Airflow, MLflow, Indico, Redash):
``batch_alter_table``, ``bulk_insert``, ``sa.text(...).bindparams``, inspector guards, dialect
branches, Enum types, server defaults, renames with ``existing_type``, named foreign keys,
``autocommit_block``. Each one: a clean upgrade, downgrade and ``db verify``; then a failure at a
statement (a table of the name it creates is kept by the test), the cause removed, and the rerun
ends at head with every row exactly once, or stops with one ``Error:`` line naming the way out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute, snapshot

HEADER = '''"""Test revision in the style of large public chains."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
'''

PATTERNS: dict[str, tuple[str, str, str]] = {}  # name -> (upgrade/downgrade source, check SQL, expected)

PATTERNS["batch"] = (
    """

def upgrade():
    op.create_table(
        "rp_item",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("label", sa.String(50), nullable=True),
    )
    op.bulk_insert(
        sa.table("rp_item", sa.column("id", sa.Integer()), sa.column("label", sa.String(50))),
        [{"id": 1, "label": "a"}, {"id": 2, "label": "b"}],
    )
    with op.batch_alter_table("rp_item") as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(20), server_default="new", nullable=False))
        batch_op.alter_column("label", existing_type=sa.String(50), type_=sa.String(100), nullable=False)
        batch_op.create_index("ix_rp_item_state", ["state"])
        batch_op.create_unique_constraint("uq_rp_item_label", ["label"])
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.execute(sa.text("UPDATE rp_item SET state = :state WHERE id = :id").bindparams(state="done", id=2))


def downgrade():
    op.drop_table("rp_block")
    with op.batch_alter_table("rp_item") as batch_op:
        batch_op.drop_constraint("uq_rp_item_label", type_="unique")
        batch_op.drop_index("ix_rp_item_state")
        batch_op.alter_column("label", existing_type=sa.String(100), type_=sa.String(50), nullable=True)
        batch_op.drop_column("state")
    op.drop_table("rp_item")
""",
    "SELECT id, label, state FROM rp_item ORDER BY id",
    "[(1, 'a', 'new'), (2, 'b', 'done')]",
)

PATTERNS["guards"] = (
    """
lint_allow = {"not-analysable": "guards read the live catalog"}

def upgrade():
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    # the guard of chains that were once created by hand or by create_all
    if not inspector.has_table("rp_guarded"):
        op.create_table("rp_guarded", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    columns = {column["name"] for column in inspector.get_columns("rp_guarded")}
    if "note" not in columns:
        op.add_column("rp_guarded", sa.Column("note", sa.String(20), nullable=True))
    if bind.dialect.name == "postgresql":
        op.execute("COMMENT ON TABLE rp_guarded IS 'guarded'")
    else:
        op.execute("ALTER TABLE rp_guarded COMMENT = 'guarded'")
    op.execute(sa.text("INSERT INTO rp_guarded (id, note) VALUES (:id, :note)").bindparams(id=1, note="once"))
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_guarded")
""",
    "SELECT id, note FROM rp_guarded ORDER BY id",
    "[(1, 'once')]",
)

PATTERNS["enum_default_rename_fk"] = (
    """
kind = sa.Enum("draft", "published", name="rp_kind")


def upgrade():
    op.create_table("rp_parent", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table(
        "rp_child_old",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("parent", sa.Integer(), nullable=True),
        sa.Column("kind", kind, nullable=False, server_default="draft"),
    )
    op.rename_table("rp_child_old", "rp_child")
    op.alter_column("rp_child", "parent", new_column_name="parent_id", existing_type=sa.Integer(),
                    existing_nullable=True)
    op.create_foreign_key("fk_rp_child_parent", "rp_child", "rp_parent", ["parent_id"], ["id"])
    op.alter_column("rp_child", "kind", existing_type=kind, server_default="published",
                    existing_nullable=False)
    op.execute("INSERT INTO rp_parent (id) VALUES (1)")
    op.execute("INSERT INTO rp_child (id, parent_id) VALUES (1, 1)")
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.drop_constraint("fk_rp_child_parent", "rp_child", type_="foreignkey")


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_child")
    op.drop_table("rp_parent")
    kind.drop(op.get_bind(), checkfirst=True)
""",
    "SELECT id, parent_id, kind FROM rp_child ORDER BY id",
    "[(1, 1, 'published')]",
)

PATTERNS["session"] = (
    """
lint_allow = {"not-analysable": "a data migration through the ORM"}
from sqlalchemy import orm

Base = orm.declarative_base()


class Item(Base):
    __tablename__ = "rp_orm"
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    name = sa.Column(sa.String(20))


def upgrade():
    op.create_table(
        "rp_orm",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(20)),
    )
    session = orm.Session(bind=op.get_bind())
    session.add_all([Item(id=1, name="x"), Item(id=2, name="y")])
    session.commit()
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_orm")
""",
    "SELECT id, name FROM rp_orm ORDER BY id",
    "[(1, 'x'), (2, 'y')]",
)

AUTOCOMMIT_TYPE = """    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TYPE rp_mood AS ENUM ('sad', 'ok')")
        mood = postgresql.ENUM("sad", "ok", name="rp_mood", create_type=False)
    else:
        mood = sa.Enum("sad", "ok", name="rp_mood")"""
PATTERNS["autocommit"] = (
    """from sqlalchemy.dialects import postgresql


def upgrade():
TYPE
    op.create_table(
        "rp_auto",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("mood", mood, nullable=True),
    )
    # PostgreSQL refuses ALTER TYPE .. ADD VALUE in a transaction block: the block every chain uses
    with op.get_context().autocommit_block():
        if op.get_bind().dialect.name == "postgresql":
            op.execute("ALTER TYPE rp_mood ADD VALUE 'happy'")
        else:
            wider = sa.Enum("sad", "ok", "happy", name="rp_mood")
            op.alter_column("rp_auto", "mood", existing_type=mood, type_=wider, existing_nullable=True)
        op.execute("INSERT INTO rp_auto (id, mood) VALUES (1, 'happy')")
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_auto")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE rp_mood")
""".replace("TYPE\n", AUTOCOMMIT_TYPE + "\n", 1),
    "SELECT id, mood FROM rp_auto ORDER BY id",
    "[(1, 'happy')]",
)


def _directory(tmp_path: Path, body: str) -> str:
    return str(migrations_with(tmp_path, {"0013_real.py": HEADER + body}))


def _run(database: Database, *args: str) -> tuple[int, str]:
    """Exit code and the last line on stderr."""
    ran = run_manage("db", *args, database_url=database.url)
    lines = ran.stderr.strip().splitlines()
    return ran.returncode, lines[-1] if lines else ""


def _verified(database: Database, directory: str, applied: int) -> None:
    ran = run_manage("db", "-d", directory, "verify", database_url=database.url)
    assert (ran.returncode, ran.stdout) == (0, f"{applied} applied revisions match their files\n"), ran.stderr


# the statement that fails while _block's table stands, as the failure names it
BLOCK = "CREATE TABLE rp_block ( id INTEGER NOT NULL, CONSTRAINT pk_rp_block PRIMARY KEY (id) )"


def _block(database: Database) -> None:
    execute(database, "CREATE TABLE rp_block (other INTEGER)")  # the cause: a later create_table fails


def _unblock(database: Database) -> None:
    execute(database, "DROP TABLE rp_block")


# MariaDB refuses to run the ORM data migration again over its committed writes: by design, and
# tested in test_deploy_outside_operations.py; PostgreSQL rolls it back and runs it again
CASES = [
    (b, p) for p in sorted(PATTERNS) for b in ("mariadb", "postgresql") if (b, p) != ("mariadb", "session")
]


@pytest.mark.parametrize(("database", "pattern"), CASES, indirect=["database"])
def test_a_real_pattern_upgrades_downgrades_and_resumes_after_failing_half_way(
    database: Database, tmp_path: Path, pattern: str
) -> None:
    body, check, expected = PATTERNS[pattern]
    directory = _directory(tmp_path, body)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert str(query(database, check)) == expected
    made = snapshot(database)
    _verified(database, directory, len(PROJECT_REVISIONS) + 1)
    assert _run(database, "downgrade", "-d", directory, PROJECT_HEAD, "--allow-data-loss") == (0, "")
    assert current(database) == {PROJECT_HEAD}
    assert {t for t in database.tables() if t.startswith("rp_")} == set()
    _verified(database, directory, len(PROJECT_REVISIONS))

    _block(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.startswith("Error: revision 0013 failed at operation "), error
    assert "(CREATE TABLE rp_block (" in error and "already exists" in error, error
    _unblock(database)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert current(database) == {"0013"}
    assert str(query(database, check)) == expected  # every row exactly once
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert snapshot(database) == made  # the schema a clean run makes
    _verified(database, directory, len(PROJECT_REVISIONS) + 1)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_what_an_autocommit_block_committed_is_journaled_and_skipped_on_the_rerun(
    database: Database, tmp_path: Path
) -> None:
    # before: "rolled back as a unit", though the block had committed the table, the new enum value
    # and the row; the rerun then failed on "relation rp_auto already exists" (or, with a guard,
    # inserted the row twice)
    directory = _directory(tmp_path, PATTERNS["autocommit"][0])
    _block(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation 5 ({BLOCK}): database error:"
        ' relation "rp_block" already exists; rolled back but for 4 operations an autocommit block committed'
        " (journaled); `db upgrade` resumes after them",
    )
    assert query(database, f"SELECT op_index, state, description FROM {JOURNAL} ORDER BY op_index") == [
        (1, "done", "CREATE TYPE rp_mood AS ENUM ('sad', 'ok')"),
        (2, "done", "CREATE TABLE rp_auto ( id INTEGER NOT NULL, mood rp_mood,"
                    " CONSTRAINT pk_rp_auto PRIMARY KEY (id) )"),
        (3, "done", "ALTER TYPE rp_mood ADD VALUE 'happy'"),
        (4, "done", "INSERT INTO rp_auto (id, mood) VALUES (1, 'happy')"),
    ]  # fmt: skip
    assert history(database)[-1][:3] == ("0013", "upgrade", "partial")
    status = run_manage("db", "-d", directory, "status", database_url=database.url)
    assert status.stdout.splitlines()[3:] == [
        "revision 0013: 4 of ? operations applied (upgrade; last applied: INSERT INTO rp_auto (id, mood)"
        " VALUES (1, 'happy')); the next `db upgrade` resumes at operation 5"
    ]
    _unblock(database)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id, mood FROM rp_auto") == [(1, "happy")]
    assert history(database)[-1] == (
        "0013", "upgrade", "success", None, "resumed: skipped 4 operations applied by an earlier run"
    )  # fmt: skip


ENUM_BY_EVENT = """

def upgrade():
    # sa.Enum makes its PostgreSQL type in create_table's own event, past the operation's statement
    op.create_table("rp_auto", sa.Column("mood", sa.Enum("sad", "ok", name="rp_mood")))
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE rp_mood ADD VALUE 'happy'")
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_auto")
    op.execute("DROP TYPE rp_mood")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_type_an_event_created_before_an_autocommit_block_stops_the_rerun_naming_the_way_out(
    database: Database, tmp_path: Path
) -> None:
    directory = _directory(tmp_path, ENUM_BY_EVENT)
    _block(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation 3 ({BLOCK}): database error:"
        ' relation "rp_block" already exists; rolled back but for 2 operations an autocommit block committed'
        "; but 1 write outside its operations (the first:"
        " CREATE TYPE rp_mood AS ENUM ('sad', 'ok')) committed: it will not be run again over them; undo"
        " them by hand, then run `db journal clear 0013` and `db upgrade` again (or finish the revision by"
        " hand and run `db stamp` and `db journal clear 0013`)",
    )
    _unblock(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 stopped after 1 write outside its operations (the first: CREATE TYPE rp_mood"
        " AS ENUM ('sad', 'ok')) had committed (sent by its upgrade() through op.get_bind() or a Session,"
        " not by an operation); running it again would repeat them: undo them by hand, then run"
        " `db journal clear 0013` and `db upgrade` again (or finish the revision by hand and run `db stamp`"
        " and `db journal clear 0013`)",
    )
    # the way out it names: undo by hand, clear, upgrade
    execute(database, "DROP TABLE rp_auto", "DROP TYPE rp_mood")
    assert (
        run_manage("db", "-d", directory, "journal", "clear", "0013", database_url=database.url).returncode
        == 0
    )
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert current(database) == {"0013"}


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_guards_that_see_an_earlier_runs_work_let_the_rerun_resume(
    database: Database, tmp_path: Path
) -> None:
    # before: "revision 0013 changed since it was half-applied: operation 1 was 'CREATE TABLE
    # rp_guarded ...', is now "ALTER TABLE rp_guarded COMMENT = 'guarded'"; ... nothing of it was applied"
    directory = _directory(tmp_path, PATTERNS["guards"][0])
    _block(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation 5 ({BLOCK}): database error: (1050, \"Table 'rp_block'"
        ' already exists"); 4 operations applied and journaled; `db upgrade` resumes at operation 5',
    )
    _unblock(database)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id, note FROM rp_guarded") == [(1, "once")]
    assert history(database)[-1] == (
        "0013",
        "upgrade",
        "success",
        None,
        "resumed: skipped 4 operations applied by an earlier run;"
        " operations 1 to 2 applied by an earlier run, not issued again",
    )


VALUES = """

def upgrade():
    op.create_table("rp_cfg", sa.Column("k", sa.String(20), primary_key=True), sa.Column("v", sa.String(40)))
    op.execute(sa.text("INSERT INTO rp_cfg (k, v) VALUES (:k, :v)").bindparams(k="mode", v=@@V))
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_cfg")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_an_applied_statement_whose_values_were_edited_stops_the_rerun(
    database: Database, tmp_path: Path
) -> None:
    # before: the rerun skipped the INSERT as applied (the same SQL text) and ended `success` with
    # ('mode', 'old') while the file now says 'new'
    directory = _directory(tmp_path, VALUES.replace("@@V", '"old"'))
    _block(database)
    assert _run(database, "upgrade", "-d", directory)[0] == 1
    source = HEADER.replace("__project_head__", PROJECT_HEAD) + VALUES.replace("@@V", '"new"')
    (Path(directory) / "versions" / "0013_real.py").write_text(source, encoding="utf-8")
    _unblock(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        "Error: revision 0013 changed since it was half-applied: operation 2 was 'INSERT INTO rp_cfg (k, v)"
        " VALUES (%(k)s, %(v)s) [values 97a24715b6]', is now 'INSERT INTO rp_cfg (k, v) VALUES (%(k)s,"
        " %(v)s) [values 36c61b1288]'; finish or undo its applied operations by hand, then run"
        " `db journal clear 0013` and `db upgrade` again; no operation of it was run this time",
    )
    assert query(database, "SELECT k, v FROM rp_cfg") == [("mode", "old")]
    assert current(database) == {PROJECT_HEAD}
    # the way out it names: undo by hand, clear, upgrade
    execute(database, "DROP TABLE rp_cfg")
    assert (
        run_manage("db", "-d", directory, "journal", "clear", "0013", database_url=database.url).returncode
        == 0
    )
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT k, v FROM rp_cfg") == [("mode", "new")]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_values_made_at_run_time_in_an_unedited_revision_stop_the_rerun(
    database: Database, tmp_path: Path
) -> None:
    # a value made at run time differs on every run, like a loop's over rows that changed: whether the
    # statement would write the rows the earlier run wrote cannot be told, so the rerun refuses (it
    # skipped it as applied, and so skipped a loop's statement for another row: red-team round 2)
    directory = _directory(tmp_path, "import uuid\n" + VALUES.replace("@@V", "str(uuid.uuid4())"))
    _block(database)
    assert _run(database, "upgrade", "-d", directory)[0] == 1
    first = query(database, "SELECT k, v FROM rp_cfg")
    _unblock(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert code == 1
    assert error.startswith(
        "Error: revision 0013 issued operation 2 (INSERT INTO rp_cfg (k, v) VALUES (%(k)s, %(v)s) [values "
    ), error
    assert "with other bound values than the earlier run that applied it" in error, error
    assert query(database, "SELECT k, v FROM rp_cfg") == first and len(first) == 1
    assert current(database) == {PROJECT_HEAD}


DATA_FIX_LOOP = """
import logging

lint_allow = {"not-analysable": "the data fix reads the rows still to fix"}


def upgrade():
    op.create_table(
        "rp_t",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("slug", sa.String(20)),
    )
    op.execute("INSERT INTO rp_t (id) VALUES (1), (2), (3)")
    try:  # a leftover of an old bug that only some databases have
        op.drop_constraint("ck_rp_t_leftover", "rp_t", type_="check")
    except sa.exc.DBAPIError as exc:
        logging.getLogger(__name__).info("no leftover constraint: %s", exc)
    rows = op.get_bind().execute(sa.text("SELECT id FROM rp_t WHERE slug IS NULL ORDER BY id")).fetchall()
    t = sa.table("rp_t", sa.column("id", sa.Integer()), sa.column("slug", sa.String(20)))
    for (row_id,) in rows:
        op.execute(t.update().where(t.c.id == row_id).values(slug=f"s{row_id}"))
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_t")
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_data_fix_loop_with_nothing_left_to_fix_lets_the_rerun_resume(
    database: Database, tmp_path: Path
) -> None:
    # before: "revision 0013 changed since it was half-applied: operation 4 was 'UPDATE rp_t SET ...',
    # is now 'CREATE TABLE rp_block ...'": the rows the loop fixed are no longer selected. The caught
    # drop (operation 3) applied nothing: not counted (before: "6 operations ...; resumes at operation 7")
    directory = _directory(tmp_path, DATA_FIX_LOOP)
    _block(database)
    code, error = _run(database, "upgrade", "-d", directory)
    assert (code, error) == (
        1,
        f"Error: revision 0013 failed at operation 7 ({BLOCK}): database error: (1050, \"Table 'rp_block'"
        ' already exists"); 5 operations applied and journaled; `db upgrade` resumes at operation 3',
    )
    assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
        (1, "done"), (2, "done"), (4, "done"), (5, "done"), (6, "done")
    ]  # fmt: skip
    _unblock(database)
    assert _run(database, "upgrade", "-d", directory) == (0, "")
    assert query(database, "SELECT id, slug FROM rp_t ORDER BY id") == [(1, "s1"), (2, "s2"), (3, "s3")]
    assert history(database)[-1] == (
        "0013",
        "upgrade",
        "success",
        None,
        "resumed: skipped 5 operations applied by an earlier run;"
        " operations 4 to 6 applied by an earlier run, not issued again",
    )


EDITED_AFTER_HALF = (
    HEADER
    + """

def upgrade():
    op.create_table("rp_first", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table("rp_second", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table("rp_block", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("rp_block")
    op.drop_table("rp_second")
    op.drop_table("rp_first")
"""
)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_an_edited_revision_that_no_longer_issues_an_applied_operation_is_refused(
    database: Database, tmp_path: Path
) -> None:
    # an unedited revision's guards may pass over what an earlier run applied; an edit that removes an
    # applied operation would leave its table behind, with the chain and `db verify` unaware of it
    source = EDITED_AFTER_HALF.replace("__project_head__", PROJECT_HEAD)
    directory = migrations_with(tmp_path, {"0013_edited.py": source})
    execute(database, "CREATE TABLE rp_block (other INTEGER)")
    assert run_manage("db", "upgrade", "-d", str(directory), database_url=database.url).returncode == 1
    execute(database, "DROP TABLE rp_block")
    first = source.index('    op.create_table("rp_first"')
    edited = source[:first] + source[source.index("\n", first) + 1 :]
    edited = edited.replace('    op.drop_table("rp_first")\n', "")
    (directory / "versions" / "0013_edited.py").write_text(edited)
    rerun = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
    assert (rerun.returncode, rerun.stderr.strip().splitlines()[-1]) == (
        1,
        "Error: revision 0013 changed since it was half-applied: operation 1 was 'CREATE TABLE rp_first ("
        " id INTEGER NOT NULL, CONSTRAINT pk_rp_first PRIMARY KEY (id) )', is now 'CREATE TABLE rp_second ("
        " id INTEGER NOT NULL, CONSTRAINT pk_rp_second PRIMARY KEY (id) )'; finish or undo its applied"
        " operations by hand, then run `db journal clear 0013` and `db upgrade` again; no operation of it"
        " was run this time",
    )
    assert current(database) == {PROJECT_HEAD}
    assert sorted(t for t in database.tables() if t.startswith("rp_")) == ["rp_first", "rp_second"]
