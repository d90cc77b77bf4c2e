"""One plain function per ``db`` command, Alembic ``Config`` first: no Flask, no click, no exit.

Usable like ``alembic.command``: the engine and the settings arrive in ``config.attributes``
(``configuration.ENGINE`` / ``SETTINGS``), or come from ``sqlalchemy.url`` and the environment.
Failures are typed errors (``oramigrate.errors``); the CLI alone turns them into exit codes.
Commands that change what is applied (upgrade, downgrade, stamp, baseline) run under the migration
lock, write the history and pass the lint gate; the others read.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import MetaData

from .autogenerate.rewrite import POLICY_ATTRIBUTE, AutogeneratePolicy
from .binds import Runs, bind_configs, deployments, label
from .configuration import BIND, LINTED, OFFLINE_DIALECT, engine_of, scripts_of, settings_of
from .deploy import gate
from .deploy.notify import Confirm, Notify, ignore
from .errors import ConfigurationError, MigrationError
from .lint import LintReport, LintTarget
from .private import steps_to
from .revisions import current_heads, load_scripts, pending

if TYPE_CHECKING:
    from .deploy.report import Status
    from .deploy.run import DeployRun
    from .progress import Progress

# what shows a locked run as it goes, made for each bind (given its label, "" for one database)
ProgressFactory = Callable[[str], "Progress"]

TEMPLATE = Path(__file__).resolve().parent / "templates" / "oracle-safe"
# Flask-Migrate's multi-database mode with the lock, history, journal and lint gate per bind (binds.py)
MULTIDB_TEMPLATE = TEMPLATE.with_name("oracle-safe-multidb")


class ForeignEnvironment(ConfigurationError):
    """The migrations' env.py is not ours: a locked run would apply revisions with no history rows."""


def require_our_environment(config: Config) -> None:
    """Refuse, before anything is written, to run a state-changing command through a foreign env.py."""
    path = Path(_directory(config)) / "env.py"
    if not path.is_file():
        return
    source = path.read_text(encoding="utf-8")
    # an env.py that cannot even be parsed stops here, before the lock and the tool's tables exist
    compile(source, str(path), "exec")
    if "oramigrate" not in source:
        raise ForeignEnvironment(
            f"{path} does not call oramigrate.environment.run, so revisions would run without history, "
            "journal or lint gate: replace it with the env.py `flask db init` writes (db lint, db verify "
            "and db upgrade --sql work with it as it is)"
        )


class CheckFailed(MigrationError):
    """``db check``: drift between models and schema, lint findings, or both."""


class _TemplateConfig(Config):
    """An Alembic Config whose templates come from ``template_directory``."""

    def __init__(self, template_directory: Path, *args: Any, **kwargs: Any) -> None:
        self.template_directory = template_directory
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        """Where ``init`` finds its templates."""
        return str(self.template_directory)


def init(
    directory: str, *, multidb: bool = False, template: str | None = None, package: bool = False
) -> None:
    """Create a migrations folder; the default template is our Oracle-safe environment (``multidb``:
    one database per bind of ``SQLALCHEMY_BINDS``, each with its own lock, history, journal and gate)."""
    if template is None:
        chosen = MULTIDB_TEMPLATE if multidb else TEMPLATE
    elif "/" in template or "\\" in template:
        chosen = Path(template)
    else:  # Flask-Migrate's own templates by name ("flask", "flask-multidb", "aioflask", ...)
        spec = importlib.util.find_spec("flask_migrate")
        assert spec is not None and spec.submodule_search_locations
        chosen = Path(spec.submodule_search_locations[0]) / "templates" / template
    config = _TemplateConfig(chosen.parent)
    config.set_main_option("script_location", directory)
    config.config_file_name = str(Path(directory) / "alembic.ini")
    alembic_command.init(config, directory, template=chosen.name, package=package)


def migrate(
    config: Config,
    *,
    policy: AutogeneratePolicy | None = None,
    reason: str | None = None,
    sql: bool = False,
    **revision_options: Any,
) -> str | None:
    """Autogenerate a revision under the user's rename / drop decisions; its lint report, if written.

    The findings the user confirmed (``--allow-drop`` / ``--rename``: errors on exactly those tables
    and columns, in either phase) are acknowledged in the revision's ``lint_allow`` with ``reason``,
    so that the revision passes its own gate; every other finding stays for the user to judge.
    """
    if config.cmd_opts is None:
        config.cmd_opts = argparse.Namespace()
    config.cmd_opts.autogenerate = True
    config.attributes[POLICY_ATTRIBUTE] = policy
    with _new_revision(config, revision_options):
        script = alembic_command.revision(config, autogenerate=True, sql=sql, **revision_options)
        if not isinstance(script, Script) or sql:
            return None
        settings = settings_of(config)
        binds = _bind_names(config)
        if policy is not None and reason and (policy.renames or policy.allowed_drops):
            _acknowledge_confirmed(
                ScriptDirectory.from_config(config), script, policy, reason, settings, binds
            )
        # loaded again: the revision's module may have just gained its lint_allow
        scripts = ScriptDirectory.from_config(config)
        return "\n\n".join(
            gate.describe_new_revision(scripts, script.revision, settings, engine_name=bind) for bind in binds
        )


