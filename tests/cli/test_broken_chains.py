"""A broken migrations directory: one Error: line naming the cause, for every db command, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage

BROKEN = {
    "syntax error": (
        'revision = "0013"\ndown_revision = "0003"\ndef upgrade(:\n    pass\n',
        "0013_broken.py",
    ),
    "missing application": ('from myapp import models\nrevision = "0013"\ndown_revision = "0003"\n', "myapp"),
    "unknown down_revision": ('revision = "0013"\ndown_revision = "0099"\n', "0099"),
    "duplicate revision id": ('revision = "0002"\ndown_revision = "0003"\n', "0002"),
}
COMMANDS = (("heads",), ("current",), ("history",), ("upgrade",), ("status",), ("verify",))


@pytest.mark.parametrize("case", BROKEN)
def test_every_command_says_one_line(case: str, tmp_path: Path) -> None:
    source, detail = BROKEN[case]
    directory = migrations_with(tmp_path, {"0013_broken.py": source})
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for command in COMMANDS:
        result = run_manage("db", "-d", str(directory), *command, database_url=url)
        assert result.returncode in (1, 2), (command, result.stderr)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and detail in errors[0], (command, result.stderr)
        assert "unexpected" not in errors[0], (command, errors[0])
    if (tmp_path / "app.db").exists():  # SQLite makes the file when the app connects: nothing in it
        engine = sa.create_engine(url)
        assert sa.inspect(engine).get_table_names() == []
        engine.dispose()
