"""``db init``: a new migrations folder with the Oracle-safe environment (not Flask-Migrate's plain one)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import g
from flask.cli import with_appcontext
from flask_migrate import init as flask_migrate_init
from flask_migrate.cli import init as flask_migrate_command

TEMPLATE = str(Path(__file__).resolve().parent / "templates" / "oracle-safe")


@click.command("init", params=list(flask_migrate_command.params))
@with_appcontext
def init_command(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Create a migrations folder (default template: oracle-safe)."""
    chosen = template or (None if multidb else TEMPLATE)
    flask_migrate_init.__wrapped__(directory or g.get("directory"), multidb, chosen, package)
