#!/usr/bin/env python
"""python manage.py ...: manage the application and its Oracle-safe schema.

Commands are imported only when run, so --help needs no database, network or secret.
"""

from __future__ import annotations

import gc

# Start-up (Flask, SQLAlchemy, Alembic, the app) allocates some 300,000 objects that live as long as
# the process; the collector would walk them again and again while they are made (a sixth of a
# ``db upgrade``). So it rests until the app is made, and they are then frozen out of its reach
# (gc.freeze, as the gc module documents for long-lived start-up objects). Only when run as a program.
_STARTING = __name__ == "__main__" and gc.isenabled()
if _STARTING:
    gc.disable()

import importlib  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402
from flask.cli import FlaskGroup  # noqa: E402

# name -> ("module:attribute", short help) of each command, imported on first use.
COMMANDS = {
    "db": ("oramigrate.cli:db", "Migrate the database schema (Alembic, Oracle-safe)."),
    "dbCreateRegUser": ("webapp.commands:create_reg_user", "Seed Flask-Security users and roles."),
    "runserver": ("webapp.server:runserver", "Serve the application."),
}
_apps: list[Any] = []


def _started() -> None:
    """Start-up is over: freeze what it made and let the collector work again."""
    global _STARTING
    if _STARTING:
        _STARTING = False
        gc.freeze()
        gc.enable()


def create_app() -> Any:
    """The application for this command line (kept so failures can name its database)."""
    from webapp import create_app as factory

    context = click.get_current_context(silent=True)
    schema_only = context is not None and context.find_root().invoked_subcommand == "db"
    app = factory(web=not schema_only)
    _apps.append(app)
    _started()
    return app


def dispose_apps() -> None:
    """Close the database connections of the apps this process made (tests run many in one process)."""
    while _apps:
        app = _apps.pop()
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


class ManageGroup(FlaskGroup):
    """FlaskGroup with lazily imported commands and one-line errors for expected failures."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, without loading the application."""
        return sorted(set(click.Group.list_commands(self, ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Import a lazy command on first use; otherwise as FlaskGroup does."""
        if name in COMMANDS:
            module, attribute = COMMANDS[name][0].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List our commands only, from their static help (--help imports none of them).

        Flask's own ``run``, ``shell`` and ``routes`` still work, unlisted: ``run`` beside
        ``runserver`` would make a newcomer pick the development server.
        """
        with formatter.section("Commands"):
            formatter.write_dl(sorted((name, help_text) for name, (_, help_text) in COMMANDS.items()))

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command inside the error boundary: expected failures become one line and an exit code."""
        from oramigrate.failures import run_guarded

        return run_guarded(
            lambda: super(ManageGroup, self).invoke(ctx),
            lambda: _apps[-1].config["SQLALCHEMY_DATABASE_URI"] if _apps else None,
        )


cli = ManageGroup(create_app=create_app, help=__doc__)

if __name__ == "__main__":
    cli(prog_name="manage.py")
