"""Migration lint: what a revision does (recorded offline, no database), judged by rules with a why.

The API the ``db`` commands use::

    scripts = load_scripts(directory)
    report = lint_revisions(scripts, ["0003"], LintTarget("oracle", (19,)))
    report.errors_unacknowledged("0003")  # what ``db upgrade`` refuses without --allow-unsafe
"""

from __future__ import annotations

from .acknowledge import write_lint_allow
from .model import (
    RULES,
    Finding,
    LintFailed,
    LintInputError,
    LintReport,
    LintTarget,
    OfflineRevisionFailed,
    Rule,
)
from .report import SCHEMA_PATH, render, report_to_dict, report_to_json, report_to_text
from .runner import (
    all_revisions,
    ensure_offline_renderable,
    lint_directory,
    lint_revisions,
    load_scripts,
    pending_revisions,
    select_revisions,
)

__all__ = [
    "RULES",
    "SCHEMA_PATH",
    "Finding",
    "LintFailed",
    "LintInputError",
    "LintReport",
    "LintTarget",
    "OfflineRevisionFailed",
    "Rule",
    "all_revisions",
    "ensure_offline_renderable",
    "lint_directory",
    "lint_revisions",
    "load_scripts",
    "pending_revisions",
    "render",
    "report_to_dict",
    "report_to_json",
    "report_to_text",
    "select_revisions",
    "write_lint_allow",
]
