"""The migration lock through the real CLI: eight runners at once, a killed holder, a lock timeout."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database
from support.deploy import (
    JOURNAL,
    LOCK,
    PAUSE_SETTING,
    SLEEPING_REVISION,
    current,
    history,
    query,
    start_manage,
    wait_for,
)


# Server locks only: SQLite's flock is covered by the timeout/kill test, and 8 CLI starts cost ~8 s each run.
@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_eight_runners_apply_each_revision_once(database: Database) -> None:
    runners = [start_manage("db", "upgrade", database_url=database.url) for _ in range(8)]
    outputs = [runner.communicate(timeout=120) for runner in runners]
    assert [runner.returncode for runner in runners] == [0] * 8, [err for _, err in outputs]
    assert current(database) == {PROJECT_HEAD}

    log = run_manage("db", "log", "--json", database_url=database.url)
    assert log.returncode == 0, log.stderr
    rows = json.loads(log.stdout)
    assert [(row["revision"], row["direction"], row["outcome"]) for row in rows] == [
        (revision, "upgrade", "success") for revision in PROJECT_REVISIONS
    ]
    assert {row["pid"] for row in rows} <= {runner.pid for runner in runners}
    assert all(len(row["checksum"]) == 64 and row["error"] is None for row in rows)


def test_waiter_times_out_naming_the_holder_then_a_killed_holder_leaves_no_lock(
    database: Database, tmp_path: Path
) -> None:
    directory = migrations_with(tmp_path, {"0013_pause.py": SLEEPING_REVISION})
    holder = start_manage(
        "db", "upgrade", "-d", str(directory), database_url=database.url, **{PAUSE_SETTING: "60"}
    )
    try:
        # the holder is inside 0013 (its first statement done; on MariaDB committed and journaled)
        wait_for(lambda: ("0013", "upgrade", "running", None, None) in history(database), "0013 to start")
        if database.backend == "mariadb":
            wait_for(lambda: query(database, f"SELECT op_index FROM {JOURNAL}") == [(1,)], "0013's journal")

        # lock timeout: a second runner gives up after 2 s, naming the holder
        started = time.monotonic()
        waiter = run_manage(
            "db", "upgrade", "-d", str(directory), "--lock-timeout", "2", database_url=database.url
        )
        waited = time.monotonic() - started
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.communicate(timeout=30)
    assert waiter.returncode == 1
    lines = waiter.stderr.strip().splitlines()
    holder_text = rf"pid {holder.pid} on host \S+ \(user \S+, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)"
    assert len(lines) == 2, lines
    assert re.fullmatch(rf"waiting up to 2 s for the migration lock held by {holder_text}", lines[0]), lines
    assert re.fullmatch(
        rf"Error: migration lock still held by {holder_text} after waiting 2 s; nothing was run", lines[1]
    ), lines
    assert 2 <= waited < 15

    # killed with SIGKILL mid-revision: the next runner starts at once, with no manual step
    started = time.monotonic()
    again = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
    elapsed = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert elapsed < 15, f"the next runner needed {elapsed:.1f} s"
    assert current(database) == {"0013"}
    assert {"deploy_probe_a", "deploy_probe_b"} <= database.tables()

    rows = [row for row in history(database) if row[0] == "0013"]
    abandoned = "the runner stopped before finishing (killed, or its database session ended)"
    if database.backend == "mariadb":  # resumed from the journal: deploy_probe_a was not created twice
        assert rows == [
            ("0013", "upgrade", "partial", abandoned, None),
            ("0013", "upgrade", "success", None, "resumed: skipped 1 operations applied by an earlier run"),
        ]
    else:  # transactional DDL: the killed revision rolled back as a unit, then ran again whole
        assert rows == [
            ("0013", "upgrade", "failed", abandoned, None),
            ("0013", "upgrade", "success", None, None),
        ]
    assert query(database, f"SELECT COUNT(*) FROM {JOURNAL}") == [(0,)]
    assert query(database, f"SELECT pid FROM {LOCK} ORDER BY id") == [(None,), (None,)]
