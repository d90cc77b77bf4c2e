"""Rules about a revision as a whole: its downgrade, hidden SQL, what could not be seen, the chain."""

from __future__ import annotations

from collections.abc import Iterator

from .model import Finding, LintTarget, RecordedRevision, declare, found, rule
from .rules_rows import net_schema_change
from .walk import PHASES, phase_effects, steps


def _sequences(recorded: RecordedRevision, phase: str, kind: str) -> list[str]:
    return [str(e.table) for e in phase_effects(recorded, phase) if e.kind == kind]  # type: ignore[arg-type]


@rule("sequence-without-reverse", "error", "Drop the sequence in downgrade(): op.drop_sequence(name).")
def sequence_without_reverse(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A sequence created by upgrade() and left by downgrade() makes the next upgrade fail with ORA-00955,
    and its values are no longer tied to any table."""
    dropped = set(_sequences(recorded, "upgrade", "drop sequence"))
    dropped |= set(_sequences(recorded, "downgrade", "drop sequence"))
    if recorded.downgrade_error and not recorded.downgrade_error.startswith("NotImplementedError"):
        return  # not-analysable says the downgrade was not seen
    for name in _sequences(recorded, "upgrade", "create sequence"):
        if name not in dropped:
            message = f"upgrade() creates sequence {name}; downgrade() does not drop it"
            yield found("sequence-without-reverse", recorded, message)


@rule(
    "missing-downgrade",
    "error",
    "Write the downgrade: the reverse of each upgrade operation, in reverse "
    "order; if the change truly cannot be undone, say so with lint_allow and a reason.",
)
def missing_downgrade(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Without a downgrade a bad release cannot be rolled back by `db downgrade`; someone writes the reverse
    by hand, under pressure, on production. Judged on what the upgrade leaves changed: objects it creates
    and drops again do not count."""
    if recorded.upgrade_error or not net_schema_change(recorded):
        return
    if not recorded.has_downgrade:
        message = "no downgrade() for a revision that changes the schema"
    elif recorded.downgrade_error and recorded.downgrade_error.startswith("NotImplementedError"):
        message = "downgrade() raises NotImplementedError"
    elif not recorded.downgrade and recorded.downgrade_error is None:
        message = "downgrade() does nothing, yet upgrade() changes the schema"
    else:
        return
    yield found("missing-downgrade", recorded, message, phase="downgrade")


@rule(
    "raw-ddl",
    "warning",
    "Use the Alembic operation (op.create_index, op.alter_column, op.create_sequence"
    " ...) so rules, guards and offline SQL for each Oracle version all see it.",
)
def raw_ddl(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """DDL hidden in an SQL string bypasses the Oracle guards and the target-version rendering, and a
    reviewer reading the operations does not see it. One finding per op.execute (or bind call), listing
    its statements."""
    for phase in PHASES:
        for step in steps(recorded, phase):
            ddl = [s for s in step.statements if s.kind == "ddl" and s.hidden]
            if ddl:
                listed = "; ".join(s.describe() for s in ddl)
                tables = {s.table for s in ddl}
                table = ddl[0].table if len(tables) == 1 else None
                message = f"{phase}() runs DDL through {step.via}: {listed}"
                yield found("raw-ddl", recorded, message, phase=phase, table=table)


@rule(
    "unparsed-sql",
    "warning",
    "Use Alembic operations, or plain SQL statements sqlglot reads for the target dialect; review "
    "the statement by hand and acknowledge it with lint_allow.",
)
def unparsed_sql(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """SQL the lint cannot parse (PL/SQL, vendor syntax) was not judged: a DROP or DELETE inside it would
    pass unseen, so the revision is never called clean on the strength of it."""
    for phase in PHASES:
        for step in steps(recorded, phase):
            unparsed = [s for s in step.statements if not s.parsed]
            if unparsed:
                shown = "; ".join(" ".join(s.text.split())[:60] for s in unparsed)
                how = f"through {step.via} that was not parsed for {target.dialect}"
                message = f"{phase}() sends SQL {how}: {shown}"
                yield found("unparsed-sql", recorded, message, phase=phase)


@rule(
    "offline-branch",
    "warning",
    "Do the same thing online and offline; if data must be read, do it in SQL (INSERT .. SELECT, "
    "UPDATE .. WHERE) so that one path exists and is linted.",
)
def offline_branch(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A revision that asks whether it runs offline (context.is_offline_mode(), op.get_context().as_sql)
    does something else online: the lint and the --sql script saw only the offline path."""
    for phase, asked in recorded.offline_branches.items():
        message = f"{phase}() branches on offline mode ({asked}): what runs online was not seen"
        yield found("offline-branch", recorded, message, phase=phase)  # type: ignore[arg-type]


@rule(
    "not-analysable",
    "error",
    "Keep upgrade()/downgrade() to op calls and SQL that need no live connection and no application "
    "import (or lint with stand-ins for missing modules), or acknowledge with lint_allow why it is safe.",
)
def not_analysable(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A revision whose operations cannot be recorded offline cannot be checked, nor rendered as the
    --sql script a DBA runs on Oracle."""
    if recorded.load_error:
        yield found("not-analysable", recorded, recorded.load_error, phase="module")
        return
    if recorded.upgrade_error:
        message = f"upgrade() could not be recorded: {recorded.upgrade_error}"
        if recorded.downgrade:
            message += "; downgrade() not judged, as what upgrade() makes is unknown"
        yield found("not-analysable", recorded, message)
    error = recorded.downgrade_error
    if error and not error.startswith("NotImplementedError"):
        yield found(
            "not-analysable", recorded, f"downgrade() could not be recorded: {error}", phase="downgrade"
        )


STAND_INS = declare(
    "stand-in-imports",
    "warning",
    "The revision imports modules that are not installed; it ran with permissive stand-ins, so whatever it "
    "did with them (types, helpers, models) was not seen.",
    "Install the application beside the lint, or move what the revision needs from it into the revision.",
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
