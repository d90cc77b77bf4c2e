"""Downgrades that lose data ask first: the tables and columns a downgrade drops or empties, with rows.

What a downgrade drops is read by running its ``downgrade()`` against the lint's recording ``op``
(nothing executes, ``batch_alter_table`` blocks included); the rows are counted on the live
database. A table or column that holds rows is data lost: refused unless ``--allow-data-loss``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection

from ..errors import MigrationError

if TYPE_CHECKING:
    from ..lint.effects import Effect


@dataclass(frozen=True)
class Loss:
    """One table or column a downgrade drops or empties, and how many rows (or values) it holds."""

    revision: str
    # "drops table", "drops column", "deletes rows of", "empties table", "empties column",
    # "cannot be listed"
    verb: str
    table: str
    column: str | None = None
    rows: int | None = None
    schema: str | None = None
    # why the rows cannot be counted before the downgrade runs (they are the downgrade's own)
    uncountable: str | None = None

    @property
    def target(self) -> str:
        """``table``, ``table.column``, ``schema.table`` or ``schema.table.column``."""
        table = self.table if self.schema is None else f"{self.schema}.{self.table}"
        return table if self.column is None else f"{table}.{self.column}"

    def __str__(self) -> str:
        if self.verb == "cannot be listed":
            return f"{self.revision}: downgrade cannot be listed ({self.table})"
        counted = ""
        if self.uncountable is not None:
            counted = f" ({self.uncountable})"
        elif self.rows is not None:
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


# a name as the downgrade's later statements see it: the live table or column it still is (renamed
# or not), one the downgrade created itself (True once rows were written into it), or one it dropped
_Live = tuple[str | None, str]
_State = _Live | bool | None
_GONE = None
# SQL this module could not read that may drop or empty something: listed as "cannot be listed"
_LOSSY_SQL = re.compile(r"\b(DROP\s+(TABLE|SCHEMA|DATABASE|OWNED|COLUMN)|DELETE|TRUNCATE)\b", re.IGNORECASE)
_COPIED_IN = "rows the downgrade writes into it first, not countable beforehand"
_VERBS = {"drop table": "drops table", "delete": "deletes rows of", "truncate": "empties table"}


@dataclass
class _Names:
    """What each table and column name stands for as a planned downgrade goes on, across revisions."""

    tables: dict[tuple[str | None, str], _State] = field(default_factory=dict)
    columns: dict[tuple[str | None, str, str], _State] = field(default_factory=dict)

    def table(self, key: tuple[str | None, str]) -> _State:
        return self.tables.get(key, key)

    def column(self, key: tuple[str | None, str, str]) -> _State:
        return self.columns.get(key, (key[0], key[2]))


def _schema(effect: Effect) -> str | None:
    schema = getattr(effect.operation, "schema", None)
    if schema is None and effect.statement is not None:
        schema = effect.statement.schema
    return str(schema).lower() if schema else None


def _follow(revision: str, effect: Effect, names: _Names) -> list[Loss]:
    """The losses of one effect, given what the names stand for now; then what they stand for after."""
    if not effect.table:
        return []
    schema, kind = _schema(effect), effect.kind
    key = (schema, effect.table)
    table = names.table(key)
    if kind == "create table":
        names.tables[key] = False
    elif kind == "insert" and table is False and _copies(effect):
        names.tables[key] = True
    elif kind == "rename table" and effect.new_name:
        names.tables[(schema, effect.new_name)] = names.tables.pop(key, key)
        for old in [column for column in names.columns if column[:2] == key]:
            names.columns[(schema, effect.new_name, old[2])] = names.columns.pop(old)
    elif kind in _VERBS:
        if kind == "drop table":
            names.tables[key] = _GONE
        return _lost(revision, _VERBS[kind], table, key)
    if effect.column is None or table is _GONE:
        return []
    column_key = (schema, effect.table, effect.column)
    column = names.column(column_key)
    if kind == "add column":
        names.columns[column_key] = False
    elif kind == "rename column" and effect.new_name:
        names.columns[(schema, effect.table, effect.new_name)] = names.columns.pop(column_key, column)
    elif kind == "drop column":
        names.columns[column_key] = _GONE
        if isinstance(table, tuple) and isinstance(column, tuple):
            return [Loss(revision, "drops column", table[1], column[1], schema=table[0])]
        if table is True or column is True:
            return [Loss(revision, "drops column", effect.table, effect.column, None, schema, _COPIED_IN)]
    return []


def _copies(effect: Effect) -> bool:
    """An INSERT that may copy rows in (``INSERT ... SELECT``, a construct); seed rows
    (``bulk_insert``, ``INSERT ... VALUES``) are the revision's own and come back with it."""
    statement = effect.statement
    if statement is None:
        return False
    return not statement.hidden or re.search(r"\bSELECT\b", statement.text, re.IGNORECASE) is not None


