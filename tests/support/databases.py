"""Real databases for tests: SQLite files, and fresh PostgreSQL / MariaDB databases on the machine's servers.

A missing server skips its tests with the reason, except under CI=true, where it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
BACKENDS = ("sqlite", "postgresql", "mariadb")
SERVERS = ("postgresql", "mariadb")


def _project_chain() -> list[dict[str, str | None]]:
    """The project's revisions, base first: id, parent and first docstring line, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(ROOT / "migrations"))
    return [
        {"revision": script.revision, "down_revision": script.down_revision, "message": script.doc}  # type: ignore[dict-item]
        for script in reversed(list(scripts.walk_revisions()))
    ]


# Test revisions go on top of the project's head, whatever revisions the project adds
PROJECT_CHAIN = _project_chain()
PROJECT_REVISIONS = [str(entry["revision"]) for entry in PROJECT_CHAIN]
PROJECT_HEAD = PROJECT_REVISIONS[-1]
# in a test revision's source, replaced by the head's id when the revision is written
HEAD_PLACEHOLDER = "__project_head__"


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


def server_or_skip(admin_url: str, name: str) -> sa.Engine:
    """An AUTOCOMMIT engine on a server's admin database; skip (fail under CI=true) if unreachable."""
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


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A new empty database on ``backend``, dropped afterwards."""
    if backend == "sqlite":
        yield Database(backend, f"sqlite:///{tmp_path / 'test.db'}")
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_ADMIN_URL if backend == "postgresql" else MARIADB_ADMIN_URL
    admin = server_or_skip(admin_url, backend)
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
