"""The deploy paths an operator takes by hand, on the real servers: ``--kill-orphan``, ``db journal
clear``, the data-loss question at a terminal, and the lock session kept alive through a long statement.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import manage_env, migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, ROOT, Database, fresh_database
from support.deploy import FAILING_REVISION, HISTORY, JOURNAL, LOCK, current, history, query
from support.faults import execute, session_alive

from oramigrate.deploy import sessions

DEAD_RUNNER = "pid 999999 on host gone-host (user deployer, since 2026-01-02 03:04:05 UTC)"
# a statement of the "previous runner" still running on the server when the next one starts
ORPHAN_SLEEP = {"mariadb": "SELECT SLEEP(60)", "postgresql": "SELECT pg_sleep(60)"}


class _Orphan:
    """A session that looks like a killed runner's migration session: named in the holder row, busy."""

    def __init__(self, database: Database) -> None:
        self.engine = database.engine()
        self.connection = self.engine.connect()
        self.session = sessions.session_id(self.connection)
        self.connection.commit()
        self.number = int(str(self.session).split("@")[0])
        self.error: BaseException | None = None
        self.statement = ORPHAN_SLEEP[database.backend]
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.connection.exec_driver_sql(self.statement)
        except sa.exc.DBAPIError as exc:  # ended from outside, as --kill-orphan does
            self.error = exc

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the orphan's statement was not ended"

    def close(self) -> None:
        self.connection.invalidate()
        self.engine.dispose()


def _left_by_a_dead_runner(database: Database, orphan: _Orphan) -> None:
    # what a runner killed during a long statement leaves: its holder row naming its migration session
    execute(
        database,
        f"UPDATE {LOCK} SET host = 'gone-host', pid = 999999, os_user = 'deployer',"
        f" since = '2026-01-02 03:04:05', server_session = '{orphan.session}', token = 'dead' WHERE id = 2",
    )


def _running(database: Database, session: int, statement: str) -> bool:
    if database.backend == "mariadb":
        sql = "SELECT info FROM information_schema.processlist WHERE id = :s"
    else:
        sql = "SELECT query FROM pg_stat_activity WHERE pid = :s AND state = 'active'"
    return any(str(row[0]).startswith(statement) for row in query(database, sql, s=session))


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_kill_orphan_ends_the_dead_runners_session_then_migrates(database: Database, tmp_path: Path) -> None:
    before_head = PROJECT_REVISIONS[-2]
    assert run_manage("db", "upgrade", before_head, database_url=database.url).returncode == 0
    orphan = _Orphan(database)
    try:
        _left_by_a_dead_runner(database, orphan)
        orphan.start()
        deadline = time.monotonic() + 30
        while not _running(database, orphan.number, orphan.statement):
            assert time.monotonic() < deadline, "the orphan's statement did not start"
            time.sleep(0.05)

        # without --kill-orphan the runner waits for that session, and gives up at the lock timeout
        waited = run_manage("db", "upgrade", "--lock-timeout", "1", database_url=database.url)
        assert waited.returncode == 1
        assert waited.stderr.splitlines()[0] == (
            f"waiting up to 1 s for the previous runner's migration session {orphan.session} of {DEAD_RUNNER}"
            " to leave the server; it is running: " + orphan.statement
        )
        assert waited.stderr.splitlines()[-1].startswith(
            f"Error: the previous runner's migration session {orphan.session} of pid 999999"
        )
        assert waited.stderr.splitlines()[-1].endswith(
            "; nothing was run (wait for it to finish, or pass --kill-orphan to end it)"
        )
        assert current(database) == {before_head} and session_alive(database, orphan.number)

        ended = run_manage(
            "db", "upgrade", "--kill-orphan", "--lock-timeout", "30", database_url=database.url
        )
        assert ended.returncode == 0, ended.stderr
        assert ended.stderr.splitlines()[0] == (
            f"ended the previous runner's migration session {orphan.session} of {DEAD_RUNNER}"
            f" (--kill-orphan); it is running: {orphan.statement}"
        )
        orphan.join()
        assert orphan.error is not None  # its statement was cut short, not finished
        assert not session_alive(database, orphan.number)
        assert current(database) == {PROJECT_HEAD}
        assert history(database)[-1][:3] == (PROJECT_HEAD, "upgrade", "success")
        assert query(database, f"SELECT pid, server_session, token FROM {LOCK} WHERE id = 2") == [
            (None, None, None)
        ]
    finally:
        orphan.close()


