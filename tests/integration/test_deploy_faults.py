"""Fault injection on the real servers: kills, lost connections, signals and a failing statement.

Each fault hits ``db upgrade`` of the five-statement revision (support/faults.py); then a rerun
(and where needed the ``db journal`` command it names) must end at head with the schema equal to
a clean run's, the DML row there exactly once, the history telling what happened and ``db verify``
clean. MariaDB commits each DDL statement (the journal resumes); PostgreSQL rolls the revision back.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database, fresh_database
from support.deploy import JOURNAL, current, history, query
from support.faults import (
    BIG_ROWS,
    LONG_DDL,
    execute,
    kill_session,
    lock_session,
    make_big_table,
    revision_source,
    session_alive,
    session_running,
    snapshot,
    start_runner,
    wait_until,
)

ABANDONED = "the runner stopped before finishing (killed, or its database session ended)"
BOUNDARIES = ("before-1", "after-1", "after-2", "after-3", "after-4", "after-5")
_CLEAN: dict[str, dict[str, Any]] = {}


def _prepared(database: Database, tmp_path: Path, rows: int = 10, raw_index: bool = False) -> Path:
    directory = migrations_with(tmp_path, {"0013_faults.py": revision_source(raw_index)})
    up = run_manage("db", "upgrade", PROJECT_HEAD, "-d", str(directory), database_url=database.url)
    assert up.returncode == 0, up.stderr
    make_big_table(database, rows)
    return directory


def clean_snapshot(backend: str, tmp_path: Path) -> dict[str, Any]:
    """The schema after an undisturbed run of the revision (once per backend and worker)."""
    if backend not in _CLEAN:
        with fresh_database(backend, tmp_path) as database:
            directory = _prepared(database, tmp_path / "clean")
            done = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
            assert done.returncode == 0, done.stderr
            _CLEAN[backend] = snapshot(database)
    return _CLEAN[backend]


def _rerun_ends_at_head(database: Database, directory: Path, tmp_path: Path) -> Any:
    rerun = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
    assert rerun.returncode == 0, rerun.stderr
    assert current(database) == {"0013"}
    assert snapshot(database) == clean_snapshot(database.backend, tmp_path / "snapshot")
    assert query(database, "SELECT id, note, extra FROM deploy_probe_a") == [(1, "once", None)]
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    verify = run_manage("db", "-d", str(directory), "verify", database_url=database.url)
    assert (verify.returncode, verify.stdout) == (
        0,
        f"{len(PROJECT_REVISIONS) + 1} applied revisions match their files\n",
    ), verify.stderr
    return rerun


def _rows_of_0013(database: Database) -> list[tuple[Any, ...]]:
    return [row for row in history(database) if row[0] == "0013"]


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def _finished(runner: Any) -> tuple[int, str]:
    _out, err = runner.communicate(timeout=120)
    return runner.returncode, err


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_sigkill_at_each_statement_boundary_then_rerun(database: Database, tmp_path: Path) -> None:
    """One runner killed at each boundary in turn, each resuming the last one's work; then a rerun."""
    directory = _prepared(database, tmp_path)
    points = BOUNDARIES if database.backend == "mariadb" else ("before-1", "after-3", "after-5")
    for point in points:
        runner = start_runner(database, directory, tmp_path, stop_at=point)
        wait_until(lambda: (tmp_path / "marker").exists(), f"the runner to reach {point}", runner)
        os.kill(runner.pid, signal.SIGKILL)
        runner.communicate(timeout=30)
        (tmp_path / "marker").unlink()
        if database.backend == "mariadb":
            done = 0 if point == "before-1" else int(point[-1])
            assert query(database, f"SELECT COUNT(*) FROM {JOURNAL} WHERE state = 'done'") == [(done,)]

    _rerun_ends_at_head(database, directory, tmp_path)
    rows = _rows_of_0013(database)
    if database.backend == "mariadb":  # each run resumed where the last one was killed
        assert rows == [
            ("0013", "upgrade", "failed", ABANDONED, None),
            *[("0013", "upgrade", "partial", ABANDONED, None)] * 5,
            ("0013", "upgrade", "success", None, "resumed: skipped 5 operations applied by an earlier run"),
        ]
    else:  # rolled back as a unit each time: the rerun ran the revision whole
        assert rows == [("0013", "upgrade", "failed", ABANDONED, None)] * 3 + [
            ("0013", "upgrade", "success", None, None)
        ]


