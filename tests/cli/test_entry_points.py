"""``flask --app webapp db`` and ``python manage.py db`` are one guarded door.

Flask-Migrate's ``Migrate.init_app`` registers its plain ``db`` group, which would upgrade with no
lock, no history, no checksum refusal and no lint gate; ``OracleSafe`` replaces it. Each command that
changes what is applied is shown to wait for the migration lock and to write the history, through
both entry points.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import ROOT, TEST_SECRETS, Ran, manage_env, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS

from oramigrate import cli as guarded
from oramigrate.deploy.lock import MigrationLock
from oramigrate.deploy.tables import build

Runner = Callable[..., Ran]


def _flask_db(url: str) -> Runner:
    """``flask --app webapp db ...`` on ``url``, through the app's own CLI runner (flaskr's way)."""
    from webapp import create_app

    def run(*args: str) -> Ran:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, **TEST_SECRETS}, web=False)
        result = app.test_cli_runner().invoke(args=["db", *args])
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run


def _manage_db(url: str) -> Runner:
    """``python manage.py db ...`` on ``url``."""
    return lambda *args: run_manage("db", *args, database_url=url)


ENTRY_POINTS = {"flask": _flask_db, "manage.py": _manage_db}


@contextmanager
def lock_held(url: str) -> Iterator[None]:
    """Hold the migration lock as another runner would."""
    engine = sa.create_engine(url)
    lock = MigrationLock(engine, build("migration_history"))
    lock.acquire(time.monotonic(), 0, lambda holder: None)
    try:
        yield
    finally:
        lock.release()
        engine.dispose()


def _history(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT revision, direction, outcome FROM migration_history ORDER BY id"
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


def _refused_while_locked(run: Runner, url: str, *args: str) -> None:
    with lock_held(url):
        refused = run(*args, "--lock-timeout", "0")
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.splitlines()[-1].startswith("Error: migration lock still held by ")
    assert refused.stderr.splitlines()[-1].endswith(" after waiting 0 s; nothing was run")


def test_the_app_registers_our_db_group_not_flask_migrates() -> None:
    from flask_migrate.cli import db as plain_group

    from webapp import create_app

    app = create_app(dict(TEST_SECRETS), web=False)
    assert app.cli.commands["db"] is guarded.db
    assert app.cli.commands["db"] is not plain_group


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_upgrade_downgrade_stamp_take_the_lock_and_write_history(entry: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    run = ENTRY_POINTS[entry](url)
    _refused_while_locked(run, url, "upgrade")
    assert run("upgrade").returncode == 0
    _refused_while_locked(run, url, "downgrade")
    assert run("downgrade").returncode == 0
    _refused_while_locked(run, url, "stamp", "head")
    assert run("stamp", "head").returncode == 0
    assert _history(url) == [
        *((revision, "upgrade", "success") for revision in PROJECT_REVISIONS),
        (PROJECT_HEAD, "downgrade", "success"),
        (PROJECT_HEAD, "stamp", "success"),
    ]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_baseline_takes_the_lock_and_writes_history(entry: str, tmp_path: Path) -> None:
    from models import db

    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)  # a schema made before migrations, matching the models
    engine.dispose()
    run = ENTRY_POINTS[entry](url)
    _refused_while_locked(run, url, "baseline")
    made = run("baseline")
    assert made.returncode == 0, made.stderr
    assert _history(url) == [(revision, "baseline", "success") for revision in PROJECT_REVISIONS]


def test_a_command_runs_with_the_collector_on_and_start_up_frozen(tmp_path: Path) -> None:
    # manage.py rests the collector while it starts (imports, the app), then freezes what start-up
    # made and turns it back on: a server, a seed of thousands or a long upgrade collects as usual
    probe = (
        "import atexit, gc, runpy, sys\n"
        "atexit.register(lambda: print('collector on:', gc.isenabled(), '| frozen:', gc.get_freeze_count()"
        " > 50000))\n"
        "sys.argv = ['manage.py', 'db', 'current']\n"
        f"runpy.run_path({str(ROOT / 'manage.py')!r}, run_name='__main__')\n"
    )
    environment = {**manage_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "collector on: True | frozen: True"


def test_imported_manage_leaves_the_collector_alone() -> None:
    import gc
    import runpy

    # the module run afresh under its import name: ``import manage`` is a no-op once run_manage has
    # imported it in this process, and would then test nothing
    try:
        module = runpy.run_path(str(ROOT / "manage.py"), run_name="manage")
        assert (module["_STARTING"], gc.isenabled()) == (False, True)
    finally:
        gc.enable()
