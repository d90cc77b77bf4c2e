"""Two chains in one schema with their own version tables and one history table (the default name).

Their locks are keyed on the version table, so their runners run at once. A runner's start-up tidy
closes the ``running`` rows a dead runner left: it must not close the other chain's live runner's
row (it did: "failed", "the runner stopped before finishing", while that runner was still at work).
Two real processes on PostgreSQL and MariaDB.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.databases import ROOT, Database
from support.deploy import history, query, wait_for

ABANDONED = "the runner stopped before finishing (killed, or its database session ended)"

APP = '''"""A Flask-Migrate app whose version table comes from CHAIN_VERSION_TABLE."""
import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from oramigrate import OracleSafe

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CHAIN_DATABASE_URL"]
    db.init_app(app)
    OracleSafe(app, db, version_table=os.environ["CHAIN_VERSION_TABLE"])
    return app
'''

REVISION = '''"""Chain {chain}: a table, then a pause of CHAIN_PAUSE seconds."""
import os
import time

from alembic import op
import sqlalchemy as sa

revision = "{chain}001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    key = sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True)
    op.create_table("chain_{chain}_item", key)
    if not op.get_context().as_sql:
        time.sleep(float(os.environ.get("CHAIN_PAUSE", "0")))


def downgrade():
    op.drop_table("chain_{chain}_item")
'''


def _chain(tmp_path: Path, chain: str) -> Path:
    """A migrations folder (the project's env.py) with one revision, ``<chain>001``."""
    directory = tmp_path / f"migrations_{chain}"
    if directory.exists():
        return directory
    (directory / "versions").mkdir(parents=True, exist_ok=True)
    for name in ("env.py", "alembic.ini", "script.py.mako"):
        shutil.copy(ROOT / "migrations" / name, directory / name)
    (directory / "versions" / f"{chain}001_x.py").write_text(REVISION.format(chain=chain), encoding="utf-8")
    return directory


def _runner(
    tmp_path: Path, database: Database, chain: str, pause: float, command: tuple[str, ...] = ("upgrade",)
) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "ORACLE_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp_path)]),
        CHAIN_DATABASE_URL=database.url,
        CHAIN_VERSION_TABLE=f"chain_{chain}_version",
        CHAIN_PAUSE=str(pause),
    )
    db = [sys.executable, "-m", "flask", "--app", "chainapp", "db", "-d", str(_chain(tmp_path, chain))]
    return subprocess.Popen(
        [*db, *command],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_runner_of_another_version_table_leaves_a_live_runners_row_running(
    database: Database, tmp_path: Path
) -> None:
    (tmp_path / "chainapp.py").write_text(APP, encoding="utf-8")
    first = _runner(tmp_path, database, "a", pause=60)
    try:
        wait_for(lambda: ("a001", "upgrade", "running", None, None) in history(database), "a001 to start")
        # the other chain's runner takes its own lock at once, tidies, runs b001 and ends
        second = _runner(tmp_path, database, "b", pause=0)
        _out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert query(database, "SELECT version_num FROM chain_b_version") == [("b001",)]
        # nor does the other chain's `db status` (its own lock free) call that row abandoned
        status = _runner(tmp_path, database, "b", pause=0, command=("status", "--json"))
        out, err = status.communicate(timeout=120)
        assert status.returncode == 0, err
        assert json.loads(out)["abandoned"] == []
        # the first runner is still at work: its row stays open
        assert first.poll() is None
        assert history(database) == [
            ("a001", "upgrade", "running", None, None),
            ("b001", "upgrade", "success", None, None),
        ]
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)

    # the first runner is dead now: the next runner of either chain closes its row
    again = _runner(tmp_path, database, "b", pause=0)
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    outcome = "partial" if database.backend == "mariadb" else "failed"  # MariaDB journaled its CREATE
    assert history(database)[0] == ("a001", "upgrade", outcome, ABANDONED, None)
