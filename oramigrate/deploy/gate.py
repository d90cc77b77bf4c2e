"""Lint as a gate: ``db upgrade`` refuses unacknowledged errors, ``db migrate`` shows findings,
``db check`` fails on drift or findings.

The gate judges for the Oracle target (ORACLE_TARGET_VERSION, else 11.2), like ``db lint`` by
default, so a chain that lints clean is a chain ``db upgrade`` applies on any database. Upgrading
another database, it also records the revisions for that database's dialect and adds what loses data
only there: a revision that branches on ``op.get_bind().dialect.name`` (Airflow, Superset) runs its
PostgreSQL or MySQL branch on those, which the Oracle recording never entered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

from alembic.script import Script, ScriptDirectory

from ..binds import label
from ..configuration import Settings
from ..errors import MigrationError
from ..lint import Finding, LintReport, LintTarget, lint_revisions
from ..lint.report import report_to_text
from ..quiet import quieter


class UnsafeRevisions(MigrationError):
    """Revisions about to be applied have unacknowledged lint errors."""

    def __init__(self, report: LintReport) -> None:
        self.report = report
        blocking = report.errors_unacknowledged()
        lines = [f"  {f.revision} {f.code}: {f.message}" for f in blocking]
        bind = report.target.engine_name
        where = "" if bind is None else f" bind {label(bind)}"
        super().__init__(
            f"refusing to upgrade{where}: {len(blocking)} unacknowledged lint error(s):\n"
            + "\n".join(lines)
            + "\n  acknowledge each in its revision (lint_allow = {code: reason}) or pass --allow-unsafe"
        )


def gate_target(settings: Settings) -> LintTarget:
    """The Oracle version the gate judges for."""
    return LintTarget(
        "oracle",
        settings.oracle_version,
        extended_strings=settings.extended_strings,
        oracle_edition=settings.oracle_edition,
    )


# what loses rows or values: judged again for the database being upgraded, whose dialect branches
# the Oracle recording did not take
DATA_LOSS = frozenset(
    {
        "add-column-not-null-no-default",
        "delete-without-where",
        "drop-column",
        "drop-recreate",
        "drop-recreate-column",
        "drop-table",
        "narrowing-type",
        "not-null-without-default",
        "rename-as-drop-add",
        "truncate-table",
        "update-set-null",
        "update-without-where",
    }
)


def _identity(finding: Finding) -> tuple[str | None, ...]:
    # one finding of a revision, whichever recording found it (its message may differ)
    return (finding.revision, finding.code, finding.phase, finding.table, finding.column)


# what a revision's source names when it may take another path on another database: the dialect or
# the connection it asks about, or a module of its own (a helper that may ask for it)
_BRANCH_WORDS = re.compile(r"dialect|engine|bind|get_context|connection|inspect|offline")
_OTHER_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(?!(?:alembic|sqlalchemy|typing|__future__|datetime|enum|uuid|json)\b)", re.M
)


# per process, by revision file as it is now (path, modification time, size): whether it may branch,
# and its findings recorded for a dialect and bind (``db fleet`` upgrades many databases of one chain)
_BRANCHES: dict[tuple[str, int, int], bool] = {}
_LIVE: dict[tuple[str, str | None, tuple[str, int, int]], list[Finding]] = {}


def _file_key(script: Script) -> tuple[str, int, int] | None:
    try:
        stat = Path(script.path).stat()
    except OSError:
        return None
    return script.path, stat.st_mtime_ns, stat.st_size


def _may_branch(script: Script) -> bool:
    # a revision that names none of them records the same operations for every dialect: the Oracle
    # recording already judged it (a second recording of a 200-revision chain cost 60 ms)
    key = _file_key(script)
    if key is None:
        return True
    if key not in _BRANCHES:
        source = Path(script.path).read_text(encoding="utf-8", errors="replace")
        _BRANCHES[key] = _BRANCH_WORDS.search(source) is not None or _OTHER_IMPORT.search(source) is not None
    return _BRANCHES[key]


def _live_findings(
    scripts: ScriptDirectory, revisions: list[Script], dialect: str, engine_name: str | None
) -> list[Finding]:
    # each revision's findings for the live dialect, recorded once per process (they do not depend on
    # which other revisions are linted with it)
    keys = {
        script.revision: (dialect, engine_name, _file_key(script) or (script.path, 0, -1))
        for script in revisions
    }
    missing = [script for script in revisions if keys[script.revision] not in _LIVE]
    if missing:
        with _quiet_recording():
            live = lint_revisions(scripts, missing, LintTarget(dialect, None, engine_name=engine_name))
        for script in missing:
            _LIVE[keys[script.revision]] = [f for f in live.findings if f.revision == script.revision]
    return [finding for script in revisions for finding in _LIVE[keys[script.revision]]]


def with_live_dialect(
    report: LintReport, scripts: ScriptDirectory, revisions: list[Script], dialect: str | None
) -> LintReport:
    """``report`` plus the data-loss findings only a recording for ``dialect`` (the live database's) has."""
    if dialect is None or dialect == "oracle":
        return report
    revisions = [script for script in revisions if _may_branch(script)]
    if not revisions:
        return report
    seen = {_identity(finding) for finding in report.findings}
    extra = [
        replace(finding, message=f"{finding.message} (on {dialect})")
        for finding in _live_findings(scripts, revisions, dialect, report.target.engine_name)
        if finding.code in DATA_LOSS and finding.phase != "chain" and _identity(finding) not in seen
    ]
    order = {revision: number for number, revision in enumerate(report.revisions)}
    merged = sorted([*report.findings, *extra], key=lambda finding: order.get(finding.revision, len(order)))
    return LintReport(report.target, report.revisions, merged, report.skipped)


def _quiet_recording() -> AbstractContextManager[None]:
    # the recording context is an offline Oracle one: its "Context impl OracleImpl" lines would
    # confuse someone upgrading SQLite
    return quieter("alembic.runtime.migration", logging.WARNING)


def check_before_upgrade(
    scripts: ScriptDirectory,
    revisions: Iterable[Script],
    settings: Settings,
    allow_unsafe: bool,
    notify: Callable[[str], None],
    linted: LintReport | None = None,
    *,
    engine_name: str | None = None,
    dialect: str | None = None,
) -> LintReport:
    """Lint what is about to be applied; refuse unacknowledged errors unless ``allow_unsafe``.

    ``linted``: the whole chain's report for the gate's target, made once by a caller that upgrades
    many databases (``db fleet``); each revision's findings do not depend on which others are linted.
    ``engine_name``: the bind of a multi-database chain whose part of each revision is judged.
    ``dialect``: the database's, when it is not Oracle: what loses data only there is judged too.
    """
    revisions = list(revisions)
    if linted is not None:
        wanted = [script.revision for script in revisions]
        findings = [f for f in linted if f.revision in wanted or f.phase == "chain"]
        report = LintReport(linted.target, wanted, findings)
    else:
        with _quiet_recording():
            target = replace(gate_target(settings), engine_name=engine_name)
            report = lint_revisions(scripts, revisions, target)
    report = with_live_dialect(report, scripts, revisions, dialect)
    if report.errors_unacknowledged():
        if not allow_unsafe:
            raise UnsafeRevisions(report)
        notify("lint: applying despite unacknowledged errors (--allow-unsafe):")
        for finding in report.errors_unacknowledged():
            notify(f"  {finding.revision} {finding.code}: {finding.message}")
    return report


def describe_new_revision(
    scripts: ScriptDirectory, revision: str, settings: Settings, *, engine_name: str | None = None
) -> str:
    """The lint report of a freshly generated revision (of one bind's part of it), as text."""
    target = replace(gate_target(settings), engine_name=engine_name)
    with _quiet_recording():
        return report_to_text(lint_revisions(scripts, [revision], target))