def _during_long_ddl(database: Database, directory: Path, tmp_path: Path, **env: str) -> tuple[Any, int]:
    runner = start_runner(database, directory, tmp_path, **env)
    session = wait_until(lambda: session_running(database, LONG_DDL), "the long DDL to run", runner)
    return runner, session


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_sigkill_during_the_long_ddl_waits_for_the_orphan(database: Database, tmp_path: Path) -> None:
    directory = _prepared(database, tmp_path, rows=BIG_ROWS)
    runner, session = _during_long_ddl(database, directory, tmp_path)
    os.kill(runner.pid, signal.SIGKILL)
    runner.communicate(timeout=30)
    assert session_alive(database, session)  # the statement outlives its client

    rerun = _rerun_ends_at_head(database, directory, tmp_path)
    assert not session_alive(database, session)
    # had the rerun not waited for the orphan, it would have built the index again: "Duplicate key name"
    waited = [line for line in rerun.stderr.splitlines() if line.startswith("waiting up to")]
    assert all("previous runner's migration session" in line for line in waited), waited
    if database.backend == "mariadb":  # the orphan committed the index; the catalog says so
        note = "resumed: skipped 2 operations applied by an earlier run; operation 2 found applied"
        assert _rows_of_0013(database) == [
            ("0013", "upgrade", "partial", ABANDONED, None),
            ("0013", "upgrade", "success", None, note),
        ]
    else:
        assert _rows_of_0013(database) == [
            ("0013", "upgrade", "failed", ABANDONED, None),
            ("0013", "upgrade", "success", None, None),
        ]


def test_kill_of_the_migration_connection_during_raw_ddl_is_settled_by_db_journal(tmp_path: Path) -> None:
    """MariaDB: KILL aborts the index build; raw SQL the catalog cannot judge, so a person settles it."""
    with fresh_database("mariadb", tmp_path) as database:
        directory = _prepared(database, tmp_path, rows=BIG_ROWS, raw_index=True)
        runner, session = _during_long_ddl(database, directory, tmp_path)
        kill_session(database, session)
        code, err = _finished(runner)
        assert code == 1
        statement = "CREATE INDEX ix_deploy_big_payload ON deploy_big (payload)"
        assert re.fullmatch(
            rf"Error: revision 0013 failed at operation 2 of 5 \({re.escape(statement)}\):"
            r" database error: .*;"
            r" the connection was lost while operation 2 ran, so its outcome is unknown; 1 operations applied"
            r" and journaled; the next `db upgrade` decides it from the catalog",
            _last_line(err),
        ), err
        show = run_manage("db", "-d", str(directory), "journal", "show", database_url=database.url)
        assert show.stdout.splitlines() == [
            "0013 upgrade operation 1 of 5 done: CREATE TABLE deploy_probe_a ( id INTEGER NOT NULL,"
            " note VARCHAR(20), CONSTRAINT pk_deploy_probe_a PRIMARY KEY (id) )",
            f"0013 upgrade operation 2 of 5 started: {statement}",
        ]
        rows = run_manage("db", "-d", str(directory), "journal", "show", "--json", database_url=database.url)
        fields = [(r["operation"], r["total"], r["state"], r["statement"]) for r in json.loads(rows.stdout)]
        assert fields == [
            (1, 5, "done", show.stdout.splitlines()[0].partition(" done: ")[2]),
            (2, 5, "started", statement),
        ]
        status = run_manage("db", "-d", str(directory), "status", database_url=database.url)
        assert status.stdout.splitlines()[3] == (
            "revision 0013: 1 of 5 operations applied (upgrade; last applied: CREATE TABLE deploy_probe_a"
            " ( id INTEGER NOT NULL, note VARCHAR(20), CONSTRAINT pk_deploy_probe_a PRIMARY KEY (id) ));"
            f" operation 2 started, outcome unknown: {statement}; the next `db upgrade` decides it from the"
            " catalog or names the command to run"
        )

        stopped = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
        assert stopped.returncode == 1
        assert _last_line(stopped.stderr) == (
            f"Error: revision 0013 failed at operation 2 of 5 ({statement}): revision 0013: operation 2"
            f" ({statement}) was started by a runner that stopped before it finished, and the catalog cannot"
            " show whether it took effect; check it by hand, then run `db journal resolve 0013 --applied`"
            " if it"
            " took effect or `db journal resolve 0013 --not-applied` if it did not, and `db upgrade` again;"
            " 1 operations applied and journaled; `db upgrade` resumes at operation 2"
        )
        # as the message says: check by hand (the KILL may land just after the index was built)
        engine = database.engine()
        built = "ix_deploy_big_payload" in {ix["name"] for ix in sa.inspect(engine).get_indexes("deploy_big")}
        engine.dispose()
        resolved = run_manage(
            "db",
            "-d",
            str(directory),
            "journal",
            "resolve",
            "0013",
            "--applied" if built else "--not-applied",
            database_url=database.url,
        )
        assert resolved.returncode == 0, resolved.stderr
        _rerun_ends_at_head(database, directory, tmp_path)
        rows = _rows_of_0013(database)
        assert [row[1:3] for row in rows] == [
            ("upgrade", "partial"),
            ("upgrade", "partial"),
            ("journal", "success"),
            ("upgrade", "success"),
        ]
        settled = "applied" if built else "not applied"
        assert rows[2][4] == f"resolved by hand as {settled}: operation 2 ({statement})"
        assert rows[3][4] == f"resumed: skipped {2 if built else 1} operations applied by an earlier run"


