"""What a phase changes, effect by effect, and what the revision made itself (free to take away)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from .effects import Effect, effects, lower
from .model import RecordedRevision, Step

PhaseName = Literal["upgrade", "downgrade"]
PHASES: tuple[PhaseName, ...] = ("upgrade", "downgrade")

__all__ = [
    "PHASES",
    "Made",
    "PhaseName",
    "lower",
    "made_by_upgrade",
    "phase_effects",
    "position",
    "steps",
    "walk",
]


@dataclass
class Made:
    """Objects created by this revision so far: new, empty, nobody's data yet."""

    tables: set[str] = field(default_factory=set)
    columns: set[tuple[str, str]] = field(default_factory=set)
    sequences: set[str] = field(default_factory=set)
    types: dict[tuple[str, str], Any] = field(default_factory=dict)  # column types the revision gave
    unknown: bool = False  # the upgrade could not be recorded: anything may be its own

    def has_table(self, table: str | None) -> bool:
        """The table was created by this revision."""
        return self.unknown or lower(table) in self.tables

    def has_column(self, table: str | None, column: str | None) -> bool:
        """The column (or its whole table) was created by this revision."""
        return self.has_table(table) or (lower(table), lower(column)) in self.columns

    def copy(self) -> Made:
        """A snapshot."""
        return Made(set(self.tables), set(self.columns), set(self.sequences), dict(self.types), self.unknown)

    def _create_table(self, effect: Effect) -> None:
        self.tables.add(str(effect.table))
        for column in getattr(effect.operation, "columns", ()):
            if hasattr(column, "type") and hasattr(column, "name"):
                self.types[(str(effect.table), lower(column.name))] = column.type

    def add(self, effect: Effect) -> bool:
        """Note what ``effect`` creates; whether it created anything."""
        table, column = effect.table or "", effect.column or ""
        if effect.kind == "create table":
            self._create_table(effect)
        elif effect.kind == "add column":
            self.columns.add((table, column))
            self.types[(table, column)] = effect.new_type
        elif effect.kind == "create sequence":
            self.sequences.add(table)
        elif effect.kind == "rename table" and self.has_table(table) and effect.new_name:
            self.tables.add(effect.new_name)
        elif effect.kind == "rename column" and self.has_column(table, column) and effect.new_name:
            self.columns.add((table, effect.new_name))
        elif effect.kind == "alter type" and not isinstance(effect.new_type, str):
            self.types[(table, column)] = effect.new_type
        else:
            return False
        return True


def steps(recorded: RecordedRevision, phase: PhaseName) -> list[Step]:
    """The steps of one phase."""
    return recorded.upgrade if phase == "upgrade" else recorded.downgrade


def phase_effects(recorded: RecordedRevision, phase: PhaseName) -> list[Effect]:
    """The effects of one phase, in order (derived once per revision: every rule walks them)."""
    key = f"effects {phase}"
    if key not in recorded.derived:
        recorded.derived[key] = list(effects(steps(recorded, phase)))
    found: list[Effect] = recorded.derived[key]
    return found


def position(every: list[Effect], effect: Effect) -> int:
    """Where ``effect`` is in its phase's effects (by identity: two equal statements are two places)."""
    return next(index for index, other in enumerate(every) if other is effect)


def made_by_upgrade(recorded: RecordedRevision) -> Made:
    """Everything the upgrade creates: its downgrade may drop all of it (a copy the caller may extend)."""
    if "made" not in recorded.derived:
        made = Made(unknown=recorded.upgrade_error is not None)
        for effect in phase_effects(recorded, "upgrade"):
            made.add(effect)
        recorded.derived["made"] = made
    cached: Made = recorded.derived["made"]
    return cached.copy()


def walk(recorded: RecordedRevision, phase: PhaseName) -> Iterator[tuple[Effect, Made]]:
    """Each effect of a phase with what the revision had made before it (a snapshot rules only read).

    Derived once per revision and phase: every rule walks the same effects, and a snapshot is taken
    only where an effect made something new.
    """
    key = f"walk {phase}"
    if key not in recorded.derived:
        made = made_by_upgrade(recorded) if phase == "downgrade" else Made()
        snapshot = made.copy()
        walked = []
        for effect in phase_effects(recorded, phase):
            walked.append((effect, snapshot))
            if made.add(effect):
                snapshot = made.copy()
        recorded.derived[key] = walked
    found: list[tuple[Effect, Made]] = recorded.derived[key]
    return iter(found)