def _bind_names(config: Config) -> list[str | None]:
    # [None] for one database; each bind's name ("" the default) for multi-database migrations
    return [own.attributes.get(BIND) for _name, own in bind_configs(config)]


def revision(config: Config, **options: Any) -> None:
    """A new revision file (``alembic revision``), its names checked first, removed if the command fails."""
    with _new_revision(config, options):
        alembic_command.revision(config, **options)


def merge(config: Config, revisions: str | tuple[str, ...], **options: Any) -> None:
    """A merge revision of ``revisions`` (``alembic merge``), checked and written as ``revision`` is."""
    with _new_revision(config, options):
        alembic_command.merge(config, revisions, **options)


@contextmanager
def _new_revision(config: Config, options: dict[str, Any]) -> Iterator[None]:
    from .authoring import check_new_names, removed_on_failure

    scripts = load_scripts(_directory(config))
    check_new_names(scripts, options.get("rev_id"), options.get("branch_label"), options.get("message"))
    with removed_on_failure(scripts):
        yield


def _acknowledge_confirmed(
    scripts: ScriptDirectory,
    script: Script,
    policy: AutogeneratePolicy,
    reason: str,
    settings: Any,
    binds: list[str | None],
) -> None:
    from .lint import lint_revisions
    from .lint.acknowledge import write_lint_allow

    confirmed = set(policy.allowed_drops) | set(policy.renames)
    confirmed |= {(table, new.lower()) for (table, _old), new in policy.renames.items()}
    tables = {table for table, _column in confirmed}
    findings = [
        finding
        for bind in binds
        for finding in lint_revisions(
            scripts, [script.revision], replace(gate.gate_target(settings), engine_name=bind)
        ).errors_unacknowledged()
    ]
    codes = sorted(
        {
            finding.code
            for finding in findings
            if (finding.table or "").lower() in tables
            and (
                finding.column is None or ((finding.table or "").lower(), finding.column.lower()) in confirmed
            )
        }
    )
    if codes:
        path = Path(script.path)
        path.write_text(write_lint_allow(path.read_text(encoding="utf-8"), dict.fromkeys(codes, reason)))


def check(config: Config) -> str:
    """Drift check, then lint of the whole chain; the lint report, or CheckFailed naming what failed."""
    from .lint.report import report_to_text

    drift = None
    if config.cmd_opts is None:
        config.cmd_opts = argparse.Namespace()
    load_scripts(_directory(config))  # a broken revision file stops it before Alembic makes its table
    try:
        alembic_command.check(config)
    except CommandError as exc:
        drift = str(exc).strip().splitlines()[0]
    target = gate.gate_target(settings_of(config))
    reports = [
        lint(own, every=True, target=replace(target, engine_name=own.attributes.get(BIND)))
        for _name, own in bind_configs(config)
    ]
    errors = sum(len(report.errors_unacknowledged()) for report in reports)
    text = "\n\n".join(report_to_text(report) for report in reports)
    problems = ([f"drift: {drift}"] if drift else []) + (
        [f"lint: {errors} unacknowledged error(s)"] if errors else []
    )
    if problems:
        raise CheckFailed("db check failed: " + "; ".join(problems) + "\n" + text)
    return text


def lint(
    config: Config,
    revisions: tuple[str, ...] = (),
    *,
    every: bool = False,
    target: LintTarget | None = None,
    version_table: str = "alembic_version",
    stub_imports: bool = False,
) -> LintReport:
    """Lint the named revisions, all of them, or (by default) those the database has not applied.

    Each revision file is loaded on its own: one that cannot be imported is a ``not-analysable``
    finding, not the end of the lint (``stub_imports``: stand-ins for modules not installed here).
    """
    from .lint import lint_revisions
    from .lint.runner import all_revisions, pending_revisions, select_revisions
    from .lint.runner import load_scripts as load_tolerantly

    scripts = load_tolerantly(_directory(config), stub_imports)
    if revisions:
        selected = select_revisions(scripts, revisions)
    elif every:
        selected = all_revisions(scripts)
    else:
        selected = pending_revisions(scripts, engine_of(config), version_table)
    return lint_revisions(scripts, selected, target or gate.gate_target(settings_of(config)))


