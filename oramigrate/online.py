"""``op`` helpers that write the safe forms of index and foreign-key DDL for a table in use.

``op.create_index_online`` / ``op.drop_index_online`` and ``op.create_foreign_key_online`` are
Alembic operations (class with ``reverse()``, execution, rendering) registered by ``plugin.setup``.
They subclass Alembic's own operations, so every lint rule that reads an index or a foreign key
reads these too; the running-system rules (``lint/rules_online.py``) know them as the safe form.
Why each form, per database, with sources: notes/live-load.md.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.schema import AddConstraint, CreateIndex

from .configuration import settings_of
from .errors import UnsupportedOperation
from .operations import creation_checks
from .oracle import target as oracle_target

# MariaDB refuses rather than copying the table or blocking writes (InnoDB online DDL); CREATE INDEX
# takes the options without a comma, ALTER TABLE with one
MARIADB_ONLINE = ("ALGORITHM=INPLACE", "LOCK=NONE")


class OrphanRows(UnsupportedOperation):
    """MariaDB adds a foreign key online only without checking the rows, and some rows break it."""


def _oracle_edition(context: MigrationContext) -> str:
    environment = context.environment_context
    if environment is not None:  # the run's settings (the Flask config, else the environment)
        return settings_of(environment.config).oracle_edition
    return oracle_target.parse_edition(os.environ.get("ORACLE_EDITION"))


def _is_mariadb(dialect: Any) -> bool:
    return dialect.name == "mariadb" or bool(getattr(dialect, "is_mariadb", False))


def _compiled(construct: Any, dialect: Any) -> str:
    return str(construct.compile(dialect=dialect)).strip()


class CreateIndexOnlineOp(ops.CreateIndexOp):
    """Create an index without blocking writes to its table: CONCURRENTLY in an autocommit block on
    PostgreSQL, ONLINE on Oracle editions that have it, ALGORITHM=INPLACE LOCK=NONE on MariaDB."""

    @classmethod
    def create_index_online(
        cls, operations: Operations, index_name: str, table_name: str, columns: list[Any], **kw: Any
    ) -> None:
        """``op.create_index`` in the form that lets the application write while the index is built."""
        operations.invoke(cls(index_name, table_name, columns, **kw))

    def plain(self, **extra: Any) -> ops.CreateIndexOp:
        """Alembic's own operation for the same index (plus dialect options ``extra``)."""
        return ops.CreateIndexOp(
            self.index_name,
            self.table_name,
            self.columns,
            schema=self.schema,
            unique=self.unique,
            if_not_exists=self.if_not_exists,
            **{**self.kw, **extra},
        )

    def reverse(self) -> DropIndexOnlineOp:
        """Dropping the index (online too) undoes creating it."""
        name = str(self.index_name)
        return DropIndexOnlineOp(name, self.table_name, schema=self.schema, _reverse=self)


class DropIndexOnlineOp(ops.DropIndexOp):
    """Drop an index without blocking the table: CONCURRENTLY on PostgreSQL, ONLINE on Oracle 12c+."""

    @classmethod
    def drop_index_online(
        cls, operations: Operations, index_name: str, table_name: str | None = None, **kw: Any
    ) -> None:
        """``op.drop_index`` in the form that does not block the table while it waits."""
        operations.invoke(cls(index_name, table_name, **kw))

    def plain(self, **extra: Any) -> ops.DropIndexOp:
        """Alembic's own operation for the same index."""
        return ops.DropIndexOp(
            self.index_name,
            self.table_name,
            schema=self.schema,
            if_exists=self.if_exists,
            _reverse=self._reverse,
            **{**self.kw, **extra},
        )

    def reverse(self) -> CreateIndexOnlineOp:
        """Creating the index again (online) undoes dropping it."""
        base = self._reverse if self._reverse is not None else super().reverse()
        return CreateIndexOnlineOp(
            base.index_name, base.table_name, base.columns, schema=base.schema, unique=base.unique, **base.kw
        )


class CreateForeignKeyOnlineOp(ops.CreateForeignKeyOp):
    """Add a foreign key without checking every row under a write-blocking lock: NOT VALID then
    VALIDATE (PostgreSQL), ENABLE NOVALIDATE then VALIDATE (Oracle), INPLACE unchecked after a
    check for orphan rows (MariaDB)."""

    @classmethod
    def create_foreign_key_online(
        cls,
        operations: Operations,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        **kw: Any,
    ) -> None:
        """``op.create_foreign_key`` in the form that lets the application write while rows are checked."""
        operations.invoke(cls(constraint_name, source_table, referent_table, local_cols, remote_cols, **kw))

    def plain(self, **extra: Any) -> ops.CreateForeignKeyOp:
        """Alembic's own operation for the same key (plus dialect options ``extra``)."""
        return ops.CreateForeignKeyOp(
            self.constraint_name,
            self.source_table,
            self.referent_table,
            self.local_cols,
            self.remote_cols,
            **{**self.kw, **extra},
        )


