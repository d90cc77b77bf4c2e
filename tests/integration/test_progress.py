"""Progress of a long ``db upgrade`` / ``downgrade``: a live line on a terminal (the revision and the
statement running, how many revisions remain, elapsed time), nothing on a pipe or with ``--quiet``.

Real processes on a pseudo-terminal: whether stderr is a terminal is what is tested. PostgreSQL, whose
``pg_sleep`` makes each statement last long enough for the line to be redrawn while it runs.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from support.cli import manage_env, migrations_with, run_manage, run_manage_process
from support.databases import ROOT, Database

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SLEEP = "SELECT pg_sleep(0.6)"


def _revisions(head: str) -> dict[str, str]:
    def revision(name: str, down: str) -> str:
        return f'''"""Test revision: two slow statements."""
from alembic import op

revision = "{name}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("{SLEEP}")
    op.execute("{SLEEP}")


def downgrade():
    op.execute("{SLEEP}")
'''

    return {
        "tprogress001_slow.py": revision("tprogress001", head),
        "tprogress002_slow.py": revision("tprogress002", "tprogress001"),
    }


@pytest.fixture
def slow_chain(database: Database, tmp_path: Path) -> str:
    """The project's chain applied, plus two slow test revisions pending; the directory."""
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    directory = str(migrations_with(tmp_path, _revisions(head)))
    ran = run_manage("db", "upgrade", head, "-d", directory, database_url=database.url)
    assert ran.returncode == 0, ran.stderr
    return directory


def on_terminal(*args: str, url: str) -> tuple[int, str]:
    """``manage.py ARGS`` with a 160-column pseudo-terminal as stdin, stdout and stderr; (exit, shown)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = manage_env(DATABASE_URL=url, TERM="xterm-256color")
    env.pop("COLUMNS", None)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT, env=env, stdin=terminal, stdout=terminal, stderr=terminal,
    )  # fmt: skip
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        code = process.wait(timeout=30)
    finally:
        os.close(controller)
    # each redraw begins with \r and cursor moves: one line per redraw
    return code, ANSI.sub("", shown.decode(errors="replace").replace("\r", "\n"))


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_upgrade_and_downgrade_on_a_terminal_show_revision_statement_remaining_and_elapsed(
    database: Database, slow_chain: str
) -> None:
    code, shown = on_terminal("db", "upgrade", "-d", slow_chain, url=database.url)
    assert code == 0, shown
    lines = [" ".join(line.split()) for line in shown.splitlines() if "upgrading" in line]
    # redrawn while each statement runs: which revision, how many after it, which statement of how many
    for revision, after in (("tprogress001", 1), ("tprogress002", 0)):
        for operation in (1, 2):
            wanted = f"{revision} ({after} after it) operation {operation} of 2: {SLEEP}"
            assert any(wanted in line for line in lines), (wanted, lines)
    assert any(re.search(r"^upgrading \S+ 0/2 revisions 0:00:0\d tprogress001", line) for line in lines)
    assert any(re.search(r"^upgrading \S+ 1/2 revisions 0:00:0\d tprogress002", line) for line in lines)
    assert re.search(r"^upgrading \S+ 2/2 revisions 0:00:0\d tprogress002", lines[-1]), lines[-1]

    code, shown = on_terminal("db", "downgrade", "-d", slow_chain, url=database.url)
    assert code == 0, shown
    lines = [" ".join(line.split()) for line in shown.splitlines() if "downgrading" in line]
    assert any(f"tprogress002 (0 after it) operation 1 of 1: {SLEEP}" in line for line in lines), lines
    assert re.search(r"^downgrading \S+ 1/1 revisions 0:00:0\d tprogress002", lines[-1]), lines[-1]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_no_progress_on_a_pipe_or_with_quiet(database: Database, slow_chain: str) -> None:
    code, shown = on_terminal("db", "upgrade", "tprogress001", "-d", slow_chain, "--quiet", url=database.url)
    assert (code, shown.strip()) == (0, "")
    piped = run_manage_process("db", "upgrade", "-d", slow_chain, database_url=database.url)
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, "", "")
