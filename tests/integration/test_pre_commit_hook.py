"""``.pre-commit-hooks.yaml``: another repository runs our lint as a hook, by pre-commit's own installer.

``pre-commit try-repo`` builds the hook's environment from this checkout (the package's metadata,
its dependencies, the console script) and runs it in a scratch repository, as a user's CI would.
The slowest test of the suite (~30 s: a fresh environment); a real process is the point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from support.databases import ROOT

DROP = """from alembic import op

revision = "d001"
down_revision = None


def upgrade():
    op.drop_column("people", "nickname")


def downgrade():
    op.execute("SELECT 1")
"""


def test_try_repo_runs_the_lint_hook(tmp_path: Path) -> None:
    """The hook lints the scratch repository's chain and fails on an unacknowledged drop."""
    repository = tmp_path / "user-repo"
    repository.mkdir()
    git = ["git", "-c", "user.email=test@example.com", "-c", "user.name=test"]
    subprocess.run([*git, "init", "-q"], cwd=repository, check=True)
    command.init(Config(str(repository / "alembic.ini")), str(repository / "migrations"), template="generic")
    (repository / "migrations" / "versions" / "d001_drop.py").write_text(DROP)
    subprocess.run([*git, "add", "-A"], cwd=repository, check=True)
    subprocess.run([*git, "commit", "-qm", "chain"], cwd=repository, check=True)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    ran = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "oramigrate-lint", "--all-files"],
        cwd=repository, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert "oramigrate lint (Oracle-safe migrations).................................Failed" in lines
    assert "d001 error drop-column: upgrade() drops column people.nickname" in lines
    assert "Error: lint: 1 unacknowledged finding(s) in revision(s) d001" in lines