class CreateCheckConstraintOnlineOp(ops.CreateCheckConstraintOp):
    """Add a CHECK constraint without checking every row under a write-blocking lock: NOT VALID then
    VALIDATE (PostgreSQL), ENABLE NOVALIDATE then VALIDATE (Oracle). MariaDB has no such form: the
    plain ALTER there copies the table, and the lint says so (alter-copies-table)."""

    @classmethod
    def create_check_constraint_online(
        cls, operations: Operations, constraint_name: str, table_name: str, condition: Any, **kw: Any
    ) -> None:
        """``op.create_check_constraint`` in the form that lets writes go on while rows are checked."""
        operations.invoke(cls(constraint_name, table_name, condition, **kw))

    def plain(self, **extra: Any) -> ops.CreateCheckConstraintOp:
        """Alembic's own operation for the same constraint (plus dialect options ``extra``)."""
        return ops.CreateCheckConstraintOp(
            self.constraint_name, self.table_name, self.condition, schema=self.schema, **{**self.kw, **extra}
        )


@contextlib.contextmanager
def _outside_transactions(context: MigrationContext) -> Iterator[None]:
    # an autocommit block, or the one the revision is in already (blocks cannot be nested)
    connection = None if context.as_sql else context.connection
    if connection is not None and connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        yield
        return
    with context.autocommit_block():
        yield


def create_index_online(operations: Operations, operation: CreateIndexOnlineOp) -> None:
    """Execute the online CREATE INDEX for the dialect."""
    context = operations.get_context()
    dialect = context.dialect
    if dialect.name == "postgresql":
        with _outside_transactions(context):
            operations.invoke(operation.plain(postgresql_concurrently=True))
    elif dialect.name in ("oracle", "mariadb", "mysql"):
        plain = operation.plain()
        creation_checks(plain, dialect)
        if dialect.name == "oracle":
            online = oracle_target.builds_index_online(_oracle_edition(context))
            options: tuple[str, ...] = ("ONLINE",) if online else ()
        else:
            options = MARIADB_ONLINE
        operations.execute(" ".join((_compiled(CreateIndex(plain.to_index(context)), dialect), *options)))
    else:
        operations.invoke(operation.plain())


def drop_index_online(operations: Operations, operation: DropIndexOnlineOp) -> None:
    """Execute the online DROP INDEX for the dialect."""
    context = operations.get_context()
    dialect = context.dialect
    if dialect.name == "postgresql":
        with _outside_transactions(context):
            operations.invoke(operation.plain(postgresql_concurrently=True))
    elif dialect.name == "oracle" and (dialect.server_version_info or (11, 2)) >= (12,):
        # DROP INDEX .. ONLINE is 12c+; before it, the plain drop (a brief exclusive lock)
        sql = _compiled(sa.schema.DropIndex(operation.to_index(context)), dialect)
        operations.execute(f"{sql} ONLINE")
    else:
        operations.invoke(operation.plain())  # MariaDB drops an index in place without blocking DML


def _orphan_query(operation: CreateForeignKeyOnlineOp) -> sa.Select[Any]:
    # aliased: a key may point at its own table (a manager_id on users)
    kw = operation.kw
    child = sa.table(
        operation.source_table, *[sa.column(c) for c in operation.local_cols], schema=kw.get("source_schema")
    ).alias("child")
    parent = sa.table(
        operation.referent_table,
        *[sa.column(c) for c in operation.remote_cols],
        schema=kw.get("referent_schema"),
    ).alias("parent")
    pairs = zip(operation.local_cols, operation.remote_cols, strict=True)
    joined = child.outerjoin(parent, sa.and_(*[child.c[a] == parent.c[b] for a, b in pairs]))
    return (
        sa.select(*[child.c[c] for c in operation.local_cols])
        .select_from(joined)
        .where(*[child.c[c].is_not(None) for c in operation.local_cols])
        .where(parent.c[operation.remote_cols[0]].is_(None))
        .limit(1)
    )


def _refuse_orphans(operations: Operations, operation: CreateForeignKeyOnlineOp) -> None:
    # foreign_key_checks=0 adds the key without reading the rows: read them first (a plain,
    # non-locking read); offline (--sql) there is no server to ask
    if operations.get_context().as_sql:
        return
    found = operations.get_bind().execute(_orphan_query(operation)).first()
    if found is not None:
        values = ", ".join(repr(value) for value in found)
        raise OrphanRows(
            f"foreign key {operation.constraint_name}: {operation.source_table} has rows whose"
            f" {', '.join(operation.local_cols)} ({values}) match no {operation.referent_table} row;"
            " fix those rows first"
        )


