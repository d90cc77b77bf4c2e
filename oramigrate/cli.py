"""The ``db`` click group: parse options, resolve the Config (engine, settings), one call, errors mapped once.

Our commands replace Flask-Migrate's ``init``, ``migrate``, ``revision``, ``merge``, ``history``,
``check``, ``upgrade``, ``downgrade`` and ``stamp``, and add ``lint``, ``log``, ``verify``,
``status`` and ``baseline``. Its read-only ``current``, ``heads``, ``show``, ``branches`` and ``edit``
keep their options but call Alembic directly: Flask-Migrate's own print a RuntimeError (an env.py
that raises one) as a bare ``Error: boom``, where the error boundary names env.py. ``OracleSafe``
registers this group on the app, so ``flask db`` and ``manage.py db`` are the same guarded door. The
library is imported inside each command: ``--help`` stays light.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import Any

import click
from alembic.config import Config
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate import cli as flask_migrate_cli

from .console import lint_and_print, lint_options
from .failures import run_guarded

# Flask-Migrate's commands that neither change what is applied nor run env.py
KEPT = ("list-templates",)
URL_KEY = "oramigrate.url"


class GuardedGroup(click.Group):
    """A click group whose expected failures become one ``Error:`` line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command inside the error boundary."""
        return run_guarded(lambda: super(GuardedGroup, self).invoke(ctx), lambda: ctx.meta.get(URL_KEY))


def resolve_config(
    directory: str | None, x_arg: tuple[str, ...] | None = None, opts: list[str] | None = None
) -> Config:
    """The app's Alembic Config for ``directory``, carrying its engine and our settings."""
    from .binds import bind_names, is_multidb
    from .configuration import BINDS, ENGINE, SETTINGS, VERSION_TABLE

    migrate = current_app.extensions["migrate"]
    config: Config = migrate.migrate.get_config(
        directory or g.get("directory"), x_arg=x_arg or None, opts=opts
    )
    engine = migrate.db.engine
    config.attributes[ENGINE] = engine
    config.attributes[SETTINGS] = current_app.extensions["oramigrate"]
    # the lock is keyed on the version table that runners share, whatever their history table
    config.attributes[VERSION_TABLE] = migrate.configure_args.get("version_table")
    if is_multidb(config.get_main_option("script_location") or ""):
        # each bind its own database, version table, lock, history, journal and gate (binds.py)
        engines = migrate.db.engines
        config.attributes[BINDS] = {name: engines[name or None] for name in bind_names(current_app)}
    click.get_current_context().meta[URL_KEY] = engine.url
    return config


def notify(message: str) -> None:
    """Progress and warnings go to stderr, so stdout stays the command's answer (or the SQL script)."""
    click.echo(message, err=True)


def confirm_on_terminal(question: str) -> bool:
    """Ask a person at a terminal (never a pipe or a job: there the answer is no)."""
    import sys

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    return click.confirm(f"{question}\nDowngrade anyway?", default=False, err=True)


@with_appcontext
def _group_options(directory: str | None, x_arg: tuple[str, ...], verbose: bool) -> None:
    # as Flask-Migrate's group: -d and -x for every command (Migrate.get_config reads them from g);
    # and the database, so that the error boundary can mask its password in any message
    from .quiet import hide_alembic_info

    g.directory, g.x_arg = directory, x_arg
    context = click.get_current_context()
    context.meta[URL_KEY] = current_app.config.get("SQLALCHEMY_DATABASE_URI")
    if not verbose:
        context.call_on_close(hide_alembic_info())


db = GuardedGroup(
    name="db",
    help="Perform database migrations (Alembic via Flask-Migrate, Oracle-safe).",
    params=[
        *flask_migrate_cli.db.params,
        click.Option(["-v", "--verbose"], is_flag=True, help="Show Alembic's INFO lines too."),
    ],
    callback=_group_options,
    commands={name: flask_migrate_cli.db.commands[name] for name in KEPT},
)
directory_option = click.option(
    "-d", "--directory", default=None, help='Migration script directory (default is "migrations")'
)
dialect_option = click.option(
    "--dialect",
    type=click.Choice(["oracle", "postgresql", "mariadb", "mysql", "sqlite"]),
    default=None,
    help="With --sql: write the script for this database (default: oracle when ORACLE_TARGET_VERSION "
    "is set, else the configured database's); no connection, URL or password needed.",
)


