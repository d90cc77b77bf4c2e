"""Fixtures: a fresh real database per test (SQLite, PostgreSQL, MariaDB) and the CLI in a subprocess.

PostgreSQL and MariaDB are the machine's own servers; a missing one skips its tests with the reason,
except under CI=true, where it fails them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
BACKENDS = ("sqlite", "postgresql", "mariadb")
# random, so that `runserver --production` accepts them (it refuses guessable ones)
TEST_SECRETS = {
    "SECRET_KEY": "oz8fjb7ZeGFrrG8rusrFAUEFOkKD263ZwQspFw8kJV4",
    "SECURITY_PASSWORD_SALT": "8MRHmtEFFx_jyB4U4B2yhtV6BQ6BKV5wIrNvMiZ7JpU",
}


@dataclass(frozen=True)
class Database:
    """A fresh, empty database made for one test."""

    backend: str
    url: str

    def engine(self) -> sa.Engine:
        """A new engine on this database (disposed by the caller)."""
        return sa.create_engine(self.url)

    def tables(self) -> set[str]:
        """Names of the tables in the database."""
        engine = self.engine()
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def sequences(self) -> set[str]:
        """Names of the sequences in the database (none on SQLite)."""
        engine = self.engine()
        try:
            inspector = sa.inspect(engine)  # connects: initialize() decides supports_sequences on MariaDB
            return set(inspector.get_sequence_names()) if engine.dialect.supports_sequences else set()
        finally:
            engine.dispose()


def _server_or_skip(admin_url: str, name: str) -> sa.Engine:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = f"{name} is not reachable at {sa.make_url(admin_url).render_as_string()}: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires {name}: {reason}")
        pytest.skip(reason)
    return engine


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database on each backend; dropped afterwards."""
    backend = request.param
    if backend == "sqlite":
        yield Database(backend, f"sqlite:///{tmp_path / 'test.db'}")
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_ADMIN_URL if backend == "postgresql" else MARIADB_ADMIN_URL
    admin = _server_or_skip(admin_url, backend)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield Database(backend, url)
    finally:
        with admin.connect() as connection:
            if backend == "postgresql":
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def manage_env(**overrides: str) -> dict[str, str]:
    """The environment of a CLI run: this one, minus database settings, plus test secrets."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "ORACLE_", "REGUSER_"))
    }
    env.update(TEST_SECRETS)
    env.update(overrides)
    return env


def run_manage(
    *args: str, database_url: str | None = None, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python manage.py ARGS`` as a user would, and return what it did."""
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
    import shutil

    target = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    for name, source in (revisions or {}).items():
        (target / "versions" / name).write_text(source, encoding="utf-8")
    return target
