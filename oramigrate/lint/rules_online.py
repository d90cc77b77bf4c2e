"""Running systems: DDL that locks a table the application uses for longer than a moment.

Each rule is a warning, and only for a table the revision did not create itself (a new table has no
readers). The safe forms are in each rule's ``instead``; notes/live-load.md has the recipes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alembic.operations import ops

from ..online import (
    CreateCheckConstraintOnlineOp,
    CreateForeignKeyOnlineOp,
    CreateIndexOnlineOp,
    DropIndexOnlineOp,
)
from ..oracle.target import builds_index_online
from .model import Finding, LintTarget, RecordedRevision, Step, found, rule
from .walk import PHASES, lower, steps

# what PostgreSQL refuses in a transaction block (REFRESH MATERIALIZED VIEW CONCURRENTLY it allows)
_CONCURRENTLY = re.compile(
    r"^\s*(CREATE|DROP|REINDEX|ALTER\s+TABLE\b.*\bDETACH)\b.*\bCONCURRENTLY\b", re.I | re.S
)
_VOLATILE = re.compile(
    r"\b(now|random|clock_timestamp|gen_random_uuid|uuid_generate_v4|timeofday)\s*\(", re.I
)


def existing_operations(recorded: RecordedRevision) -> Iterator[ops.MigrateOperation]:
    """The upgrade's operations on tables the revision did not create."""
    created: set[str] = set()
    for step in steps(recorded, "upgrade"):
        operation = step.operation
        if isinstance(operation, ops.CreateTableOp):
            created.add(lower(operation.table_name))
            continue
        table = getattr(operation, "table_name", None) or getattr(operation, "source_table", None)
        if table is not None and lower(table) not in created:
            yield operation


def table_of(operation: ops.MigrateOperation) -> str:
    """The (lowercase) table an operation acts on."""
    return lower(getattr(operation, "table_name", None) or getattr(operation, "source_table", ""))