def _finite(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    # click's FloatRange lets nan through (it compares false with both ends) and inf past an open top
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds")
    return value


lock_timeout_option = click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    callback=_finite,
    default=None,
    metavar="SECONDS",
    help="How long to wait for another runner's migration lock (default: MIGRATION_LOCK_TIMEOUT, else 300).",
)
lock_wait_option = click.option(
    "--lock-wait",
    type=click.FloatRange(min=0, min_open=True, max=3600),
    callback=_finite,
    default=None,
    metavar="SECONDS",
    help="Longest wait of each statement for a table lock before it gives way and retries"
    " (default: MIGRATION_LOCK_WAIT, else 5).",
)
lock_retries_option = click.option(
    "--lock-retries",
    type=click.IntRange(min=0, max=100),
    default=None,
    metavar="N",
    help="Retries (backoff with jitter) of a statement whose lock wait ran out, before the revision"
    " stops cleanly (default: MIGRATION_LOCK_RETRIES, else 5).",
)
bind_option = click.option(
    "--bind", default=None, metavar="NAME",
    help='Multi-database migrations: the bind whose journal to settle ("" the default; required there).',
)  # fmt: skip
quiet_option = click.option(
    "-q", "--quiet", is_flag=True,
    help="No progress line on a terminal (which revision and statement runs, how many remain, elapsed).",
)  # fmt: skip


def progress_for(quiet: bool) -> Callable[[str], Any]:
    """The live progress line of a run, on a terminal only and unless ``--quiet``."""
    from .progress import on_terminal

    return lambda label: on_terminal(quiet, label)


kill_orphan_option = click.option(
    "--kill-orphan",
    is_flag=True,
    help="End a dead runner's migration session still on the server instead of waiting for it.",
)


