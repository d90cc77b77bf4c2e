"""Lint as a gate: ``db upgrade`` refuses unacknowledged errors, ``db migrate`` shows findings,
``db check`` fails on drift or findings.

The gate judges for the Oracle target (ORACLE_TARGET_VERSION, else 11.2), like ``db lint`` by
default, so a chain that lints clean is a chain ``db upgrade`` applies on any database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import replace

from alembic.script import Script, ScriptDirectory

from ..binds import label
from ..configuration import Settings
from ..errors import MigrationError
from ..lint import LintReport, LintTarget, lint_revisions
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
) -> LintReport:
    """Lint what is about to be applied; refuse unacknowledged errors unless ``allow_unsafe``.

    ``linted``: the whole chain's report for the gate's target, made once by a caller that upgrades
    many databases (``db fleet``); each revision's findings do not depend on which others are linted.
    ``engine_name``: the bind of a multi-database chain whose part of each revision is judged.
    """
    if linted is not None:
        wanted = [script.revision for script in revisions]
        findings = [f for f in linted if f.revision in wanted or f.phase == "chain"]
        report = LintReport(linted.target, wanted, findings)
    else:
        with _quiet_recording():
            target = replace(gate_target(settings), engine_name=engine_name)
            report = lint_revisions(scripts, list(revisions), target)
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
