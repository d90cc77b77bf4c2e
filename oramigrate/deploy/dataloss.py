"""Downgrades that lose data ask first: the tables and columns a downgrade drops or empties, with rows.

What a downgrade drops is read by running its ``downgrade()`` against the lint's recording ``op``
(nothing executes, ``batch_alter_table`` blocks included); the rows are counted on the live
database. A table or column that holds rows is data lost: refused unless ``--allow-data-loss``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection

from ..errors import MigrationError


@dataclass(frozen=True)
class Loss:
    """One table or column a downgrade drops or empties, and how many rows (or values) it holds."""

    revision: str
    verb: str  # "drops table", "drops column", "deletes rows of", "empties table", "cannot be listed"
    table: str
    column: str | None = None
    rows: int | None = None

    @property
    def target(self) -> str:
        """``table`` or ``table.column``."""
        return self.table if self.column is None else f"{self.table}.{self.column}"

    def __str__(self) -> str:
        if self.verb == "cannot be listed":
            return f"{self.revision}: downgrade cannot be listed ({self.table})"
        counted = ""
        if self.rows is not None:
            unit = "rows" if self.column is None else "values"
            counted = f" ({self.rows} {unit})"
        return f"{self.revision}: {self.verb} {self.target}{counted}"

    @property
    def loses_data(self) -> bool:
        """Rows are there (or nobody can tell)."""
        return self.rows is None or self.rows > 0


class DataLossRefused(MigrationError):
    """A downgrade would drop or empty tables or columns that hold rows."""

    def __init__(self, losses: list[Loss]) -> None:
        self.losses = losses
        listed = "; ".join(str(loss) for loss in losses)
        super().__init__(
            f"refusing to downgrade: it would lose data: {listed}; nothing was changed"
            " (back the data up, or pass --allow-data-loss, which the history records)"
        )


def planned(
    scripts: ScriptDirectory, script: Script, dialect_name: str, engine_name: str | None = None
) -> list[Loss]:
    """What ``script``'s downgrade drops or empties (rows not counted yet), as the lint records it."""
    from ..lint import LintTarget
    from ..lint.effects import effects
    from ..lint.offline import offline_environment
    from ..lint.recorder import record_phase

    downgrade: Callable[[], object] | None = getattr(script.module, "downgrade", None)
    if downgrade is None:
        return []
    target = LintTarget(dialect_name, None, engine_name=engine_name)
    if engine_name is not None:  # a multi-database chain: this bind's part of the downgrade
        downgrade = functools.partial(downgrade, **target.phase_arguments())
    steps, error, _ = record_phase(downgrade, offline_environment(scripts, target))
    found: list[Loss] = []
    verbs = {"drop table": "drops table", "delete": "deletes rows of", "truncate": "empties table"}
    for effect in effects(steps):
        if effect.table and effect.kind == "drop column" and effect.column:
            found.append(Loss(script.revision, "drops column", effect.table, effect.column))
        elif effect.table and effect.kind in verbs:  # a DELETE with a WHERE loses rows too
            found.append(Loss(script.revision, verbs[effect.kind], effect.table))
    if error is not None:
        found.append(Loss(script.revision, "cannot be listed", error))
    return found


def _present(inspector: sa.Inspector, table: str, column: str | None) -> bool:
    # a resumed downgrade: what its applied operations dropped is gone already (nothing left to lose)
    if not inspector.has_table(table):
        return False
    return column is None or column in {c["name"] for c in inspector.get_columns(table)}


def counted(connection: Connection, losses: Iterable[Loss]) -> list[Loss]:
    """``losses`` with the rows each table (or non-NULL values each column) holds now."""
    inspector = sa.inspect(connection)
    preparer = connection.dialect.identifier_preparer
    result = []
    for loss in losses:
        if loss.verb == "cannot be listed":
            result.append(loss)
            continue
        rows = 0
        if _present(inspector, loss.table, loss.column):
            table = preparer.quote(loss.table)
            where = "" if loss.column is None else f" WHERE {preparer.quote(loss.column)} IS NOT NULL"
            rows = int(connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}{where}").scalar_one())
        result.append(Loss(loss.revision, loss.verb, loss.table, loss.column, rows))
    if connection.in_transaction():
        connection.commit()
    return result


def as_comments(losses: Iterable[Loss]) -> str:
    """The list for a ``--sql`` script: one SQL comment per table or column (rows unknown offline)."""
    lines = [f"-- data loss: {loss} (rows not counted offline)" for loss in losses]
    return "".join(line + "\n" for line in lines)
