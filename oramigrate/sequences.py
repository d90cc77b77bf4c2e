"""``op.create_sequence`` / ``op.drop_sequence``: Alembic operations with reverse, execution and rendering.

Alembic's ``create_table`` never emits ``CREATE SEQUENCE`` and autogenerate does not see
``Sequence`` objects, so Oracle users hand-wrote ``op.execute('create sequence ...')``.
These operations follow Alembic's documented operation-plugin pattern.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import MigrateOperation, Operations
from sqlalchemy import Sequence
from sqlalchemy.schema import CreateSequence, DropSequence

# Options a migration may pass through to sqlalchemy.Sequence; anything else is a typo.
SEQUENCE_OPTIONS = ("start", "increment", "minvalue", "maxvalue", "cycle", "cache", "order")


def _sequence_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(SEQUENCE_OPTIONS)
    if unknown:
        raise TypeError(f"unknown sequence option(s): {', '.join(sorted(unknown))}")
    return {"start": 1, "increment": 1, **options}


@Operations.register_operation("create_sequence")
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
        options = {name: getattr(sequence, name) for name in SEQUENCE_OPTIONS}
        return cls(
            sequence.name, schema=sequence.schema, **{k: v for k, v in options.items() if v is not None}
        )

    def to_sequence(self) -> Sequence:
        """The SQLAlchemy ``Sequence`` this operation describes."""
        return Sequence(self.sequence_name, schema=self.schema, **self.options)

    def reverse(self) -> DropSequenceOp:
        """Dropping the sequence undoes creating it."""
        return DropSequenceOp(self.sequence_name, schema=self.schema, **self.options)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """The entry ``db check`` and ``compare_metadata`` report."""
        return ("add_sequence", self.to_sequence())


@Operations.register_operation("drop_sequence")
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
        return Sequence(self.sequence_name, schema=self.schema, **self.options)

    def reverse(self) -> CreateSequenceOp:
        """Creating the sequence undoes dropping it."""
        return CreateSequenceOp(self.sequence_name, schema=self.schema, **self.options)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        """The entry ``db check`` and ``compare_metadata`` report."""
        return ("remove_sequence", self.to_sequence())


def _has_sequences(operations: Operations) -> bool:
    return bool(operations.get_context().dialect.supports_sequences)


@Operations.implementation_for(CreateSequenceOp)
def create_sequence(operations: Operations, operation: CreateSequenceOp) -> None:
    """Execute CREATE SEQUENCE (skipped on dialects without sequences, such as SQLite)."""
    if _has_sequences(operations):
        operations.execute(CreateSequence(operation.to_sequence()))


@Operations.implementation_for(DropSequenceOp)
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


@renderers.dispatch_for(CreateSequenceOp)
def render_create_sequence(autogen_context: AutogenContext, op: CreateSequenceOp) -> str:
    """Autogenerate text for a created sequence."""
    return f"op.create_sequence({_render_options(op)})"


@renderers.dispatch_for(DropSequenceOp)
def render_drop_sequence(autogen_context: AutogenContext, op: DropSequenceOp) -> str:
    """Autogenerate text for a dropped sequence."""
    return f"op.drop_sequence({_render_options(op)})"
