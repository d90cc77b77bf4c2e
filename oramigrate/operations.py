"""Our Alembic operations and the checks around Alembic's own, registered by ``plugin.setup``.

``op.create_sequence`` / ``op.drop_sequence`` are operations with reverse, execution and rendering:
Alembic's ``create_table`` never emits ``CREATE SEQUENCE`` and autogenerate does not see
``Sequence`` objects, so Oracle users hand-wrote ``op.execute('create sequence ...')``.
These operations follow Alembic's documented operation-plugin pattern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.operations import MigrateOperation, Operations, ops
from sqlalchemy import Sequence
from sqlalchemy.schema import CreateSequence, DropSequence

from .autogenerate.rewrite import refuse_identity_on_existing_column
from .errors import UnsupportedOperation
from .oracle import refusals
from .private import implementation_of

# Options a migration may pass for a sequence; anything else is a typo. ``cache=0`` and
# ``nocache=True`` both mean NOCACHE (Oracle refuses CACHE 0: CACHE must be 2 or more); ``order`` is
# Oracle's ORDER (RAC: numbers in request order), ignored elsewhere.
SEQUENCE_OPTIONS = ("start", "increment", "minvalue", "maxvalue", "cycle", "cache", "nocache", "order")


def _sequence_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(SEQUENCE_OPTIONS)
    if unknown:
        raise TypeError(f"unknown sequence option(s): {', '.join(sorted(unknown))}")
    return {"start": 1, "increment": 1, **options}


class CreateSequenceOp(MigrateOperation):
    """Create a named sequence (START WITH 1 INCREMENT BY 1 unless told otherwise)."""

    def __init__(self, sequence_name: str, schema: str | None = None, **options: Any) -> None:
        self.sequence_name = sequence_name
        self.schema = schema
        self.options = _sequence_kwargs(options)

    @classmethod
    def create_sequence(
        cls, operations: Operations, sequence_name: str, schema: str | None = None, **options: Any
    ) -> None:
        """Issue ``CREATE SEQUENCE`` where the dialect has sequences; a no-op elsewhere."""
        operations.invoke(cls(sequence_name, schema=schema, **options))

    @classmethod
    def from_sequence(cls, sequence: Sequence) -> CreateSequenceOp:
        """The operation that creates ``sequence`` as declared in the models."""
        options = {
            name: getattr(sequence, name) for name in SEQUENCE_OPTIONS if name not in ("nocache", "order")
        }
        options["order"] = sequence.dialect_options["oracle"].get("order")
        return cls(
            sequence.name, schema=sequence.schema, **{k: v for k, v in options.items() if v is not None}
        )

    def to_sequence(self) -> Sequence:
        """The SQLAlchemy ``Sequence`` this operation describes (NOCACHE is added by ``create_sequence``)."""
        return _sequence(self.sequence_name, self.schema, self.options)

    def reverse(self) -> DropSequenceOp:
        """Dropping the sequence undoes creating it."""
        return DropSequenceOp(self.sequence_name, schema=self.schema, **self.options)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """The entry ``db check`` and ``compare_metadata`` report."""
        return ("add_sequence", self.to_sequence())


class DropSequenceOp(MigrateOperation):
    """Drop a named sequence; keeps the options so that the reverse recreates it the same."""

    def __init__(self, sequence_name: str, schema: str | None = None, **options: Any) -> None:
        self.sequence_name = sequence_name
        self.schema = schema
        self.options = _sequence_kwargs(options)

    @classmethod
    def drop_sequence(
        cls, operations: Operations, sequence_name: str, schema: str | None = None, **options: Any
    ) -> None:
        """Issue ``DROP SEQUENCE`` where the dialect has sequences; a no-op elsewhere."""
        operations.invoke(cls(sequence_name, schema=schema, **options))

    def to_sequence(self) -> Sequence:
        """The SQLAlchemy ``Sequence`` this operation describes."""
        return _sequence(self.sequence_name, self.schema, self.options)

    def reverse(self) -> CreateSequenceOp:
        """Creating the sequence undoes dropping it."""
        return CreateSequenceOp(self.sequence_name, schema=self.schema, **self.options)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """The entry ``db check`` and ``compare_metadata`` report."""
        return ("remove_sequence", self.to_sequence())


def _no_cache(options: dict[str, Any]) -> bool:
    return bool(options.get("nocache")) or options.get("cache") == 0


def _sequence(name: str, schema: str | None, options: dict[str, Any]) -> Sequence:
    kwargs = {key: value for key, value in options.items() if key not in ("nocache", "order")}
    if _no_cache(options):
        kwargs.pop("cache", None)
    if options.get("order") is not None:
        kwargs["oracle_order"] = options["order"]
    return Sequence(name, schema=schema, **kwargs)


def _has_sequences(operations: Operations) -> bool:
    return bool(operations.get_context().dialect.supports_sequences)


def create_sequence(operations: Operations, operation: CreateSequenceOp) -> None:
    """Execute CREATE SEQUENCE (skipped on dialects without sequences, such as SQLite)."""
    if not _has_sequences(operations):
        return
    statement = CreateSequence(operation.to_sequence())
    dialect = operations.get_context().dialect
    if _no_cache(operation.options) and dialect.name in ("oracle", "mariadb", "mysql"):
        # PostgreSQL's default CACHE 1 already is "no cache"; Oracle and MariaDB say NOCACHE
        operations.execute(f"{statement.compile(dialect=dialect)} NOCACHE")
        return
    operations.execute(statement)


def drop_sequence(operations: Operations, operation: DropSequenceOp) -> None:
    """Execute DROP SEQUENCE (skipped on dialects without sequences, such as SQLite)."""
    if _has_sequences(operations):
        operations.execute(DropSequence(operation.to_sequence()))


def _render_options(op: CreateSequenceOp | DropSequenceOp) -> str:
    args = [repr(op.sequence_name)]
    if op.schema is not None:
        args.append(f"schema={op.schema!r}")
    args += [f"{name}={value!r}" for name, value in op.options.items()]
    return ", ".join(args)


def render_create_sequence(autogen_context: AutogenContext, op: CreateSequenceOp) -> str:
    """Autogenerate text for a created sequence."""
    return f"op.create_sequence({_render_options(op)})"


def render_drop_sequence(autogen_context: AutogenContext, op: DropSequenceOp) -> str:
    """Autogenerate text for a dropped sequence."""
    return f"op.drop_sequence({_render_options(op)})"


class NameTooLong(UnsupportedOperation):
    """An identifier longer than the target Oracle version allows (30 bytes below 12.2)."""


def _constraint_names(items: Iterable[Any]) -> Iterator[tuple[str, str]]:
    for item in items:
        name = getattr(item, "name", None)
        if isinstance(name, str) and not isinstance(item, sa.Column):
            yield "constraint", name


def created_names(operation: Any) -> Iterator[tuple[str, str]]:
    """(kind, name) of every identifier an operation creates: table, columns, their constraints,
    indexes, sequences, renames.

    The one list both the guard (``refuse_long_names``, at ``db upgrade``) and the lint
    (``name-too-long``, ``quoted-identifier``, ``oracle-reserved-word``) judge.
    """
    if isinstance(operation, ops.CreateTableOp):
        yield "table", operation.table_name
        for item in operation.columns:
            if isinstance(item, sa.Column):
                yield "column", item.name
                yield from _constraint_names(item.constraints)
        yield from _constraint_names(operation.columns)
    elif isinstance(operation, ops.AddColumnOp):
        yield "column", operation.column.name
        yield from _constraint_names(operation.column.constraints)
    elif isinstance(operation, ops.CreateIndexOp) and operation.index_name:
        yield "index", str(operation.index_name)
    elif isinstance(operation, ops.AddConstraintOp):
        name = getattr(operation, "constraint_name", None)
        if isinstance(name, str):
            yield "constraint", name
    elif isinstance(operation, ops.RenameTableOp):
        yield "table", operation.new_table_name
    elif isinstance(operation, ops.AlterColumnOp) and operation.modify_name:
        yield "column", operation.modify_name
    elif isinstance(operation, CreateSequenceOp):
        yield "sequence", operation.sequence_name


def refuse_long_names(operation: Any, dialect: Any) -> None:
    """On Oracle, refuse a name over the dialect's limit (set from the target or server version)."""
    if dialect.name != "oracle":
        return
    limit = dialect.max_identifier_length
    for _kind, name in created_names(operation):
        size = len(name.encode("utf-8"))
        if size > limit:
            version = ".".join(str(part) for part in dialect.server_version_info or ()) or "?"
            raise NameTooLong(
                f"name {name!r} is {size} bytes; Oracle {version} allows {limit} "
                "(30 bytes before 12.2): shorten it, or set ORACLE_TARGET_VERSION to the version you run"
            )


