"""Patterns of public Alembic chains not covered by test_deploy_real_patterns.py, on real servers.

Read (then written again as small revisions) in: Apache Airflow (branches on
``op.get_bind().dialect.name`` that drop or alter only on MySQL or PostgreSQL; ``batch_alter_table``
with ``recreate="always"`` making a column NOT NULL), Superset and MLflow (``postgresql.ENUM`` made with
``create(bind, checkfirst=True)`` in a dialect branch and dropped by the downgrade), hypothesis/h
(``op.f()`` index names, ``postgresql_where``), Indico (DDL as ``sa.DDL`` constructs), pypi/warehouse
and hypothesis/h (a revision that commits through the bind before ``CREATE INDEX CONCURRENTLY``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database
from support.deploy import JOURNAL, current, history, query
from support.faults import execute

HEADER = '''"""Test revision in the style of a large public chain."""
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None
'''


def _revisions(tmp_path: Path, *bodies: str) -> Path:
    """A copy of migrations/ with ``bodies`` as revisions 0013, 0014, ... on top of the project's head."""
    files, down = {}, PROJECT_HEAD
    for number, body in enumerate(bodies, 13):
        files[f"{number:04d}_real.py"] = HEADER.format(revision=f"{number:04d}", down=down) + body
        down = f"{number:04d}"
    return migrations_with(tmp_path, files)


def _db(database: Database, directory: Path, *args: str) -> tuple[int, str]:
    """Exit code and the whole of stderr of ``db -d DIRECTORY ARGS``."""
    ran = run_manage("db", "-d", str(directory), *args, database_url=database.url)
    return ran.returncode, ran.stderr.strip()


# Each hides a change that loses data where the Oracle recording of the gate does not look: a branch
# on the live database's dialect, or SQL inside an ``sa.DDL`` construct
HIDDEN = [
    (
        "drop-column",
        "upgrade() drops column auth_user.last_name (on {dialect})",
        """
def upgrade():
    if op.get_bind().dialect.name in ("mysql", "mariadb", "postgresql"):
        op.drop_column("auth_user", "last_name")


def downgrade():
    op.add_column("auth_user", sa.Column("last_name", sa.String(255)))
""",
    ),
    (
        "update-set-null",
        "upgrade() sets auth_user.first_name to NULL in every row (on {dialect})",
        """
def upgrade():
    if op.get_context().dialect.name != "oracle":
        op.execute("UPDATE auth_user SET first_name = NULL")


def downgrade():
    pass
""",
    ),
    (
        "drop-table",
        "upgrade() drops table auth_role and its rows",
        """
def upgrade():
    op.execute(sa.DDL("DROP TABLE auth_role"))


def downgrade():
    pass
""",
    ),
]

USER = (
    "INSERT INTO auth_user (id, email, first_name, last_name, password, active, fs_uniquifier)"
    " VALUES (1, 'ada@example.org', 'Ada', 'Lovelace', 'x', true, 'u1')"
)


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_the_gate_refuses_data_loss_in_a_dialect_branch_or_a_ddl_construct(
    database: Database, tmp_path: Path
) -> None:
    # before: the gate records each revision for Oracle only, so the MySQL/PostgreSQL branch was never
    # entered, and sa.DDL was a "d d l" statement naming nothing: all three applied, the data gone
    directory = _revisions(tmp_path, *(body for _code, _message, body in HIDDEN))
    assert _db(database, directory, "upgrade", PROJECT_HEAD) == (0, "")
    execute(database, "INSERT INTO auth_role (id, name) VALUES (1, 'admin')", USER)
    dialect = sa.make_url(database.url).get_dialect().name

    code, error = _db(database, directory, "upgrade")

    lines = [f"  {n:04d} {c}: {m.format(dialect=dialect)}" for n, (c, m, _b) in enumerate(HIDDEN, 13)]
    lines.append("  0015 missing-downgrade: downgrade() does nothing, yet upgrade() changes the schema")
    assert (code, error.splitlines()[1:-1]) == (1, lines), error
    assert current(database) == {PROJECT_HEAD}
    assert query(database, "SELECT id, first_name, last_name FROM auth_user") == [(1, "Ada", "Lovelace")]
    assert query(database, "SELECT id, name FROM auth_role") == [(1, "admin")]


