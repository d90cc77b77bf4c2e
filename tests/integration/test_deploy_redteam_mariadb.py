"""Red-team faults on the real MariaDB server (DDL commits per statement, the journal resumes).

Faults the fault suite (test_deploy_faults.py) does not cover: a downgrade killed half-way and
resumed, a half-downgraded revision meeting `db upgrade` and `db verify`, and the parent of a
half-applied revision downgraded underneath it.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database, fresh_database
from support.deploy import JOURNAL, current, history, query, start_manage
from support.faults import execute, session_running, wait_until

STOPPING = '''"""Red team: a table, a column, a row; its downgrade stops where DEPLOY_TEST_STOP_AT says."""
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
    if op.get_context().as_sql or os.environ.get("DEPLOY_TEST_STOP_AT") != point:
        return
    marker = Path(os.environ["DEPLOY_TEST_MARKER"])
    marker.write_text(point)
    deadline = time.monotonic() + 60
    while marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def upgrade():
    op.create_table(
        "rt_t",
        sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True),
        sa.Column("c", sa.Integer(), nullable=True),
    )
    op.execute("INSERT INTO rt_t (id, c) VALUES (1, 1)")
    op.create_table("rt_u", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))


def downgrade():
    op.drop_column("rt_t", "c")
    _stop("down-1")
    op.execute("DELETE FROM rt_t")
    _stop("down-2")
    op.drop_table("rt_u")
    op.drop_table("rt_t")
'''

CHILD = '''"""Red team: a column on 0013's table, then a table that fails on demand."""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("rt_t", sa.Column("d", sa.Integer(), nullable=True))
    op.create_table("rt_fail", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))


def downgrade():
    op.drop_table("rt_fail")
    op.drop_column("rt_t", "d")
