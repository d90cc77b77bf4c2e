"""``db check``, for CI: no drift between models and schema, and a chain that lints clean."""

from __future__ import annotations

import click
from alembic.util import CommandError
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate import check as flask_migrate_check

from .errors import MigrationError


class CheckFailed(MigrationError):
    """Drift, lint findings, or both."""


def check(directory: str | None) -> str:
    """Drift check, then lint of the whole chain; the lint report, or CheckFailed naming what failed."""
    from .lint import lint_revisions, load_scripts
    from .lint.report import report_to_text
    from .lint.runner import all_revisions
    from .lint_gate import gate_target

    drift = None
    try:
        flask_migrate_check.__wrapped__(directory)
    except CommandError as exc:
        drift = str(exc).strip().splitlines()[0]
    scripts = load_scripts(directory or current_app.extensions["migrate"].directory)
    report = lint_revisions(scripts, all_revisions(scripts), gate_target())
    problems = ([f"drift: {drift}"] if drift else []) + (
        [f"lint: {len(report.errors_unacknowledged())} unacknowledged error(s)"] if report.failed() else []
    )
    if problems:
        raise CheckFailed("db check failed: " + "; ".join(problems) + "\n" + report_to_text(report))
    return report_to_text(report)


@click.command("check")
@click.option("-d", "--directory", default=None, help='Migration script directory (default is "migrations")')
@with_appcontext
def check_command(directory: str | None) -> None:
    """Fail on drift between models and schema, or on unacknowledged lint errors (for CI)."""
    click.echo(check(directory or g.get("directory")))
