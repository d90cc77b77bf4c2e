"""Rules about what the target database accepts: names, identity columns, DDL that cannot roll back."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects.oracle.base import RESERVED_WORDS
from sqlalchemy.engine import Dialect, make_url

from ..operations import CreateSequenceOp, created_names
from ..oracle import target as oracle_target
from ..private import requires_quotes
from .effects import effects
from .model import Finding, LintTarget, RecordedRevision, Step, found, rule
from .walk import PHASES, Made, lower, steps

# Oracle's own reserved words (V$RESERVED_WORDS, "Oracle SQL Reserved Words") that SQLAlchemy's list
# lacks: SQLAlchemy leaves them unquoted and Oracle rejects the statement.
ORACLE_ONLY_RESERVED = frozenset(
    "ACCESS ADD AUDIT COLUMN COLUMN_VALUE FILE IMMEDIATE INCREMENT INITIAL MAXEXTENTS MLSLABEL MODIFY "
    "NESTED_TABLE_ID NOAUDIT OFFLINE ONLINE PRIVILEGES ROW ROWID ROWNUM ROWS SESSION SUCCESSFUL SYSDATE "
    "VALIDATE WHENEVER".split()
)
ORACLE_RESERVED = frozenset(word.upper() for word in RESERVED_WORDS) | ORACLE_ONLY_RESERVED
NON_TRANSACTIONAL_DDL = ("oracle", "mysql", "mariadb")


@lru_cache(maxsize=8)
def _dialect(name: str) -> Dialect:
    dialect: Dialect = make_url(f"{name}://").get_dialect()()
    return dialect


def _upgrade_names(recorded: RecordedRevision) -> Iterator[tuple[str, str]]:
    seen = set()
    for step in recorded.upgrade:
        for kind, name in created_names(step.operation):
            if (kind, name) not in seen:
                seen.add((kind, name))
                yield kind, name


def _limit(target: LintTarget) -> tuple[int, str]:
    if target.dialect == "oracle":
        version = target.version or oracle_target.PORTABLE_VERSION
        return oracle_target.max_identifier_bytes(version), f"Oracle {oracle_target.describe(version)}"
    return _dialect(target.dialect).max_identifier_length, target.dialect


@rule(
    "name-too-long",
    "error",
    "Shorten the name (the models' naming convention keeps constraint names "
    "within 30 bytes), or set ORACLE_TARGET_VERSION / --target-version to the oldest version you run.",
)
def name_too_long(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle before 12.2 allows 30 bytes per name (128 from 12.2): a longer one fails with ORA-00972
    on the older servers still in the field, and bytes, not characters, count."""
    limit, where = _limit(target)
    for kind, name in _upgrade_names(recorded):
        size = len(name.encode("utf-8"))
        if size > limit:
            yield found(
                "name-too-long", recorded, f"{kind} name {name} is {size} bytes; {where} allows {limit}"
            )


