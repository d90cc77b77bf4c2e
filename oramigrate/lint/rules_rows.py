"""Rules about rows: SQL that empties a table, overwrites or nulls a column, or cannot be undone."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.operations import ops

from .effects import DATA_KINDS, Effect
from .model import Finding, LintTarget, RecordedRevision, found, rule
from .walk import PHASES, Made, PhaseName, phase_effects, walk


def _via(recorded: RecordedRevision, phase: str, effect: Effect) -> str:
    steps = recorded.upgrade if phase == "upgrade" else recorded.downgrade
    return steps[effect.step].via


@rule(
    "truncate-table",
    "error",
    "Delete only the rows you mean to, with a WHERE clause; if the table really must be emptied, "
    "back it up first and acknowledge with lint_allow and a reason.",
)
def truncate_table(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """TRUNCATE removes every row at once and commits: there is no WHERE, no rollback and, on Oracle,
    no flashback of the rows."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind == "truncate" and not made.has_table(effect.table):
                message = f"{phase}() truncates table {effect.table} through {_via(recorded, phase, effect)}"
                yield found("truncate-table", recorded, message, phase=phase, table=effect.table)


@rule(
    "delete-without-where",
    "error",
    "Say which rows: DELETE FROM t WHERE ...; if every row must go, acknowledge with lint_allow "
    "and a reason after taking a backup.",
)
def delete_without_where(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A DELETE without WHERE empties the table: in a migration it is usually a test-data cleanup that
    reaches production."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            if effect.kind == "delete" and effect.statement and not effect.statement.where:
                if not made.has_table(effect.table):
                    message = f"{phase}() deletes every row of {effect.table} (no WHERE)"
                    yield found("delete-without-where", recorded, message, phase=phase, table=effect.table)


def _existing(effect: Effect, made: Made, columns: frozenset[str]) -> list[str]:
    return sorted(c for c in columns if not made.has_column(effect.table, c))


@rule(
    "update-without-where",
    "error",
    "Limit the UPDATE with WHERE (e.g. WHERE column IS NULL for a backfill), or acknowledge with "
    "lint_allow why every row must change.",
)
def update_without_where(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """An UPDATE without WHERE overwrites an existing column in every row; the old values are gone once
    the revision commits. Backfilling a column the revision itself added is not flagged."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            statement = effect.statement
            if effect.kind != "update" or statement is None or statement.where:
                continue
            columns = _existing(effect, made, statement.columns - statement.nulls)
            if columns:
                names = ", ".join(f"{effect.table}.{c}" for c in columns)
                message = f"{phase}() overwrites {names} in every row (UPDATE without WHERE)"
                yield found(
                    "update-without-where",
                    recorded,
                    message,
                    phase=phase,
                    table=effect.table,
                    column=columns[0],
                )


def _backfilled_by_upgrade(recorded: RecordedRevision, phase: str, effect: Effect) -> frozenset[str]:
    """In downgrade(), columns of the table the upgrade filled: putting NULL back is their undo."""
    if phase != "downgrade":
        return frozenset()
    updates = [
        e for e in phase_effects(recorded, "upgrade") if e.kind == "update" and e.table == effect.table
    ]
    return frozenset(column for e in updates for column in e.columns)


@rule(
    "update-set-null",
    "error",
    "Keep the values (copy them elsewhere first) or acknowledge with lint_allow why they may be erased.",
)
def update_set_null(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """UPDATE .. SET column = NULL erases the values of an existing column: data loss as sure as a
    dropped column, but invisible in the schema."""
    for phase in PHASES:
        for effect, made in walk(recorded, phase):
            statement = effect.statement
            if effect.kind != "update" or statement is None:
                continue
            for column in _existing(
                effect, made, statement.nulls - _backfilled_by_upgrade(recorded, phase, effect)
            ):
                scope = "matching rows" if statement.where else "every row"
                message = f"{phase}() sets {effect.table}.{column} to NULL in {scope}"
                yield found(
                    "update-set-null", recorded, message, phase=phase, table=effect.table, column=column
                )


@rule(
    "empty-string-not-null",
    "error",
    "Backfill a real value (a space, 'unknown') or use a server_default that is not '' before the NOT "
    "NULL, or keep the column nullable.",
)
def empty_string_not_null(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle stores '' as NULL: a backfill or default of '' leaves NULLs, so the NOT NULL that follows
    fails (ORA-02296, ORA-01758) though it passes on PostgreSQL and MariaDB."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        every = phase_effects(recorded, phase)
        for index, effect in enumerate(every):
            if effect.kind not in ("set not null", "add column") or (
                effect.kind == "add column" and not effect.not_null
            ):
                continue
            default = _server_default(effect)
            empties = any(
                e.kind == "update"
                and e.table == effect.table
                and e.statement
                and effect.column in e.statement.empties
                for e in every[:index]
            )
            if empties or default == "":
                what = f"{effect.table}.{effect.column} NOT NULL"
                message = f"{phase}() makes {what} after filling it with '' (NULL on Oracle)"
                yield found(
                    "empty-string-not-null",
                    recorded,
                    message,
                    phase=phase,
                    table=effect.table,
                    column=effect.column,
                )


def _server_default(effect: Effect) -> str | None:
    operation = effect.operation
    if isinstance(operation, ops.AddColumnOp):
        default = operation.column.server_default
        value = getattr(default, "arg", None)
    elif isinstance(operation, ops.AlterColumnOp):
        value = operation.modify_server_default
    else:
        return None
    text = getattr(value, "text", value)
    return text.strip("'") if isinstance(text, str) and text.strip() in ("", "''") else None


def _rows_changed(recorded: RecordedRevision, phase: PhaseName) -> dict[str | None, set[str]]:
    """table -> how a phase changes rows of it (insert, delete, update), tables it made itself apart."""
    changed: dict[str | None, set[str]] = {}
    for effect, made in walk(recorded, phase):
        if effect.kind in DATA_KINDS and not (effect.table and made.has_table(effect.table)):
            kind = "delete" if effect.kind == "truncate" else effect.kind
            changed.setdefault(effect.table, set()).add(kind)
    return changed


def _not_undone(recorded: RecordedRevision, table: str | None, kinds: set[str], undo: set[str]) -> list[str]:
    """What the upgrade does to ``table``'s rows that the downgrade's own row changes (``undo``) leave."""
    name = table or "the database"
    parts = []
    if "insert" in kinds and "delete" not in undo:
        parts.append(
            f"inserts rows into {name} that downgrade() does not delete: they stay after a downgrade, "
            "and the next upgrade inserts them again"
        )
    if "delete" in kinds and "insert" not in undo:
        parts.append(f"deletes rows of {name} that downgrade() does not put back")
    if "update" in kinds and not recorded.downgrade and not net_schema_change(recorded):
        parts.append(f"changes rows of {name}; downgrade() does not undo it")
    return parts


@rule(
    "data-change-irreversible",
    "warning",
    "Write a downgrade() that puts the data back (delete the rows the upgrade inserted, insert back a "
    "copy of what it deleted or changed), or say in lint_allow why it need not be undone.",
)
def data_change_irreversible(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """`db downgrade` past a revision that changed rows leaves the rows as it left them: rolling back a
    release does not roll back its data. Rows it inserted stay (and the next upgrade inserts them again,
    or fails on a unique key), rows it deleted stay deleted, and a data-only revision whose downgrade
    does nothing undoes none of its updates."""
    error = recorded.downgrade_error
    if recorded.upgrade_error or (error is not None and not error.startswith("NotImplementedError")):
        return  # not-analysable says what was not seen
    upgrade, downgrade = _rows_changed(recorded, "upgrade"), _rows_changed(recorded, "downgrade")
    for table in sorted(upgrade, key=str):
        parts = _not_undone(recorded, table, upgrade[table], downgrade.get(table, set()))
        if parts:
            message = "upgrade() " + "; it ".join(parts)
            yield found("data-change-irreversible", recorded, message, phase="downgrade", table=table)
    for table in sorted(downgrade, key=str):
        if "insert" in downgrade[table] and "delete" not in upgrade.get(table, set()):
            message = (
                f"downgrade() inserts rows into {table or 'the database'} that upgrade() did not delete: "
                "a downgrade adds rows the database did not have"
            )
            yield found("data-change-irreversible", recorded, message, phase="downgrade", table=table)


def net_schema_change(recorded: RecordedRevision) -> bool:
    """Whether the upgrade leaves the schema changed: a table or sequence it creates and drops cancels out."""
    transient = {
        effect.table
        for effect, made in walk(recorded, "upgrade")
        if (effect.kind == "drop table" and made.has_table(effect.table))
        or (effect.kind == "drop sequence" and effect.table in made.sequences)
    }
    return any(
        e.kind not in DATA_KINDS and e.table not in transient for e in phase_effects(recorded, "upgrade")
    )
