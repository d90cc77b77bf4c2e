"""Red-team cases of the deploy state (issue 15): downgrades that lose data under names the first
reading missed (quoted, schema-qualified, renamed first, SQL it could not read)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database
from support.deploy import current, history, query, start_manage, wait_for
from support.faults import execute

from oramigrate.settings import mask_url

REFUSED = (
    "Error: refusing to downgrade: it would lose data: {}; nothing was changed"
    " (back the data up, or pass --allow-data-loss, which the history records)\n"
)

# tables with rows: a plain one, a quoted mixed-case one and (PostgreSQL) one in another schema
SETUP = """from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
lint_allow = {"missing-downgrade-drop": "a test fixture"}


def upgrade():
    op.create_table(
        "plain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("note", sa.String(20)),
    )
    op.create_table(
        "UserData",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("Note", sa.String(20)),
    )
    op.execute("INSERT INTO plain VALUES (1, 'a'), (2, 'b')")
    op.execute("INSERT INTO \\"UserData\\" VALUES (1, 'x')")
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA archive")
        op.execute("CREATE TABLE archive.t (id int)")
        op.execute("INSERT INTO archive.t VALUES (1), (2)")


def downgrade():
    pass
"""

TOP = """from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    BODY
"""

# what each downgrade does -> what the refusal lists (each lost data silently, exit 0, before)
LOSSES = {
    'op.drop_table("UserData")': "0014: drops table UserData (1 rows)",
    'op.drop_column("UserData", "Note")': "0014: drops column UserData.Note (1 values)",
    "op.execute('DROP TABLE \"UserData\"')": "0014: drops table UserData (1 rows)",
    'op.drop_table("t", schema="archive")': "0014: drops table archive.t (2 rows)",
    'op.execute("DROP TABLE archive.t")': "0014: drops table archive.t (2 rows)",
    'op.execute("DELETE FROM archive.t")': "0014: deletes rows of archive.t (2 rows)",
    'op.rename_table("plain", "plain_old"); op.drop_table("plain_old")': "0014: drops table plain (2 rows)",
    'op.alter_column("plain", "note", new_column_name="memo"); op.drop_column("plain", "memo")': (
        "0014: drops column plain.note (2 values)"
    ),
    'op.execute("UPDATE plain SET note = NULL")': "0014: empties column plain.note (2 values)",
    "op.execute(\"DO $$ BEGIN EXECUTE 'DROP TABLE plain'; END $$\")": (
        "0014: downgrade cannot be listed"
        " (SQL not understood: DO $$ BEGIN EXECUTE 'DROP TABLE plain'; END $$)"
    ),
}


@pytest.mark.parametrize("body", list(LOSSES))
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_downgrade_lists_what_it_loses_by_the_live_name(
    database: Database, tmp_path: Path, body: str
) -> None:
    directory = migrations_with(tmp_path, {"0013_setup.py": SETUP, "0014_top.py": TOP.replace("BODY", body)})
    upgraded = run_manage("db", "upgrade", "-d", str(directory), "--allow-unsafe", database_url=database.url)
    assert upgraded.returncode == 0, upgraded.stderr

    refused = run_manage("db", "downgrade", "-d", str(directory), "0013", database_url=database.url)
    assert (refused.returncode, refused.stderr) == (1, REFUSED.format(LOSSES[body]))
    assert current(database) == {"0014"}
    assert query(database, "SELECT COUNT(*), COUNT(note) FROM plain") == [(2, 2)]
    assert query(database, 'SELECT COUNT(*), COUNT("Note") FROM "UserData"') == [(1, 1)]
    assert query(database, "SELECT COUNT(*) FROM archive.t") == [(2,)]


# a table renamed by a later revision: downgrading through both drops the rows under their new name;
# a table a later revision dropped comes back empty (no loss), or filled by a copy (rows unknown)
CHAIN = {
    "0013_tables.py": """from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("plain", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))


def downgrade():
    op.drop_table("scratch")
    op.drop_table("plain")
""",
    "0014_rename.py": """from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.rename_table("plain", "renamed")
    op.drop_table("scratch")


def downgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False))
    op.bulk_insert(sa.table("scratch", sa.column("id", sa.Integer())), [{"id": 1}])
    op.rename_table("renamed", "plain")
