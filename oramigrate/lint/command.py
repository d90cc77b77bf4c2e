"""``db lint``: parse the options, lint, print the report; unacknowledged findings exit 1."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import click
from flask import current_app, g
from flask.cli import with_appcontext

from .. import oracle_target
from ..errors import ConfigurationError
from .model import LintFailed, LintReport, LintTarget
from .report import render
from .runner import all_revisions, lint_revisions, load_scripts, pending_revisions, select_revisions

DIALECTS = ("oracle", "postgresql", "mariadb", "mysql", "sqlite", "mssql")


def target_from_options(dialect: str, version: str | None, environ: Mapping[str, str]) -> LintTarget:
    """The lint target: ``--target-version``, else ORACLE_TARGET_VERSION, else 11.2 (Oracle only)."""
    if dialect != "oracle":
        if version:
            raise ConfigurationError("--target-version applies to --dialect oracle only")
        return LintTarget(dialect, None)
    parsed = oracle_target.parse_version(version) if version else oracle_target.target_version(environ)
    return LintTarget("oracle", parsed or oracle_target.PORTABLE_VERSION)


def lint_app(directory: str | None, revisions: Sequence[str], every: bool, target: LintTarget) -> LintReport:
    """Lint the named revisions, all of them, or (by default) those the app's database has not applied."""
    migrate = current_app.extensions["migrate"]
    scripts = load_scripts(directory or g.get("directory") or migrate.directory)
    if revisions:
        selected = select_revisions(scripts, revisions)
    elif every:
        selected = all_revisions(scripts)
    else:
        version_table = migrate.configure_args.get("version_table", "alembic_version")
        selected = pending_revisions(scripts, migrate.db.engine, version_table)
    return lint_revisions(scripts, selected, target)


@click.command("lint")
@click.argument("revisions", nargs=-1)
@click.option("-d", "--directory", default=None, help="Migration directory (default: the app's migrations).")
@click.option("--all", "every", is_flag=True, help="Lint the whole chain (no database needed).")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--dialect", type=click.Choice(DIALECTS), default="oracle", show_default=True)
@click.option(
    "--target-version",
    default=None,
    metavar="VERSION",
    help="Oracle version (default: ORACLE_TARGET_VERSION, else 11.2).",
)
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@with_appcontext
def lint(
    revisions: tuple[str, ...],
    directory: str | None,
    every: bool,
    output_format: str,
    dialect: str,
    target_version: str | None,
    strict: bool,
) -> None:
    """Check revisions for destructive or risky operations (default: those not yet applied)."""
    if every and revisions:
        raise click.UsageError("give revisions or --all, not both")
    target = target_from_options(dialect, target_version, os.environ)
    report = lint_app(directory, revisions, every, target)
    click.echo(render(report, output_format))
    if report.failed(strict):
        raise LintFailed(report, strict)
