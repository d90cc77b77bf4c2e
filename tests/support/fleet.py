"""A fleet for the tests: PostgreSQL schemas in one fresh database, fresh MariaDB databases, SQLite
files, and the targets file naming them all; every database dropped afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from oramigrate.fleet import Target, load_targets
from oramigrate.fleet.engines import target_engine
from support.databases import fresh_database


@dataclass(frozen=True)
class Fleet:
    """The targets file and its targets (file order: PostgreSQL schemas, MariaDB, SQLite)."""

    file: Path
    targets: list[Target]
    postgres_url: str

    @property
    def names(self) -> list[str]:
        """Every target's name, in file order."""
        return [target.name for target in self.targets]

    def query(self, name: str, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on target ``name``, through its schema-bound engine ([] if a table is missing)."""
        engine = target_engine(next(t for t in self.targets if t.name == name))
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(sql))]
        except sa.exc.DBAPIError:
            return []
        finally:
            engine.dispose()

    def execute(self, name: str, sql: str) -> None:
        """Run ``sql`` on target ``name`` and commit."""
        engine = target_engine(next(t for t in self.targets if t.name == name))
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(sql))
        finally:
            engine.dispose()

    def history(self, name: str) -> list[tuple[Any, ...]]:
        """(revision, direction, outcome) of each history row of ``name``, oldest first."""
        return self.query(name, "SELECT revision, direction, outcome FROM migration_history ORDER BY id")

    def current(self, name: str) -> set[str]:
        """The revisions in ``name``'s alembic_version."""
        return {row[0] for row in self.query(name, "SELECT version_num FROM alembic_version")}


@contextmanager
def make_fleet(tmp_path: Path, *, schemas: int, mariadb: int, sqlite: int) -> Iterator[Fleet]:
    """``schemas`` PostgreSQL schemas (pg_01, ...), ``mariadb`` databases (maria_1, ...), ``sqlite`` files."""
    with ExitStack() as stack:
        postgres = stack.enter_context(fresh_database("postgresql", tmp_path))
        engine = sa.create_engine(postgres.url)
        with engine.begin() as connection:
            for index in range(1, schemas + 1):
                connection.exec_driver_sql(f"CREATE SCHEMA s{index:02d}")
        engine.dispose()
        lines = ["[defaults]", f'url = "{postgres.url}"', ""]
        lines += [f'[targets.pg_{i:02d}]\nschema = "s{i:02d}"\n' for i in range(1, schemas + 1)]
        for index in range(1, mariadb + 1):
            made = stack.enter_context(fresh_database("mariadb", tmp_path / f"m{index}"))
            lines.append(f'[targets.maria_{index}]\nurl = "{made.url}"\n')
        for index in range(1, sqlite + 1):
            lines.append(f'[targets.sqlite_{index}]\nurl = "sqlite:///{tmp_path / f"s{index}.db"}"\n')
        file = tmp_path / "targets.toml"
        file.write_text("\n".join(lines), encoding="utf-8")
        yield Fleet(file, load_targets(file, {}), postgres.url)


class SessionPeak:
    """The most sessions seen at once on one database (``pg_stat_activity`` / MariaDB's processlist),
    sampled every 10 ms in a thread from a session of its own (not counted) while the block runs."""

    QUERIES = {
        "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE datname = :database"
        " AND pid <> pg_backend_pid()",
        "mysql": "SELECT count(*) FROM information_schema.processlist WHERE db = :database"
        " AND id <> connection_id()",
    }

    def __init__(self, url: str) -> None:
        made = sa.make_url(url)
        self.database = made.database
        self.engine = sa.create_engine(made, isolation_level="AUTOCOMMIT")
        self.query = sa.text(self.QUERIES[self.engine.dialect.name])
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> SessionPeak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.engine.dispose()

    def _sample(self) -> None:
        with self.engine.connect() as connection:
            while not self._stop.wait(0.01):
                count = connection.execute(self.query, {"database": self.database}).scalar_one()
                self.peak = max(self.peak, int(count))
