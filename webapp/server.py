"""``python manage.py runserver``: serve the application."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("runserver")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@with_appcontext
def runserver(host: str, port: int) -> None:
    """Serve the application (development server with reloader and debugger)."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise click.UsageError("the development server (debugger on) listens on loopback only")
    current_app.run(host=host, port=port, debug=True, use_reloader=True)
