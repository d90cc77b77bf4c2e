"""``python manage.py dbCreateRegUser``: seed Flask-Security users and roles, one or from a file."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext

from oramigrate.settings import env_secret
from webapp.users import InvalidUser, RowsRejected

MAX_STDIN_PASSWORD = 4096
NO_PASSWORD_STDIN_ON_TERMINAL = (
    "--password-stdin reads a pipe, and standard input is a terminal (the password would echo): "
    "drop --password-stdin to be prompted"
)


def _given_password(password_stdin: bool) -> str | None:
    """The password from standard input or REGUSER_PASSWORD_FILE, if either is the source."""
    if password_stdin:
        if sys.stdin.isatty():
            raise InvalidUser(NO_PASSWORD_STDIN_ON_TERMINAL)
        # bounded: past Flask-Security's 128 the password is refused as too long anyway
        return sys.stdin.readline(MAX_STDIN_PASSWORD).rstrip("\r\n")
    # only the _FILE form: a password in the environment leaks to child processes and /proc
    return env_secret(
        "REGUSER_PASSWORD", {"REGUSER_PASSWORD_FILE": os.environ.get("REGUSER_PASSWORD_FILE", "")}
    )


def _prompt() -> str:
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _refuse_password_option(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise InvalidUser(
            "a password on the command line is visible to every user of this machine (ps, shell "
            "history): use --password-stdin, REGUSER_PASSWORD_FILE or the prompt"
        )


@contextmanager
def _progressbar(total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=total, label="hashing passwords", file=sys.stdout) as bar:
        yield bar.update


def _warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _seed_file(path: Path, update: bool, descriptions: dict[str, str], create_roles: bool) -> None:
    from webapp.password_pool import no_progress
    from webapp.seeding import seed_file
    from webapp.user_file import UserFileError
    from webapp.users import RowsRejected

    # a bar only for a person watching: redirected output stays one summary line
    progress = _progressbar if sys.stdout.isatty() else no_progress
    try:
        result = seed_file(
            path,
            update=update,
            descriptions=descriptions,
            progress=progress,
            create_roles=create_roles,
            notify=_warn,
        )
    except RowsRejected as exc:
        raise UserFileError(rejected_rows(path.name, exc)) from None
    click.echo(str(result))


def rejected_rows(name: str, rejected: RowsRejected) -> str:
    """The one ``Error:`` line of a rejected file; with several problems, each on its own line first."""
    problems = rejected.problems
    lines = sorted({problem.line or 0 for problem in problems})
    if len(lines) == 1:
        return f"{name} line {lines[0]}: {'; '.join(p.message for p in problems)} (nothing written)"
    for problem in problems:
        click.echo(f"  {name} line {problem.line}: {problem.message}", err=True)
    shown = ", ".join(str(line) for line in lines[:10]) + (", ..." if len(lines) > 10 else "")
    return f"{name}: {len(lines)} of {rejected.rows} rows invalid (lines {shown}): nothing written"


def _check_mode(from_file: Path | None, email: str | None, single_options: Mapping[str, object]) -> None:
    if from_file is None and email is None:
        raise InvalidUser("give --email for one user, or --from-file for many")
    if from_file is not None:
        given = [name for name, value in single_options.items() if value]
        if given:
            raise InvalidUser(f"--from-file takes users and passwords from the file: drop {', '.join(given)}")


@click.command("dbCreateRegUser")
@click.option("--password", expose_value=False, hidden=True, is_eager=True, callback=_refuse_password_option)
@click.option("--email", help="Email address the user signs in with.")
@click.option("--first-name", help="Given name (default: the part of the email before @).")
@click.option("--last-name", help="Family name.")
@click.option("--role", "roles", multiple=True, help="Role name (must exist, or --create-roles).")
@click.option("--create-roles", is_flag=True, help="Make the named roles that do not exist (else refused).")
@click.option(
    "--role-description",
    "described_roles",
    multiple=True,
    metavar="NAME=TEXT",
    help="Description of a role made on demand (changed with --update); repeatable.",
)
@click.option("--active/--inactive", default=None, help="Whether the user may sign in (default: active).")
@click.option(
    "--update", is_flag=True, help="Change roles, names, active flag or password of an existing user."
)
@click.option(
    "--from-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Seed every user of a .csv or .json file (all or nothing).",
)
@click.option(
    "--unlock", is_flag=True, help="With --update: end a sign-in lock-out (failed sign-ins back to 0)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_reg_user(
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    roles: tuple[str, ...],
    described_roles: tuple[str, ...],
    create_roles: bool,
    active: bool | None,
    update: bool,
    from_file: Path | None,
    unlock: bool,
    password_stdin: bool,
) -> None:
    """Create registered users (Flask-Security) with roles: one, or all of a CSV/JSON file.

    The password comes from a prompt (on a terminal), --password-stdin or REGUSER_PASSWORD_FILE,
    never from the command line. An existing email is reported "already exists" (exit status 0)
    and left unchanged unless --update is given.

    A file has the columns email, first_name, last_name, roles (a;b, or a JSON list), active, and
    password or password_hash (one made by Flask-Security). Every problem is listed with its line
    number, and nothing is written unless every row is valid. Roles must exist, be described with
    --role-description, or be made with --create-roles.

    A changed password or active flag signs the user out everywhere (sessions, remember-me).
    """
    from webapp.seeding import seed_user
    from webapp.users import UserSpec, role_descriptions

    single = {"--email": email, "--first-name": first_name, "--last-name": last_name, "--role": roles}
    _check_mode(
        from_file,
        email,
        {
            **single,
            "--active/--inactive": active is not None,
            "--password-stdin": password_stdin,
            "--unlock": unlock,
        },
    )
    if unlock and not update:
        raise InvalidUser("--unlock changes an existing user: add --update")
    descriptions = role_descriptions(described_roles)
    if from_file is not None:
        _seed_file(from_file, update, descriptions, create_roles)
        return
    password = _given_password(password_stdin)
    spec = UserSpec(str(email), first_name, last_name, roles or None, active, password, unlock=unlock)
    ask = _prompt if password is None and sys.stdin.isatty() else None
    outcome = seed_user(
        spec,
        update=update,
        descriptions=descriptions,
        ask_password=ask,
        create_roles=create_roles,
        notify=_warn,
    )
    click.echo(str(outcome))