""",
}


@pytest.mark.parametrize("database", ["postgresql", "sqlite"], indirect=True)
def test_downgrade_through_a_rename_counts_the_live_table(database: Database, tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, CHAIN)
    upgraded = run_manage("db", "upgrade", "-d", str(directory), "--allow-unsafe", database_url=database.url)
    assert upgraded.returncode == 0, upgraded.stderr
    execute(database, "INSERT INTO renamed VALUES (1), (2), (3)")

    # the recreated scratch holds only the downgrade's own seed row: not listed
    refused = run_manage("db", "downgrade", "-d", str(directory), PROJECT_HEAD, database_url=database.url)
    assert (refused.returncode, refused.stderr) == (1, REFUSED.format("0013: drops table renamed (3 rows)"))
    assert current(database) == {"0014"}
    assert query(database, "SELECT COUNT(*) FROM renamed") == [(3,)]

    offline = run_manage(
        "db", "downgrade", "-d", str(directory), "--sql", f"0014:{PROJECT_HEAD}", database_url=database.url
    )
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.startswith("-- data loss: 0013: drops table renamed (rows not counted offline)\n")

    execute(database, "DELETE FROM renamed")
    allowed = run_manage("db", "downgrade", "-d", str(directory), PROJECT_HEAD, database_url=database.url)
    assert allowed.returncode == 0, allowed.stderr
    assert current(database) == {PROJECT_HEAD}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("command", ["stamp", "upgrade"])
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_signal_during_a_blocked_statement_is_one_line(
    database: Database, tmp_path: Path, command: str, signum: int
) -> None:
    """A signal while the driver waits for a statement (here Alembic's read of alembic_version, blocked
    by a table lock) used to leave psycopg mid-command: a traceback, "another command is already in
    progress", exit 1. The statement is cancelled, the run stops with one line and the signal's code."""
    directory = migrations_with(tmp_path, {"0013_setup.py": SETUP})
    upgraded = run_manage("db", "upgrade", "-d", str(directory), "--allow-unsafe", database_url=database.url)
    assert upgraded.returncode == 0, upgraded.stderr
    rows = history(database)
    engine = database.engine()
    with engine.connect() as blocker:
        blocker.exec_driver_sql("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
        arguments = ("stamp", PROJECT_HEAD) if command == "stamp" else ("upgrade",)
        runner = start_manage(
            "db", arguments[0], "-d", str(directory), *arguments[1:], database_url=database.url
        )
        waiting = (
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        wait_for(lambda: query(database, waiting) == [(1,)], "the runner to wait for the table lock")
        runner.send_signal(signum)
        _out, err = runner.communicate(timeout=60)
        blocker.rollback()
    engine.dispose()
    name = signal.Signals(signum).name
    assert (runner.returncode, err) == (128 + signum, f"Error: interrupted by {name}\n")
    assert current(database) == {"0013"}
    assert history(database) == rows
    assert query(database, "SELECT pid FROM alembic_version_lock WHERE id = 2") == [(None,)]
    again = run_manage("db", "stamp", "-d", str(directory), PROJECT_HEAD, database_url=database.url)
    assert again.returncode == 0, again.stderr
    assert current(database) == {PROJECT_HEAD}


@pytest.mark.parametrize("command", ["stamp", "downgrade"])
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_migration_session_ended_while_blocked_is_one_line(
    database: Database, tmp_path: Path, command: str
) -> None:
    """pg_terminate_backend of the migration session while it waits (a failover, a DBA): it used to be
    an "unexpected OperationalError" with a traceback file, as if the tool had crashed."""
    directory = migrations_with(tmp_path, {"0013_setup.py": SETUP})
    upgraded = run_manage("db", "upgrade", "-d", str(directory), "--allow-unsafe", database_url=database.url)
    assert upgraded.returncode == 0, upgraded.stderr
    rows = history(database)
    engine = database.engine()
    with engine.connect() as blocker:
        blocker.exec_driver_sql("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
        target = PROJECT_HEAD if command == "downgrade" else "0013"
        runner = start_manage("db", command, "-d", str(directory), target, database_url=database.url)
        waiting = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        wait_for(lambda: len(query(database, waiting)) == 1, "the runner to wait for the table lock")
        query(database, f"SELECT pg_terminate_backend({query(database, waiting)[0][0]})")
        _out, err = runner.communicate(timeout=60)
        blocker.rollback()
    engine.dispose()
    assert (runner.returncode, err) == (
        1,
        f"Error: database connection lost ({mask_url(database.url)}):"
        " terminating connection due to administrator command\n",
    )
    assert current(database) == {"0013"}
    assert history(database) == rows
    again = run_manage("db", "stamp", "-d", str(directory), "0013", database_url=database.url)
    assert again.returncode == 0, again.stderr
