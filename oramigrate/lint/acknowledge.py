"""``lint_allow`` in a revision file: the explicit, reviewable acceptance of a finding, with its reason."""

from __future__ import annotations

from .model import RULES, Finding, found
from .model import NO_ALLOW, RecordedRevision

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