@rule(
    "quoted-identifier",
    "warning",
    "Use lowercase names of letters, digits and underscores: "
    "SQLAlchemy leaves them unquoted and Oracle stores them case-insensitively in upper case.",
)
def quoted_identifier(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """An upper or mixed case name (or one with other characters) is quoted, so it becomes case-sensitive:
    every hand-written query must quote it exactly, and autogenerate sees a new table and a dropped one."""
    if target.dialect not in ("oracle", "postgresql"):
        return
    preparer = _dialect(target.dialect).identifier_preparer
    for kind, name in _upgrade_names(recorded):
        if name.upper() in ORACLE_RESERVED and target.dialect == "oracle":
            continue  # oracle-reserved-word says it better
        if requires_quotes(preparer, name):
            yield found("quoted-identifier", recorded, f'{kind} name {name} would be quoted as "{name}"')


@rule(
    "oracle-reserved-word",
    "error",
    "Choose another name (user_level instead of level, app_user instead of user).",
)
def oracle_reserved_word(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """A name such as USER, LEVEL, COMMENT or SIZE is reserved in Oracle: SQLAlchemy quotes it, which makes
    a case-sensitive lowercase name every SQL*Plus user must then quote; the few SQLAlchemy does not know
    it leaves bare, and Oracle rejects the statement (ORA-00904)."""
    if target.dialect != "oracle":
        return
    preparer = _dialect("oracle").identifier_preparer
    for kind, name in _upgrade_names(recorded):
        if name.upper() not in ORACLE_RESERVED:
            continue
        compiled = preparer.quote(name)
        if compiled != name:
            effect = f"the compiled SQL quotes it as {compiled}, a case-sensitive name"
        else:
            effect = f"the compiled SQL leaves {name} bare and Oracle rejects it"
        yield found(
            "oracle-reserved-word", recorded, f"{kind} name {name} is an Oracle reserved word: {effect}"
        )


@rule(
    "identity-on-existing-column",
    "error",
    "Keep the column and draw new values from a sequence "
    "(op.create_sequence and a Sequence on the model), or add a new identity column, copy, and switch.",
)
def identity_on_existing_column(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle cannot make an existing column an identity column (ORA-30673), yet Alembic renders
    alter_column(server_default=Identity()) as ALTER TABLE ... MODIFY ... GENERATED AS IDENTITY."""
    if target.dialect != "oracle":
        return
    for phase in PHASES:
        for step in steps(recorded, phase):
            alter = step.operation
            if isinstance(alter, ops.AlterColumnOp) and isinstance(alter.modify_server_default, sa.Identity):
                table, column = lower(alter.table_name), lower(alter.column_name)
                yield found(
                    "identity-on-existing-column",
                    recorded,
                    f"{phase}() makes existing column {table}.{column} an identity column",
                    phase=phase,
                    table=table,
                    column=column,
                )


def ddl_statements(step: Step) -> int:
    """How many DDL statements a step sends (Oracle's alter_column sends one per changed attribute)."""
    operation = step.operation
    if isinstance(operation, ops.ExecuteSQLOp):
        return sum(1 for statement in step.statements if statement.kind == "ddl")
    if isinstance(operation, ops.BulkInsertOp):
        return 0
    if isinstance(operation, ops.AlterColumnOp):
        changes = (operation.modify_type, operation.modify_name, operation.modify_comment)
        count = sum(1 for change in changes if change not in (None, False))
        count += operation.modify_nullable is not None
        count += operation.modify_server_default is not False
        return max(count, 1)
    return 1


def _only_creates(step: Step, made_tables: set[str]) -> bool:
    operation = step.operation
    if isinstance(operation, (ops.CreateTableOp, CreateSequenceOp)):
        return True
    if isinstance(operation, (ops.CreateIndexOp, ops.AddConstraintOp, ops.AddColumnOp)):
        table = getattr(operation, "table_name", None) or getattr(operation, "source_table", "")
        return lower(table) in made_tables
    if isinstance(operation, ops.DropTableOp):
        return lower(operation.table_name) in made_tables  # taking away what it made just before
    if isinstance(operation, ops.ExecuteSQLOp):
        own = set(made_tables)
        for s in step.statements:
            if s.verb in ("create table", "create sequence"):
                own.add(str(s.table))
            elif s.kind == "ddl" and s.table not in own:
                return False
        return True
    return isinstance(operation, ops.BulkInsertOp)


@rule(
    "several-ddl-non-transactional",
    "warning",
    "Split the revision so that each changes one existing "
    "object, or make every statement safe to re-run; create-only revisions are not flagged.",
)
def several_ddl_non_transactional(recorded: RecordedRevision, target: LintTarget) -> Iterator[Finding]:
    """Oracle and MariaDB commit each DDL statement: if the third of five fails, the first two stay and
    alembic_version does not move, so the rerun fails on what exists (ORA-00955, ORA-01430). A revision that
    only creates new objects is not flagged: a failure leaves new, empty objects that are dropped by hand."""
    if target.dialect not in NON_TRANSACTIONAL_DDL:
        return
    total, changes_existing, made = 0, False, Made()
    for step in recorded.upgrade:
        count = ddl_statements(step)
        total += count
        if count and not _only_creates(step, made.tables):
            changes_existing = True
        for effect in effects([step]):
            made.add(effect)
    if total > 1 and changes_existing:
        yield found(
            "several-ddl-non-transactional",
            recorded,
            f"upgrade() sends {total} DDL statements that {target.dialect} commits one by one, "
            "changing existing objects",
        )