'''


def _killed_at(
    database: Database, tmp_path: Path, directory: str, point: str, signum: int, *args: str
) -> str:
    marker = tmp_path / "marker"
    runner = start_manage(
        "db", *args, "-d", directory, database_url=database.url,
        DEPLOY_TEST_STOP_AT=point, DEPLOY_TEST_MARKER=str(marker),
    )  # fmt: skip
    wait_until(marker.exists, f"the runner to reach {point}", runner)
    os.kill(runner.pid, signum)
    _out, err = runner.communicate(timeout=60)
    marker.unlink()
    return err


def _journal(database: Database) -> list[tuple[object, ...]]:
    return query(database, f"SELECT revision, direction, op_index, state FROM {JOURNAL} ORDER BY op_index")


def test_downgrade_killed_half_way_resumes_and_upgrade_and_verify_refuse_meanwhile(tmp_path: Path) -> None:
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": STOPPING}))
        assert run_manage("db", "upgrade", "-d", directory, database_url=database.url).returncode == 0
        down = ("downgrade", PROJECT_HEAD, "--allow-data-loss")
        _killed_at(database, tmp_path, directory, "down-1", signal.SIGKILL, *down)
        assert _journal(database) == [("0013", "downgrade", 1, "done")]
        assert current(database) == {"0013"}

        status = run_manage("db", "-d", directory, "status", database_url=database.url)
        assert status.stdout.splitlines()[3:] == [
            "history: revision 0013 (downgrade) is recorded as running, but no runner holds the lock:"
            " its runner stopped before finishing (the next locked run closes the row)",
            "revision 0013: 1 of 4 operations applied (downgrade; last applied:"
            " ALTER TABLE rt_t DROP COLUMN c); the next `db downgrade` resumes at operation 2",
        ]
        # the files match, but the schema is not where alembic_version says
        verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
        assert (verify.returncode, verify.stdout) == (1, "")
        assert verify.stderr.splitlines()[-1] == (
            "Error: half-applied: revision 0013: 1 of 4 operations applied (downgrade; last applied:"
            " ALTER TABLE rt_t DROP COLUMN c); the next `db downgrade` resumes at operation 2"
        )
        # db upgrade is at head by alembic_version, yet 0013 is half taken apart: not "nothing to do"
        up = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert up.returncode == 1
        assert up.stderr.splitlines()[-1] == (
            "Error: revision 0013 is half-downgraded (revision 0013: 1 of 4 operations applied (downgrade;"
            " last applied: ALTER TABLE rt_t DROP COLUMN c)); `db downgrade` resumes it, or restore its"
            " reverted operations by hand and run `db journal clear 0013`; nothing was changed"
        )

        # the rerun counts what is left to lose: the dropped column is gone (it failed on it before:
        # "database unavailable ... Unknown column 'c'"), so it resumes; stopped again by SIGTERM
        err = _killed_at(database, tmp_path, directory, "down-2", signal.SIGTERM, *down)
        assert err.splitlines()[-1] == (
            "Error: revision 0013 stopped after operation 2 of 4: interrupted by SIGTERM;"
            " 2 operations applied and journaled; `db downgrade` resumes at operation 3"
        )
        done = run_manage("db", *down, "-d", directory, database_url=database.url)
        assert done.returncode == 0, done.stderr
        assert current(database) == {PROJECT_HEAD}
        assert not {"rt_t", "rt_u"} & database.tables()
        assert _journal(database) == []
        rows = [row for row in history(database) if row[0] == "0013"]
        assert [row[1:3] for row in rows] == [
            ("upgrade", "success"),
            ("downgrade", "partial"),
            ("downgrade", "interrupted"),
            ("downgrade", "success"),
        ]
        assert rows[-1][4] == "resumed: skipped 2 operations applied by an earlier run"

        again = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert again.returncode == 0, again.stderr
        assert query(database, "SELECT id, c FROM rt_t") == [(1, 1)]
        verify = run_manage("db", "-d", directory, "verify", database_url=database.url)
        assert verify.stdout == f"{len(PROJECT_REVISIONS) + 1} applied revisions match their files\n"


def test_downgrading_the_parent_of_a_half_applied_revision_is_refused(tmp_path: Path) -> None:
    # 0014 half-applied (its column on rt_t done); downgrading 0013 drops rt_t and the column with it,
    # while 0014's journal still says the column is there: the next upgrade skipped it (column missing,
    # `db verify` clean)
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": STOPPING, "0014_rt.py": CHILD}))
        execute(database, "CREATE TABLE rt_fail (x INTEGER)")
        failed = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert failed.returncode == 1
        execute(database, "DROP TABLE rt_fail")
        tables = database.tables()

        down = run_manage(
            "db", "downgrade", PROJECT_HEAD, "--allow-data-loss", "-d", directory, database_url=database.url
        )
        assert down.returncode == 1
        assert down.stderr.splitlines()[-1] == (
            "Error: revision 0014 is half-applied on top of 0013 (revision 0014: 1 of 2 operations applied"
            " (upgrade; last applied: ALTER TABLE rt_t ADD COLUMN d INTEGER)); downgrading (or unstamping)"
            " 0013 would take away what its applied operations stand on while its journal still says they"
            " are applied; finish it with `db upgrade`, or undo its applied operations by hand and run"
            " `db journal clear 0014`; nothing was changed"
        )
        assert current(database) == {"0013"}
        assert database.tables() == tables
        # the same through a stamp that marks 0013 not applied (after undoing it by hand, say)
        stamp = run_manage("db", "stamp", PROJECT_HEAD, "-d", directory, database_url=database.url)
        assert stamp.returncode == 1
        assert stamp.stderr.splitlines()[-1] == down.stderr.splitlines()[-1]
        assert current(database) == {"0013"}
        assert [row[1] for row in history(database) if row[0] == "0013"] == ["upgrade"]

        up = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert up.returncode == 0, up.stderr
        assert current(database) == {"0014"}
        assert query(database, "SELECT id, c, d FROM rt_t") == [(1, 1, None)]
        assert _journal(database) == []


RAISES = '''"""Red team: its Python code raises (when RT_RAISE is set) after two statements."""
import os

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None
lint_allow = {"not-analysable": "raises on demand, in a test"}


