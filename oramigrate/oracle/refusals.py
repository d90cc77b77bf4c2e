"""What Oracle cannot do, refused before anything is rendered or run, each with the way to write it.

One predicate per rule; ``operations.py`` runs them before Alembic's own implementations, so the
refusal reaches ``db upgrade`` and ``db upgrade --sql`` alike, before the first statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..errors import UnsupportedOperation

# Oracle's ON DELETE accepts CASCADE and SET NULL only (SQL Language Reference, "references_clause")
ON_DELETE_ACCEPTED = ("CASCADE", "SET NULL")


def _version(dialect: Any) -> str:
    return ".".join(str(part) for part in dialect.server_version_info or ()) or "?"


def _new_columns(operation: Any) -> Iterator[sa.Column[Any]]:
    if isinstance(operation, ops.CreateTableOp):
        yield from (item for item in operation.columns if isinstance(item, sa.Column))
    elif isinstance(operation, ops.AddColumnOp):
        yield operation.column


def refuse_identity_before_12(operation: Any, dialect: Any) -> None:
    """Identity columns exist from Oracle 12.1; before it SQLAlchemy would drop ``Identity()`` silently."""
    if dialect.name != "oracle" or dialect.supports_identity_columns:
        return
    for column in _new_columns(operation):
        if column.identity is not None:
            table = getattr(operation, "table_name", "?")
            raise UnsupportedOperation(
                f"{table}.{column.name}: Identity() needs Oracle 12.1 or later; for {_version(dialect)} it "
                "would be left out and the column would get no values. Write it as a sequence instead: "
                f"op.create_sequence('{table}_{column.name}_seq') before the table, the column without "
                f"Identity(), and Sequence('{table}_{column.name}_seq') on the model's column "
                "(SQLAlchemy calls NEXTVAL on insert); or set ORACLE_TARGET_VERSION to 12.1 or later"
            )


def _foreign_keys(operation: Any) -> Iterator[tuple[str, str | None, str | None]]:
    """(name, ondelete, onupdate) of every foreign key an operation creates."""
    if isinstance(operation, ops.CreateForeignKeyOp):
        kw = operation.kw
        yield str(operation.constraint_name or "?"), kw.get("ondelete"), kw.get("onupdate")
    for item in getattr(operation, "columns", ()):
        if isinstance(item, sa.ForeignKeyConstraint):
            yield str(item.name or "?"), item.ondelete, item.onupdate
    for column in _new_columns(operation):
        for key in column.foreign_keys:
            yield str(key.name or column.name), key.ondelete, key.onupdate


def refuse_foreign_key_actions(operation: Any, dialect: Any) -> None:
    """Oracle has no ON UPDATE and no ON DELETE RESTRICT/NO ACTION/SET DEFAULT clause."""
    if dialect.name != "oracle":
        return
    for name, ondelete, onupdate in _foreign_keys(operation):
        if onupdate is not None:
            raise UnsupportedOperation(
                f"foreign key {name}: Oracle has no ON UPDATE clause, so onupdate={onupdate!r} would be "
                "dropped with only a Python warning. Remove it: key values that never change need none; "
                "otherwise update the children in the same transaction (or a trigger)"
            )
        if ondelete is not None and " ".join(ondelete.upper().split()) not in ON_DELETE_ACCEPTED:
            raise UnsupportedOperation(
                f"foreign key {name}: Oracle's ON DELETE accepts only CASCADE or SET NULL, not "
                f"{ondelete!r}. Remove ondelete: without it Oracle already refuses to delete a parent row "
                "that has children (ORA-02292), which is what RESTRICT and NO ACTION mean"
            )


def _is_lob(type_: Any) -> bool:
    return isinstance(type_, (sa.Text, sa.LargeBinary)) or type(type_).__name__.upper() in (
        "CLOB",
        "NCLOB",
        "BLOB",
    )


def refuse_lob_change(operation: ops.AlterColumnOp, dialect: Any) -> None:
    """Oracle cannot MODIFY a column into or out of a LOB (ORA-22858, ORA-22859): refuse with the recipe."""
    new, old = operation.modify_type, operation.existing_type
    if dialect.name != "oracle" or new is None:
        return
    if old is None and not _is_lob(new):
        return
    if old is not None and _is_lob(new) == _is_lob(old):
        return
    table, column = operation.table_name, operation.column_name
    temporary = f"{column}_new"
    if _is_lob(new):
        error, copy = "ORA-22858", f"UPDATE {table} SET {temporary} = {column}"
        extra = "; first drop any index, unique or primary key on it (a LOB can have none, ORA-02329)"
    else:
        length = getattr(new, "length", None) or 4000
        error, copy = "ORA-22859", f"UPDATE {table} SET {temporary} = DBMS_LOB.SUBSTR({column}, {length}, 1)"
        extra = (
            f"; check first that nothing is cut: SELECT COUNT(*) FROM {table} "
            f"WHERE DBMS_LOB.GETLENGTH({column}) > {length}"
        )
    raise UnsupportedOperation(
        f"{table}.{column}: Oracle cannot change a column to or from a LOB in place ({error}). Write four "
        f"operations instead: op.add_column('{table}', sa.Column('{temporary}', <new type>)); "
        f"op.execute('{copy}'); op.drop_column('{table}', '{column}'); "
        f"op.alter_column('{table}', '{temporary}', new_column_name='{column}'){extra}"
    )
