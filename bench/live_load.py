"""Application latency while `db upgrade` runs under load (issue 16), PostgreSQL and MariaDB.

A load generator (tests/support/load.py: 4 clients, short read transactions on auth_user at a fixed
rate) runs before, during and after `db upgrade` of a revision that adds a column to auth_user,
with and without a blocker (a read transaction left open on auth_user for longer than the budget).
Goal: p99 during the migration <= lock-wait budget + idle p99, zero errors.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from alembic.script import ScriptDirectory
from support.cli import migrations_with, run_manage_process
from support.databases import ROOT, fresh_database
from support.load import LoadGenerator, add_column_revision, blocker, seed, summary

from bench.harness import verdict

BUDGET = 1.0


def _one(backend: str, with_blocker: bool, phase_seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as database:
        head = ScriptDirectory(str(ROOT / "migrations")).get_current_head() or ""
        directory = str(migrations_with(Path(tmp), {"l001_nickname.py": add_column_revision(head)}))
        run_manage_process("db", "upgrade", head, "-d", directory, database_url=database.url)
        seed(database.url)
        args = ("db", "upgrade", "-d", directory, "--lock-wait", str(BUDGET), "--lock-retries", "8")
        with LoadGenerator(database.url) as load:
            time.sleep(phase_seconds)
            began = time.monotonic()
            if with_blocker:
                with blocker(database.url) as (_session, connection):
                    threading.Timer(2.5, connection.rollback).start()
                    ran = run_manage_process(*args, database_url=database.url)
                    time.sleep(0.1)
            else:
                ran = run_manage_process(*args, database_url=database.url)
            ended = time.monotonic()
            time.sleep(phase_seconds)
        start = load.samples[0].started if load.samples else began
        return {
            "backend": backend,
            "blocker": with_blocker,
            "exit": ran.returncode,
            "migration_s": round(ended - began, 2),
            "before": summary(load.between(start, began)),
            "during": summary(load.between(began, ended)),
            "after": summary(load.between(ended, ended + phase_seconds)),
        }


def measure(quick: bool = False) -> list[dict[str, Any]]:
    """Every backend, without and with a blocker."""
    phase = 1.0 if quick else 5.0
    return [_one(b, blocked, phase) for b in ("postgresql", "mariadb") for blocked in (False, True)]


def table(rows: list[dict[str, Any]], judged: bool = True) -> str:
    """Markdown: p50/p99/errors per phase, and whether the goal holds (``judged``: full-length phases)."""
    lines = [
        "| database | blocker | exit | migration s | before p50/p99 ms | during p50/p99/max ms"
        " | after p50/p99 ms | errors | goal (p99 during <= budget + idle p99) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        b, d, a = r["before"], r["during"], r["after"]
        errors = b["errors"] + d["errors"] + a["errors"]
        goal = d["p99_ms"] <= BUDGET * 1000 + b["p99_ms"] and errors == 0
        lines.append(
            f"| {r['backend']} | {'yes' if r['blocker'] else 'no'} | {r['exit']} | {r['migration_s']} |"
            f" {b['p50_ms']}/{b['p99_ms']} | {d['p50_ms']}/{d['p99_ms']}/{d['max_ms']} |"
            f" {a['p50_ms']}/{a['p99_ms']} | {errors} | {verdict(goal, judged, 'MISSED')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(quick="--quick" in sys.argv)))
