"""A plain Alembic project (no Flask): its ``alembic.ini``, and the engine its own ``env.py`` makes.

The console script reads the project as ``alembic`` does: the ini file and section it is given, and
``-x`` arguments. The database is the one the project's env.py connects to (it may build the URL
from its own settings), found by running env.py the way ``alembic current`` does: with
``dont_mutate``, so that nothing is created, and a migration function that runs nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .configuration import ENGINE
from .errors import ConfigurationError


def project_config(ini_file: str, section: str = "alembic", x_args: tuple[str, ...] = ()) -> Config:
    """The project's Alembic Config, its script location made absolute as ``alembic`` would read it."""
    path = Path(ini_file)
    if not path.is_file():
        raise ConfigurationError(f"no Alembic configuration at {ini_file}: give -c PATH/alembic.ini")
    config = Config(str(path), ini_section=section, cmd_opts=argparse.Namespace(x=list(x_args)))
    if not config.get_main_option("script_location"):
        raise ConfigurationError(f"{ini_file} has no script_location in its [{section}] section")
    return config


def env_engine(config: Config) -> Engine:
    """The engine the project's env.py connects with (kept in ``config.attributes``)."""
    engine = config.attributes.get(ENGINE)
    if isinstance(engine, Engine):
        return engine
    found: list[Engine] = []

    def capture(_heads: Any, context: Any) -> list[Any]:
        found.append(context.connection.engine)
        return []  # run nothing

    scripts = ScriptDirectory.from_config(config)
    with EnvironmentContext(config, scripts, fn=capture, dont_mutate=True):
        scripts.run_env()
    if not found:
        raise ConfigurationError(
            f"{scripts.dir}/env.py did not connect to a database (offline only?): set sqlalchemy.url"
        )
    config.attributes[ENGINE] = found[0]
    return found[0]
