"""``db upgrade`` of a generated 200-revision chain vs raw Alembic running the same scripts.

Ours runs with everything on: the migration lock, the history table, checksums, the lint gate,
and (MariaDB/Oracle) the journal. Each run starts from an empty database, made outside the timing.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

from bench.chain import generate_chain
from bench.harness import ROOT, Comparison, Sample, compare, run_once
from bench.workspace import FLASK, bare_flask_migrations, manage_migrations, raw_alembic_ini

ALEMBIC = str(Path(sys.executable).with_name("alembic"))
MANAGE = [sys.executable, str(ROOT / "manage.py")]
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRETS = {
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
    "SECURITY_PASSWORD_SALT": "bench-salt-012345678",
}


class FreshDatabase:
    """A new empty database for each run: SQLite files, or PostgreSQL databases dropped afterwards."""

    def __init__(self, backend: str, scratch: Path) -> None:
        self.backend = backend
        self.scratch = scratch
        self.made: list[str] = []

    def url(self) -> str:
        """The URL of a database made just now."""
        name = f"bench_{uuid.uuid4().hex[:10]}"
        if self.backend == "sqlite":
            return f"sqlite:///{self.scratch / name}.db"
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        self.made.append(name)
        return sa.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases made."""
        if not self.made:
            return
        admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.made:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def measure(
    runs: int, revisions: int, backends: tuple[str, ...] = ("sqlite", "postgresql")
) -> list[Comparison]:
    """Ours vs raw Alembic on each backend."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        generate_chain(scratch / "chain", revisions)
        migrations = manage_migrations(scratch / "migrations", scratch / "chain" / "versions")
        bare = bare_flask_migrations(scratch / "bare", scratch / "chain" / "versions")
        env = {**SECRETS, "PYTHONPATH": str(ROOT)}
        for backend in backends:
            databases = FreshDatabase(backend, scratch)

            def ours(databases: FreshDatabase = databases) -> Sample:
                url = databases.url()
                return run_once(
                    [*MANAGE, "db", "-d", str(migrations), "upgrade"], {**env, "DATABASE_URL": url}
                )

            def theirs(databases: FreshDatabase = databases, backend: str = backend) -> Sample:
                url = databases.url()
                ini = raw_alembic_ini(
                    scratch / f"raw-{backend}-{uuid.uuid4().hex[:6]}", migrations / "versions", url
                )
                return run_once([ALEMBIC, "-c", str(ini), "upgrade", "head"], env)

            def floor(databases: FreshDatabase = databases) -> Sample:
                url = databases.url()
                return run_once(
                    [*FLASK, "db", "upgrade"], {**env, "DATABASE_URL": url, "BARE_MIGRATIONS": str(bare)}
                )

            try:
                results.append(
                    compare(
                        f"db upgrade, {revisions} revisions, {backend} (lock, history, checksums, lint)",
                        "raw Alembic upgrade, same scripts",
                        ours,
                        theirs,
                        runs,
                        goal=1.25,  # issue 15, item 8
                        floor=floor,
                    )
                )
            finally:
                databases.drop_all()
    return results