ENUM_AND_INDEXES = """from sqlalchemy.dialects import postgresql

status = postgresql.ENUM("queued", "running", "done", name="rp_status", create_type=False)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        status.create(bind, checkfirst=True)
        state_type = status
    else:
        state_type = sa.Enum("queued", "running", "done", name="rp_status")
    op.create_table(
        "rp_job",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("state", state_type, nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("created", sa.DateTime(), server_default=sa.func.now()),
    )
    op.create_index(
        op.f("ix_rp_job_owner"), "rp_job", ["owner"], postgresql_where=sa.text("owner IS NOT NULL")
    )
    op.execute(sa.DDL("CREATE INDEX ix_rp_job_created ON rp_job (created)"))


def downgrade():
    op.drop_index("ix_rp_job_created", table_name="rp_job")
    op.drop_index(op.f("ix_rp_job_owner"), table_name="rp_job")
    op.drop_table("rp_job")
    if op.get_bind().dialect.name == "postgresql":
        status.drop(op.get_bind(), checkfirst=True)
"""


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_downgrade_that_drops_its_enum_type_is_listed_by_what_it_drops(
    database: Database, tmp_path: Path
) -> None:
    # before, on PostgreSQL: "0013: downgrade cannot be listed (AttributeError: 'ENUM' object has no
    # attribute 'create_drop_stringify_dialect')", so the downgrade was refused even over empty tables
    directory = _revisions(tmp_path, ENUM_AND_INDEXES)
    assert _db(database, directory, "upgrade") == (0, "")
    execute(database, "INSERT INTO rp_job (id, state, owner) VALUES (1, 'done', 'ada')")

    assert _db(database, directory, "downgrade", PROJECT_HEAD) == (
        1,
        "Error: refusing to downgrade: it would lose data: 0013: drops table rp_job (1 rows); nothing was"
        " changed (back the data up, or pass --allow-data-loss, which the history records)",
    )
    execute(database, "DELETE FROM rp_job")
    assert _db(database, directory, "downgrade", PROJECT_HEAD) == (0, "")
    assert current(database) == {PROJECT_HEAD}
    assert "rp_job" not in database.tables()


BATCH_TABLE = """

def upgrade():
    op.create_table(
        "rp_x",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("k", sa.String(20), nullable=True),
    )


def downgrade():
    op.drop_table("rp_x")
"""
BATCH_NOT_NULL = """
lint_allow = {"not-null-without-default": "the rows are backfilled first"}


def upgrade():
    op.execute("UPDATE rp_x SET k = 'none' WHERE k IS NULL AND id < 100")
    with op.batch_alter_table("rp_x", recreate="always") as batch_op:
        batch_op.alter_column("k", existing_type=sa.String(20), nullable=False)
        batch_op.add_column(sa.Column("n", sa.Integer(), server_default="1", nullable=False))
    op.execute("INSERT INTO rp_x (id, k) VALUES (50, 'late')")


def downgrade():
    op.execute("DELETE FROM rp_x WHERE id = 50")
    with op.batch_alter_table("rp_x", recreate="always") as batch_op:
        batch_op.drop_column("n")
        batch_op.alter_column("k", existing_type=sa.String(20), nullable=True)
"""
# the copy into the new table fails on a NULL the backfill left (id 200); Alembic then drops its copy
BATCH_FAILURE = {
    "mariadb": "Error: revision 0014 failed after operation 4: database error: (1048, \"Column 'k' cannot be"
    ' null"); 1 operations applied and journaled (1 tables it created were dropped again by it);'
    " `db upgrade` resumes at operation 2",
    "postgresql": "Error: revision 0014 failed at operation 4 (INSERT INTO _alembic_tmp_rp_x (id, k) SELECT"
    ' rp_x.id, rp_x.k FROM rp_x): database error: null value in column "k" of relation "_alembic_tmp_rp_x"'
    " violates not-null constraint",
}


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_batch_copy_that_fails_is_made_again_by_the_rerun(database: Database, tmp_path: Path) -> None:
    # before, MariaDB: the journal kept CREATE TABLE _alembic_tmp_rp_x done though Alembic had dropped it
    # after the failed copy; every rerun skipped the CREATE and failed on "Table ... doesn't exist".
    # PostgreSQL named Alembic's cleanup, "DROP TABLE _alembic_tmp_rp_x: current transaction is aborted"
    directory = _revisions(tmp_path, BATCH_TABLE, BATCH_NOT_NULL)
    assert _db(database, directory, "upgrade", "0013") == (0, "")
    execute(database, "INSERT INTO rp_x (id, k) VALUES (1, NULL), (2, 'b'), (200, NULL)")

    code, error = _db(database, directory, "upgrade")
    assert code == 1
    assert error.startswith(BATCH_FAILURE[database.backend]), error
    execute(database, "UPDATE rp_x SET k = 'fixed' WHERE id = 200")
    assert _db(database, directory, "upgrade") == (0, "")

    assert query(database, "SELECT id, k, n FROM rp_x ORDER BY id") == [
        (1, "none", 1), (2, "b", 1), (50, "late", 1), (200, "fixed", 1)
    ]  # fmt: skip
    assert "_alembic_tmp_rp_x" not in database.tables()
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert history(database)[-1][:3] == ("0014", "upgrade", "success")
    verified = run_manage("db", "-d", str(directory), "verify", database_url=database.url)
    assert verified.stdout == f"{len(PROJECT_REVISIONS) + 2} applied revisions match their files\n"


