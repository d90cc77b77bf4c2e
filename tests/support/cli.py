"""The CLI as tests drive it: in-process through click's runner (wiring), or as a real process.

``run_manage`` runs ``manage.py`` in this process, the flaskr way (``app.test_cli_runner()``): fast,
and what it returns looks like a finished process (``returncode``, ``stdout``, ``stderr``).
``run_manage_process`` starts ``python manage.py`` for tests where the process boundary is the point:
concurrent runners, kills, signals, terminals, servers, and the exact exit of a real process.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from support.databases import HEAD_PLACEHOLDER, PROJECT_HEAD, ROOT

# random, so that `runserver --production` accepts them (it refuses guessable ones)
TEST_SECRETS = {
    "SECRET_KEY": "oz8fjb7ZeGFrrG8rusrFAUEFOkKD263ZwQspFw8kJV4",
    "SECURITY_PASSWORD_SALT": "8MRHmtEFFx_jyB4U4B2yhtV6BQ6BKV5wIrNvMiZ7JpU",
}
_CLEARED = ("DATABASE_URL", "ORACLE_", "REGUSER_")
_LOGGERS = ("", "alembic", "flask_migrate", "sqlalchemy", "oramigrate")


@dataclass(frozen=True)
class Ran:
    """What a CLI run did: exit code and output, as ``subprocess.CompletedProcess`` names them."""

    returncode: int
    stdout: str
    stderr: str


def manage_env(**overrides: str) -> dict[str, str]:
    """The environment of a CLI run: this one, minus database settings, plus test secrets."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_CLEARED)}
    env.update(TEST_SECRETS)
    env.update(overrides)
    return env


def run_manage(
    *args: str, database_url: str | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> Ran:
    """Run ``manage.py ARGS`` in this process, with the environment a user's shell would give it."""
    import manage

    wanted = manage_env(**(env or {}))
    if database_url is not None:
        wanted["DATABASE_URL"] = database_url
    changes: dict[str, str | None] = {key: None for key in os.environ if key not in wanted}
    changes.update({key: value for key, value in wanted.items() if os.environ.get(key) != value})
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level) for name in _LOGGERS}
    try:
        result = CliRunner().invoke(manage.cli, list(args), input=input, env=changes, prog_name="manage.py")
    finally:
        for name, (handlers, level) in saved.items():
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).setLevel(level)
        manage.dispose_apps()
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(result.exit_code, result.stdout, stderr)


def run_manage_process(
    *args: str, database_url: str | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python manage.py ARGS`` as a user would, in its own process."""
    environment = manage_env(**(env or {}))
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=environment,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrations_with(tmp_path: Path, revisions: dict[str, str] | None = None) -> Path:
    """A copy of migrations/ under ``tmp_path``, with extra revision files (name -> source)."""
    target = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    for name, source in (revisions or {}).items():
        source = source.replace(HEAD_PLACEHOLDER, PROJECT_HEAD)
        (target / "versions" / name).write_text(source, encoding="utf-8")
    return target
