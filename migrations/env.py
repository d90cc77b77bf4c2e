"""Alembic environment: the work is done by ``oramigrate.environment`` (Oracle-safe rules)."""

from logging.config import fileConfig

from alembic import context
from flask import current_app

from oramigrate.environment import run

if context.config.config_file_name is not None:
    # keep loggers made before this point (flask_migrate's "Error: ..." lines) working
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

_migrate = current_app.extensions["migrate"]
# the models are imported only for autogenerate and check: upgrade and current start faster
run(
    _migrate.db.engine,
    _migrate.db.metadatas[None],
    dict(_migrate.configure_args),
    load_models=lambda: _migrate.db.metadata,
)
