"""``-x`` reaches env.py once, however it is given: on the group or on the command, through our commands
or through the Flask-Migrate commands we keep. (Flask-Migrate's own migrate/upgrade/downgrade pass
``x_arg or g.x_arg`` to a ``get_config`` that adds ``g.x_arg`` again; ours replace those three.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage

RECORDER = """
import json as _json
import os as _os

if _os.environ.get("X_PROBE"):
    with open(_os.environ["X_PROBE"], "a") as _probe:
        _probe.write(_json.dumps(context.get_x_argument()) + "\\n")
"""
D = "{directory}"


@pytest.mark.parametrize(
    "args",
    [
        ("-x", "probe=1", "current", "-d", D),  # Flask-Migrate's own commands
        ("-x", "probe=1", "revision", "--autogenerate", "-m", "t", "-d", D),
        ("-x", "probe=1", "upgrade", "-d", D),  # ours
        ("upgrade", "-x", "probe=1", "-d", D),
        ("-x", "probe=1", "migrate", "-m", "t", "-d", D),
        ("migrate", "-m", "t", "-x", "probe=1", "-d", D),
    ],
    ids=[
        "group-current",
        "group-revision",
        "group-upgrade",
        "command-upgrade",
        "group-migrate",
        "command-migrate",
    ],
)
def test_x_argument_reaches_env_py_once(args: tuple[str, ...], tmp_path: Path) -> None:
    directory = migrations_with(tmp_path)
    env = directory / "env.py"
    env.write_text(env.read_text() + RECORDER)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    if "revision" in args or "migrate" in args:  # autogenerate wants the database at head
        assert run_manage("db", "upgrade", "-d", str(directory), database_url=url).returncode == 0
    probe = tmp_path / "x.jsonl"
    argv = [str(directory) if arg == D else arg for arg in args]
    ran = run_manage("db", *argv, database_url=url, env={"X_PROBE": str(probe)})
    assert ran.returncode == 0, ran.stderr
    assert [json.loads(line) for line in probe.read_text().splitlines()] == [["probe=1"]]