def guard(op_class: type, check: Callable[[Any, Any], None]) -> None:
    """Run ``check(operation, dialect)`` before Alembic's own implementation of ``op_class``."""
    original = implementation_of(op_class)

    def guarded(operations: Operations, operation: Any) -> Any:
        check(operation, operations.get_context().dialect)
        return original(operations, operation)

    guarded.__doc__ = f"Alembic's {op_class.__name__} implementation, checked first for Oracle."
    Operations.implementation_for(op_class, replace=True)(guarded)


def alter_column_checks(operation: ops.AlterColumnOp, dialect: Any) -> None:
    """Refusals for ``alter_column``: identity on an existing column, a LOB change, names over the limit."""
    refuse_identity_on_existing_column(operation, dialect.name)
    refusals.refuse_lob_change(operation, dialect)
    refuse_long_names(operation, dialect)


def creation_checks(operation: Any, dialect: Any) -> None:
    """Refusals for operations that create things: names over the limit, Identity before 12c, FK actions."""
    refuse_long_names(operation, dialect)
    refusals.refuse_identity_before_12(operation, dialect)
    refusals.refuse_foreign_key_actions(operation, dialect)


# every operation that creates a name, checked against the target's identifier limit
NAMING_OPERATIONS = (
    ops.CreateTableOp,
    ops.AddColumnOp,
    ops.CreateIndexOp,
    ops.CreateUniqueConstraintOp,
    ops.CreateForeignKeyOp,
    ops.CreateCheckConstraintOp,
    ops.CreatePrimaryKeyOp,
    ops.RenameTableOp,
    CreateSequenceOp,
)
