"""The ``db`` command group: Flask-Migrate's commands and ours, each imported only when it runs.

Ours replace Flask-Migrate's ``init``, ``migrate``, ``upgrade``, ``downgrade``, ``stamp`` and
``check``, and add ``lint``, ``log``, ``verify``, ``status`` and ``baseline``. Importing lazily keeps
``db current`` from loading the linter (sqlglot) or the deploy machinery.
"""

from __future__ import annotations

import importlib

import click
from flask_migrate.cli import db as flask_migrate_db

OURS = {
    "init": "oramigrate.init_command:init_command",
    "migrate": "oramigrate.migrate_command:migrate_command",
    "check": "oramigrate.check_command:check_command",
    "upgrade": "oramigrate.deploy_cli:upgrade_command",
    "downgrade": "oramigrate.deploy_cli:downgrade_command",
    "stamp": "oramigrate.deploy_cli:stamp_command",
    "log": "oramigrate.deploy_cli:log_command",
    "verify": "oramigrate.deploy_cli:verify_command",
    "status": "oramigrate.deploy_cli:status_command",
    "baseline": "oramigrate.deploy_cli:baseline_command",
    "lint": "oramigrate.lint.command:lint",
}


class LazyGroup(click.Group):
    """A click group whose own commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Flask-Migrate's commands and ours."""
        return sorted(set(super().list_commands(ctx)) | set(OURS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Ours (imported now) before Flask-Migrate's."""
        if name in OURS:
            module, attribute = OURS[name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


db = LazyGroup(
    name="db",
    help="Perform database migrations (Alembic via Flask-Migrate, Oracle-safe).",
    params=list(flask_migrate_db.params),
    callback=flask_migrate_db.callback,
    commands=dict(flask_migrate_db.commands),
)
