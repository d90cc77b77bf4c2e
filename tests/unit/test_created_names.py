"""The names an operation creates are listed once (``operations.created_names``): the guard that refuses a
long name at ``db upgrade`` and the lint's ``name-too-long`` must judge the same names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from support.lint_cases import case_directory

from oramigrate import plugin
from oramigrate.lint import LintTarget, lint_directory
from oramigrate.operations import NameTooLong, created_names
from oramigrate.oracle.target import apply_to_dialect, dialect_options

LONG = "customer_loyalty_programme_tier"  # 31 bytes: over Oracle 11.2's 30
SHORT = "customer_loyalty_tier"

# one operation per kind of name it creates, with {name} where the name goes
SOURCES = {
    "table": 'op.create_table("{name}", sa.Column("id", sa.Integer()))',
    "column in create_table": 'op.create_table("audit", sa.Column("{name}", sa.Integer()))',
    "column check constraint": (
        'op.create_table("audit", sa.Column("n", sa.Integer(), sa.CheckConstraint("n > 0", name="{name}")))'
    ),
    "table unique constraint": (
        'op.create_table("audit", sa.Column("n", sa.Integer()), sa.UniqueConstraint("n", name="{name}"))'
    ),
    "added column": 'op.add_column("users", sa.Column("{name}", sa.Integer()))',
    "added column's check constraint": (
        'op.add_column("users", sa.Column("n", sa.Integer(), sa.CheckConstraint("n > 0", name="{name}")))'
    ),
    "index": 'op.create_index("{name}", "users", ["name"])',
    "unique constraint": 'op.create_unique_constraint("{name}", "users", ["name"])',
    "foreign key": 'op.create_foreign_key("{name}", "orders", "users", ["id"], ["id"])',
    "renamed table": 'op.rename_table("orders", "{name}")',
    "renamed column": 'op.alter_column("users", "legacy", new_column_name="{name}")',
    "sequence": 'op.create_sequence("{name}")',
}


def _guard_refuses(source: str) -> str | None:
    """The name the upgrade-time guard refuses when ``source`` runs for Oracle 11.2 (None if none)."""
    plugin.install()
    context = MigrationContext.configure(
        dialect_name="oracle",
        opts={"as_sql": True, "output_buffer": io.StringIO()},
        dialect_opts=dialect_options((11, 2)),
    )
    apply_to_dialect(context.dialect, (11, 2))
    try:
        exec(source, {"op": Operations(context), "sa": sa})
    except NameTooLong as refused:
        return str(refused).split("'")[1]
    return None


def _lint_flags(tmp_path: Path, source: str) -> list[str]:
    """The names ``name-too-long`` flags in a revision doing ``source``, for Oracle 11.2."""
    report = lint_directory(case_directory(tmp_path, source), ["0002"], LintTarget("oracle", (11, 2)))
    return [
        f.message.split(" name ")[1].split(" is ")[0] for f in report.findings if f.code == "name-too-long"
    ]


@pytest.mark.parametrize("kind", list(SOURCES))
def test_guard_and_lint_judge_the_same_names(tmp_path: Path, kind: str) -> None:
    source = SOURCES[kind]
    assert _guard_refuses(source.format(name=LONG)) == LONG
    assert _lint_flags(tmp_path / "long", source.format(name=LONG)) == [LONG]
    assert _guard_refuses(source.format(name=SHORT)) is None
    assert _lint_flags(tmp_path / "short", source.format(name=SHORT)) == []


def test_created_names_says_what_each_name_is() -> None:
    from alembic.operations import ops

    table = ops.CreateTableOp(
        "audit",
        [
            sa.Column("id", sa.Integer(), sa.CheckConstraint("id > 0", name="ck_audit_id")),
            sa.UniqueConstraint("id", name="uq_audit_id"),
        ],
    )
    assert list(created_names(table)) == [
        ("table", "audit"),
        ("column", "id"),
        ("constraint", "ck_audit_id"),
        ("constraint", "uq_audit_id"),
    ]
    assert list(created_names(ops.CreateIndexOp(None, "audit", ["id"]))) == []  # unnamed: nothing to judge
