"""What a phase changes, step by step, and what it made itself (which it may then freely take away)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from alembic.operations import ops

from ..operations import CreateSequenceOp, DropSequenceOp
from .recorder import RecordedRevision, Step

PhaseName = Literal["upgrade", "downgrade"]


def lower(name: object) -> str:
    """Names compare case-insensitively, as unquoted Oracle names do."""
    return str(name).lower()


@dataclass
class Made:
    """Objects created by this revision so far: new, empty, nobody's data yet."""

    tables: set[str] = field(default_factory=set)
    columns: set[tuple[str, str]] = field(default_factory=set)
    sequences: set[str] = field(default_factory=set)

    def has_table(self, table: str) -> bool:
        """The table was created by this revision."""
        return lower(table) in self.tables

    def has_column(self, table: str, column: str) -> bool:
        """The column (or its whole table) was created by this revision."""
        return self.has_table(table) or (lower(table), lower(column)) in self.columns

    def copy(self) -> Made:
        """A snapshot."""
        return Made(set(self.tables), set(self.columns), set(self.sequences))

    def add(self, step: Step) -> None:
        """Note what ``step`` creates."""
        operation = step.operation
        if isinstance(operation, ops.CreateTableOp):
            self.tables.add(lower(operation.table_name))
        elif isinstance(operation, ops.AddColumnOp):
            self.columns.add((lower(operation.table_name), lower(operation.column.name)))
        elif isinstance(operation, CreateSequenceOp):
            self.sequences.add(lower(operation.sequence_name))
        elif isinstance(operation, ops.RenameTableOp) and self.has_table(operation.table_name):
            self.tables.add(lower(operation.new_table_name))
        for statement in step.statements:
            if statement.verb == "create table" and statement.table:
                self.tables.add(statement.table)
            elif statement.verb == "create sequence" and statement.table:
                self.sequences.add(statement.table)


def steps(recorded: RecordedRevision, phase: PhaseName) -> list[Step]:
    """The steps of one phase."""
    return recorded.upgrade if phase == "upgrade" else recorded.downgrade


def made_by_upgrade(recorded: RecordedRevision) -> Made:
    """Everything the upgrade creates: its downgrade may drop all of it."""
    made = Made()
    for step in recorded.upgrade:
        made.add(step)
    return made


def walk(recorded: RecordedRevision, phase: PhaseName) -> Iterator[tuple[int, Step, Made]]:
    """Each step of a phase with what the revision had made before it."""
    made = made_by_upgrade(recorded) if phase == "downgrade" else Made()
    for index, step in enumerate(steps(recorded, phase)):
        yield index, step, made.copy()
        made.add(step)


def dropped_tables(step: Step) -> list[str]:
    """Tables a step drops (``op.drop_table`` or a raw ``DROP TABLE``)."""
    if isinstance(step.operation, ops.DropTableOp):
        return [lower(step.operation.table_name)]
    return [s.table for s in step.statements if s.drops_table and s.table]


def created_tables(step: Step) -> list[str]:
    """Tables a step creates."""
    if isinstance(step.operation, ops.CreateTableOp):
        return [lower(step.operation.table_name)]
    return [s.table for s in step.statements if s.verb == "create table" and s.table]


def dropped_columns(step: Step) -> list[tuple[str, str]]:
    """(table, column) pairs a step drops."""
    if isinstance(step.operation, ops.DropColumnOp):
        return [(lower(step.operation.table_name), lower(step.operation.column_name))]
    return [(s.table, c) for s in step.statements if s.table for c in sorted(s.dropped_columns)]


def sequence_names(recorded: RecordedRevision, phase: PhaseName, create: bool) -> list[str]:
    """Sequences a phase creates (``create``) or drops."""
    kind = CreateSequenceOp if create else DropSequenceOp
    verb = "create sequence" if create else "drop sequence"
    names = []
    for step in steps(recorded, phase):
        if isinstance(step.operation, kind):
            names.append(lower(step.operation.sequence_name))
        names += [s.table for s in step.statements if s.verb == verb and s.table]
    return names
