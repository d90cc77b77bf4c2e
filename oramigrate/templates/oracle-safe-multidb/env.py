"""Alembic environment for every bind (SQLALCHEMY_BINDS): ``oramigrate.environment.run_binds``."""

from logging.config import fileConfig

from alembic import context
from flask import current_app

from oramigrate.binds import binds_of
from oramigrate.environment import run_binds

if context.config.config_file_name is not None:
    # keep loggers made before this point (flask_migrate's "Error: ..." lines) working
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)

# "" is the default bind; each revision runs as upgrade_<bind>() / downgrade_<bind>() on its own database
run_binds(binds_of(current_app), dict(current_app.extensions["migrate"].configure_args))
