"""The lint report for CI systems: GitHub workflow commands and SARIF 2.1.0 (code scanning).

Both name the revision file, relative to the working directory when it lies under it, so that the
annotation lands on the file in the pull request. Acknowledged findings are notices (GitHub) or
suppressed results carrying the revision's reason (SARIF): visible, never failing.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .model import Finding, LintReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/oramigrate/oramigrate#lint-rules"


def _relative(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_to_github(report: LintReport) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per finding, then a summary notice."""
    lines = []
    for finding in report.findings:
        level = "notice" if finding.acknowledged else finding.severity
        properties = [f"title={_escape_property(f'{finding.code} in revision {finding.revision}')}"]
        path = _relative(finding.path)
        if path is not None:
            properties.insert(0, f"file={_escape_property(path)}")
        detail = (
            f"acknowledged: {finding.reason}"
            if finding.acknowledged
            else f"why: {finding.why}\ninstead: {finding.instead}"
        )
        message = _escape_data(finding.message + "\n" + detail)
        lines.append(f"::{level} {','.join(properties)}::{message}")
    return "\n".join(lines)


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.code,
        "shortDescription": {"text": finding.code},
        "fullDescription": {"text": finding.why},
        "help": {"text": finding.instead},
        "defaultConfiguration": {"level": finding.severity},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": f"{finding.message} (revision {finding.revision}, {finding.phase})"},
        "properties": {"revision": finding.revision, "phase": finding.phase},
    }
    path = _relative(finding.path)
    if path is not None:
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": path}}}]
    if finding.acknowledged:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.reason or ""}]
    return result


def report_to_sarif(report: LintReport, tool_version: str) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 run: a rule per code found, a result per finding."""
    rules: dict[str, int] = {}
    described: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.code not in rules:
            rules[finding.code] = len(described)
            described.append(_rule(finding))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "oramigrate",
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": described,
                    }
                },
                "properties": {"target": report.target.describe()},
                "results": [_result(finding, rules[finding.code]) for finding in report.findings],
            }
        ],
    }


def sarif_text(report: LintReport, tool_version: str) -> str:
    """The SARIF document as indented JSON text."""
    return json.dumps(report_to_sarif(report, tool_version), indent=2)