@rule(
    "index-locks-writes",
    "warning",
    "`op.create_index_online(...)` (oramigrate): CREATE INDEX CONCURRENTLY in an autocommit block on "
    "PostgreSQL, CREATE INDEX ... ONLINE on Oracle (ORACLE_EDITION), ALGORITHM=INPLACE LOCK=NONE on "
    "MariaDB. By hand on PostgreSQL: `with op.get_context().autocommit_block():` then "
    "`op.create_index(..., postgresql_concurrently=True)`.",
)
def index_locks_writes(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A plain CREATE INDEX blocks every write to the table until the whole index is built (PostgreSQL
    takes a SHARE lock; Oracle without ONLINE a table lock for the build): on a large table under load
    the application stops writing for minutes. On Oracle the rule asks for ONLINE only when
    ORACLE_EDITION names an edition that has it (Standard Edition 2, the default, has not)."""
    oracle = target.dialect == "oracle" and builds_index_online(target.oracle_edition)
    if target.dialect != "postgresql" and not oracle:
        return
    for operation in existing_operations(recorded):
        if not isinstance(operation, ops.CreateIndexOp) or isinstance(operation, CreateIndexOnlineOp):
            continue
        if target.dialect == "postgresql" and operation.kw.get("postgresql_concurrently"):
            continue
        how = "" if target.dialect == "postgresql" else " (no ONLINE)"
        yield found(
            "index-locks-writes",
            recorded,
            f"index {operation.index_name} on existing table {table_of(operation)} blocks writes"
            f" while built{how}",
            table=table_of(operation),
        )


@rule(
    "concurrently-in-transaction",
    "error",
    "`op.create_index_online(...)` / `op.drop_index_online(...)` (oramigrate), or put the statement in "
    "`with op.get_context().autocommit_block():`.",
)
def concurrently_in_transaction(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY inside a transaction block, and every revision
    runs in one: the revision fails at that statement, after its earlier statements ran and were rolled
    back, on every deploy."""
    if target.dialect != "postgresql":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            concurrent = None if step.autocommit else _concurrently(step)
            if concurrent is not None:
                what, table = concurrent
                yield found(
                    "concurrently-in-transaction",
                    recorded,
                    f"{what} runs inside the revision's transaction: PostgreSQL refuses it",
                    phase=phase,
                    table=table,
                )


def _concurrently(step: Step) -> tuple[str, str | None] | None:
    """(what, table) when the step asks for CONCURRENTLY itself (our online helpers open their own
    autocommit block, so they never do)."""
    operation = step.operation
    if isinstance(operation, (CreateIndexOnlineOp, DropIndexOnlineOp)):
        return None
    if isinstance(operation, (ops.CreateIndexOp, ops.DropIndexOp)):
        if operation.kw.get("postgresql_concurrently"):
            verb = "CREATE" if isinstance(operation, ops.CreateIndexOp) else "DROP"
            return f"{verb} INDEX CONCURRENTLY {operation.index_name}", table_of(operation) or None
        return None
    for statement in step.statements:
        if _CONCURRENTLY.search(statement.text):
            return " ".join(statement.text.split())[:80], statement.table
    return None


@rule(
    "constraint-validates-under-lock",
    "warning",
    "`op.create_foreign_key_online(...)` / `op.create_check_constraint_online(...)` (oramigrate) write "
    "what follows. By hand, "
    "PostgreSQL: add it with `postgresql_not_valid=True`, then "
    '`op.execute("ALTER TABLE t VALIDATE CONSTRAINT name")` (in a later revision under load); Oracle: '
    '`op.execute("ALTER TABLE t ADD CONSTRAINT name ... ENABLE NOVALIDATE")`, then '
    '`op.execute("ALTER TABLE t MODIFY CONSTRAINT name VALIDATE")`.',
)
def constraint_validates_under_lock(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Adding a foreign key or CHECK to a table with rows checks every row while holding a lock that
    blocks writes (PostgreSQL SHARE ROW EXCLUSIVE / ACCESS EXCLUSIVE; Oracle a table lock for the
    validation); NOT VALID / ENABLE NOVALIDATE first takes the lock only for a moment, and VALIDATE
    afterwards lets writes go on."""
    if target.dialect not in ("postgresql", "oracle"):
        return
    for operation in existing_operations(recorded):
        if not isinstance(operation, (ops.CreateForeignKeyOp, ops.CreateCheckConstraintOp)):
            continue
        if isinstance(operation, (CreateForeignKeyOnlineOp, CreateCheckConstraintOnlineOp)):
            continue
        if target.dialect == "postgresql" and operation.kw.get("postgresql_not_valid"):
            continue
        yield found(
            "constraint-validates-under-lock",
            recorded,
            f"constraint {operation.constraint_name} on existing table {table_of(operation)} checks every row"
            " under a lock that blocks writes",
            table=table_of(operation),
        )


@rule(
    "set-not-null-scans",
    "warning",
    'Add `CHECK (col IS NOT NULL) NOT VALID`, `op.execute("ALTER TABLE t VALIDATE CONSTRAINT ck")`, then '
    "SET NOT NULL (PostgreSQL 12+ uses the validated check and skips the scan), then drop the check.",
)
def set_not_null_scans(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """SET NOT NULL scans the whole table under ACCESS EXCLUSIVE: no reads, no writes until done."""
    if target.dialect != "postgresql":
        return
    for operation in existing_operations(recorded):
        if isinstance(operation, ops.AlterColumnOp) and operation.modify_nullable is False:
            yield found(
                "set-not-null-scans",
                recorded,
                f"SET NOT NULL on {table_of(operation)}.{lower(operation.column_name)} scans the table"
                " under an exclusive lock",
                table=table_of(operation),
                column=lower(operation.column_name),
            )


@rule(
    "type-change-rewrites",
    "warning",
    "Add a new column, backfill it in batches, switch the application, drop the old one; on MariaDB "
    'try `op.execute("ALTER TABLE t MODIFY c ..., ALGORITHM=INPLACE, LOCK=NONE")`, which the server '
    "refuses rather than copying the table.",
)
def type_change_rewrites(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A column type change rewrites the table (PostgreSQL under ACCESS EXCLUSIVE; MariaDB with
    ALGORITHM=COPY, blocking writes), except a few binary-compatible widenings: the application waits
    for the whole copy."""
    if target.dialect not in ("postgresql", "mariadb", "mysql"):
        return
    for operation in existing_operations(recorded):
        if isinstance(operation, ops.AlterColumnOp) and operation.modify_type is not None:
            yield found(
                "type-change-rewrites",
                recorded,
                f"type change of {table_of(operation)}.{lower(operation.column_name)} may rewrite the table",
                table=table_of(operation),
                column=lower(operation.column_name),
            )


@rule(
    "volatile-default",
    "warning",
    "Add the column without a default (or with a constant), set the default afterwards, backfill in batches.",
)
def volatile_default(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """PostgreSQL 11+ adds a column with a constant default without touching rows, but a volatile
    default (now(), random(), gen_random_uuid(), ...) rewrites every row under ACCESS EXCLUSIVE."""
    if target.dialect != "postgresql":
        return
    for operation in existing_operations(recorded):
        if not isinstance(operation, ops.AddColumnOp):
            continue
        if _VOLATILE.search(default_text(operation.column)):
            yield found(
                "volatile-default",
                recorded,
                f"column {table_of(operation)}.{lower(operation.column.name)} gets a volatile default:"
                " every row is rewritten",
                table=table_of(operation),
                column=lower(operation.column.name),
            )


def default_text(column: object) -> str:
    """A column's server default as text ("" when it has none)."""
    arg = getattr(getattr(column, "server_default", None), "arg", None)
    return str(arg if isinstance(arg, str) else getattr(arg, "text", ""))