def test_kill_of_the_migration_connection_during_the_long_ddl_postgresql(tmp_path: Path) -> None:
    """PostgreSQL: the terminated session takes the whole revision with it; the rerun runs it whole."""
    with fresh_database("postgresql", tmp_path) as database:
        directory = _prepared(database, tmp_path, rows=BIG_ROWS)
        runner, session = _during_long_ddl(database, directory, tmp_path)
        kill_session(database, session)
        code, err = _finished(runner)
        assert code == 1
        assert _last_line(err).startswith("Error: revision 0013 failed at operation 2 (CREATE INDEX"), err
        assert _last_line(err).endswith("; rolled back as a unit"), err
        _rerun_ends_at_head(database, directory, tmp_path)
        rows = _rows_of_0013(database)
        assert [row[1:3] for row in rows] == [("upgrade", "failed"), ("upgrade", "success")]
        assert rows[0][3].startswith("database error: ")


SIGNAL_CASES = [
    pytest.param(backend, signum, id=f"{backend}-{signum.name}")
    for backend in ("mariadb", "postgresql")
    for signum in (signal.SIGINT, signal.SIGTERM)
]


@pytest.mark.parametrize(("database", "signum"), SIGNAL_CASES, indirect=["database"])
def test_signal_closes_the_history_as_interrupted(database: Database, signum: int, tmp_path: Path) -> None:
    if signum == signal.SIGTERM:  # during the long DDL: the statement finishes and is journaled first
        directory = _prepared(database, tmp_path, rows=BIG_ROWS)
        runner, _session = _during_long_ddl(database, directory, tmp_path)
        done = 2
    else:  # between statements (the revision's own Python code): stops at once
        directory = _prepared(database, tmp_path)
        runner = start_runner(database, directory, tmp_path, stop_at="after-1")
        wait_until(lambda: (tmp_path / "marker").exists(), "the runner to reach after-1", runner)
        done = 1
    os.kill(runner.pid, signum)
    code, err = _finished(runner)
    name = signal.Signals(signum).name
    assert code == 128 + signum
    if database.backend == "mariadb":
        after = f"{done} operations applied and journaled; `db upgrade` resumes at operation {done + 1}"
        total = " of 5"
    else:
        after, total = "rolled back as a unit", ""
    assert (
        _last_line(err)
        == f"Error: revision 0013 stopped after operation {done}{total}: interrupted by {name}; {after}"
    )
    assert query(database, "SELECT pid FROM alembic_version_lock WHERE id = 2") == [(None,)]

    _rerun_ends_at_head(database, directory, tmp_path)
    note = (
        f"resumed: skipped {done} operations applied by an earlier run"
        if database.backend == "mariadb"
        else None
    )
    assert _rows_of_0013(database) == [
        ("0013", "upgrade", "interrupted", f"interrupted by {name}", None),
        ("0013", "upgrade", "success", None, note),
    ]


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_failure_at_statement_three_then_rerun(database: Database, tmp_path: Path) -> None:
    directory = _prepared(database, tmp_path)
    execute(database, "CREATE TABLE deploy_probe_b (other INTEGER)")  # statement 3 fails on it
    failed = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
    assert failed.returncode == 1
    line = _last_line(failed.stderr)
    assert line.startswith(
        "Error: revision 0013 failed at operation 3"
        + (" of 5" if database.backend == "mariadb" else "")
        + " (CREATE TABLE deploy_probe_b ( id INTEGER NOT NULL,"
        " CONSTRAINT pk_deploy_probe_b PRIMARY KEY (id) )):"
        " database error: "
    ), line
    if database.backend == "mariadb":
        assert line.endswith("; 2 operations applied and journaled; `db upgrade` resumes at operation 3")
    else:
        assert line.endswith("; rolled back as a unit")
    execute(database, "DROP TABLE deploy_probe_b")
    _rerun_ends_at_head(database, directory, tmp_path)
    rows = _rows_of_0013(database)
    outcome, note = ("partial", "resumed: skipped 2 operations applied by an earlier run")
    if database.backend != "mariadb":
        outcome, note = "failed", None
    assert [row[:3] for row in rows] == [("0013", "upgrade", outcome), ("0013", "upgrade", "success")]
    assert rows[1][4] == note


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_lost_lock_connection_stops_the_runner_and_the_next_waits(database: Database, tmp_path: Path) -> None:
    directory = _prepared(database, tmp_path)
    first = start_runner(database, directory, tmp_path, stop_at="after-1")
    wait_until(lambda: (tmp_path / "marker").exists(), "the runner to reach after-1", first)

    status = run_manage("db", "-d", str(directory), "status", database_url=database.url)
    assert re.fullmatch(
        rf"lock: held by pid {first.pid} on host \S+ \(user \S+, since [\d:\- ]+ UTC\),"
        r" running 0013 \(upgrade\)",
        status.stdout.splitlines()[2],
    ), status.stdout
    # a runner with another history table shares alembic_version, so it shares the lock
    other = run_manage(
        "db", "upgrade", "-d", str(directory), "--lock-timeout", "0.5",
        database_url=database.url, env={"MIGRATION_HISTORY_TABLE": "other_history"},
    )  # fmt: skip
    assert other.returncode == 1
    assert _last_line(other.stderr).startswith(
        f"Error: migration lock still held by pid {first.pid} on host "
    )

    kill_session(database, lock_session(database))  # a proxy drops the idle lock connection
    second = start_runner(database, directory, tmp_path / "second")
    assert second.stderr is not None
    # it takes the free lock, then waits for the first runner's migration session before doing anything
    assert re.match(
        rf"waiting up to \d+ s for the previous runner's migration session \S+ of pid {first.pid} on host ",
        second.stderr.readline(),
    )
    (tmp_path / "marker").unlink()  # the first runner goes on: its next check finds the lock gone
    code, err = _finished(first)
    assert code == 1
    if database.backend == "mariadb":  # each statement commits: checked before each one
        expected = (
            r"Error: revision 0013 stopped after operation 1 of 5: migration lock lost before operation 2 of"
            r" revision 0013 \(its session ended: .*\); stopped there;"
            r" 1 operations applied and journaled; `db upgrade` resumes at operation 2"
        )
    else:  # one transaction: checked once, before it would commit
        expected = (
            r"Error: revision 0013 stopped after operation 5: migration lock lost before the commit of"
            r" revision 0013 \(its session ended: .*\); stopped there; rolled back as a unit"
        )
    assert re.fullmatch(expected, _last_line(err)), err
    code, err = _finished(second)
    assert code == 0, err
    assert current(database) == {"0013"}
    assert snapshot(database) == clean_snapshot(database.backend, tmp_path / "snapshot")
    assert query(database, "SELECT id, note, extra FROM deploy_probe_a") == [(1, "once", None)]
    rows = _rows_of_0013(database)
    assert [row[:3] for row in rows] == [("0013", "upgrade", "aborted"), ("0013", "upgrade", "success")]
    assert not query(database, "SELECT * FROM other_history")  # never got the lock: never wrote


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_lock_lost_during_the_last_statement_stops_before_the_revision_is_recorded(
    database: Database, tmp_path: Path
) -> None:
    # every statement of the revision committed on its own; the lock goes while the last one runs:
    # the revision is not recorded as applied under a lock that is no longer ours (PostgreSQL checks
    # before its one commit: the test above)
    directory = _prepared(database, tmp_path)
    first = start_runner(database, directory, tmp_path, stop_at="after-5")
    wait_until(lambda: (tmp_path / "marker").exists(), "the runner to reach after-5", first)
    kill_session(database, lock_session(database))
    (tmp_path / "marker").unlink()
    code, err = _finished(first)
    assert code == 1
    assert re.fullmatch(
        r"Error: revision 0013 stopped after operation 5 of 5: migration lock lost before the commit of"
        r" revision 0013 \(its session ended: .*\); stopped there; all 5 operations applied and journaled;"
        r" the next `db upgrade` records the revision",
        _last_line(err),
    ), err
    assert current(database) == {PROJECT_HEAD}
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL} WHERE revision = '0013'") == [(5,)]
    _rerun_ends_at_head(database, directory, tmp_path)
    rows = _rows_of_0013(database)
    assert [row[:3] for row in rows] == [("0013", "upgrade", "aborted"), ("0013", "upgrade", "success")]
    assert rows[1][4] == "resumed: skipped 5 operations applied by an earlier run"