def upgrade():
    op.create_table("rt_t", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    op.execute("INSERT INTO rt_t (id) VALUES (1)")
    if os.environ.get("RT_RAISE"):
        raise RuntimeError("boom in python")
    op.add_column("rt_t", sa.Column("c", sa.Integer(), nullable=True))


def downgrade():
    op.drop_table("rt_t")
'''


def test_python_raising_after_statements_is_not_blamed_on_the_last_statement(tmp_path: Path) -> None:
    # it said "failed at operation 2 (INSERT ...)": a statement that had run and was journaled done
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": RAISES}))
        failed = run_manage(
            "db", "upgrade", "-d", directory, database_url=database.url, env={"RT_RAISE": "1"}
        )
        assert failed.returncode == 1
        assert failed.stderr.splitlines()[-1] == (
            "Error: revision 0013 failed after operation 2: RuntimeError: boom in python;"
            " 2 operations applied and journaled; `db upgrade` resumes at operation 3"
        )
        resumed = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert resumed.returncode == 0, resumed.stderr
        assert query(database, "SELECT id, c FROM rt_t") == [(1, None)]
        assert [row[2] for row in history(database) if row[0] == "0013"] == ["partial", "success"]


def test_sigkill_between_two_revisions_status_names_the_abandoned_row(tmp_path: Path) -> None:
    # 0013 committed with 0014's 'running' row; the runner killed before 0014's first statement: until
    # the next locked run closes that row, `db status` said only "lock: free" while `db log` said running
    second = CHILD.replace(
        "def upgrade():\n",
        "def upgrade():\n"
        "    if not op.get_context().as_sql and os.environ.get('DEPLOY_TEST_STOP_AT') == 'r14':\n"
        "        Path(os.environ['DEPLOY_TEST_MARKER']).write_text('r14')\n        time.sleep(60)\n",
    ).replace(
        "from alembic import op\n",
        "import os\nimport time\nfrom pathlib import Path\n\nfrom alembic import op\n",
    )
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": STOPPING, "0014_rt.py": second}))
        _killed_at(database, tmp_path, directory, "r14", signal.SIGKILL, "upgrade")
        assert current(database) == {"0013"}
        assert history(database)[-1] == ("0014", "upgrade", "running", None, None)

        status = run_manage("db", "-d", directory, "status", database_url=database.url)
        assert status.stdout.splitlines()[2:] == [
            "lock: free",
            "history: revision 0014 (upgrade) is recorded as running, but no runner holds the lock:"
            " its runner stopped before finishing (the next locked run closes the row)",
        ]
        fields = json.loads(
            run_manage("db", "-d", directory, "status", "--json", database_url=database.url).stdout
        )
        assert fields["abandoned"] == [{"revision": "0014", "direction": "upgrade"}]

        done = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert done.returncode == 0, done.stderr
        assert [row[1:3] for row in history(database) if row[0] == "0014"] == [
            ("upgrade", "failed"),
            ("upgrade", "success"),
        ]
        status = run_manage("db", "-d", directory, "status", database_url=database.url)
        assert status.stdout.splitlines()[2:] == ["lock: free"]


COMMENTED_DML = '''"""Red team: a raw INSERT after a comment, slow enough to be killed while it runs."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("rt_t", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    op.execute("/* seed */ INSERT INTO rt_t (id) SELECT 1 FROM DUAL WHERE SLEEP(2) = 0")
    op.add_column("rt_t", sa.Column("c", sa.Integer(), nullable=True))


def downgrade():
    op.drop_table("rt_t")
'''


def test_dml_after_a_comment_is_journaled_as_dml_so_a_kill_leaves_nothing_to_settle(tmp_path: Path) -> None:
    # it was taken for DDL (its first word is a comment): a 'started' row committed before it, so a
    # runner killed during it left "the catalog cannot show whether it took effect" for a person to
    # settle, though its rows and its journal row commit together or not at all
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": COMMENTED_DML}))
        runner = start_manage("db", "upgrade", "-d", directory, database_url=database.url)
        wait_until(lambda: session_running(database, "/* seed */ INSERT"), "the INSERT to run", runner)
        os.kill(runner.pid, signal.SIGKILL)
        runner.communicate(timeout=60)
        assert _journal(database) == [("0013", "upgrade", 1, "done")]

        rerun = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert rerun.returncode == 0, rerun.stderr
        assert query(database, "SELECT id, c FROM rt_t") == [(1, None)]
        assert history(database)[-1][2:] == (
            "success", None, "resumed: skipped 1 operations applied by an earlier run"
        )  # fmt: skip


DML_FIRST = '''"""Red team: a data fix first, then a table that fails on demand."""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO rt_pre (v) VALUES (1)")
    op.create_table("rt_fail", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))


def downgrade():
    op.drop_table("rt_fail")
    op.execute("DELETE FROM rt_pre WHERE v = 1")
'''


def test_a_runner_with_another_history_table_does_not_rerun_a_half_applied_revision(tmp_path: Path) -> None:
    # they share alembic_version and the lock, not the journal: the other runner ran 0013 from its
    # first statement again (the row inserted twice, exit 0)
    with fresh_database("mariadb", tmp_path) as database:
        directory = str(migrations_with(tmp_path, {"0013_rt.py": DML_FIRST}))
        up = run_manage("db", "upgrade", PROJECT_HEAD, "-d", directory, database_url=database.url)
        assert up.returncode == 0, up.stderr
        execute(database, "CREATE TABLE rt_pre (v INTEGER)", "CREATE TABLE rt_fail (x INTEGER)")
        assert run_manage("db", "upgrade", "-d", directory, database_url=database.url).returncode == 1
        execute(database, "DROP TABLE rt_fail")

        other = {"MIGRATION_HISTORY_TABLE": "other_history"}
        refused = run_manage("db", "upgrade", "-d", directory, database_url=database.url, env=other)
        assert refused.returncode == 1
        assert refused.stderr.splitlines()[-1] == (
            "Error: revision 0013 is half-applied (upgrade) according to migration_history_journal, the"
            " journal of runners with MIGRATION_HISTORY_TABLE=migration_history (this run's is"
            " other_history); run `db upgrade` with that setting to resume it; nothing was changed"
        )
        assert query(database, "SELECT v FROM rt_pre") == [(1,)]
        assert current(database) == {PROJECT_HEAD}

        resumed = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        assert resumed.returncode == 0, resumed.stderr
        assert query(database, "SELECT v FROM rt_pre") == [(1,)]
        assert current(database) == {"0013"}
        assert _journal(database) == []
