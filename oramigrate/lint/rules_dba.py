"""Oracle habits a DBA expects: a foreign key's columns carry an index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from alembic.operations import ops

from ..oracle.naming import short_name
from .model import Finding, LintTarget, RecordedRevision, found, rule
from .walk import lower, steps


def _covered(columns: tuple[str, ...], leading: Iterable[tuple[str, ...]]) -> bool:
    # an index serves the key when the key's columns are its leading columns, in any order
    return any(set(columns) == set(index[: len(columns)]) for index in leading)


def _table_keys(create: ops.CreateTableOp) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """A new table's foreign keys and its indexed column lists (primary key, unique, indexes)."""
    table = create.to_table()
    keys = [tuple(lower(name) for name in key.column_keys) for key in table.foreign_key_constraints]
    indexed = [tuple(lower(column.name) for column in table.primary_key.columns)]
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            indexed.append(tuple(lower(column.name) for column in constraint.columns))
    for index in table.indexes:
        indexed.append(tuple(lower(getattr(column, "name", column)) for column in index.expressions))
    return keys, indexed


def _suggestion(table: str, columns: tuple[str, ...]) -> str:
    name = short_name(f"ix_{table}_{'_'.join(columns)}")
    listed = ", ".join(f'"{column}"' for column in columns)
    return f'op.create_index("{name}", "{table}", [{listed}])'


def _keys_and_indexes(
    recorded: RecordedRevision,
) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[tuple[str, ...]]]]:
    """The foreign keys a revision's upgrade makes, and the indexed column lists, per table."""
    keys: dict[str, list[tuple[str, ...]]] = {}
    indexed: dict[str, list[tuple[str, ...]]] = {}
    for step in steps(recorded, "upgrade"):
        operation = step.operation
        if isinstance(operation, ops.CreateTableOp):
            table_keys, table_indexed = _table_keys(operation)
            keys.setdefault(lower(operation.table_name), []).extend(table_keys)
            indexed.setdefault(lower(operation.table_name), []).extend(table_indexed)
        elif isinstance(operation, ops.CreateForeignKeyOp):
            columns = tuple(lower(name) for name in operation.local_cols)
            keys.setdefault(lower(operation.source_table), []).append(columns)
        elif isinstance(operation, ops.CreateIndexOp):
            names = tuple(lower(getattr(c, "name", c)) for c in operation.columns)
            indexed.setdefault(lower(operation.table_name), []).append(names)
    return keys, indexed


def uncovered_keys(recorded: RecordedRevision) -> list[tuple[str, tuple[str, ...]]]:
    """(table, columns) of each foreign key the revision makes with no index serving it."""
    keys, indexed = _keys_and_indexes(recorded)
    return [
        (table, columns)
        for table, table_keys in keys.items()
        for columns in table_keys
        if not _covered(columns, indexed.get(table, []))
    ]


def settled_later(findings: list[Finding], chain: list[RecordedRevision]) -> list[Finding]:
    """Drop foreign-key-without-index findings whose index a later revision of ``chain`` creates.

    A chain that adds the index in a revision of its own (as an applied revision cannot be edited)
    has settled it; the finding stays for a chain linted without that later revision.
    """
    if not any(finding.code == "foreign-key-without-index" for finding in findings):
        return findings
    position = {recorded.revision: index for index, recorded in enumerate(chain)}
    later: list[dict[str, list[tuple[str, ...]]]] = [_keys_and_indexes(recorded)[1] for recorded in chain]
    kept = []
    for finding in findings:
        index = position.get(finding.revision)
        if finding.code == "foreign-key-without-index" and index is not None and finding.table:
            columns = next(
                (c for t, c in uncovered_keys(chain[index]) if t == finding.table and c[0] == finding.column),
                None,
            )
            after = [cols for indexes in later[index + 1 :] for cols in indexes.get(finding.table, [])]
            if columns is not None and _covered(columns, after):
                continue
        kept.append(finding)
    return kept


@rule(
    "foreign-key-without-index",
    "warning",
    "Add an index whose leading columns are the key's columns, in the same revision (the message "
    "gives the op.create_index line), unless the parent's key is never updated and its rows never deleted.",
)
def foreign_key_without_index(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Without an index on the foreign key's columns, Oracle locks the whole child table while a parent
    row is deleted or its key updated (Oracle Database Concepts, "Locks and Foreign Keys"), and every
    such delete scans the child table: under load, deletes on the parent stall the child's writers."""
    if target.dialect != "oracle":
        return
    for table, columns in uncovered_keys(recorded):
        yield found(
            "foreign-key-without-index",
            recorded,
            f"foreign key {table}({', '.join(columns)}) has no index: add {_suggestion(table, columns)}",
            table=table,
            column=columns[0],
        )
