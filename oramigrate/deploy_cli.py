"""Click commands for deploy-safe upgrades: each parses options and calls one library function."""

from __future__ import annotations

import click
from flask import g
from flask.cli import with_appcontext
from flask_migrate import cli as flask_migrate_cli

from . import baseline as baseline_module
from . import deploy, deploy_report

lock_timeout_option = click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=deploy.DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another runner's migration lock before giving up.",
)
directory_option = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations")'
)


def _directory(directory: str | None) -> str | None:
    return directory or g.get("directory")


def _notify(message: str) -> None:
    click.echo(message, err=True)


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


@click.command("upgrade", params=list(flask_migrate_cli.upgrade.params))
@lock_timeout_option
@click.option(
    "--allow-edited", is_flag=True, help="Upgrade even if applied revision files changed (recorded)."
)
@click.option(
    "--allow-unsafe", is_flag=True, help="Apply revisions with unacknowledged lint errors (recorded)."
)
@with_appcontext
def upgrade_command(
    directory: str | None,
    sql: bool,
    tag: str | None,
    x_arg: tuple[str, ...],
    revision: str,
    lock_timeout: float,
    allow_edited: bool,
    allow_unsafe: bool,
) -> None:
    """Upgrade to a later version (one runner at a time, audited, resumable)."""
    deploy.upgrade(
        _directory(directory),
        revision,
        sql=sql,
        tag=tag,
        x_arg=x_arg,
        lock_timeout=lock_timeout,
        allow_edited=allow_edited,
        allow_unsafe=allow_unsafe,
        notify=_notify,
    )


@click.command("downgrade", params=list(flask_migrate_cli.downgrade.params))
@lock_timeout_option
@with_appcontext
def downgrade_command(
    directory: str | None,
    sql: bool,
    tag: str | None,
    x_arg: tuple[str, ...],
    revision: str,
    lock_timeout: float,
) -> None:
    """Revert to a previous version (under the migration lock, audited)."""
    deploy.downgrade(
        _directory(directory),
        revision,
        sql=sql,
        tag=tag,
        x_arg=x_arg,
        lock_timeout=lock_timeout,
        notify=_notify,
    )


@click.command("stamp", params=list(flask_migrate_cli.stamp.params))
@lock_timeout_option
@with_appcontext
def stamp_command(
    directory: str | None, sql: bool, tag: str | None, revision: str, purge: bool, lock_timeout: float
) -> None:
    """'stamp' the revision table with the given revision; don't run any migrations (audited)."""
    deploy.stamp(
        _directory(directory),
        revision,
        sql=sql,
        tag=tag,
        purge=purge,
        lock_timeout=lock_timeout,
        notify=_notify,
    )


@click.command("log")
@directory_option
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
@with_appcontext
def log_command(directory: str | None, as_json: bool) -> None:
    """Show the migration history: every revision applied or reverted, by whom, how it went."""
    rows = deploy_report.log(_directory(directory))
    if as_json:
        click.echo(deploy_report.log_json(rows))
    else:
        _echo_lines(deploy_report.log_text(rows))


@click.command("verify")
@directory_option
@with_appcontext
def verify_command(directory: str | None) -> None:
    """Compare applied revisions with the files on disk (exit 1 on edited, missing or unknown)."""
    _echo_lines(deploy_report.verify_files(_directory(directory)))


@click.command("status")
@directory_option
@with_appcontext
def status_command(directory: str | None) -> None:
    """Current revision, pending revisions, and any half-applied revision."""
    _echo_lines(deploy_report.status(_directory(directory)))


@click.command("baseline")
@directory_option
@lock_timeout_option
@with_appcontext
def baseline_command(directory: str | None, lock_timeout: float) -> None:
    """Adopt a schema made before migrations: stamp head only if it matches the models."""
    _echo_lines(baseline_module.baseline(_directory(directory), lock_timeout=lock_timeout, notify=_notify))


COMMANDS = {
    "upgrade": upgrade_command,
    "downgrade": downgrade_command,
    "stamp": stamp_command,
    "log": log_command,
    "verify": verify_command,
    "status": status_command,
    "baseline": baseline_command,
}
