"""``oramigrate``: the lint and the read-only reports for a plain Alembic project, no Flask needed.

``oramigrate lint|verify|log|status -c alembic.ini`` reads the project's own ``alembic.ini`` and
env.py (``project``); the same library functions as ``flask db ...`` do the work. ``lint --all``
needs no database, which makes it the pre-commit hook and the CI step (``--format github|sarif``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click
from alembic.config import Config

from .failures import run_guarded

DIALECTS = ("oracle", "postgresql", "mariadb", "mysql", "sqlite", "mssql")
FORMATS = ("text", "json", "github", "sarif")


def lint_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The options of ``lint`` here and under ``flask db`` (one spelling for both)."""
    options = [
        click.argument("revisions", nargs=-1),
        click.option("--all", "every", is_flag=True, help="Lint the whole chain (no database needed)."),
        click.option(
            "--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
            help="text for people; json, github (workflow annotations) or sarif for tools.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Same as --format json."),
        click.option("--dialect", type=click.Choice(DIALECTS), default="oracle", show_default=True),
        click.option(
            "--target-version", default=None, metavar="VERSION",
            help="Oracle version (default: ORACLE_TARGET_VERSION, else 11.2).",
        ),
        click.option("--strict", is_flag=True, help="Warnings fail too."),
        click.option(
            "--stub-imports", is_flag=True,
            help="Stand in for modules not installed here (an application the chain imports); "
            "findings of a revision that used one say so.",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        function = option(function)
    return function


def lint_and_print(
    config: Config, version_table: str, revisions: tuple[str, ...], every: bool, output_format: str,
    as_json: bool, dialect: str, target_version: str | None, strict: bool, stub_imports: bool = False,
) -> None:  # fmt: skip
    """Lint, print the report in the chosen format, raise ``LintFailed`` when it fails."""
    from . import command
    from .binds import bind_configs
    from .configuration import BIND, settings_of
    from .lint import LintFailed, LintTarget
    from .lint.report import render_each
    from .oracle.target import parse_version

    if every and revisions:
        raise click.UsageError("give revisions or --all, not both")
    if dialect != "oracle" and target_version:
        raise click.UsageError("--target-version applies to --dialect oracle only")
    settings = settings_of(config)
    version = parse_version(target_version) if target_version else settings.oracle_version
    oracle = dialect == "oracle"
    target = LintTarget(
        dialect,
        version if oracle else None,
        extended_strings=oracle and settings.extended_strings,
        oracle_edition=settings.oracle_edition,
    )
    # a multi-database chain: each bind's part of each revision, its pending ones from its own database
    reports = []
    for _name, own in bind_configs(config):
        bind_target = replace(target, engine_name=own.attributes.get(BIND))
        reports.append(
            command.lint(
                own, revisions, every=every, target=bind_target, version_table=version_table,
                stub_imports=stub_imports,
            )
        )  # fmt: skip
    output = render_each(reports, "json" if as_json else output_format)
    if output:
        click.echo(output)
    for report in reports:
        if report.failed(strict):
            raise LintFailed(report, strict)


class ConsoleGroup(click.Group):
    """The console script's group: expected failures become one ``Error:`` line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command inside the error boundary."""
        return run_guarded(lambda: super(ConsoleGroup, self).invoke(ctx), lambda: ctx.meta.get("url"))


@click.group(cls=ConsoleGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="oramigrate")
@click.option(
    "-c", "--config", "ini_file", default="alembic.ini", show_default=True, envvar="ALEMBIC_CONFIG",
    help="The project's Alembic configuration file (env ALEMBIC_CONFIG).",
)  # fmt: skip
@click.option("-n", "--name", "section", default="alembic", show_default=True, help="Its ini section.")
@click.option("-x", "x_args", multiple=True, help="Additional arguments for env.py (as alembic -x).")
@click.option(
    "--version-table", default="alembic_version", show_default=True, help="The project's version table."
)
@click.option("-v", "--verbose", is_flag=True, help="Show Alembic's INFO lines too.")
@click.pass_context
def main(
    ctx: click.Context,
    ini_file: str,
    section: str,
    x_args: tuple[str, ...],
    version_table: str,
    verbose: bool,
) -> None:
    """Oracle-safe checks for an Alembic project: lint its revisions, read its migration history."""
    from .quiet import hide_alembic_info

    ctx.obj = {"ini": (ini_file, section, x_args), "version_table": version_table}
    if not verbose:
        ctx.call_on_close(hide_alembic_info())


def _config(ctx: click.Context, *, connect: bool = True) -> Config:
    from .configuration import VERSION_TABLE
    from .project import env_engine, project_config

    root = ctx.find_root()
    config = project_config(*root.obj["ini"])
    config.attributes[VERSION_TABLE] = root.obj["version_table"]
    if connect:
        root.meta["url"] = env_engine(config).url
    return config


@main.command("lint")
@lint_options
@click.pass_context
def lint_command(ctx: click.Context, /, revisions: tuple[str, ...], every: bool, **options: Any) -> None:
    """Check revisions for destructive or risky operations (default: those not yet applied)."""
    config = _config(ctx, connect=not (every or revisions))
    lint_and_print(config, ctx.find_root().obj["version_table"], revisions, every, **options)


@main.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def verify_command(ctx: click.Context, as_json: bool) -> None:
    """Compare applied revisions with the files on disk (exit 1 on edited, missing or unknown)."""
    from . import command
    from .deploy.report import lines_json

    lines = command.verify_files(_config(ctx))
    click.echo(lines_json(lines) if as_json else "\n".join(lines))


@main.command("log")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
@click.pass_context
def log_command(ctx: click.Context, as_json: bool) -> None:
    """The migration history: every revision applied or reverted, by whom, how it went."""
    from . import command
    from .deploy import report

    rows = command.log(_config(ctx))
    click.echo(report.log_json(rows) if as_json else "\n".join(report.log_table(rows)))


@main.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (the same facts, as fields).")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Current revision, pending revisions, the lock and its migration, and any half-applied revision."""
    import json

    from . import command

    found = command.status(_config(ctx))
    click.echo(json.dumps(found.to_dict(), indent=2) if as_json else "\n".join(found.lines()))