def upgrade(
    config: Config,
    revision: str = "head",
    *,
    sql: bool = False,
    tag: str | None = None,
    lock_timeout: float | None = None,
    lock_wait: float | None = None,
    lock_retries: int | None = None,
    allow_edited: bool = False,
    allow_unsafe: bool = False,
    dialect: str | None = None,
    kill_orphan: bool = False,
    notify: Notify = ignore,
    progress: ProgressFactory | None = None,
) -> None:
    """Upgrade to ``revision`` under the lock, refusing edited applied revisions and unsafe new ones;
    each statement waits at most ``lock_wait`` seconds for a table lock, ``lock_retries`` times.
    ``progress``: what shows the run as it goes (given the bind's label; ``progress.on_terminal``)."""
    settings = settings_of(config)
    _offline_only(sql, dialect)
    if sql:
        from .lint.runner import ensure_offline_renderable

        scripts = _script_scope(config, revision, dialect, upgrade=True)
        for bind in _bind_names(config):  # multi-database: every bind's script, each bind's part judged
            report = gate.check_before_upgrade(
                scripts, pending(scripts, [], revision), settings, allow_unsafe, notify, engine_name=bind,
                dialect=dialect,
            )  # fmt: skip
            ensure_offline_renderable(report)  # a revision that cannot run offline: one line, nothing written
        alembic_command.upgrade(config, revision, sql=True, tag=tag)
        return
    require_our_environment(config)
    from .deploy.checksums import RevisionsChanged, verify
    from .deploy.deployment import accept_edited, lock_budget, record_unsafe

    def check_then_record(runs: Runs) -> None:
        # when env.py reaches run(): every bind is checked before any bind runs (a refusal leaves all of
        # them as they were), then the decisions are recorded
        checked = []
        for own, run in runs:
            heads = current_heads(run.connection, run.names.version_table)
            findings = verify(run.connection, run.names, run.scripts, heads)
            if findings and not allow_edited:
                raise RevisionsChanged(findings)
            run.refuse_over_half_downgrade()
            to_apply = pending(run.scripts, heads, revision)
            report = gate.check_before_upgrade(
                run.scripts, to_apply, settings, allow_unsafe, notify, own.attributes.get(LINTED),
                engine_name=own.attributes.get(BIND), dialect=run.connection.dialect.name,
            )  # fmt: skip
            checked.append((run, findings, report))
        for run, findings, report in checked:
            accept_edited(run, findings)
            record_unsafe(run, report)

    with deployments(
        config, lock_timeout, notify, kill_orphan=kill_orphan, when_ready=check_then_record
    ) as runs:
        for own, run in runs:
            run.budget = lock_budget(settings, lock_wait, lock_retries)
            _show_progress(run, own, progress)
            _run_environment(own, revision, tag, upgrade=True)


def downgrade(
    config: Config,
    revision: str = "-1",
    *,
    sql: bool = False,
    tag: str | None = None,
    lock_timeout: float | None = None,
    lock_wait: float | None = None,
    lock_retries: int | None = None,
    dialect: str | None = None,
    allow_data_loss: bool = False,
    kill_orphan: bool = False,
    confirm: Confirm | None = None,
    notify: Notify = ignore,
    progress: ProgressFactory | None = None,
) -> None:
    """Revert to ``revision`` under the lock, one history row per revision reverted; a downgrade that
    drops or empties tables or columns holding rows needs ``allow_data_loss`` (or ``confirm``)."""
    _offline_only(sql, dialect)
    if sql:
        # as Flask-Migrate: offline needs a starting point
        target = "head:-1" if revision == "-1" else revision
        _script_scope(config, target, dialect, upgrade=False)
        listing = offline_losses(config, target)
        if listing:
            sys.stdout.write(listing)
        alembic_command.downgrade(config, target, sql=True, tag=tag)
        return
    require_our_environment(config)
    from .deploy.deployment import lock_budget

    with deployments(config, lock_timeout, notify, kill_orphan=kill_orphan) as runs:
        for own, run in runs:
            run.allow_data_loss, run.confirm = allow_data_loss, confirm
            run.budget = lock_budget(settings_of(config), lock_wait, lock_retries)
            _show_progress(run, own, progress)
            _run_environment(own, revision, tag, upgrade=False)


def offline_losses(config: Config, target: str) -> str:
    """What an offline downgrade ``from:to`` drops or empties, as SQL comments (no rows counted)."""
    from .deploy import dataloss

    upper, _, lower = target.rpartition(":")
    scripts = load_scripts(_directory(config))
    try:
        walked = list(scripts.iterate_revisions(upper or "heads", lower or "base"))
    except CommandError:
        return ""  # Alembic names the bad revision itself
    lowest = scripts.get_revision(lower) if lower and not lower.startswith("-") and lower != "base" else None
    dialect = engine_of(config).dialect.name
    downgrades = [script for script in walked if script is not None and script is not lowest]
    losses = dataloss.planned_all(scripts, downgrades, dialect)
    return dataloss.as_comments(losses)


