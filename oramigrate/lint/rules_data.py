"""Rules about data: what a revision takes away, narrows or forbids that it did not itself make."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops

from .model import Finding, LintTarget, found, rule
from .narrowing import narrows
from .recorder import RecordedRevision, Step
from .walk import PhaseName, created_tables, dropped_columns, dropped_tables, lower, steps, walk

PHASES: tuple[PhaseName, ...] = ("upgrade", "downgrade")


def _recreated(recorded: RecordedRevision, phase: PhaseName, index: int, table: str) -> bool:
    return any(table in created_tables(step) for step in steps(recorded, phase)[index + 1 :])


def _added_columns(recorded: RecordedRevision, phase: PhaseName) -> list[tuple[int, ops.AddColumnOp]]:
    added = []
    for index, step, made in walk(recorded, phase):
        if isinstance(step.operation, ops.AddColumnOp) and not made.has_table(step.operation.table_name):
            added.append((index, step.operation))
    return added


def _types_compatible(step: Step, added: ops.AddColumnOp) -> bool:
    reverse = getattr(step.operation, "_reverse", None)  # drop_column(..., existing_type=) keeps it
    old = getattr(getattr(reverse, "column", None), "type", None)
    return old is None or narrows(old, added.column.type) is None


def rename_pairs(recorded: RecordedRevision, phase: PhaseName) -> dict[tuple[str, str], str]:
    """(table, dropped column) -> the column added to the same table in the same phase."""
    free = _added_columns(recorded, phase)
    pairs: dict[tuple[str, str], str] = {}
    for _, step, made in walk(recorded, phase):
        for table, column in dropped_columns(step):
            if made.has_column(table, column):
                continue
            for position, (_, added) in enumerate(free):
                if lower(added.table_name) == table and _types_compatible(step, added):
                    pairs[(table, column)] = lower(added.column.name)
                    del free[position]
                    break
    return pairs


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
        for index, step, made in walk(recorded, phase):
            for table in dropped_tables(step):
                if not made.has_table(table) and not _recreated(recorded, phase, index, table):
                    yield found(
                        "drop-table",
                        recorded,
                        f"{phase}() drops table {table} and its rows",
                        phase=phase,
                        table=table,
                    )


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
        for index, step, made in walk(recorded, phase):
            for table in dropped_tables(step):
                if not made.has_table(table) and _recreated(recorded, phase, index, table):
                    yield found(
                        "drop-recreate",
                        recorded,
                        f"{phase}() drops and recreates table {table}",
                        phase=phase,
                        table=table,
                    )


@rule(
    "drop-column",
    "error",
    "Stop using the column first; drop it in a later release, acknowledged with "
    "lint_allow and a reason, once no deployed code reads it.",
)
def drop_column(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Dropping a column deletes its values in every row, and code still deployed that reads it breaks."""
    for phase in PHASES:
        pairs = rename_pairs(recorded, phase)
        for _, step, made in walk(recorded, phase):
            for table, column in dropped_columns(step):
                if not made.has_column(table, column) and (table, column) not in pairs:
                    yield found(
                        "drop-column",
                        recorded,
                        f"{phase}() drops column {table}.{column}",
                        phase=phase,
                        table=table,
                        column=column,
                    )


@rule(
    "rename-as-drop-add",
    "error",
    "Rename in place: op.alter_column(table, old, new_column_name=new) "
    "(db migrate --rename TABLE.OLD=NEW writes it for you).",
)
def rename_as_drop_add(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A column dropped and another added to the same table in one step is usually a rename that
    autogenerate could not recognise: the values of the old column are lost, the new one starts empty."""
    for phase in PHASES:
        for (table, column), added in rename_pairs(recorded, phase).items():
            yield found(
                "rename-as-drop-add",
                recorded,
                f"{phase}() drops {table}.{column} and adds {table}.{added}: a rename loses its data",
                phase=phase,
                table=table,
                column=column,
            )


def _reverses(recorded: RecordedRevision, phase: PhaseName, alter: ops.AlterColumnOp, attribute: str) -> bool:
    """In downgrade(), an alter_column that puts back what the upgrade's own alter_column changed."""
    if phase != "downgrade":
        return False
    for step in recorded.upgrade:
        other = step.operation
        if not isinstance(other, ops.AlterColumnOp):
            continue
        if (lower(other.table_name), lower(other.column_name)) != (
            lower(alter.table_name),
            lower(alter.column_name),
        ):
            continue
        if attribute == "type" and other.modify_type is not None:
            return repr(other.existing_type) == repr(alter.modify_type)
        if attribute == "nullable" and other.modify_nullable is True:
            return True
    return False


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
        for _, step, made in walk(recorded, phase):
            alter = step.operation
            if not isinstance(alter, ops.AlterColumnOp) or alter.modify_type is None:
                continue
            table, column = lower(alter.table_name), lower(alter.column_name)
            if made.has_column(table, column) or _reverses(recorded, phase, alter, "type"):
                continue
            why = narrows(alter.existing_type, alter.modify_type)
            if why is not None:
                yield found(
                    "narrowing-type",
                    recorded,
                    f"{phase}() changes {table}.{column} {why}",
                    phase=phase,
                    table=table,
                    column=column,
                )


def _backfilled(recorded: RecordedRevision, phase: PhaseName, index: int, table: str, column: str) -> bool:
    for step in steps(recorded, phase)[:index]:
        for statement in step.statements:
            if statement.verb == "update" and statement.table == table:
                if not statement.columns or column in statement.columns:
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
        for index, step, made in walk(recorded, phase):
            alter = step.operation
            if not isinstance(alter, ops.AlterColumnOp) or alter.modify_nullable is not False:
                continue
            table, column = lower(alter.table_name), lower(alter.column_name)
            if made.has_column(table, column) or _reverses(recorded, phase, alter, "nullable"):
                continue
            if alter.modify_server_default not in (None, False):
                continue
            if not _backfilled(recorded, phase, index, table, column):
                yield found(
                    "not-null-without-default",
                    recorded,
                    f"{phase}() makes {table}.{column} NOT NULL with no backfill or server default",
                    phase=phase,
                    table=table,
                    column=column,
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
        for _, step, made in walk(recorded, phase):
            add = step.operation
            if not isinstance(add, ops.AddColumnOp) or made.has_table(add.table_name):
                continue
            column = add.column
            if column.nullable or column.server_default is not None or column.computed is not None:
                continue
            if column.identity is not None:
                continue
            table = lower(add.table_name)
            yield found(
                "add-column-not-null-no-default",
                recorded,
                f"{phase}() adds {table}.{lower(column.name)} NOT NULL without a server default",
                phase=phase,
                table=table,
                column=lower(column.name),
            )