@pytest.mark.parametrize("database", ["mariadb", "postgresql"], indirect=True)
def test_partial_revision_then_stamp_downgrade_upgrade_skips_nothing(
    database: Database, tmp_path: Path
) -> None:
    directory = _prepared(database, tmp_path)
    execute(database, "CREATE TABLE deploy_probe_b (other INTEGER)")
    assert run_manage("db", "upgrade", "-d", str(directory), database_url=database.url).returncode == 1
    # the usual way out: finish by hand, then stamp
    execute(
        database,
        "DROP TABLE deploy_probe_b",
        *(
            []
            if database.backend == "mariadb"
            else [
                "CREATE TABLE deploy_probe_a (id INTEGER NOT NULL, note VARCHAR(20),"
                " CONSTRAINT pk_deploy_probe_a"
                " PRIMARY KEY (id))",
                "CREATE INDEX ix_deploy_big_payload ON deploy_big (payload)",
            ]
        ),
        "CREATE TABLE deploy_probe_b (id INTEGER NOT NULL, CONSTRAINT pk_deploy_probe_b PRIMARY KEY (id))",
        "INSERT INTO deploy_probe_a (id, note) VALUES (1, 'once')",
        "ALTER TABLE deploy_probe_a ADD COLUMN extra VARCHAR(20)",
    )
    stamped = run_manage("db", "stamp", "0013", "-d", str(directory), database_url=database.url)
    assert stamped.returncode == 0, stamped.stderr
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]  # cleared with the version row
    status = run_manage("db", "-d", str(directory), "status", database_url=database.url)
    assert status.stdout.splitlines() == ["current: 0013 (head)", "pending: 0 revisions", "lock: free"]

    down = run_manage(
        "db", "downgrade", PROJECT_HEAD, "--allow-data-loss", "-d", str(directory), database_url=database.url
    )
    assert down.returncode == 0, down.stderr
    assert not {"deploy_probe_a", "deploy_probe_b"} & database.tables()
    _rerun_ends_at_head(database, directory, tmp_path)  # all five statements ran again: none skipped
    rows = _rows_of_0013(database)
    assert [row[1:3] for row in rows][-3:] == [
        ("stamp", "success"),
        ("downgrade", "success"),
        ("upgrade", "success"),
    ]
    assert (
        rows[-2][4] == "data loss allowed (--allow-data-loss): 0013: deletes rows of deploy_probe_a (1 rows);"
        " 0013: drops table deploy_probe_a (1 rows)"
    )
    assert rows[-1][4] is None  # nothing resumed


