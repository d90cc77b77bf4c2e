"""``pip install ./`` as a user would: the wheel in a scratch venv, driven by apps that are not ours.

A minimal Flask-Migrate app (``support/example_app``: its own models, 3 revisions, ``OracleSafe``
in place of ``Migrate``, its database URI a URL object) runs ``flask db init``, ``db upgrade``,
``db lint --format sarif`` and ``db verify``; a plain Alembic project (no Flask) runs the console
script. Real processes: the installation and its entry points are what is tested.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.databases import fresh_database
from support.packaging import EXAMPLE_APP, ScratchVenv, scratch_venv


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> ScratchVenv:
    """One scratch venv for the module (building and installing takes a few seconds)."""
    return scratch_venv(tmp_path_factory.mktemp("package"))


def _run(venv: ScratchVenv, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "DATABASE_URL"))}
    environment.update(env)
    return subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def test_the_wheel_carries_its_metadata(venv: ScratchVenv, tmp_path: Path) -> None:
    """Version, licence, typed marker, templates and the console script come with the wheel."""
    probe = _run(venv, tmp_path, str(venv.python), "-c", (
        "import importlib.metadata as m, importlib.resources as r, oramigrate;"
        "d = m.distribution('oramigrate');"
        "print(d.version, d.metadata['License-Expression'],"
        f" oramigrate.__file__.startswith({str(venv.root)!r}));"
        "print(r.files('oramigrate').joinpath('py.typed').is_file(),"
        " r.files('oramigrate').joinpath('templates/oracle-safe/env.py').is_file(),"
        " r.files('oramigrate').joinpath('templates/oracle-safe-multidb/env.py').is_file())"
    ))  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split("\n") == ["0.1.0 MIT True", "True True True", ""]
    version = _run(venv, tmp_path, str(venv.script("oramigrate")), "--version")
    assert version.stdout == "oramigrate, version 0.1.0\n"


@pytest.fixture
def example(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The example app in a scratch folder, and a fresh SQLite database for it."""
    app_dir = tmp_path / "example"
    app_dir.mkdir()
    shutil.copy(EXAMPLE_APP / "example.py", app_dir / "example.py")
    with fresh_database("sqlite", tmp_path) as database:
        yield app_dir, database.url


def test_flask_app_of_a_user(venv: ScratchVenv, example: tuple[Path, str]) -> None:
    """db init writes our env.py; upgrade (a URL object in the config), lint as SARIF, verify."""
    app_dir, url = example

    def flask(*args: str) -> subprocess.CompletedProcess[str]:
        return _run(venv, app_dir, str(venv.python), "-m", "flask", "--app", "example", "db", *args,
                    EXAMPLE_DATABASE_URL=url)  # fmt: skip

    made = flask("init")
    assert made.returncode == 0, made.stderr
    assert "from oramigrate.environment import run" in (app_dir / "migrations" / "env.py").read_text()
    for revision in sorted((EXAMPLE_APP / "versions").glob("d00*.py")):
        shutil.copy(revision, app_dir / "migrations" / "versions" / revision.name)
    upgraded = flask("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "d003"
            outcomes = connection.exec_driver_sql(
                "SELECT revision, outcome FROM migration_history ORDER BY id"
            ).all()
        assert [tuple(row) for row in outcomes] == [
            ("d001", "success"),
            ("d002", "success"),
            ("d003", "success"),
        ]
    finally:
        engine.dispose()
    linted = flask("lint", "--all", "--format", "sarif")
    assert linted.returncode == 0, linted.stderr
    sarif = json.loads(linted.stdout)
    assert (sarif["version"], sarif["runs"][0]["tool"]["driver"]["name"]) == ("2.1.0", "oramigrate")
    verified = flask("verify")
    assert (verified.returncode, verified.stdout) == (0, "3 applied revisions match their files\n")


PLAIN_REVISIONS = {
    "d001_people.py": """
import sqlalchemy as sa
from alembic import op

revision = "d001"
down_revision = None


def upgrade():
    op.create_table("people", sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
                    sa.Column("nickname", sa.String(40)))


def downgrade():
    op.drop_table("people")
""",
    "d002_drop_nickname.py": """
from alembic import op

revision = "d002"
down_revision = "d001"


def upgrade():
    op.drop_column("people", "nickname")


def downgrade():
    pass
""",
}


def test_plain_alembic_project_through_the_console_script(venv: ScratchVenv, tmp_path: Path) -> None:
    """No Flask: lint (text, github), then the reports, reading the project's alembic.ini and env.py."""
    from alembic import command
    from alembic.config import Config

    project = tmp_path / "project"
    project.mkdir()
    config = Config(str(project / "alembic.ini"))
    command.init(config, str(project / "migrations"), template="generic")
    ini = (project / "alembic.ini").read_text()
    url = f"sqlite:///{project / 'app.db'}"
    (project / "alembic.ini").write_text(ini.replace("driver://user:pass@localhost/dbname", url))
    for name, text in PLAIN_REVISIONS.items():
        (project / "migrations" / "versions" / name).write_text(text)

    def oramigrate(*args: str) -> subprocess.CompletedProcess[str]:
        return _run(venv, project, str(venv.script("oramigrate")), *args, ORACLE_TARGET_VERSION="19")

    linted = oramigrate("lint", "--all")
    assert linted.returncode == 1
    assert linted.stdout.splitlines()[0] == ("d002 error drop-column: upgrade() drops column people.nickname")
    assert linted.stderr == "Error: lint: 2 unacknowledged finding(s) in revision(s) d002\n"
    annotated = oramigrate("lint", "--all", "--format", "github")
    assert annotated.stdout.startswith(
        "::error file=migrations/versions/d002_drop_nickname.py,title=drop-column in revision d002::"
    )
    pending = oramigrate("-c", "alembic.ini", "lint", "--json")  # pending: asks the env.py's database
    assert json.loads(pending.stdout)["revisions"] == ["d001", "d002"]
    assert (
        not (project / "app.db").exists()
        or "alembic_version" not in sa.inspect(sa.create_engine(url)).get_table_names()
    )  # nothing written by reading
    applied = _run(venv, project, str(venv.python), "-m", "alembic", "upgrade", "d001")
    assert applied.returncode == 0, applied.stderr
    status = oramigrate("status")
    assert status.stdout.splitlines()[:2] == ["current: d001", "pending: 1 revisions (d002)"]
    assert oramigrate("log").stdout == (
        "no migration history yet (written by the first db upgrade, downgrade or stamp)\n"
    )
    verified = oramigrate("verify")
    assert (verified.returncode, verified.stderr) == (
        1,
        "Error: unknown: d001 is applied but has no history row\n",
    )
    missing = oramigrate("-c", "nowhere.ini", "status")
    assert (missing.returncode, missing.stderr) == (
        2, "Error: no Alembic configuration at nowhere.ini: give -c PATH/alembic.ini\n"
    )  # fmt: skip
