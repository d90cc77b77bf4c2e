"""Rules about data: what a revision takes away, narrows or forbids that it did not itself make."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from sqlalchemy.types import TypeEngine

from .column_types import as_type, type_before
from .effects import Effect
from .model import Finding, LintTarget, RecordedRevision, found, rule
from .narrowing import narrows
from .walk import PHASES, PhaseName, lower, phase_effects, position, walk


def _later(recorded: RecordedRevision, phase: PhaseName, effect: Effect, kind: str) -> list[Effect]:
    every = phase_effects(recorded, phase)
    return [e for e in every[position(every, effect) + 1 :] if e.kind == kind and e.table == effect.table]


def _recreated(recorded: RecordedRevision, phase: PhaseName, effect: Effect) -> bool:
    return bool(_later(recorded, phase, effect, "create table"))


def _readded(recorded: RecordedRevision, phase: PhaseName, effect: Effect) -> bool:
    return any(e.column == effect.column for e in _later(recorded, phase, effect, "add column"))


def _types_fit(dropped: Effect, added: Effect) -> bool:
    if dropped.old_type is None or isinstance(added.new_type, str) or added.new_type is None:
        return True
    return narrows(dropped.old_type, added.new_type) is None


def rename_pairs(recorded: RecordedRevision, phase: PhaseName) -> dict[tuple[str, str], str]:
    """(table, dropped column) -> a column of another name, of a fitting type, added to the same table."""
    pairs: dict[tuple[str, str], str] = {}
    taken: set[tuple[str, str]] = set()
    for effect, made in walk(recorded, phase):
        if effect.kind != "drop column" or made.has_column(effect.table, effect.column):
            continue
        copied = _copied_to(recorded, phase, effect)  # values kept: not a rename that loses them
        for added in [
            e for e in phase_effects(recorded, phase) if e.kind == "add column" and e.table == effect.table
        ]:
            key = (str(added.table), str(added.column))
            if added.column in copied or added.column == effect.column or key in taken:
                continue
            if _types_fit(effect, added):
                pairs[(str(effect.table), str(effect.column))] = str(added.column)
                taken.add(key)
                break
    return pairs


def _copied_to(recorded: RecordedRevision, phase: PhaseName, effect: Effect) -> list[str]:
    every = phase_effects(recorded, phase)
    statements = [e.statement for e in every[: position(every, effect)] if e.kind == "update" and e.statement]
    return sorted(
        {
            target
            for s in statements
            if s.table == effect.table
            for target, source in s.copies
            if source == effect.column
        }
        - {str(effect.column)}
    )


@rule(
    "drop-table",
    "error",
    "Keep the table; stop writing to it, and drop it in a later release once "
    "nothing reads it and a backup exists, acknowledging that revision with lint_allow.",
)
def drop_table(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Dropping a table deletes every row in it; on Oracle DDL commits at once, so no rollback brings
    it back."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind == "drop table" and not made.has_table(effect.table):
                if not _recreated(recorded, phase, effect):
                    message = f"{phase}() drops table {effect.table} and its rows"
                    yield found("drop-table", recorded, message, phase=phase, table=effect.table)


@rule(
    "drop-recreate",
    "error",
    "Change the table in place with op.alter_column / op.add_column "
    "(batch_alter_table on SQLite); if a rebuild is really needed, copy the rows in the same revision.",
)
def drop_recreate(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Dropping a table and creating it again under the same name empties it: this is what autogenerate emits
    when names do not match on reflection (case, schema), and it silently loses every row."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind == "drop table" and not made.has_table(effect.table):
                if _recreated(recorded, phase, effect):
                    message = f"{phase}() drops and recreates table {effect.table}"
                    yield found("drop-recreate", recorded, message, phase=phase, table=effect.table)


@rule(
    "drop-column",
    "error",
    "Stop using the column first; drop it in a later release, acknowledged with "
    "lint_allow and a reason, once no deployed code reads it.",
)
def drop_column(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Dropping a column deletes its values in every row, and code still deployed that reads it breaks."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind != "drop column" or made.has_column(effect.table, effect.column):
                continue
            message = f"{phase}() drops column {effect.table}.{effect.column}"
            copied = _copied_to(recorded, phase, effect)
            if copied:
                message += f" (its values were first copied by an UPDATE into {', '.join(copied)})"
            yield found(
                "drop-column", recorded, message, phase=phase, table=effect.table, column=effect.column
            )


@rule(
    "drop-recreate-column",
    "error",
    "Change the column in place: op.alter_column(table, column, type_=..., existing_type=...); "
    "if it must be rebuilt, add a new column, copy the values, then drop the old one in a later revision.",
)
def drop_recreate_column(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A column dropped and added again under the same name (a retype written as drop + add) comes back
    empty in every row: all its values are gone, though the schema looks unchanged."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind == "drop column" and not made.has_column(effect.table, effect.column):
                if _readded(recorded, phase, effect):
                    where = f"{effect.table}.{effect.column}"
                    message = f"{phase}() drops and re-adds column {where}: it comes back empty"
                    yield found(
                        "drop-recreate-column",
                        recorded,
                        message,
                        phase=phase,
                        table=effect.table,
                        column=effect.column,
                    )


@rule(
    "rename-as-drop-add",
    "error",
    "Rename in place: op.alter_column(table, old, new_column_name=new) "
    "(db migrate --rename TABLE.OLD=NEW writes it for you).",
)
def rename_as_drop_add(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A column dropped and another of a fitting type added to the same table in one phase is usually a
    rename that autogenerate could not recognise: the values of the old column are lost, the new one
    starts empty."""
    for phase in PHASES:
        for (table, column), added in rename_pairs(recorded, phase).items():
            message = f"{phase}() drops {table}.{column} and adds {table}.{added}: a rename loses its data"
            yield found("rename-as-drop-add", recorded, message, phase=phase, table=table, column=column)


