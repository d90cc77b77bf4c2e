"""``python manage.py runserver``: the development server, or waitress with ``--production``."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _warn_on_salt_mismatch(app: Flask) -> None:
    """Development: say so when the seeded users' passwords were hashed under another salt."""
    from sqlalchemy.exc import SQLAlchemyError

    from .salt import mismatch

    try:
        message = mismatch(app)
    except SQLAlchemyError:  # no database yet: the pages will say so
        return
    if message is not None:
        click.echo(f"Warning: {message}", err=True)


def address(host: str, port: int) -> str:
    """The URL a browser takes for ``host``: an IPv6 address in brackets (RFC 3986, section 3.2.2)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@click.command("runserver")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--production", is_flag=True, help="Serve with waitress: no debugger, secure cookies.")
@click.option(
    "--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Waitress worker threads."
)
@click.option(
    "--allow-not-at-head", is_flag=True, help="With --production: serve even if migrations are pending."
)
@with_appcontext
def runserver(host: str, port: int, production: bool, threads: int, allow_not_at_head: bool) -> None:
    """Serve the application (development: reloader and debugger, loopback only)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if allow_not_at_head and not production:
        raise click.UsageError("--allow-not-at-head applies to --production only")
    if production:
        from .production import prepare, serve

        prepare(app, allow_not_at_head=allow_not_at_head)
        serve(
            app,
            host=host,
            port=port,
            threads=threads,
            listening=lambda: click.echo(f"serving on {address(host, port)} (waitress, {threads} threads)"),
        )
        return
    if host not in LOOPBACK:
        raise click.UsageError("the development server (debugger on) listens on loopback only")
    if not os.environ.get("WERKZEUG_RUN_MAIN"):  # the reloader's child inherits the bound socket
        from .production import require_free

        require_free(host, port)
        _warn_on_salt_mismatch(app)
    # not app.run(): Flask ignores it inside a `flask`-style CLI command (FLASK_RUN_FROM_CLI)
    from werkzeug.serving import run_simple

    app.debug = True
    run_simple(host, port, app, use_reloader=True, use_debugger=True, threaded=True)
