"""Helpers of the bad-input tests: a seeded database, its state, and the one-line error contract."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from support.cli import TEST_SECRETS

CHEAP_OPTIONS = {"argon2__rounds": 1, "argon2__memory_cost": 8, "argon2__parallelism": 1}
CHEAP_HASH = {"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": json.dumps(CHEAP_OPTIONS)}
ADMIN = ("admin@example.com", "Harbour-lights-71")
STAFF = ("staff@example.com", "Quiet-meadow-58")
STATE_QUERIES = {
    "users": "SELECT COUNT(*) FROM auth_user",
    "roles": "SELECT COUNT(*) FROM auth_role",
    "links": "SELECT COUNT(*) FROM auth_roles_users",
    "passwords": "SELECT COUNT(DISTINCT password) FROM auth_user",
    "identities": "SELECT COUNT(DISTINCT fs_uniquifier) FROM auth_user",
    "revision": "SELECT MAX(version_num) FROM alembic_version",
}
SETTINGS = ("DATABASE_URL", "DATABASE_URL_FILE", "ORACLE_USER", "ORACLE_DSN", "REGISTRATION_ENABLED")


@contextmanager
def settings_environment(**extra: str) -> Iterator[None]:
    """The process environment create_app reads: test secrets, no database settings of the developer."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SETTINGS:
            patch.delenv(name, raising=False)
        for name, value in {**TEST_SECRETS, **CHEAP_HASH, **extra}.items():
            patch.setenv(name, value)
        yield


def seeded(url: str) -> None:
    """Migrate ``url`` to head and seed an admin and a staff user (roles admin, staff)."""
    from flask_migrate import upgrade

    from models import db
    from webapp import create_app
    from webapp.seeding import create_user
    from webapp.users import NewUser

    with settings_environment():
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            create_user(NewUser(ADMIN[0], ADMIN[1], "Ada", roles=("admin",)))
            create_user(NewUser(STAFF[0], STAFF[1], "Sam", roles=("staff",)))
            db.engine.dispose()


def state(url: str) -> dict[str, Any]:
    """Row counts, distinct hashes and identity keys, and the revision: what a refusal must not change."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(sa.text(sql)).scalar() for name, sql in STATE_QUERIES.items()}
    finally:
        engine.dispose()


def error_line(stderr: str) -> str:
    """The one line of stderr that starts with ``Error:``; no traceback anywhere."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def invoke(args: list[str], env: Mapping[str, str], input: str | None = None) -> Result:
    """``manage.py ARGS`` in this process (the click runner), with ``env`` on top of the test settings."""
    import manage

    with settings_environment(**env):
        return CliRunner().invoke(manage.cli, args, input=input, prog_name="manage.py")


def only_error(result: Result) -> str:
    """An in-process run's single ``Error:`` line; SystemExit is the only way out."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return error_line(result.stderr)