def _undone_retype(
    recorded: RecordedRevision, effect: Effect, target: LintTarget
) -> tuple[TypeEngine[Any], TypeEngine[Any]] | None:
    """(old, new) of the upgrade's type change of the same column that this downgrade one puts back."""
    back = as_type(effect.new_type, target.dialect)
    if back is None:
        return None
    for upgrade in phase_effects(recorded, "upgrade"):
        if upgrade.kind == "alter type" and (upgrade.table, upgrade.column) == (effect.table, effect.column):
            old = type_before(recorded, "upgrade", upgrade, target.dialect)
            new = as_type(upgrade.new_type, target.dialect)
            if old is not None and new is not None and repr(old) == repr(back):
                return old, new
    return None


def _reverses_not_null(recorded: RecordedRevision, effect: Effect) -> bool:
    return any(
        isinstance(step.operation, ops.AlterColumnOp)
        and step.operation.modify_nullable is True
        and (lower(step.operation.table_name), lower(step.operation.column_name))
        == (effect.table, effect.column)
        for step in recorded.upgrade
    )


def _narrowing(
    recorded: RecordedRevision, phase: PhaseName, effect: Effect, target: LintTarget
) -> str | None:
    if phase == "downgrade" and _undone_retype(recorded, effect, target) is not None:
        return None  # putting back the upgrade's type: narrowing-downgrade judges a widening undone
    new = as_type(effect.new_type, target.dialect)
    old = type_before(recorded, phase, effect, target.dialect)
    if isinstance(effect.new_type, str) and old is None:
        return (
            f"to {effect.new_type} by raw SQL; its type before is not known (neither this revision nor an "
            "earlier one says it): whether values are lost cannot be judged"
        )
    if isinstance(effect.new_type, str) and new is None:
        return (
            f"from {old!r} to {effect.new_type} by raw SQL, a type the lint cannot compare: "
            "whether values are lost cannot be judged"
        )
    return narrows(old, new) if new is not None else None


