"""``db migrate``: Flask-Migrate's autogenerate, with the user's answers to what it cannot know."""

from __future__ import annotations

from typing import Any

import click
from alembic import command
from alembic.script import Script, ScriptDirectory
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate.cli import migrate as flask_migrate_command

from .errors import ConfigurationError
from .rewrite import POLICY, AutogeneratePolicy


def _table_column(text: str, option: str) -> tuple[str, str]:
    table, dot, column = text.partition(".")
    if not dot or not table or not column:
        raise ConfigurationError(f"{option} expects TABLE.COLUMN, not {text!r}")
    return table.lower(), column.lower()


def policy_from_options(renames: tuple[str, ...], allow_drops: tuple[str, ...]) -> AutogeneratePolicy:
    """Parse ``--rename TABLE.OLD=NEW`` and ``--allow-drop TABLE.COLUMN`` into a policy."""
    parsed = {}
    for rename in renames:
        old, equals, new = rename.partition("=")
        if not equals or not new:
            raise ConfigurationError(f"--rename expects TABLE.OLD=NEW, not {rename!r}")
        parsed[_table_column(old, "--rename")] = new
    drops = frozenset(_table_column(drop, "--allow-drop") for drop in allow_drops)
    return AutogeneratePolicy(renames=parsed, allowed_drops=drops)


def migrate(
    *, renames: tuple[str, ...], allow_drops: tuple[str, ...], directory: str | None, **options: Any
) -> str | None:
    """Autogenerate a revision under the user's rename / drop decisions; its lint report, if written."""
    from .lint_gate import describe_new_revision

    token = POLICY.set(policy_from_options(renames, allow_drops))
    try:
        x_arg = options.pop("x_arg")
        config = current_app.extensions["migrate"].migrate.get_config(
            directory, opts=["autogenerate"], x_arg=x_arg
        )
        script = command.revision(config, autogenerate=True, **options)
    finally:
        POLICY.reset(token)
    if not isinstance(script, Script) or options.get("sql"):
        return None
    return describe_new_revision(ScriptDirectory.from_config(config), script.revision)


@click.command("migrate", params=list(flask_migrate_command.params))
@click.option(
    "--rename",
    "renames",
    multiple=True,
    metavar="TABLE.OLD=NEW",
    help="Confirm that column OLD was renamed NEW (repeatable).",
)
@click.option(
    "--allow-drop",
    "allow_drops",
    multiple=True,
    metavar="TABLE.COLUMN",
    help="Confirm that dropping this column and its data is intended.",
)
@with_appcontext
def migrate_command(renames: tuple[str, ...], allow_drops: tuple[str, ...], **options: Any) -> None:
    """Autogenerate a revision (stops on a drop+add it cannot tell from a rename)."""
    options["directory"] = options["directory"] or g.get("directory")
    options["x_arg"] = options["x_arg"] or g.get("x_arg")
    report = migrate(renames=renames, allow_drops=allow_drops, **options)
    if report is not None:
        click.echo(report)