@db.command("init", params=list(flask_migrate_cli.init.params))
@with_appcontext
def init_command(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Create a migrations folder (default template: oracle-safe)."""
    from . import command

    target = directory or g.get("directory") or current_app.extensions["migrate"].directory
    command.init(target, multidb=multidb, template=template, package=package)


@db.command("migrate", params=list(flask_migrate_cli.migrate.params))
@click.option(
    "--rename", "renames", multiple=True, metavar="TABLE.OLD=NEW",
    help="Confirm that column OLD was renamed NEW (repeatable).",
)  # fmt: skip
@click.option(
    "--allow-drop", "allow_drops", multiple=True, metavar="TABLE.COLUMN",
    help="Confirm that dropping this column and its data is intended.",
)  # fmt: skip
@click.option(
    "--reason", default=None, metavar="TEXT",
    help="Why the drops or renames are intended: written into the revision as its lint_allow (required with"
    " --allow-drop or --rename).",
)  # fmt: skip
@with_appcontext
def migrate_command(
    directory: str | None, x_arg: tuple[str, ...], renames: tuple[str, ...], allow_drops: tuple[str, ...],
    reason: str | None, **options: Any,
) -> None:  # fmt: skip
    """Autogenerate a revision (stops on a drop+add it cannot tell from a rename)."""
    from . import command
    from .autogenerate.rewrite import policy_from_options

    if (renames or allow_drops) and not (reason and reason.strip()):
        raise click.UsageError(
            "--allow-drop and --rename need --reason: it goes into the revision's lint_allow"
        )
    config = resolve_config(directory, x_arg, opts=["autogenerate"])
    policy = policy_from_options(renames, allow_drops)
    report = command.migrate(config, policy=policy, reason=reason, **options)
    if report is not None:
        click.echo(report)


@db.command("revision", params=list(flask_migrate_cli.revision.params))
@with_appcontext
def revision_command(directory: str | None, autogenerate: bool, **options: Any) -> None:
    """Create a new revision file."""
    from . import command

    config = resolve_config(directory, opts=["autogenerate"] if autogenerate else None)
    command.revision(config, autogenerate=autogenerate, **options)


@db.command("merge", params=list(flask_migrate_cli.merge.params))
@with_appcontext
def merge_command(directory: str | None, revisions: tuple[str, ...], **options: Any) -> None:
    """Merge two revisions together, creating a new revision file."""
    from . import command

    command.merge(resolve_config(directory), revisions, **options)


@db.command("history", params=list(flask_migrate_cli.history.params))
@with_appcontext
def history_command(directory: str | None, rev_range: str | None, **options: Any) -> None:
    """List changeset scripts in chronological order."""
    if rev_range is not None and rev_range.count(":") > 1:  # Alembic's split(":") would crash on it
        raise click.BadParameter(f"{rev_range!r} is not [start]:[end]", param_hint="'--rev-range'")
    _alembic("history", directory, rev_range, **options)


def _alembic(name: str, directory: str | None, *args: Any, **kwargs: Any) -> None:
    # Alembic's own command ``name``, on the Config Flask-Migrate's would make (-d, -x from the group)
    from alembic import command as alembic_command

    config = current_app.extensions["migrate"].migrate.get_config(directory or g.get("directory"))
    getattr(alembic_command, name)(config, *args, **kwargs)


@db.command("current", params=list(flask_migrate_cli.current.params))
@with_appcontext
def current_command(directory: str | None, verbose: bool) -> None:
    """Display the current revision for each database."""
    _alembic("current", directory, verbose=verbose)


@db.command("show", params=list(flask_migrate_cli.show.params))
@with_appcontext
def show_command(directory: str | None, revision: str) -> None:
    """Show the revision denoted by the given symbol."""
    _alembic("show", directory, revision)


@db.command("heads", params=list(flask_migrate_cli.heads.params))
@with_appcontext
def heads_command(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show current available heads in the script directory."""
    _alembic("heads", directory, verbose=verbose, resolve_dependencies=resolve_dependencies)


@db.command("branches", params=list(flask_migrate_cli.branches.params))
@with_appcontext
def branches_command(directory: str | None, verbose: bool) -> None:
    """Show current branch points."""
    _alembic("branches", directory, verbose=verbose)


@db.command("edit", params=list(flask_migrate_cli.edit.params))
@with_appcontext
def edit_command(directory: str | None, revision: str) -> None:
    """Edit a revision file."""
    _alembic("edit", directory, revision)


@db.command("check")
@directory_option
@with_appcontext
def check_command(directory: str | None) -> None:
    """Fail on drift between models and schema, or on unacknowledged lint errors (for CI)."""
    from . import command

    click.echo(command.check(resolve_config(directory)))


@db.command("upgrade", params=list(flask_migrate_cli.upgrade.params))
@lock_timeout_option
@lock_wait_option
@lock_retries_option
@dialect_option
@kill_orphan_option
@click.option(
    "--allow-edited", is_flag=True, help="Upgrade even if applied revision files changed (recorded)."
)
@click.option(
    "--allow-unsafe", is_flag=True, help="Apply revisions with unacknowledged lint errors (recorded)."
)
@quiet_option
@with_appcontext
def upgrade_command(
    directory: str | None, x_arg: tuple[str, ...], revision: str, quiet: bool, **options: Any
) -> None:
    """Upgrade to a later version (one runner at a time, audited, resumable)."""
    from . import command

    command.upgrade(
        resolve_config(directory, x_arg), revision, notify=notify, progress=progress_for(quiet), **options
    )


@db.command("downgrade", params=list(flask_migrate_cli.downgrade.params))
@lock_timeout_option
@lock_wait_option
@lock_retries_option
@dialect_option
@kill_orphan_option
@click.option(
    "--allow-data-loss", is_flag=True, help="Drop or empty tables and columns that hold rows (recorded)."
)
@quiet_option
@with_appcontext
def downgrade_command(
    directory: str | None, x_arg: tuple[str, ...], revision: str, quiet: bool, **options: Any
) -> None:
    """Revert to a previous version (under the migration lock, audited; asks before losing data)."""
    from . import command

    command.downgrade(
        resolve_config(directory, x_arg), revision, notify=notify, confirm=confirm_on_terminal,
        progress=progress_for(quiet), **options,
    )  # fmt: skip


@db.command("stamp", params=list(flask_migrate_cli.stamp.params))
@lock_timeout_option
@dialect_option
@kill_orphan_option
@with_appcontext
def stamp_command(directory: str | None, revision: str, **options: Any) -> None:
    """'stamp' the revision table with the given revision; don't run any migrations (audited)."""
    from . import command

    command.stamp(resolve_config(directory), revision, notify=notify, **options)


@db.command("baseline")
@directory_option
@lock_timeout_option
@with_appcontext
def baseline_command(directory: str | None, lock_timeout: float | None) -> None:
    """Adopt a schema made before migrations: stamp head only if it matches the models."""
    from . import command

    metadata = current_app.extensions["migrate"].db.metadata
    for line in command.baseline(
        resolve_config(directory), metadata, lock_timeout=lock_timeout, notify=notify
    ):
        click.echo(line)


@db.command("log")
@directory_option
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
@with_appcontext
def log_command(directory: str | None, as_json: bool) -> None:
    """Show the migration history: every revision applied or reverted, by whom, how it went."""
    from . import binds, command
    from .deploy import report

    rows = binds.each(resolve_config(directory), command.log)
    if as_json:
        click.echo(binds.as_json([(name, report.log_data(found)) for name, found in rows]))
    else:
        click.echo(binds.as_text([(name, report.log_table(found)) for name, found in rows]))


@db.command("verify")
@directory_option
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@with_appcontext
def verify_command(directory: str | None, as_json: bool) -> None:
    """Compare applied revisions with the files on disk (exit 1 on edited, missing or unknown)."""
    from . import binds, command

    results = binds.each(resolve_config(directory), command.verify_files)
    if as_json:
        click.echo(binds.as_json([(name, {"lines": lines}) for name, lines in results]))
    else:
        click.echo(binds.as_text(results))


@db.command("status")
@directory_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (the same facts, as fields).")
@with_appcontext
def status_command(directory: str | None, as_json: bool) -> None:
    """Current revision, pending revisions, the lock and its migration, and any half-applied revision."""
    from . import binds, command

    results = binds.each(resolve_config(directory), command.status)
    if as_json:
        click.echo(binds.as_json([(name, found.to_dict()) for name, found in results]))
    else:
        click.echo(binds.as_text([(name, found.lines()) for name, found in results]))


@db.group("journal", cls=click.Group)
def journal_group() -> None:
    """Show or settle the journal of a half-applied revision (each change recorded in the history)."""


@journal_group.command("show")
@directory_option
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@with_appcontext
def journal_show_command(directory: str | None, as_json: bool) -> None:
    """Every journal row: revision, operation, state (started or done), statement."""
    from . import binds, command

    config = resolve_config(directory)
    if as_json:
        click.echo(binds.as_json(binds.each(config, command.journal_rows)))
    else:
        click.echo(binds.as_text(binds.each(config, command.journal_show)))


@journal_group.command("resolve")
@click.argument("revision")
@click.option("--applied/--not-applied", required=True, help="Whether the started statement took effect.")
@directory_option
@lock_timeout_option
@bind_option
@with_appcontext
def journal_resolve_command(
    revision: str, applied: bool, directory: str | None, lock_timeout: float | None, bind: str | None
) -> None:
    """Settle a statement a dead runner started: it took effect (--applied) or not (--not-applied)."""
    from . import binds, command

    config = binds.one(resolve_config(directory), bind)
    click.echo(command.journal_resolve(config, revision, applied, lock_timeout=lock_timeout, notify=notify))


@journal_group.command("clear")
@click.argument("revision")
@directory_option
@lock_timeout_option
@bind_option
@with_appcontext
def journal_clear_command(
    revision: str, directory: str | None, lock_timeout: float | None, bind: str | None
) -> None:
    """Forget a revision's journal (after finishing or undoing its applied statements by hand)."""
    from . import binds, command

    config = binds.one(resolve_config(directory), bind)
    click.echo(command.journal_clear(config, revision, lock_timeout=lock_timeout, notify=notify))


@db.command("lint")
@click.option("-d", "--directory", default=None, help="Migration directory (default: the app's migrations).")
@lint_options
@with_appcontext
def lint_command(directory: str | None, revisions: tuple[str, ...], every: bool, **options: Any) -> None:
    """Check revisions for destructive or risky operations (default: those not yet applied)."""
    version_table = current_app.extensions["migrate"].configure_args.get("version_table", "alembic_version")
    lint_and_print(resolve_config(directory), version_table, revisions, every, **options)


# --- db fleet: many databases and schemas from one targets file ------------------------------------

fleet = click.Group(
    "fleet", help="Many databases or schemas at once, from a targets file (status, upgrade, ...)."
)
db.add_command(fleet)


def _fleet_options(*, migrating: bool) -> Callable[[Callable[..., None]], Callable[..., None]]:
    options = [
        click.option(
            "--targets", "targets_file", required=True, envvar="ORAMIGRATE_TARGETS", metavar="FILE",
            type=click.Path(dir_okay=False), help="The targets file (TOML; env ORAMIGRATE_TARGETS).",
        ),
        click.option("--only", default="", metavar="NAME,...", help="Only these targets (comma-separated)."),
        click.option(
            "--parallel", type=click.IntRange(1, 256), default=4, show_default=True,
            help="Targets at work at once (each holds a lock session and its migration sessions).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON document."),
    ]  # fmt: skip
    if migrating:
        options += [
            click.option(
                "--canary", type=click.IntRange(min=0), default=0, metavar="K",
                help="Migrate the first K targets first; any failure stops the rollout.",
            ),
            click.option("--continue-on-error", is_flag=True, help="Go on past a failed target."),
        ]  # fmt: skip

    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            function = option(function)
        decorated: Callable[..., None] = with_appcontext(function)
        return decorated

    return decorate


def run_fleet(
    action: str, targets_file: str, only: str, as_json: bool, revision: str = "head", **rollout: Any
) -> None:
    """The body of every ``db fleet`` command: the app's chain, the targets, one library call."""
    from . import fleet as fleet_library

    migrate = current_app.extensions["migrate"]
    directory, x_arg = g.get("directory"), tuple(g.get("x_arg") or ())

    def make_config() -> Config:
        config: Config = migrate.migrate.get_config(directory)
        config.cmd_opts = config.cmd_opts or argparse.Namespace()
        config.cmd_opts.x = list(x_arg)  # get_config also reads flask.g, empty in a worker
        return config

    targets = fleet_library.select(
        fleet_library.load_targets(targets_file), [name for name in only.split(",") if name.strip()]
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined] # the workers enter this app
    chain = fleet_library.prepare(
        make_config, current_app.extensions["oramigrate"], app=app,
        version_table=migrate.configure_args.get("version_table", "alembic_version"),
        lint_chain=action == "upgrade",
    )  # fmt: skip
    terminal = not as_json and sys.stdout.isatty()
    output = fleet_library.Output(click.echo, terminal, as_json, progress=notify if as_json else None)
    plan = fleet_library.Rollout(action, revision, **rollout)
    if action == "lint":
        fleet_library.lint(chain, targets, plan, output)
    else:
        fleet_library.run(chain, targets, plan, output)


@fleet.command("status")
@_fleet_options(migrating=False)
def fleet_status_command(**options: Any) -> None:
    """Each target's revision, what is pending, and any failed or half-applied revision."""
    run_fleet("status", **options)


@fleet.command("upgrade")
@_fleet_options(migrating=True)
def fleet_upgrade_command(**options: Any) -> None:
    """Upgrade every target to head (each under its own lock; targets at head are not touched)."""
    run_fleet("upgrade", **options)


@fleet.command("downgrade")
@click.argument("revision")
@_fleet_options(migrating=True)
def fleet_downgrade_command(revision: str, **options: Any) -> None:
    """Revert every target to REVISION (each under its own lock, audited)."""
    run_fleet("downgrade", revision=revision, **options)


@fleet.command("verify")
@_fleet_options(migrating=False)
def fleet_verify_command(**options: Any) -> None:
    """Compare each target's applied revisions with the files on disk."""
    run_fleet("verify", **options)


@fleet.command("lint")
@_fleet_options(migrating=False)
def fleet_lint_command(**options: Any) -> None:
    """Lint, once, the revisions pending on any target; name the targets the gate would refuse."""
    run_fleet("lint", **options)