def test_downgrade_over_users_refuses_without_allow_data_loss(database: Database) -> None:
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    true = "true" if database.backend == "postgresql" else "1"
    execute(
        database,
        *(
            "INSERT INTO auth_user (id, email, first_name, password, active, fs_uniquifier)"
            f" VALUES ({n}, 'u{n}@example.com', 'U', 'x', {true}, 'u{n}')"
            for n in range(1, 4)
        ),
    )
    tables = database.tables()
    refused = run_manage("db", "downgrade", "base", database_url=database.url)
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-1] == (
        "Error: refusing to downgrade: it would lose data: 0004: drops column auth_user.failed_logins"
        " (3 values); 0001: drops table auth_user (3 rows);"
        " nothing was changed (back the data up, or pass --allow-data-loss, which the history records)"
    )
    assert database.tables() == tables
    assert current(database) == {PROJECT_HEAD}

    offline = run_manage("db", "downgrade", "--sql", "0002:base", database_url=database.url)
    assert offline.stdout.splitlines()[:3] == [
        "-- data loss: 0001: drops table auth_roles_users (rows not counted offline)",
        "-- data loss: 0001: drops table auth_user (rows not counted offline)",
        "-- data loss: 0001: drops table auth_role (rows not counted offline)",
    ]

    allowed = run_manage("db", "downgrade", "base", "--allow-data-loss", database_url=database.url)
    assert allowed.returncode == 0, allowed.stderr
    assert current(database) == set()
    assert history(database)[-1] == (
        "0001",
        "downgrade",
        "success",
        None,
        "data loss allowed (--allow-data-loss): 0001: drops table auth_user (3 rows)",
    )
