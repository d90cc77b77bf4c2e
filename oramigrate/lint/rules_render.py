"""Rules about what the target makes of the DDL: compile failures, and Oracle DDL that compiles but fails
or silently means something else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .model import Finding, LintTarget, RecordedRevision, found, rule
from .rendering import column_uses, compiled_type, foreign_keys, key_columns, render
from .walk import PHASES, Made, steps

LOB_TYPES = ("CLOB", "NCLOB", "BLOB")
STRING_TYPES = ("VARCHAR2", "NVARCHAR2")


@rule(
    "not-renderable",
    "error",
    "Use types and options the target supports (sa.Text instead of TSVECTOR, sa.JSON on Oracle 21+, "
    "a variant per dialect with with_variant()), so that --sql writes what the database accepts.",
)
def not_renderable(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """An operation SQLAlchemy cannot compile for the target stops `db upgrade --sql` with a traceback
    and `db upgrade` half-way through a revision."""
    for phase in PHASES:
        for step in steps(recorded, phase):
            error = render(step, target).error
            if error is not None:
                table = getattr(step.operation, "table_name", None)
                operation = type(step.operation).__name__
                message = f"{phase}() {operation} does not compile for {target.describe()}: {error}"
                yield found("not-renderable", recorded, message, phase=phase, table=table)


def _oracle_uses(
    recorded: RecordedRevision, target: LintTarget
) -> Iterator[tuple[str, str, str, sa.Column[Any] | None, str]]:
    """(phase, table, column, compiled type, definition) of every column defined or retyped, for Oracle."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            for use in column_uses(step):
                spelled = compiled_type(use.type, target)
                if spelled is not None:
                    yield phase, use.table, use.column, use.definition, spelled  # type: ignore[misc]


