"""``lint_allow`` in a revision file: the explicit, reviewable acceptance of a finding, with its reason."""

from __future__ import annotations

import json
import re

from .model import NO_ALLOW, RULES, Finding, RecordedRevision, found

# Codes about the acknowledgement itself or about the chain cannot be acknowledged away.
NOT_ACKNOWLEDGEABLE = frozenset({"allow-without-reason", "unused-allow", "multiple-heads"})


def _reasons(recorded: RecordedRevision) -> tuple[dict[str, str], list[Finding]]:
    allow = recorded.lint_allow
    if not isinstance(allow, dict):
        message = f"lint_allow must be a dict of rule code to reason, not {type(allow).__name__}"
        return {}, [found("allow-without-reason", recorded, message, phase="module")]
    reasons, problems = {}, []
    for code, reason in allow.items():
        if isinstance(reason, str) and reason.strip():
            reasons[str(code)] = " ".join(reason.split())
        else:
            problems.append(
                found(
                    "allow-without-reason", recorded, f"lint_allow[{code!r}] gives no reason", phase="module"
                )
            )
    return reasons, problems


def acknowledge(recorded: RecordedRevision, findings: list[Finding]) -> list[Finding]:
    """The findings with those the revision's ``lint_allow`` accepts marked, plus problems of the allow."""
    if recorded.lint_allow is NO_ALLOW:
        return findings
    reasons, problems = _reasons(recorded)
    fired = {finding.code for finding in findings}
    result = [
        finding.acknowledge(reasons[finding.code])
        if finding.code in reasons and finding.code not in NOT_ACKNOWLEDGEABLE
        else finding
        for finding in findings
    ]
    for code in reasons:
        if code not in RULES:
            result.append(
                found(
                    "unused-allow",
                    recorded,
                    f"lint_allow names {code!r}, which is no lint rule",
                    phase="module",
                )
            )
        elif code not in fired:
            result.append(
                found(
                    "unused-allow",
                    recorded,
                    f"lint_allow accepts {code}, which does not fire here",
                    phase="module",
                )
            )
    return result + problems


_AFTER = re.compile(r"^(depends_on|branch_labels|down_revision)\b.*$", re.MULTILINE)


def write_lint_allow(source: str, entries: dict[str, str]) -> str:
    """A revision's source with ``lint_allow`` entries (code -> reason) merged in, for ``db migrate``.

    Existing entries are kept; the assignment goes after the revision identifiers. Reasons must be
    non-empty: an acknowledgement without one is itself an error (allow-without-reason).
    """
    if any(not reason.strip() for reason in entries.values()):
        raise ValueError("every lint_allow entry needs a reason")
    existing = re.search(r"^lint_allow = (\{.*?\})$", source, re.MULTILINE | re.DOTALL)
    merged: dict[str, str] = {}
    if existing:
        import ast

        merged.update(ast.literal_eval(existing.group(1)))
        source = source[: existing.start()] + source[existing.end() + 1 :]
    merged.update(entries)
    # double-quoted, one entry a line with a trailing comma: what ruff format writes (post_write_hooks)
    quoted = [
        f"    {json.dumps(code)}: {json.dumps(reason, ensure_ascii=False)},"
        for code, reason in merged.items()
    ]
    lines = ["lint_allow = {", *quoted, "}"]
    anchors = list(_AFTER.finditer(source))
    at = anchors[-1].end() if anchors else 0
    return source[:at] + "\n" + "\n".join(lines) + source[at:]