def _lost(revision: str, verb: str, table: _State, key: tuple[str | None, str]) -> list[Loss]:
    if isinstance(table, tuple):
        return [Loss(revision, verb, table[1], schema=table[0])]
    if table is True:
        return [Loss(revision, verb, key[1], schema=key[0], uncountable=_COPIED_IN)]
    return []


def _updates(revision: str, effect: Effect, names: _Names) -> list[Loss]:
    """An UPDATE without WHERE that sets columns to NULL empties them; one that sets a column the
    downgrade added writes rows into it."""
    statement, schema = effect.statement, _schema(effect)
    if effect.kind != "update" or statement is None or not effect.table:
        return []
    for column in effect.columns:
        if names.column((schema, effect.table, column)) is False:
            names.columns[(schema, effect.table, column)] = True
    table = names.table((schema, effect.table))
    if statement.where or not isinstance(table, tuple):
        return []
    found = []
    for column in sorted(statement.nulls):
        live = names.column((schema, effect.table, column))
        if isinstance(live, tuple):
            found.append(Loss(revision, "empties column", table[1], live[1], schema=table[0]))
    return found


def _phase(
    scripts: ScriptDirectory, script: Script, dialect_name: str, engine_name: str | None, names: _Names
) -> list[Loss]:
    # what ``script``'s downgrade drops or empties (rows not counted yet), as the lint records it
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
    revision = script.revision
    for step in steps:
        for statement in step.statements:
            unread = not statement.parsed and statement.verb != "pl/sql block"
            if unread and _LOSSY_SQL.search(statement.text):
                found.append(Loss(revision, "cannot be listed", f"SQL not understood: {statement.text[:60]}"))
    for effect in effects(steps):
        found += _follow(revision, effect, names) + _updates(revision, effect, names)
    if error is not None:
        found.append(Loss(revision, "cannot be listed", error))
    return found


def planned_all(
    scripts: ScriptDirectory, downgrades: Iterable[Script], dialect_name: str, engine_name: str | None = None
) -> list[Loss]:
    """What the downgrades of ``downgrades``, run in that order, drop or empty (rows not counted yet).

    A table or column is followed through the plan: one renamed first is counted under its live
    name; one the downgrade creates itself holds no live rows, unless the downgrade writes into it.
    """
    names = _Names()
    return [
        loss for script in downgrades for loss in _phase(scripts, script, dialect_name, engine_name, names)
    ]


def counted(connection: Connection, losses: Iterable[Loss]) -> list[Loss]:
    """``losses`` with the rows each table (or non-NULL values each column) holds now.

    Names are matched without regard to case (the downgrade's names are read lowercase; a quoted
    ``"UserData"`` is the live table), in the schema the downgrade names, every match counted.
    """
    inspector = sa.inspect(connection)
    tables: dict[str | None, list[str]] = {}
    schemas: list[str] | None = None

    def live_tables(schema: str | None) -> list[str]:
        if schema not in tables:
            tables[schema] = inspector.get_table_names(schema=schema)
        return tables[schema]

    result = []
    for loss in losses:
        if loss.verb == "cannot be listed" or loss.uncountable is not None:
            result.append(loss)
            continue
        if loss.schema is None:
            in_schemas: list[str | None] = [None]
        else:
            schemas = inspector.get_schema_names() if schemas is None else schemas
            in_schemas = [name for name in schemas if name.lower() == loss.schema.lower()]
        rows, matched = 0, []
        for schema in in_schemas:
            for table in [name for name in live_tables(schema) if name.lower() == loss.table.lower()]:
                columns: list[str | None] = [None]
                if loss.column is not None:
                    found = inspector.get_columns(table, schema=schema)
                    columns = [c["name"] for c in found if c["name"].lower() == loss.column.lower()]
                for column in columns:
                    query = sa.select(sa.func.count()).select_from(sa.table(table, schema=schema))
                    if column is not None:
                        query = query.where(sa.column(column).is_not(None))
                    rows += int(connection.execute(query).scalar_one())
                    matched.append((schema, table, column))
        if len(matched) == 1:  # named as the database names it ("UserData", not userdata)
            schema, table, column = matched[0]
            loss = replace(loss, schema=schema, table=table, column=column)
        result.append(replace(loss, rows=rows))
    if connection.in_transaction():
        connection.commit()
    return result


def as_comments(losses: Iterable[Loss]) -> str:
    """The list for a ``--sql`` script: one SQL comment per table or column (rows unknown offline)."""
    lines = [f"-- data loss: {loss} (rows not counted offline)" for loss in losses]
    return "".join(line + "\n" for line in lines)
