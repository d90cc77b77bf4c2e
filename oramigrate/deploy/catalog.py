"""Did a statement that started, and whose end nobody saw, take effect? Asked of the catalog.

Like Liquibase's preconditions: each DDL construct Alembic emits has an effect the catalog shows
(a table, column, index, sequence or constraint there or not, a column's type or nullability). A
statement whose effect the catalog cannot show (raw SQL, defaults, comments, DML) is ``UNDECIDED``:
the run stops and names it, and a person settles it with ``db journal resolve``.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic.ddl import base
from alembic.ddl.mysql import MySQLChangeColumn
from sqlalchemy.engine import Connection
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.sql import ddl

APPLIED, NOT_APPLIED, UNDECIDED = "applied", "not applied", "undecided"


def decide(connection: Connection, construct: Any) -> str:
    """APPLIED, NOT_APPLIED or UNDECIDED for a statement that may or may not have run (reads only)."""
    return _decide(sa.inspect(connection), connection, construct)


def _decide(inspector: Inspector, connection: Connection, construct: Any) -> str:
    if isinstance(construct, (ddl.CreateTable, ddl.DropTable)):
        table = construct.element
        there = inspector.has_table(table.name, schema=table.schema)
        return _outcome(there, isinstance(construct, ddl.CreateTable))
    if isinstance(construct, (ddl.CreateIndex, ddl.DropIndex)):
        index = construct.element
        if index.table is None:
            return UNDECIDED
        if index.name in _invalid_indexes(inspector, index.table.name, index.table.schema):
            return UNDECIDED  # PostgreSQL: a CONCURRENTLY build or drop that stopped half-way
        there = index.name in _index_names(inspector, index.table.name, index.table.schema)
        return _outcome(there, isinstance(construct, ddl.CreateIndex))
    if isinstance(construct, (ddl.CreateSequence, ddl.DropSequence)):
        sequence = construct.element
        there = inspector.has_sequence(sequence.name, schema=sequence.schema)
        return _outcome(there, isinstance(construct, ddl.CreateSequence))
    if isinstance(construct, (ddl.AddConstraint, ddl.DropConstraint)):
        constraint = construct.element
        if not constraint.name or constraint.table is None:
            return UNDECIDED
        names = _constraint_names(inspector, constraint.table.name, constraint.table.schema)
        return _outcome(constraint.name in names, isinstance(construct, ddl.AddConstraint))
    if isinstance(construct, (base.AddColumn, base.DropColumn)):
        columns = _columns(inspector, construct.table_name, construct.schema)
        return _outcome(construct.column.name in columns, isinstance(construct, base.AddColumn))
    if isinstance(construct, base.RenameTable):
        old = inspector.has_table(construct.table_name, schema=construct.schema)
        new = inspector.has_table(construct.new_table_name, schema=construct.schema)
        return _renamed(old, new)
    if isinstance(construct, base.ColumnName):
        columns = _columns(inspector, construct.table_name, construct.schema)
        return _renamed(construct.column_name in columns, construct.newname in columns)
    if isinstance(construct, (base.ColumnNullable, base.ColumnType, MySQLChangeColumn)):
        return _altered_column(inspector, connection, construct)
    return UNDECIDED  # raw SQL, defaults, comments, DML: nothing in the catalog says


def _outcome(there: bool, creates: bool) -> str:
    return APPLIED if there == creates else NOT_APPLIED


def _renamed(old: bool, new: bool) -> str:
    if new and not old:
        return APPLIED
    if old and not new:
        return NOT_APPLIED
    return UNDECIDED


def _columns(inspector: Inspector, table: str, schema: str | None) -> dict[str, dict[str, Any]]:
    if not inspector.has_table(table, schema=schema):
        return {}
    return {column["name"]: dict(column) for column in inspector.get_columns(table, schema=schema)}


def _index_names(inspector: Inspector, table: str, schema: str | None) -> set[str | None]:
    if not inspector.has_table(table, schema=schema):
        return set()
    names = {index["name"] for index in inspector.get_indexes(table, schema=schema)}
    return names | {unique["name"] for unique in inspector.get_unique_constraints(table, schema=schema)}


_CONCURRENT_INDEX = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)\"?\s+ON\s+(?:ONLY\s+)?"
    r"(?:\"?(\w+)\"?\.)?\"?(\w+)\"?",
    re.IGNORECASE,
)


def invalid_index_left(connection: Connection, construct: Any) -> str | None:
    """The name of the invalid index a failed PostgreSQL ``CREATE INDEX CONCURRENTLY`` left behind
    (the server keeps it, and every rerun of the statement fails with "already exists"), or None."""
    if connection.dialect.name != "postgresql":
        return None
    if isinstance(construct, ddl.CreateIndex):
        index = construct.element
        if index.table is None or not index.dialect_options["postgresql"].get("concurrently"):
            return None
        name, table, schema = str(index.name), str(index.table.name), index.table.schema
    else:
        text = construct if isinstance(construct, str) else getattr(construct, "text", None)
        match = _CONCURRENT_INDEX.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            return None
        name, schema, table = match.groups()
    invalid = _invalid_indexes(sa.inspect(connection), table, schema)
    return name if name in invalid else None


def _invalid_indexes(inspector: Inspector, table: str, schema: str | None) -> set[str | None]:
    # PostgreSQL keeps an index it marks invalid (the planner ignores it) when a CONCURRENTLY build stops
    if not inspector.has_table(table, schema=schema):
        return set()
    indexes = inspector.get_indexes(table, schema=schema)
    return {index["name"] for index in indexes if index.get("dialect_options", {}).get("postgresql_invalid")}


def _constraint_names(inspector: Inspector, table: str, schema: str | None) -> set[str | None]:
    if not inspector.has_table(table, schema=schema):
        return set()
    names = {inspector.get_pk_constraint(table, schema=schema).get("name")}
    names |= {fk["name"] for fk in inspector.get_foreign_keys(table, schema=schema)}
    names |= {unique["name"] for unique in inspector.get_unique_constraints(table, schema=schema)}
    names |= {check["name"] for check in inspector.get_check_constraints(table, schema=schema)}
    return names | {index["name"] for index in inspector.get_indexes(table, schema=schema)}


def _type_text(kind: Any, connection: Connection) -> str:
    text = str(kind.compile(dialect=connection.dialect)).upper()
    text = re.sub(r"\s+(COLLATE|CHARACTER SET|CHARSET)\s+\S+", "", text)
    return re.sub(r"\s+", "", text)


def _altered_column(inspector: Inspector, connection: Connection, construct: Any) -> str:
    newname = getattr(construct, "newname", None) or construct.column_name
    columns = _columns(inspector, construct.table_name, construct.schema)
    column = columns.get(newname)
    if column is None:
        return NOT_APPLIED if construct.column_name in columns else UNDECIDED
    if isinstance(construct, base.ColumnNullable):
        return APPLIED if column["nullable"] == construct.nullable else NOT_APPLIED
    if _type_text(column["type"], connection) != _type_text(construct.type_, connection):
        return NOT_APPLIED
    if isinstance(construct, base.ColumnType):
        return APPLIED
    # MariaDB CHANGE/MODIFY: the column's whole definition; defaults and comments are not compared
    if construct.nullable is not None and column["nullable"] != construct.nullable:
        return NOT_APPLIED
    if construct.default not in (False, None) or construct.comment not in (False, None):
        return UNDECIDED
    return APPLIED