def test_journal_clear_forgets_a_half_applied_revision_and_says_so(tmp_path: Path) -> None:
    """MariaDB (DDL commits per statement): undone by hand, cleared, then run whole, nothing skipped."""
    with fresh_database("mariadb", tmp_path) as database:
        directory = migrations_with(tmp_path, {"0013_failing.py": FAILING_REVISION})
        assert (
            run_manage(
                "db", "upgrade", PROJECT_HEAD, "-d", str(directory), database_url=database.url
            ).returncode
            == 0
        )
        execute(database, "CREATE TABLE deploy_probe_b (other INTEGER)")  # statement 3 fails on it
        failed = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
        assert failed.returncode == 1
        assert failed.stderr.splitlines()[-1].endswith(
            "; 2 operations applied and journaled; `db upgrade` resumes at operation 3"
        )
        assert query(database, f"SELECT op_index, state FROM {JOURNAL} ORDER BY op_index") == [
            (1, "done"),
            (2, "done"),
        ]

        # the operator undoes the two applied statements by hand instead of resuming, then says so
        execute(database, "DROP TABLE deploy_probe_b", "DROP TABLE deploy_probe_a")
        clear = ("db", "-d", str(directory), "journal", "clear", "0013")
        cleared = run_manage(*clear, database_url=database.url)
        assert (cleared.returncode, cleared.stdout) == (0, "0013: journal cleared by hand: 2 rows (2 done)\n")
        assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
        show = run_manage("db", "-d", str(directory), "journal", "show", database_url=database.url)
        assert show.stdout == "journal: empty\n"
        again = run_manage(*clear, database_url=database.url)
        assert again.returncode == 1
        assert again.stderr.splitlines()[-1] == (
            "Error: revision 0013 has no journal rows (`db journal show`)"
        )

        # the effect: the next upgrade runs all four statements (a resume would have skipped two and
        # failed on the missing table)
        done = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
        assert done.returncode == 0, done.stderr
        assert current(database) == {"0013"}
        assert {"deploy_probe_a", "deploy_probe_b"} <= database.tables()
        rows = [row for row in history(database) if row[0] == "0013"]
        assert rows == [
            ("0013", "upgrade", "partial", rows[0][3], None),
            ("0013", "journal", "success", None, "journal cleared by hand: 2 rows (2 done)"),
            ("0013", "upgrade", "success", None, None),  # no "resumed": nothing was skipped
        ]
        assert query(database, f"SELECT COUNT(*) FROM {HISTORY} WHERE direction = 'journal'") == [(1,)]


def _on_terminal(args: list[str], database_url: str, answer: str) -> tuple[int, str]:
    """``python manage.py ARGS`` with its stdin and stderr on a pseudo-terminal; ``answer`` the question."""
    leader, follower = os.openpty()
    env = manage_env(DATABASE_URL=database_url, COLUMNS="200")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdin=follower,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    answered = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed: the process ended
                    break
                if not chunk:
                    break
                seen += chunk
                if not answered and b"Downgrade anyway? [y/N]: " in seen:
                    os.write(leader, answer.encode() + b"\r")
                    answered = True
            elif process.poll() is not None:
                break
        code = process.wait(timeout=60)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    return code, seen.decode(errors="replace").replace("\r\n", "\n")


def _users(database: Database, count: int) -> None:
    true = "true" if database.backend == "postgresql" else "1"
    execute(
        database,
        *(
            "INSERT INTO auth_user (id, email, first_name, password, active, fs_uniquifier)"
            f" VALUES ({n}, 'u{n}@example.com', 'U', 'x', {true}, 'u{n}')"
            for n in range(1, count + 1)
        ),
    )


