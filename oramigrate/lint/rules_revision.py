"""Rules about a revision as a whole: its downgrade, hidden DDL, what could not be recorded, the chain."""

from __future__ import annotations

from collections.abc import Iterator

from .model import Finding, LintTarget, declare, found, rule
from .recorder import RecordedRevision
from .rules_oracle import ddl_statements
from .walk import PhaseName, sequence_names


@rule("sequence-without-reverse", "error", "Drop the sequence in downgrade(): op.drop_sequence(name).")
def sequence_without_reverse(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A sequence created by upgrade() and left by downgrade() makes the next upgrade fail with ORA-00955,
    and its values are no longer tied to any table."""
    created = sequence_names(recorded, "upgrade", create=True)
    dropped = set(sequence_names(recorded, "upgrade", create=False))
    dropped |= set(sequence_names(recorded, "downgrade", create=False))
    for name in created:
        if name not in dropped:
            yield found(
                "sequence-without-reverse",
                recorded,
                f"upgrade() creates sequence {name}; downgrade() does not drop it",
            )


def _changes_schema(recorded: RecordedRevision) -> bool:
    return any(ddl_statements(step) for step in recorded.upgrade)


@rule(
    "missing-downgrade",
    "error",
    "Write the downgrade: the reverse of each upgrade operation, in reverse "
    "order; if the change truly cannot be undone, say so with lint_allow and a reason.",
)
def missing_downgrade(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Without a downgrade a bad release cannot be rolled back by `db downgrade`; someone writes the reverse
    by hand, under pressure, on production."""
    if not _changes_schema(recorded):
        return
    if not recorded.has_downgrade:
        yield found(
            "missing-downgrade",
            recorded,
            "no downgrade() for a revision that changes the schema",
            phase="downgrade",
        )
    elif recorded.downgrade_error and recorded.downgrade_error.startswith("NotImplementedError"):
        yield found(
            "missing-downgrade", recorded, "downgrade() raises NotImplementedError", phase="downgrade"
        )
    elif not recorded.downgrade and recorded.downgrade_error is None:
        yield found(
            "missing-downgrade",
            recorded,
            "downgrade() does nothing, yet upgrade() changes the schema",
            phase="downgrade",
        )


@rule(
    "raw-ddl",
    "warning",
    "Use the Alembic operation (op.create_index, op.alter_column, op.create_sequence"
    " ...) so rules, guards and offline SQL for each Oracle version all see it.",
)
def raw_ddl(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """DDL hidden in an op.execute string bypasses the Oracle guards and the target-version rendering, and
    a reviewer reading the operations does not see it."""
    phases: tuple[PhaseName, ...] = ("upgrade", "downgrade")
    for phase in phases:
        for step in recorded.upgrade if phase == "upgrade" else recorded.downgrade:
            for statement in step.statements:
                if statement.kind == "ddl" and statement.hidden:
                    on = f" on {statement.table}" if statement.table else ""
                    yield found(
                        "raw-ddl",
                        recorded,
                        f"{phase}() runs {statement.verb.upper()}{on} through op.execute",
                        phase=phase,
                        table=statement.table,
                    )


@rule(
    "not-analysable",
    "error",
    "Keep upgrade()/downgrade() to op calls that need no live connection "
    "(op.get_bind() returns None offline), or acknowledge with lint_allow why it is safe.",
)
def not_analysable(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A revision whose operations cannot be recorded offline cannot be checked, nor rendered as the
    --sql script a DBA runs on Oracle."""
    if recorded.upgrade_error:
        yield found("not-analysable", recorded, f"upgrade() could not be recorded: {recorded.upgrade_error}")
    error = recorded.downgrade_error
    if error and not error.startswith("NotImplementedError"):
        yield found(
            "not-analysable", recorded, f"downgrade() could not be recorded: {error}", phase="downgrade"
        )


MULTIPLE_HEADS = declare(
    "multiple-heads",
    "error",
    "Two revisions with the same parent leave the chain with several heads: `db upgrade` refuses to choose, "
    "and the two branches may change the same table in either order.",
    "Merge them: python manage.py db merge -m 'merge' heads, and review the order of the two changes.",
)
ALLOW_WITHOUT_REASON = declare(
    "allow-without-reason",
    "error",
    "An acknowledgement is a decision someone must be able to review later; without a reason it is just "
    "a switch that turns the check off.",
    "Write why the change is safe: "
    "lint_allow = {'drop-column': 'users.legacy_flag replaced by ... in 0007'}.",
)
UNUSED_ALLOW = declare(
    "unused-allow",
    "warning",
    "An acknowledgement for a finding that does not occur (or a code that does not exist) hides a later, "
    "real finding of that rule in the same revision.",
    "Remove the entry from lint_allow, or fix the code's spelling.",
)
