"""Every report command takes ``--json`` (one spelling) and prints one JSON document; ``db status
--json`` carries the fields its lines show, under exactly these keys."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.script import ScriptDirectory
from support.cli import migrations_with, run_manage
from support.databases import ROOT

STATUS_KEYS = {"current", "heads", "pending", "lock", "abandoned", "migration", "journal"}


def test_status_json_has_the_fields_of_its_lines(tmp_path: Path) -> None:
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    directory = str(migrations_with(tmp_path))
    url = f"sqlite:///{tmp_path / 'status.db'}"
    before = json.loads(run_manage("db", "status", "-d", directory, "--json", database_url=url).stdout)
    assert set(before) == STATUS_KEYS
    assert before["current"] == [] and before["heads"] == [head] and before["pending"][-1] == head
    assert run_manage("db", "upgrade", "-d", directory, database_url=url).returncode == 0
    ran = run_manage("db", "status", "-d", directory, "--json", database_url=url)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {
        "current": [head], "heads": [head], "pending": [],
        "lock": {"held": False, "holder": None, "running": []}, "abandoned": [], "migration": None,
        "journal": [],
    }  # fmt: skip
    lines = run_manage("db", "status", "-d", directory, database_url=url).stdout.splitlines()
    assert lines == [f"current: {head} (head)", "pending: 0 revisions", "lock: free"]


def test_every_report_command_spells_machine_output_json(tmp_path: Path) -> None:
    directory = str(migrations_with(tmp_path))
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    assert run_manage("db", "upgrade", "-d", directory, database_url=url).returncode == 0
    for command in (("status",), ("log",), ("verify",), ("lint", "--all"), ("journal", "show")):
        ran = run_manage("db", *command, "-d", directory, "--json", database_url=url)
        assert ran.returncode == 0, (command, ran.stderr)
        json.loads(ran.stdout)  # one document, nothing around it
