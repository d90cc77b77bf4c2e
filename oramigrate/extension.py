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
from flask_migrate import Config as FlaskMigrateConfig
from flask_migrate import Migrate
from sqlalchemy.engine import URL

from .configuration import Settings


def _print_to_current_stdout(config: Config) -> Config:
    # Alembic's Config binds sys.stdout when its module is imported; a redirected stdout (a test
    # runner, a caller capturing output) must receive what `db heads` or `db history` print
    config.stdout = sys.stdout
    return config


class _URLAcceptingConfig(FlaskMigrateConfig):  # type: ignore[misc]
    """Flask-Migrate's Config, taking a SQLAlchemy ``URL`` where an option must be a string.

    Older Flask-Migrate env.py files copy ``SQLALCHEMY_DATABASE_URI`` into ``sqlalchemy.url``; an app
    that keeps a ``URL`` object there would stop them with "option values must be strings".
    """

    def set_section_option(self, section: str, name: str, value: Any) -> None:
        """As Alembic's, a ``URL`` rendered with its password (as the env.py would have needed)."""
        if isinstance(value, URL):
            value = value.render_as_string(hide_password=False).replace("%", "%%")
        super().set_section_option(section, name, value)


def _accept_url_objects(config: Config) -> Config:
    # Flask-Migrate builds the Config itself (Migrate.get_config): the callbacks are the way in
    if type(config) is FlaskMigrateConfig:
        config.__class__ = _URLAcceptingConfig
    return config


SETTING_NAMES = (
    "ORACLE_TARGET_VERSION",
    "MIGRATION_HISTORY_TABLE",
    "MIGRATION_LOCK_TIMEOUT",
    "MIGRATION_LOCK_WAIT",
    "MIGRATION_LOCK_RETRIES",
    "MIGRATION_EXCLUDE_OBJECTS",
    "ORACLE_MAX_STRING_SIZE",
    "ORACLE_EDITION",
    "ORACLE_CLIENT_LIB_DIR",
)


class OracleSafe(Migrate):  # type: ignore[misc]
    """Flask-Migrate, with ``flask db`` (or ``--command``'s name) routed through the safety layer."""

    def __init__(self, app: Flask | None = None, db: Any = None, **kwargs: Any) -> None:
        super().__init__(app, db, **kwargs)
        self.configure_callbacks[:0] = [_print_to_current_stdout, _accept_url_objects]

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