@rule(
    "narrowing-type",
    "error",
    "Add a new column of the new type, copy and check the values, then switch "
    "over; or widen instead. Give existing_type= so the change can be judged.",
)
def narrowing_type(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A shorter VARCHAR2, a smaller NUMBER or a change of kind fails on the first value that does not fit
    (ORA-01441, ORA-01440) after earlier statements of the revision have already committed."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind != "alter type" or made.has_column(effect.table, effect.column):
                continue
            why = _narrowing(recorded, phase, effect, target)
            if why is not None:
                message = f"{phase}() changes {effect.table}.{effect.column} {why}"
                yield found(
                    "narrowing-type", recorded, message, phase=phase, table=effect.table, column=effect.column
                )


@rule(
    "narrowing-downgrade",
    "warning",
    "Before downgrading, find the rows that no longer fit (the query in the message) and fix or "
    "archive them; or leave the column wide in downgrade().",
)
def narrowing_downgrade(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A downgrade that narrows back what its upgrade widened fails on any row written since the upgrade
    that uses the wider type, half-way through a downgrade that cannot be rolled back on Oracle."""
    for effect, _made in walk(recorded, "downgrade"):
        if effect.kind != "alter type":
            continue
        undone = _undone_retype(recorded, effect, target)
        if undone is None or narrows(*undone) is not None:
            continue  # not a widening undone (a narrowing undone only widens back)
        old, back = type_before(recorded, "downgrade", effect, target.dialect), undone[0]
        if old is None or narrows(old, back) is None:
            continue
        rows = f"rows of {effect.table} whose {effect.column} does not fit {back!r}"
        message = f"downgrade() narrows {effect.table}.{effect.column} back to {back!r}: {rows} make it fail"
        yield found(
            "narrowing-downgrade",
            recorded,
            message,
            phase="downgrade",
            table=effect.table,
            column=effect.column,
        )


def _backfilled(recorded: RecordedRevision, phase: PhaseName, effect: Effect) -> bool:
    every = phase_effects(recorded, phase)
    for earlier in every[: position(every, effect)]:
        if earlier.kind == "update" and earlier.table == effect.table:
            statement = earlier.statement
            sets = earlier.columns or (statement.columns if statement else frozenset())
            nulls = statement.nulls if statement else frozenset()
            if (not sets or effect.column in sets) and effect.column not in nulls:
                return True
    return False


@rule(
    "not-null-without-default",
    "error",
    "Backfill first in the same revision (op.execute an UPDATE ... "
    "WHERE column IS NULL), or give the column a server_default, then make it NOT NULL.",
)
def not_null_without_default(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Making a populated column NOT NULL fails on the first NULL row (ORA-02296), half-way through a
    revision that Oracle cannot roll back."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if (
                effect.kind != "set not null"
                or effect.with_default
                or made.has_column(effect.table, effect.column)
            ):
                continue
            if phase == "downgrade" and _reverses_not_null(recorded, effect):
                continue
            if not _backfilled(recorded, phase, effect):
                how = " by raw SQL" if effect.statement is not None else ""
                what = f"{effect.table}.{effect.column} NOT NULL{how}"
                message = f"{phase}() makes {what} with no backfill or server default"
                yield found(
                    "not-null-without-default",
                    recorded,
                    message,
                    phase=phase,
                    table=effect.table,
                    column=effect.column,
                )


@rule(
    "add-column-not-null-no-default",
    "error",
    "Add it nullable, backfill, then make it NOT NULL; or add it "
    "with a server_default (on Oracle 11g+ a NOT NULL column with a DEFAULT is added without "
    "rewriting rows).",
)
def add_column_not_null(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A NOT NULL column with no default cannot be added to a table that has rows (ORA-01758)."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind != "add column" or not effect.not_null or effect.with_default:
                continue
            if made.has_table(effect.table):
                continue
            message = f"{phase}() adds {effect.table}.{effect.column} NOT NULL without a server default"
            yield found(
                "add-column-not-null-no-default",
                recorded,
                message,
                phase=phase,
                table=effect.table,
                column=effect.column,
            )