COMMIT_THEN_CONCURRENTLY = """

def upgrade():
    op.create_table(
        "rp_rel",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("canon", sa.String(40)),
    )
    op.execute("INSERT INTO rp_rel (id, canon) VALUES (1, 'a')")
    # CREATE INDEX CONCURRENTLY cannot run in a transaction: end ours first
    op.get_bind().commit()
    with op.get_context().autocommit_block():
        op.create_index("ix_rp_rel_canon", "rp_rel", ["canon"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_rp_rel_canon", table_name="rp_rel")
    op.drop_table("rp_rel")
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_revision_that_commits_through_the_bind_upgrades(database: Database, tmp_path: Path) -> None:
    directory = _revisions(tmp_path, COMMIT_THEN_CONCURRENTLY)
    assert _db(database, directory, "upgrade") == (0, "")
    assert current(database) == {"0013"}
    assert query(database, "SELECT id, canon FROM rp_rel") == [(1, "a")]


COMMIT_SENT = """

def upgrade():
    op.create_table(
        "rp_grp",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40)),
    )
    op.execute("INSERT INTO rp_grp (id, name) VALUES (1, 'a')")
    # creating a concurrent index does not work inside a transaction
    op.execute("COMMIT")
INDEX

def downgrade():
    op.drop_index(op.f("ix__rp_grp__name"), "rp_grp")
    op.drop_table("rp_grp")
"""
INDEX = """    op.create_index(op.f("ix__rp_grp__name"), "rp_grp", ["name"], postgresql_concurrently=True)
"""


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_revision_that_commits_then_fails_resumes_once_the_index_is_in_an_autocommit_block(
    database: Database, tmp_path: Path
) -> None:
    # hypothesis/h's `op.execute("COMMIT")` before CREATE INDEX CONCURRENTLY: psycopg 3 begins a new
    # transaction for the index, so it fails (in raw Alembic too); test_deploy_explicit_commit.py has
    # the journal of the COMMIT; here, the way on: the user's fix to the revision resumes after it
    directory = _revisions(tmp_path, COMMIT_SENT.replace("INDEX\n", INDEX))
    code, error = _db(database, directory, "upgrade")
    assert (code, error) == (
        1,
        "Error: revision 0013 failed at operation 4 (CREATE INDEX CONCURRENTLY ix__rp_grp__name ON rp_grp"
        " (name)): database error: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; rolled"
        " back but for 3 operations the revision itself committed (journaled); `db upgrade` resumes after"
        " them",
    )
    assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
        (1, "done"), (2, "done"), (3, "done")
    ]  # fmt: skip
    # the fix a user makes: the index in an autocommit block; the rerun goes on after the COMMIT
    fixed = "    with op.get_context().autocommit_block():\n    " + INDEX
    source = HEADER.format(revision="0013", down=PROJECT_HEAD) + COMMIT_SENT.replace("INDEX\n", fixed)
    (directory / "versions" / "0013_real.py").write_text(source, encoding="utf-8")
    assert _db(database, directory, "upgrade") == (0, "")
    assert current(database) == {"0013"}
    assert query(database, "SELECT id, name FROM rp_grp") == [(1, "a")]
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert history(database)[-1] == (
        "0013", "upgrade", "success", None, "resumed: skipped 3 operations applied by an earlier run"
    )  # fmt: skip