@rule(
    "lob-in-key",
    "error",
    "Key on a VARCHAR2 column (String(n) with n <= 4000 bytes), or on a hash of the text.",
)
def lob_in_key(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle cannot put a CLOB or BLOB (Text, UnicodeText, LargeBinary) in a primary key, unique
    constraint, index or foreign key (ORA-02329, ORA-02327): the DDL compiles and is refused."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        made = Made()
        for step in steps(recorded, phase):
            for use in column_uses(step):
                made.types[(use.table, use.column)] = use.type
            for table, column, what in key_columns(step):
                spelled = compiled_type(made.types.get((table, column)), target) or ""
                if spelled.split("(")[0] in LOB_TYPES:
                    message = f"{phase}() puts {spelled} column {table}.{column} in a {what}"
                    yield found("lob-in-key", recorded, message, phase=phase, table=table, column=column)


@rule(
    "varchar-without-length",
    "error",
    "Give every String a length: sa.String(100); use sa.Text for unbounded text.",
)
def varchar_without_length(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """String() with no length compiles to a bare VARCHAR2 on Oracle, which Oracle rejects (ORA-00906)."""
    for phase, table, column, _definition, spelled in _oracle_uses(recorded, target):
        if spelled in STRING_TYPES:
            message = f"{phase}() gives {table}.{column} a {spelled} with no length"
            yield found("varchar-without-length", recorded, message, phase=phase, table=table, column=column)


def _string_limit(target: LintTarget) -> int:
    extended = target.extended_strings and target.version is not None and target.version >= (12,)
    return 32767 if extended else 4000


@rule(
    "string-too-long",
    "error",
    "Use sa.Text (CLOB) for longer text, or String(4000); set the target's MAX_STRING_SIZE=EXTENDED "
    "setting only if the database really has it (12c+).",
)
def string_too_long(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """VARCHAR2 holds at most 4000 bytes unless the database was set to MAX_STRING_SIZE=EXTENDED (12c+,
    32767): a longer column is refused (ORA-00910)."""
    limit = _string_limit(target)
    for phase, table, column, _definition, spelled in _oracle_uses(recorded, target):
        size = spelled.split("(")[1].split()[0].rstrip(")") if "(" in spelled else ""
        if spelled.split("(")[0] in STRING_TYPES and size.isdigit() and int(size) > limit:
            message = f"{phase}() gives {table}.{column} {spelled}; {target.describe()} allows {limit} bytes"
            yield found("string-too-long", recorded, message, phase=phase, table=table, column=column)


@rule(
    "lob-type-change",
    "error",
    "Add a new column of the new type, copy with UPDATE (DBMS_LOB.SUBSTR for CLOB -> VARCHAR2), drop the "
    "old one in a later release and rename.",
)
def lob_type_change(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle cannot MODIFY a VARCHAR2 column into a CLOB or back (ORA-22858, ORA-22859), though Alembic
    renders alter_column(type_=Text()) as exactly that."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            alter = step.operation
            if not isinstance(alter, ops.AlterColumnOp) or alter.modify_type is None:
                continue
            old = (compiled_type(alter.existing_type, target) or "").split("(")[0]
            new = (compiled_type(alter.modify_type, target) or "").split("(")[0]
            if {old, new} & set(LOB_TYPES) and {old, new} & set(STRING_TYPES):
                table, column = alter.table_name.lower(), alter.column_name.lower()
                message = f"{phase}() changes {table}.{column} from {old} to {new}"
                yield found("lob-type-change", recorded, message, phase=phase, table=table, column=column)


def _generated(column: sa.Column[Any], target: LintTarget) -> bool:
    if isinstance(column.default, sa.Sequence) or column.server_default is not None:
        return True
    return column.identity is not None and target.version is not None and target.version >= (12,)


@rule(
    "integer-pk-without-generator",
    "error",
    "Give the key a generator: sa.Column('id', sa.Integer, sa.Sequence('t_id_seq'), primary_key=True) "
    "with op.create_sequence, or sa.Identity() on 12c+; or autoincrement=False if the application sets it.",
)
def integer_pk_without_generator(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle generates no value for an integer primary key without a sequence, an identity or a default:
    the first INSERT that relies on it, as SQLAlchemy's does, fails with ORA-01400."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            table = step.operation
            if not isinstance(table, ops.CreateTableOp):
                continue
            keys = [c for c in table.columns if isinstance(c, sa.Column) and c.primary_key]
            if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer) or keys[0].autoincrement is False:
                continue
            if not _generated(keys[0], target):
                name, column = table.table_name.lower(), keys[0].name.lower()
                key = f"{name}.{column}, an integer primary key"
                message = f"{phase}() creates {key} nothing generates on {target.describe()}"
                yield found(
                    "integer-pk-without-generator", recorded, message, phase=phase, table=name, column=column
                )


@rule(
    "identity-unsupported",
    "error",
    "Use a Sequence (op.create_sequence and sa.Sequence on the column) before 12c.",
)
def identity_unsupported(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle before 12c has no identity columns, and SQLAlchemy silently drops Identity() from the DDL
    for it: the column is created with no generator at all."""
    if target.dialect != "oracle" or target.version is None or target.version >= (12,):
        return
    for phase, table, column, definition, _spelled in _oracle_uses(recorded, target):
        if definition is not None and definition.identity is not None:
            message = (
                f"{phase}() declares {table}.{column} Identity(), which {target.describe()} drops silently"
            )
            yield found("identity-unsupported", recorded, message, phase=phase, table=table, column=column)


@rule(
    "fk-action-unsupported",
    "error",
    "On Oracle use ondelete='CASCADE' or 'SET NULL' (or none, which restricts); no onupdate: keep keys "
    "immutable, or cascade with a trigger.",
)
def fk_action_unsupported(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle knows only ON DELETE CASCADE and ON DELETE SET NULL: ondelete='RESTRICT' (or NO ACTION, SET
    DEFAULT) is a syntax error (ORA-00905), and onupdate= is silently left out of the DDL."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            for table, ondelete, onupdate in foreign_keys(step):
                if ondelete and str(ondelete).upper() not in ("CASCADE", "SET NULL"):
                    message = (
                        f"{phase}() creates a foreign key on {table} with ON DELETE {str(ondelete).upper()}"
                    )
                    yield found("fk-action-unsupported", recorded, message, phase=phase, table=table)
                if onupdate:
                    action = f"onupdate={onupdate!r}"
                    message = f"{phase}() creates a foreign key on {table} with {action}, dropped on Oracle"
                    yield found("fk-action-unsupported", recorded, message, phase=phase, table=table)


@rule(
    "timezone-dropped",
    "warning",
    "Use sa.TIMESTAMP(timezone=True) to keep the zone (and fractions of a second).",
)
def timezone_dropped(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """DateTime(timezone=True) compiles to DATE on Oracle: the time zone and the fractions of a second
    are silently lost."""
    for phase, table, column, definition, spelled in _oracle_uses(recorded, target):
        type_ = definition.type if definition is not None else None
        if spelled == "DATE" and isinstance(type_, sa.DateTime) and type_.timezone:
            message = f"{phase}() stores {table}.{column} DateTime(timezone=True) as DATE"
            yield found("timezone-dropped", recorded, message, phase=phase, table=table, column=column)