def stamp(
    config: Config,
    revision: str = "head",
    *,
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
    lock_timeout: float | None = None,
    dialect: str | None = None,
    kill_orphan: bool = False,
    notify: Notify = ignore,
) -> None:
    """Mark the database as at ``revision`` under the lock; the history records what changed."""
    _offline_only(sql, dialect)
    if sql:
        _script_scope(config, revision, dialect)
        alembic_command.stamp(config, revision, sql=True, tag=tag, purge=purge)
        return
    require_our_environment(config)
    from .deploy.deployment import applied_or_empty, record_stamp

    before: dict[int, list[str]] = {}

    def read_before(runs: Runs) -> None:  # once env.py reached run(), the holder's orphan waited out
        for _own, run in runs:
            before[id(run)] = applied_or_empty(
                run.scripts, current_heads(run.connection, run.names.version_table)
            )

    with deployments(config, lock_timeout, notify, kill_orphan=kill_orphan, when_ready=read_before) as runs:
        for own, run in runs:
            alembic_command.stamp(own, revision, tag=tag, purge=purge)
            record_stamp(run, before[id(run)], "stamp")


def journal_show(config: Config) -> list[str]:
    """``db journal show``: every journal row, a line each."""
    from .deploy import repair

    return repair.show(config)


def journal_rows(config: Config) -> list[dict[str, Any]]:
    """``db journal show --json``: every journal row as fields."""
    from .deploy import repair

    return repair.rows(config)


def journal_resolve(
    config: Config,
    revision: str,
    applied: bool,
    *,
    lock_timeout: float | None = None,
    notify: Notify = ignore,
) -> str:
    """``db journal resolve REV --applied|--not-applied``: settle a started statement by hand (recorded)."""
    from .deploy import repair

    return repair.resolve(config, revision, applied, lock_timeout=lock_timeout, notify=notify)


def journal_clear(
    config: Config, revision: str, *, lock_timeout: float | None = None, notify: Notify = ignore
) -> str:
    """``db journal clear REV``: forget a revision's journal (recorded)."""
    from .deploy import repair

    return repair.clear(config, revision, lock_timeout=lock_timeout, notify=notify)


def baseline(
    config: Config, metadata: MetaData, *, lock_timeout: float | None = None, notify: Notify = ignore
) -> list[str]:
    """Adopt a schema made before migrations: stamp head only if it matches ``metadata``."""
    from .deploy.baseline import baseline as adopt

    return adopt(config, metadata, lock_timeout=lock_timeout, notify=notify)


def log(config: Config) -> list[dict[str, Any]]:
    """Every history row, oldest first."""
    from .deploy import report

    return report.log(config)


def verify_files(config: Config) -> list[str]:
    """The applied revisions checked against their files (``VerifyFailed`` if any differ)."""
    from .deploy import report

    return report.verify_files(config)


def status(config: Config) -> Status:
    """Current revision, pending revisions, the lock and its migration, and any half-applied revision."""
    from .deploy import report

    return report.status(config)


def _show_progress(run: DeployRun, config: Config, progress: ProgressFactory | None) -> None:
    if progress is not None:
        bind = config.attributes.get(BIND)
        run.progress = progress("" if bind is None else f"bind {label(bind)}: ")


def _offline_only(sql: bool, dialect: str | None) -> None:
    if dialect is not None and not sql:
        raise ConfigurationError("--dialect chooses the dialect of a --sql script: give --sql too")


def _script_scope(
    config: Config, revision: str, dialect: str | None, upgrade: bool | None = None
) -> ScriptDirectory:
    """The chain a ``--sql`` script is written from, its range checked (and the revisions it runs,
    when ``upgrade`` says which way); the dialect handed to env.py."""
    from .offline.scope import check_plan, check_range

    scripts = load_scripts(_directory(config))
    check_range(scripts, revision)
    if upgrade is not None:
        check_plan(scripts, revision, upgrade)
    if dialect is not None:
        config.attributes[OFFLINE_DIALECT] = dialect
    return scripts


def _run_environment(config: Config, revision: str, tag: str | None, *, upgrade: bool) -> None:
    # alembic.command.upgrade/downgrade online, on the revision files this command already loaded
    # (Alembic's own would load every file again: twice per target for db fleet)
    if ":" in revision:
        raise CommandError("Range revision not allowed")
    scripts = scripts_of(config)
    with EnvironmentContext(
        config, scripts, fn=steps_to(scripts, revision, upgrade), destination_rev=revision, tag=tag
    ):
        scripts.run_env()


def _directory(config: Config) -> str:
    location = config.get_main_option("script_location")
    if not location:
        raise CommandError("no script_location in the Alembic configuration")
    return location
