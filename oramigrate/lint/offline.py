"""The environment a revision is recorded in: Alembic's own offline one, as under ``alembic upgrade --sql``.

``alembic.context`` answers (config, ``is_offline_mode()``, ``get_x_argument()``), ``op.get_context()``
is a real MigrationContext with ``as_sql=True`` for the target dialect and version, and
``op.get_bind()`` records what is sent through it instead of running it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import alembic.context  # noqa: F401 - sets up the module-level ``context`` proxy we install ourselves
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.engine.mock import MockConnection
from sqlalchemy.sql.elements import ClauseElement

from .. import plugin
from ..oracle import target as oracle_target
from ..private import proxy_installed, set_migration_context
from .model import LintTarget

LIBRARIES = ("alembic.", "sqlalchemy.", "oramigrate.", "sqlglot.")


class OfflineRead(Exception):
    """A revision asked for rows, which an offline (``--sql``) run cannot give."""


def config_for(scripts: ScriptDirectory) -> Config:
    """The directory's ``alembic.ini`` (or the one beside it that points here), else an empty Config."""
    directory = Path(scripts.dir).resolve()
    for candidate in (directory / "alembic.ini", directory.parent / "alembic.ini"):
        if candidate.is_file():
            config = Config(str(candidate))
            location = config.get_main_option("script_location")
            if candidate.parent == directory or (
                location and (candidate.parent / location).resolve() == directory
            ):
                config.set_main_option("script_location", str(directory))
                return config
    config = Config()
    config.set_main_option("script_location", str(directory))
    return config


def _text_of(statement: Any, dialect: Any) -> str:
    # str() of a PostgreSQL CreateEnumType (what ENUM.create(bind) sends) raises AttributeError
    # without a dialect: compile it for the bind's
    if dialect is not None and isinstance(statement, ClauseElement):
        return str(statement.compile(dialect=dialect))
    return str(statement)


class OfflineResult:
    """What executing a statement returns offline: nothing to read."""

    def __init__(self, statement: Any, dialect: Any = None) -> None:
        self._statement = " ".join(_text_of(statement, dialect).split())[:60]

    def close(self) -> None:
        """Nothing to release."""

    def __getattr__(self, name: str) -> Any:
        raise OfflineRead(
            f"reads rows from the database (.{name} on the result of {self._statement!r}), "
            "which an offline run cannot do"
        )

    def __iter__(self) -> Iterator[Any]:
        raise OfflineRead(f"iterates over the rows of {self._statement!r}, which an offline run cannot do")


class RecordingBind(MockConnection):
    """``op.get_bind()`` while recording: statements are recorded, nothing runs, rows cannot be read."""

    def __init__(self, context: MigrationContext, record: Callable[[Any, str], None]) -> None:
        super().__init__(context.dialect, lambda statement, *_: record(statement, "op.get_bind().execute"))
        self._record = record

    def execute(self, obj: Any, parameters: Any = None, execution_options: Any = None) -> Any:
        """Record ``obj`` as sent through the bind."""
        self._record(obj, "op.get_bind().execute")
        return OfflineResult(obj, self.dialect)

    def exec_driver_sql(self, statement: str, parameters: Any = None, execution_options: Any = None) -> Any:
        """Record a driver-level SQL string."""
        self._record(statement, "op.get_bind().exec_driver_sql")
        return OfflineResult(statement)

    def scalar(self, obj: Any, parameters: Any = None, execution_options: Any = None) -> Any:
        """A single value: recorded, then unreadable offline."""
        self._record(obj, "op.get_bind().scalar")
        return OfflineResult(obj, self.dialect).scalar

    def begin(self) -> RecordingBind:
        """Transactions are the environment's; a block is just the connection."""
        return self

    begin_nested = begin

    def commit(self) -> None:
        """Offline, there is nothing to commit."""

    rollback = commit

    def __enter__(self) -> RecordingBind:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class WatchedContext(MigrationContext):
    """A MigrationContext that notes when revision code (not a library) asks whether it runs offline."""

    watch: Callable[[str], None] | None = None
    autocommit_depth = 0  # > 0 inside ``op.get_context().autocommit_block()``

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Note that what the revision does now runs outside a transaction (nothing runs offline)."""
        self.autocommit_depth += 1
        try:
            yield
        finally:
            self.autocommit_depth -= 1

    @property  # type: ignore[override]
    def as_sql(self) -> bool:
        """True; a read from revision code is a branch on offline mode."""
        caller = str(sys._getframe(1).f_globals.get("__name__", ""))
        if self.watch is not None and not caller.startswith(LIBRARIES):
            self.watch("op.get_context().as_sql")
        return self._as_sql

    @as_sql.setter
    def as_sql(self, value: bool) -> None:
        self._as_sql = value


def offline_environment(scripts: ScriptDirectory, target: LintTarget) -> EnvironmentContext:
    """An EnvironmentContext as ``alembic upgrade --sql`` makes it, for the target dialect and version."""
    plugin.install()  # op.create_sequence and the guards, as env.py has them
    environment = EnvironmentContext(config_for(scripts), scripts, as_sql=True)
    dialect = make_url(f"{target.dialect}://").get_dialect()()
    if target.dialect == "oracle" and target.version is not None:
        oracle_target.apply_to_dialect(dialect, target.version)
    opts = {"as_sql": True, "output_buffer": io.StringIO(), "literal_binds": True, "script": scripts}
    set_migration_context(environment, WatchedContext(dialect, None, opts, environment))
    return environment


installed = proxy_installed