def test_data_loss_downgrade_asks_at_a_terminal(database: Database) -> None:
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    _users(database, 2)
    tables = database.tables()
    question = (
        "this downgrade loses data: 0004: drops column auth_user.failed_logins (2 values);"
        " 0001: drops table auth_user (2 rows)\nDowngrade anyway? [y/N]: "
    )

    code, screen = _on_terminal(["db", "downgrade", "base"], database.url, "n")
    assert code == 1, screen
    assert question + "n\n" in screen
    assert screen.rstrip().splitlines()[-1].startswith("Error: refusing to downgrade: it would lose data: ")
    assert database.tables() == tables  # nothing dropped
    assert current(database) == {PROJECT_HEAD}
    assert query(database, "SELECT COUNT(*) FROM auth_user") == [(2,)]

    code, screen = _on_terminal(["db", "downgrade", "base"], database.url, "y")
    assert code == 0, screen
    assert question + "y\n" in screen
    assert current(database) == set()
    assert "auth_user" not in database.tables()
    assert history(database)[-1] == (
        "0001",
        "downgrade",
        "success",
        None,
        "data loss allowed (confirmed at the terminal): 0001: drops table auth_user (2 rows)",
    )


# a revision whose one statement keeps the migration session busy for seconds, in SQL (not idle)
LONG_STATEMENT_REVISION = '''"""Test revision: one statement that runs for LONG seconds on the server."""
from alembic import op

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SQL")


def downgrade():
    pass
'''
IDLE_LIMIT_SECONDS = 2
LONG_SECONDS = 6
# every session of the runner gets a short server-side idle limit, as a proxy or wait_timeout would
SHORT_IDLE_LIMIT = {
    "mariadb": f"init_command=SET SESSION wait_timeout = {IDLE_LIMIT_SECONDS}",
    "postgresql": f"options=-c idle_session_timeout={IDLE_LIMIT_SECONDS * 1000}",
}
SLEEP = {"mariadb": f"SELECT SLEEP({LONG_SECONDS})", "postgresql": f"SELECT pg_sleep({LONG_SECONDS})"}


def _with_idle_limit(database: Database) -> str:
    url = sa.make_url(database.url)
    key, _, value = SHORT_IDLE_LIMIT[database.backend].partition("=")
    return url.update_query_dict({key: value}).render_as_string(hide_password=False)


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_keep_alive_holds_the_idle_lock_session_through_a_long_statement(
    database: Database, tmp_path: Path
) -> None:
    """The lock session idles while the migration session runs a statement three times as long as the
    server's idle limit: only the keep-alive thread's checks keep the server from ending it (and with
    it the lock, which the run would find lost at its next check, exit 1)."""
    url = _with_idle_limit(database)
    # the premise: a session of that URL left idle past the limit is ended by the server
    engine = sa.create_engine(url)
    try:
        # (outside a transaction, like the lock session: PostgreSQL's limit is for sessions idle there)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as idle:
            idle.exec_driver_sql("SELECT 1").scalar()
            time.sleep(IDLE_LIMIT_SECONDS + 1.5)
            with pytest.raises(sa.exc.DBAPIError):
                idle.exec_driver_sql("SELECT 1").scalar()
    finally:
        engine.dispose()

    revision = LONG_STATEMENT_REVISION.replace("SQL", SLEEP[database.backend])
    directory = migrations_with(tmp_path, {"0013_long.py": revision})
    assert (
        run_manage("db", "upgrade", PROJECT_HEAD, "-d", str(directory), database_url=database.url).returncode
        == 0
    )
    started = time.monotonic()
    done = run_manage("db", "upgrade", "-d", str(directory), database_url=url)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= LONG_SECONDS
    assert not [line for line in done.stderr.splitlines() if re.search(r"lost|warning", line)], done.stderr
    assert current(database) == {"0013"}
    assert history(database)[-1][:4] == ("0013", "upgrade", "success", None)
