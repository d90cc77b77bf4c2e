"""The ``db`` command group: Flask-Migrate's commands, with ours added as the issues land."""

from __future__ import annotations

import click
from flask_migrate.cli import db as flask_migrate_db

from .deploy_cli import COMMANDS as DEPLOY_COMMANDS
from .init_command import init_command
from .lint.command import lint
from .migrate_command import migrate_command

db = click.Group(
    name="db",
    help="Perform database migrations (Alembic via Flask-Migrate, Oracle-safe).",
    params=list(flask_migrate_db.params),
    callback=flask_migrate_db.callback,
)
for _name, _command in flask_migrate_db.commands.items():
    db.add_command(_command, _name)
db.add_command(migrate_command, "migrate")
db.add_command(init_command, "init")
# deploy-safe upgrade, downgrade and stamp replace Flask-Migrate's; log, verify, status, baseline are new
for _name, _command in DEPLOY_COMMANDS.items():
    db.add_command(_command, _name)
db.add_command(lint)