def create_foreign_key_online(operations: Operations, operation: CreateForeignKeyOnlineOp) -> None:
    """Execute the foreign key's online form for the dialect."""
    dialect = operations.get_context().dialect
    if _is_mariadb(dialect):
        plain = operation.plain()
        creation_checks(plain, dialect)
        _refuse_orphans(operations, operation)
        sql = _compiled(AddConstraint(plain.to_constraint(operations.get_context())), dialect)
        operations.execute(f"SET STATEMENT foreign_key_checks=0 FOR {sql}, {', '.join(MARIADB_ONLINE)}")
    else:
        _add_then_validate(operations, operation)


def create_check_constraint_online(operations: Operations, operation: CreateCheckConstraintOnlineOp) -> None:
    """Execute the CHECK constraint's online form for the dialect (the plain one where there is none)."""
    _add_then_validate(operations, operation)


def _add_then_validate(
    operations: Operations, operation: CreateForeignKeyOnlineOp | CreateCheckConstraintOnlineOp
) -> None:
    # the constraint is enforced for new rows at once; the existing rows are checked afterwards,
    # under a lock that lets writes go on
    context = operations.get_context()
    dialect = context.dialect
    if dialect.name == "postgresql":
        plain = operation.plain(postgresql_not_valid=True)
        operations.invoke(plain)
        with _outside_transactions(context):  # the ADD's lock is committed away before the scan
            operations.execute(_validate(plain, context, "VALIDATE CONSTRAINT {}"))
    elif dialect.name == "oracle":
        plain = operation.plain()
        creation_checks(plain, dialect)
        constraint = plain.to_constraint(context)
        operations.execute(f"{_compiled(AddConstraint(constraint), dialect)} ENABLE NOVALIDATE")
        operations.execute(_validate(plain, context, "MODIFY CONSTRAINT {} VALIDATE"))
    else:
        operations.invoke(operation.plain())


def _validate(operation: ops.AddConstraintOp, context: MigrationContext, clause: str) -> str:
    """``ALTER TABLE <table> <clause with the constraint's name>``, quoted as the dialect quotes."""
    constraint = operation.to_constraint(context)
    preparer = context.dialect.identifier_preparer
    table = preparer.format_table(constraint.table)
    return f"ALTER TABLE {table} {clause.format(preparer.format_constraint(constraint))}"


def _call(name: str, args: list[Any], options: dict[str, Any]) -> str:
    rendered = [repr(arg) for arg in args] + [f"{key}={value!r}" for key, value in options.items() if value]
    return f"op.{name}({', '.join(rendered)})"


def render_create_index_online(autogen_context: AutogenContext, operation: CreateIndexOnlineOp) -> str:
    """Autogenerate text for an index created online."""
    columns = [getattr(column, "name", str(column)) for column in operation.columns]
    options = {"schema": operation.schema, "unique": operation.unique, **operation.kw}
    return _call("create_index_online", [operation.index_name, operation.table_name, columns], options)


def render_drop_index_online(autogen_context: AutogenContext, operation: DropIndexOnlineOp) -> str:
    """Autogenerate text for an index dropped online."""
    options = {"table_name": operation.table_name, "schema": operation.schema}
    return _call("drop_index_online", [operation.index_name], options)


def render_create_foreign_key_online(
    autogen_context: AutogenContext, operation: CreateForeignKeyOnlineOp
) -> str:
    """Autogenerate text for a foreign key added online."""
    args = [
        operation.constraint_name,
        operation.source_table,
        operation.referent_table,
        list(operation.local_cols),
        list(operation.remote_cols),
    ]
    return _call("create_foreign_key_online", args, dict(operation.kw))


def render_create_check_constraint_online(
    autogen_context: AutogenContext, operation: CreateCheckConstraintOnlineOp
) -> str:
    """Autogenerate text for a CHECK constraint added online."""
    condition = str(getattr(operation.condition, "text", operation.condition))
    args = [operation.constraint_name, operation.table_name, condition]
    return _call("create_check_constraint_online", args, {"schema": operation.schema, **operation.kw})


# (name, operation class, execution, rendering): what plugin.setup registers
OPERATIONS = (
    ("create_index_online", CreateIndexOnlineOp, create_index_online, render_create_index_online),
    ("drop_index_online", DropIndexOnlineOp, drop_index_online, render_drop_index_online),
    (
        "create_foreign_key_online",
        CreateForeignKeyOnlineOp,
        create_foreign_key_online,
        render_create_foreign_key_online,
    ),
    (
        "create_check_constraint_online",
        CreateCheckConstraintOnlineOp,
        create_check_constraint_online,
        render_create_check_constraint_online,
    ),
)
