"""Running systems on MariaDB: ALTERs InnoDB cannot run ``ALGORITHM=INSTANT/INPLACE, LOCK=NONE``.

Such an ALTER copies the table (ALGORITHM=COPY) and blocks writes for the whole copy, or needs a
lock that blocks them. Which operations, measured on MariaDB 10.11 and per the MariaDB docs
("InnoDB Online DDL Operations with the INSTANT / NOCOPY / INPLACE Alter Algorithm"), is in
notes/live-load.md; type changes are ``type-change-rewrites`` (rules_online.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alembic.operations import MigrateOperation, ops

from ..online import CreateForeignKeyOnlineOp
from .model import Finding, LintTarget, RecordedRevision, found, rule
from .rules_online import default_text, existing_operations, table_of
from .walk import lower

# a default InnoDB cannot add in place (measured: uuid() needs COPY; now(), rand() and constants do not)
_COPYING_DEFAULT = re.compile(r"\buuid(_short)?\s*\(", re.I)


def copies(operation: MigrateOperation) -> str | None:
    """Why ``operation`` cannot run INPLACE with LOCK=NONE on MariaDB (None when it can)."""
    if isinstance(operation, CreateForeignKeyOnlineOp):
        return None
    if isinstance(operation, ops.CreateForeignKeyOp):
        return f"foreign key {operation.constraint_name} is added by copying the table"
    if isinstance(operation, ops.CreateCheckConstraintOp):
        return f"CHECK constraint {operation.constraint_name} is added by copying the table"
    if isinstance(operation, ops.DropConstraintOp) and operation.constraint_type == "primary":
        return f"primary key {operation.constraint_name} is dropped by copying the table"
    if isinstance(operation, ops.AddColumnOp):
        column = operation.column
        if column.autoincrement is True:
            return f"auto-increment column {lower(column.name)} is added under a lock that blocks writes"
        default = default_text(column)
        if _COPYING_DEFAULT.search(default):
            return f"column {lower(column.name)} with default {default} is added by copying the table"
    return None


@rule(
    "alter-copies-table",
    "warning",
    "A foreign key: `op.create_foreign_key_online(...)` (oramigrate: checks for orphan rows, then "
    "`SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE ... ADD CONSTRAINT ..., ALGORITHM=INPLACE, "
    "LOCK=NONE`). A CHECK, a uuid() default, an auto-increment column, a dropped primary key: no online "
    "form on MariaDB; enforce it in the application, fill the column in batches, or run the ALTER in a "
    "quiet window.",
)
def alter_copies_table(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """MariaDB runs an ALTER that InnoDB cannot do INSTANT or INPLACE with LOCK=NONE as ALGORITHM=COPY
    (or with a lock that blocks writes): the application cannot write to the table until every row
    is copied. Adding a foreign key is such an ALTER whenever foreign_key_checks is on."""
    if target.dialect not in ("mariadb", "mysql"):
        return
    for operation in existing_operations(recorded):
        reason = copies(operation)
        if reason is not None:
            yield found(
                "alter-copies-table",
                recorded,
                f"{reason} on existing table {table_of(operation)}: writes wait until it is done",
                table=table_of(operation),
            )
