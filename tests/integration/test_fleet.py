"""``db fleet`` on real servers: PostgreSQL schemas, MariaDB databases and SQLite files in one targets file.

The large counts (200 schemas, 30 databases) are in bench/fleet.py; here enough targets that
several workers interleave, within a few seconds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import manage_env, migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, ROOT
from support.deploy import FAILING_REVISION, PAUSE_SETTING, SLEEPING_REVISION
from support.fleet import SessionPeak, make_fleet

APPLIED = [(revision, "upgrade", "success") for revision in PROJECT_REVISIONS]


def _fleet(*args: str, directory: Path | None = None) -> tuple[int, str, str]:
    prefix = ("db", "-d", str(directory)) if directory else ("db",)
    ran = run_manage(*prefix, "fleet", *args)
    return ran.returncode, ran.stdout, ran.stderr


def test_upgrade_brings_every_target_to_head_status_agrees_and_a_rerun_does_nothing(tmp_path: Path) -> None:
    with make_fleet(tmp_path, schemas=20, mariadb=5, sqlite=2) as fleet:
        code, out, err = _fleet("upgrade", "--targets", str(fleet.file), "--parallel", "4", "--json")
        assert code == 0, err
        report = json.loads(out)
        assert (report["action"], report["head"], report["summary"]) == (
            "upgrade",
            [PROJECT_HEAD],
            {"upgraded": 27},
        )
        assert [row["name"] for row in report["targets"]] == fleet.names
        for row in report["targets"]:
            assert (row["state"], row["before"], row["after"], row["applied"]) == (
                "upgraded", [], [PROJECT_HEAD], PROJECT_REVISIONS
            ), row  # fmt: skip
            assert "password" not in row["url"]
        for name in fleet.names:
            assert fleet.current(name) == {PROJECT_HEAD}
            assert fleet.history(name) == APPLIED
        # each schema holds its own tables; nothing landed in public
        assert fleet.query("pg_07", "SELECT current_schema()") == [("s07",)]
        assert fleet.query("pg_07", "SELECT COUNT(*) FROM s07.auth_user") == [(0,)]
        assert fleet.query("pg_07", "SELECT COUNT(*) FROM public.alembic_version") == []

        code, out, err = _fleet("status", "--targets", str(fleet.file), "--parallel", "4")
        assert code == 0, err
        lines = out.splitlines()
        assert lines[-1] == "fleet status: 27 targets: 27 at-head"
        assert sorted(lines[:-1]) == sorted(lines[:-1]) and len(lines) == 28
        for line in lines[:-1]:
            assert re.fullmatch(
                rf"(pg_\d\d|maria_\d|sqlite_\d): at-head at {PROJECT_HEAD} \[\d+\.\d\d s\]", line
            ), line

        code, out, err = _fleet("upgrade", "--targets", str(fleet.file), "--parallel", "4", "--json")
        assert code == 0, err
        assert json.loads(out)["summary"] == {"at-head": 27}
        for name in fleet.names:
            assert fleet.history(name) == APPLIED  # no lock row, no history row: not touched


def test_a_target_failing_at_statement_3_on_mariadb_then_the_rerun_finishes_only_it(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, {"0013_fails.py": FAILING_REVISION})
    with make_fleet(tmp_path, schemas=3, mariadb=2, sqlite=1) as fleet:
        fleet.execute("maria_2", "CREATE TABLE deploy_probe_b (other INTEGER)")  # the cause
        args = ("--targets", str(fleet.file), "--parallel", "3")
        code, out, err = _fleet("upgrade", *args, "--continue-on-error", directory=directory)
        assert code == 1
        assert err.strip().splitlines()[-1] == "Error: fleet upgrade: 1 of 6 targets failed: maria_2"
        summary = out.splitlines()[-2:]
        assert summary[0] == "fleet upgrade: 6 targets: 5 upgraded, 1 partial"
        assert summary[1].startswith(
            "  partial: maria_2: revision 0013 failed at operation 3 of 4 (CREATE TABLE deploy_probe_b ("
        ), summary
        assert summary[1].endswith(
            "; 2 operations applied and journaled; `db upgrade` resumes at operation 3"
        )
        for name in fleet.names:
            assert fleet.current(name) == ({PROJECT_HEAD} if name == "maria_2" else {"0013"})

        code, out, err = _fleet("status", *args, "--json", directory=directory)
        assert code == 1
        rows = {row["name"]: row for row in json.loads(out)["targets"]}
        assert rows["maria_2"]["state"] == "partial"
        assert rows["maria_2"]["detail"] == (
            "revision 0013: 2 of 4 operations applied (upgrade; last applied: ALTER TABLE deploy_probe_a"
            " ADD COLUMN note VARCHAR(20))"
        )
        assert {name: row["state"] for name, row in rows.items() if name != "maria_2"} == {
            name: "at-head" for name in fleet.names if name != "maria_2"
        }

        fleet.execute("maria_2", "DROP TABLE deploy_probe_b")  # the cause removed
        code, out, err = _fleet("upgrade", *args, "--json", directory=directory)
        assert code == 0, err
        report = json.loads(out)
        assert report["summary"] == {"at-head": 5, "upgraded": 1}
        rerun = {row["name"]: (row["state"], row["applied"]) for row in report["targets"]}
        assert rerun["maria_2"] == ("upgraded", ["0013"])
        assert fleet.current("maria_2") == {"0013"}
        assert fleet.history("maria_2")[-2:] == [
            ("0013", "upgrade", "partial"),
            ("0013", "upgrade", "success"),
        ]


def test_a_half_applied_target_fails_verify_and_once_stamped_elsewhere_is_at_head(tmp_path: Path) -> None:
    # a DBA finished 0013 by hand and stamped it with another tool: its journal is stale, not progress
    directory = migrations_with(tmp_path, {"0013_fails.py": FAILING_REVISION})
    with make_fleet(tmp_path, schemas=0, mariadb=1, sqlite=0) as fleet:
        fleet.execute("maria_1", "CREATE TABLE deploy_probe_b (other INTEGER)")
        args = ("--targets", str(fleet.file))
        assert _fleet("upgrade", *args, directory=directory)[0] == 1
        # as `db verify`: the applied revisions match their files, but one is half-applied
        code, out, err = _fleet("verify", *args, "--json", directory=directory)
        assert code == 1
        assert [(row["name"], row["state"], row["detail"]) for row in json.loads(out)["targets"]] == [
            (
                "maria_1",
                "failed",
                "half-applied: revision 0013: 2 of 4 operations applied (upgrade; last applied: ALTER TABLE"
                " deploy_probe_a ADD COLUMN note VARCHAR(20))",
            )
        ]
        fleet.execute("maria_1", "UPDATE alembic_version SET version_num = '0013'")
        code, out, err = _fleet("status", *args, "--json", directory=directory)
        assert code == 0, err
        assert [(row["name"], row["state"]) for row in json.loads(out)["targets"]] == [("maria_1", "at-head")]


def test_a_failing_canary_stops_the_rollout_before_any_other_target(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, {"0013_fails.py": FAILING_REVISION})
    with make_fleet(tmp_path, schemas=4, mariadb=1, sqlite=1) as fleet:
        fleet.execute("pg_02", "CREATE TABLE deploy_probe_b (other INTEGER)")
        args = ("--targets", str(fleet.file), "--parallel", "2", "--canary", "3", "--continue-on-error")
        code, out, err = _fleet("upgrade", *args, "--json", directory=directory)
        assert code == 1
        assert err.strip().splitlines()[-1] == "Error: fleet upgrade: 1 of 6 targets failed: pg_02"
        report = json.loads(out)
        assert report["summary"] == {"failed": 1, "skipped": 3, "upgraded": 2}
        states = {row["name"]: row["state"] for row in report["targets"]}
        assert states == {
            "pg_01": "upgraded", "pg_02": "failed", "pg_03": "upgraded",
            "pg_04": "skipped", "maria_1": "skipped", "sqlite_1": "skipped",
        }  # fmt: skip
        failed = next(row for row in report["targets"] if row["name"] == "pg_02")
        assert failed["detail"].endswith("; rolled back as a unit")
        assert fleet.history("pg_02")[-1] == ("0013", "upgrade", "failed")
        for untouched in ("pg_04", "maria_1", "sqlite_1"):
            assert fleet.current(untouched) == set()
            assert fleet.history(untouched) == []  # not even the tool's tables


def test_three_runners_at_once_apply_each_revision_exactly_once(tmp_path: Path) -> None:
    # the process boundary is the point: three runners, as on three hosts, with no coordinator
    directory = migrations_with(tmp_path, {"0013_sleeps.py": SLEEPING_REVISION})
    with make_fleet(tmp_path, schemas=6, mariadb=2, sqlite=1) as fleet:
        command = [sys.executable, str(ROOT / "manage.py"), "db", "-d", str(directory), "fleet", "upgrade"]
        command += ["--targets", str(fleet.file), "--parallel", "3", "--json"]
        env = manage_env(**{PAUSE_SETTING: "0.1"})
        runners = [
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3)
        ]
        reports = []
        for runner in runners:
            out, err = runner.communicate(timeout=120)
            assert runner.returncode == 0, err
            reports.append({row["name"]: row for row in json.loads(out)["targets"]})
        for name in fleet.names:
            rows = [report[name] for report in reports]
            assert sorted(row["state"] for row in rows)[-1] == "upgraded", rows
            appliers = [row for row in rows if row["applied"]]
            assert [row["applied"] for row in appliers] == [[*PROJECT_REVISIONS, "0013"]], rows
            assert {row["state"] for row in rows if not row["applied"]} <= {"at-head", "done-elsewhere"}, rows
            assert fleet.history(name) == [*APPLIED, ("0013", "upgrade", "success")]
            assert fleet.current(name) == {"0013"}


@pytest.mark.parametrize(("only", "parallel", "sessions"), [("pg_01", 1, 2), ("maria_1", 1, 2), (None, 3, 6)])
def test_a_target_at_work_holds_two_sessions_the_lock_and_its_migration(
    tmp_path: Path, only: str | None, parallel: int, sessions: int
) -> None:
    """Issue 20: a target's holder row, history, journal and revisions share one session, the lock keeps
    its own; counted on the server while each worker sits inside a revision (2 per target, 2N for N)."""
    directory = migrations_with(tmp_path, {"0013_sleeps.py": SLEEPING_REVISION})
    with make_fleet(tmp_path, schemas=3, mariadb=1, sqlite=0) as fleet:
        target = next(t for t in fleet.targets if t.name == (only or "pg_01"))
        command = [sys.executable, str(ROOT / "manage.py"), "db", "-d", str(directory), "fleet", "upgrade"]
        command += ["--targets", str(fleet.file), "--parallel", str(parallel), "--json"]
        command += ["--only", only] if only else ["--only", "pg_01,pg_02,pg_03"]
        env = manage_env(**{PAUSE_SETTING: "1.5"})  # each target waits 1.5 s inside 0013
        with SessionPeak(target.url.render_as_string(hide_password=False)) as peak:
            ran = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert {row["state"] for row in json.loads(ran.stdout)["targets"]} == {"upgraded"}
        assert peak.peak == sessions
