"""The revisions before the ones being linted, recorded only when a rule asks what they left behind.

A raw ``MODIFY (c NUMBER(8,2))`` does not say what ``c`` was; the revision that added ``c`` does. The
revisions being linted are remembered as they are recorded; an earlier one (already applied, so not
linted by the upgrade gate) is recorded the first time a rule needs it, once per lint.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory

from .column_types import Left, left_by
from .model import LintTarget, RecordedRevision
from .recorder import record_revision
from .walk import phase_effects


class Chain:
    """Recorded revisions by id, and what the chain before a revision left a column as."""

    def __init__(
        self,
        scripts: ScriptDirectory,
        environment: EnvironmentContext,
        stand_ins: Any = None,
        target: LintTarget | None = None,
    ) -> None:
        self._scripts = scripts
        self._environment = environment
        self._stand_ins = stand_ins
        self._target = target
        self._recorded: dict[str, RecordedRevision] = {}

    def recording(self, script: Script) -> RecordedRevision:
        """``script`` recorded (once per lint), able to ask what the revisions before it left."""
        if script.revision not in self._recorded:
            recorded = record_revision(script, self._environment, self._stand_ins, self._target)
            recorded.earlier_type = partial(self.type_left, recorded.down_revision)
            self._recorded[script.revision] = recorded
        return self._recorded[script.revision]

    def _by_id(self, revision: str) -> RecordedRevision | None:
        try:
            script = self._scripts.get_revision(revision)
        except Exception:  # noqa: BLE001 - a missing parent is not-analysable's business: unknown here
            return None
        return self.recording(script) if script is not None else None

    def type_left(self, parents: tuple[str, ...], table: str, column: str) -> Any:
        """The type the chain up to ``parents`` left ``table.column`` with (None when it cannot be known)."""
        todo = [(parent, Left(table, column)) for parent in reversed(parents)]
        seen: set[tuple[str, str, str]] = set()
        while todo:
            revision, left = todo.pop()
            if (revision, left.table, left.column) in seen:
                continue
            seen.add((revision, left.table, left.column))
            recorded = self._by_id(revision)
            if recorded is None or recorded.load_error or recorded.upgrade_error:
                return None  # what that revision did is not known, so neither is what it left
            left = left_by(reversed(phase_effects(recorded, "upgrade")), left)
            if left.settled:
                return left.type
            todo += [(parent, Left(left.table, left.column)) for parent in reversed(recorded.down_revision)]
        return None
