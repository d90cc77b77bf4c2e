"""Lint a migration directory: pick the revisions, record each, run every rule, apply acknowledgements."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DatabaseUnavailable
from ..masking import known_secrets, mask_secrets
from ..revisions import current_heads, in_order, pending
from ..revisions import first_line as _first_line
from ..settings import mask_url
from . import (
    rules_data,
    rules_dba,
    rules_online,
    rules_online_mariadb,
    rules_oracle,
    rules_render,
    rules_revision,
    rules_rows,
)
from .acknowledge import acknowledge
from .chain import Chain
from .loading import tolerant_scripts
from .model import (
    RULES,
    Finding,
    LintInputError,
    LintReport,
    LintTarget,
    OfflineRevisionFailed,
    RecordedRevision,
    found,
)
from .offline import offline_environment

# the modules whose @rule functions make up RULES (each registers its rules when imported)
RULE_MODULES = (
    rules_data,
    rules_dba,
    rules_online,
    rules_online_mariadb,
    rules_oracle,
    rules_render,
    rules_revision,
    rules_rows,
)


def load_scripts(directory: str | os.PathLike[str], stub_imports: bool = False) -> ScriptDirectory:
    """The migration scripts of ``directory`` (any Alembic directory with a ``versions`` folder).

    Each revision is imported on its own: one that fails becomes a ``not-analysable`` finding.
    ``stub_imports``: modules that are not installed are replaced by permissive stand-ins.
    """
    path = Path(directory)
    if not (path / "versions").is_dir():
        raise LintInputError(f"{path} is not an Alembic migration directory (no versions/ folder)")
    try:
        scripts = tolerant_scripts(str(path), stub_imports)
        scripts.revision_map.heads  # noqa: B018 - loads every revision module now, so errors surface here
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken revision file is the user's input
        raise LintInputError(f"cannot read the migrations in {path}: {_first_line(exc)}") from None
    return scripts


def all_revisions(scripts: ScriptDirectory) -> list[Script]:
    """Every revision, base first."""
    return in_order(scripts)


def select_revisions(scripts: ScriptDirectory, names: Sequence[str]) -> list[Script]:
    """The revisions named (ids, unique prefixes, ``head``, ``heads``), in chain order."""
    wanted: set[str] = set()
    for name in names:
        try:
            found_scripts = scripts.get_revisions(name)
        except CommandError as exc:
            raise LintInputError(f"unknown revision {name!r}: {_first_line(exc)}") from None
        wanted |= {script.revision for script in found_scripts if script is not None}
    return [script for script in all_revisions(scripts) if script.revision in wanted]


def pending_revisions(
    scripts: ScriptDirectory, engine: Engine, version_table: str = "alembic_version"
) -> list[Script]:
    """Revisions not yet applied to the database (all of them when it has no version table)."""
    try:
        with engine.connect() as connection:
            current = current_heads(connection, version_table)
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None)
        detail = _first_line(original if original is not None else exc)
        detail = mask_secrets(detail, known_secrets(engine.url))
        raise DatabaseUnavailable(
            f"cannot read the applied revisions from {mask_url(engine.url)} ({detail}): "
            "pass --all or revision ids to lint without a database"
        ) from None
    return pending(scripts, current)


def chain_findings(scripts: ScriptDirectory) -> list[Finding]:
    """Findings about the chain as a whole: several heads (one finding on each head)."""
    heads = sorted(scripts.get_heads())
    if len(heads) < 2:
        return []
    return [
        found("multiple-heads", head, f"the chain has {len(heads)} heads: {', '.join(heads)}", phase="chain")
        for head in heads
    ]


def lint_revisions(
    scripts: ScriptDirectory, revisions: Iterable[Script | str], target: LintTarget
) -> LintReport:
    """Lint ``revisions`` of ``scripts`` for ``target``: the report the CLI and the wiring act on."""
    selected = [scripts.get_revision(r) if isinstance(r, str) else r for r in revisions]
    environment = offline_environment(scripts, target)
    stand_ins = getattr(scripts, "stand_ins", None)
    report = LintReport(target, [script.revision for script in selected if script is not None])
    chain = Chain(scripts, environment, stand_ins, target)
    linted: list[RecordedRevision] = []
    for script in selected:
        if script is None:
            continue
        recorded = chain.recording(script)
        linted.append(recorded)
        if recorded.load_error:
            report.skipped.append(recorded.revision)
        findings = [
            finding for rule in RULES.values() if rule.check for finding in rule.check(recorded, target)
        ]
        report.findings += acknowledge(recorded, with_stand_ins(recorded, findings))
    report.findings = rules_dba.settled_later(report.findings, linted)
    report.findings += chain_findings(scripts)
    return report


def with_stand_ins(recorded: RecordedRevision, findings: list[Finding]) -> list[Finding]:
    """Each finding of a revision that ran with stand-ins says so, and one warning says it if none does."""
    if not recorded.stand_ins:
        return findings
    names = ", ".join(sorted(recorded.stand_ins))
    note = f" (the revision ran with stand-ins for {names})"
    marked = [replace(finding, message=finding.message + note) for finding in findings]
    message = f"the revision ran with stand-ins for {names}: what it did with them was not seen"
    return [*marked, found("stand-in-imports", recorded, message, phase="module")]


def lint_directory(
    directory: str | os.PathLike[str],
    revisions: Sequence[str] = (),
    target: LintTarget | None = None,
    stub_imports: bool = False,
) -> LintReport:
    """Lint the named revisions of ``directory`` (every revision when none is named)."""
    scripts = load_scripts(directory, stub_imports)
    selected = select_revisions(scripts, revisions) if revisions else all_revisions(scripts)
    return lint_revisions(scripts, selected, target or LintTarget())


OFFLINE_BLOCKERS = ("not-analysable", "not-renderable")


def ensure_offline_renderable(report: LintReport) -> None:
    """Raise OfflineRevisionFailed for the first revision ``--sql`` could not write (before any output)."""
    for finding in report.findings:
        if finding.code in OFFLINE_BLOCKERS and finding.phase in ("upgrade", "module"):
            raise OfflineRevisionFailed(finding.revision, finding.message)
