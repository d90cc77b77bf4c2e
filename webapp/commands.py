"""``python manage.py dbCreateRegUser``: seed Flask-Security users and roles."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from oramigrate.settings import env_secret


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    from_file = env_secret(
        "REGUSER_PASSWORD", {k: v for k, v in os.environ.items() if k == "REGUSER_PASSWORD_FILE"}
    )
    if from_file is not None:
        return from_file
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    raise click.UsageError("no password: use --password-stdin, REGUSER_PASSWORD_FILE or a terminal prompt")


def _refuse_password_option(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.UsageError(
            "a password on the command line is visible to every user of this machine (ps, shell "
            "history): use --password-stdin, REGUSER_PASSWORD_FILE or the prompt"
        )


@click.command("dbCreateRegUser")
@click.option("--email", required=True, help="Email address the user signs in with.")
@click.option("--first-name", default="", help="Given name.")
@click.option("--last-name", default=None, help="Family name.")
@click.option("--role", "roles", multiple=True, help="Role name (made if missing); repeatable.")
@click.option("--inactive", is_flag=True, help="Create the user disabled.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--password", expose_value=False, hidden=True, callback=_refuse_password_option)
@with_appcontext
def create_reg_user(
    email: str,
    first_name: str,
    last_name: str | None,
    roles: tuple[str, ...],
    inactive: bool,
    password_stdin: bool,
) -> None:
    """Create a registered user (Flask-Security) with roles."""
    from webapp.users import NewUser, create_user

    new = NewUser(
        email=email,
        password=_read_password(password_stdin),
        first_name=first_name or email.split("@", 1)[0],
        last_name=last_name,
        roles=roles,
        active=not inactive,
    )
    if create_user(new):
        click.echo(f"created user {email}")
    else:
        click.echo(f"user {email} already exists: unchanged")
