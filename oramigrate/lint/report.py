"""The lint report for people (text) and for tools (JSON, described by ``report.schema.json``; GitHub
annotations and SARIF in ``annotations``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import Finding, LintReport

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
FORMAT_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as JSON-ready data."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "revision": finding.revision,
        "phase": finding.phase,
        "table": finding.table,
        "column": finding.column,
        "message": finding.message,
        "why": finding.why,
        "instead": finding.instead,
        "path": finding.path,
        "acknowledged": finding.acknowledged,
        "reason": finding.reason,
    }


def summary(report: LintReport) -> dict[str, int]:
    """Counts of unacknowledged errors and warnings, and of acknowledged findings."""
    open_findings = report.unacknowledged()
    return {
        "revisions": len(report.revisions),
        "errors": sum(1 for f in open_findings if f.severity == "error"),
        "warnings": sum(1 for f in open_findings if f.severity == "warning"),
        "acknowledged": sum(1 for f in report.findings if f.acknowledged),
        "skipped": len(report.skipped),
    }


def report_to_dict(report: LintReport) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    version = report.target.version
    target: dict[str, Any] = {
        "dialect": report.target.dialect,
        "version": None if version is None else ".".join(str(part) for part in version),
    }
    if report.target.engine_name is not None:
        target["bind"] = report.target.engine_name
    return {
        "format_version": FORMAT_VERSION,
        "target": target,
        "revisions": list(report.revisions),
        "summary": summary(report),
        "findings": [finding_to_dict(finding) for finding in report.findings],
    }


def report_to_json(report: LintReport) -> str:
    """The report as indented JSON text."""
    return json.dumps(report_to_dict(report), indent=2)


def report_to_text(report: LintReport) -> str:
    """One line per finding (with why and what instead when it is open), then a summary line."""
    lines = []
    for finding in report.findings:
        if finding.acknowledged:
            lines.append(f"{finding.revision} acknowledged {finding.code}: {finding.message}")
            lines.append(f"    reason: {finding.reason}")
            continue
        lines.append(f"{finding.revision} {finding.severity} {finding.code}: {finding.message}")
        lines.append(f"    why: {finding.why}")
        lines.append(f"    instead: {finding.instead}")
    counts = summary(report)
    lines.append(
        f"{counts['revisions']} revision(s) linted for {report.target.describe()}: "
        f"{counts['errors']} error(s), {counts['warnings']} warning(s), {counts['acknowledged']} acknowledged"
        + (f", {counts['skipped']} skipped (could not be loaded)" if counts["skipped"] else "")
    )
    return "\n".join(lines)


FORMATS = ("text", "json", "github", "sarif")


def render_each(reports: list[LintReport], output_format: str) -> str:
    """Several reports (one per bind of a multi-database chain) in one output: text and annotations one
    after another, JSON as an array of reports, SARIF as one log with a run per report."""
    if len(reports) == 1:
        return render(reports[0], output_format)
    if output_format == "json":
        return json.dumps([report_to_dict(report) for report in reports], indent=2)
    if output_format == "sarif":
        from .. import __version__
        from .annotations import report_to_sarif

        logs = [report_to_sarif(report, __version__) for report in reports]
        return json.dumps({**logs[0], "runs": [run for log in logs for run in log["runs"]]}, indent=2)
    separator = "\n" if output_format == "github" else "\n\n"
    return separator.join(text for text in (render(report, output_format) for report in reports) if text)


def render(report: LintReport, output_format: str) -> str:
    """The report in one of ``FORMATS``: text, json, github (workflow annotations) or sarif."""
    if output_format == "json":
        return report_to_json(report)
    if output_format in ("github", "sarif"):
        from .. import __version__
        from .annotations import report_to_github, sarif_text

        return report_to_github(report) if output_format == "github" else sarif_text(report, __version__)
    return report_to_text(report)
