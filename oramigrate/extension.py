"""``OracleSafe(app, db)``: Flask-Migrate's ``Migrate`` whose ``db`` command group is the guarded one.

Everything Flask-Migrate's ``Migrate`` does (``app.extensions["migrate"]``, ``get_config``,
``configure`` callbacks, the env.py conventions) stays; its plain ``db`` group, which would upgrade
with no lock, history, checksum refusal or lint gate, is replaced on ``app.cli`` by ours. The safety
layer's settings are read from the app's config (else the environment) once, here, and checked.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from alembic.config import Config
from flask import Flask
from flask_migrate import Migrate

from .configuration import Settings


def _print_to_current_stdout(config: Config) -> Config:
    # Alembic's Config binds sys.stdout when its module is imported; a redirected stdout (a test
    # runner, a caller capturing output) must receive what `db heads` or `db history` print
    config.stdout = sys.stdout
    return config


SETTING_NAMES = (
    "ORACLE_TARGET_VERSION",
    "MIGRATION_HISTORY_TABLE",
    "MIGRATION_LOCK_TIMEOUT",
    "MIGRATION_LOCK_WAIT",
    "MIGRATION_LOCK_RETRIES",
    "MIGRATION_EXCLUDE_OBJECTS",
    "ORACLE_CLIENT_LIB_DIR",
)


class OracleSafe(Migrate):  # type: ignore[misc]
    """Flask-Migrate, with ``flask db`` (or ``--command``'s name) routed through the safety layer."""

    def __init__(self, app: Flask | None = None, db: Any = None, **kwargs: Any) -> None:
        super().__init__(app, db, **kwargs)
        self.configure_callbacks.insert(0, _print_to_current_stdout)

    def init_app(self, app: Flask, db: Any = None, directory: str | None = None, **kwargs: Any) -> None:
        """Bind ``db`` and the migrations ``directory`` to ``app``; register the guarded ``db`` group."""
        from .cli import db as guarded_group

        values = {name: app.config.get(name, os.environ.get(name)) for name in SETTING_NAMES}
        settings = Settings.from_mapping(values)  # a bad value fails here, at start-up
        if settings.oracle_client_lib_dir:
            from .oracle.client import start_thick_mode

            start_thick_mode(settings.oracle_client_lib_dir)  # before any connection: one mode per process
        super().init_app(app, db, directory, **kwargs)
        app.extensions["oramigrate"] = settings
        # Migrate.init_app has just added Flask-Migrate's own group under this name: ours replaces it
        app.cli.add_command(guarded_group, name=self.command)
