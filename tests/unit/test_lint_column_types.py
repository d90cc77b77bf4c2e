"""A type change that does not say the column's type before (raw SQL, alter_column without existing_type)
is judged from what the chain left: the revision that added the column, followed through renames."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lint_cases import BASE_DOWNGRADE, BASE_UPGRADE, write_revision

from oramigrate.lint import LintTarget, lint_directory
from oramigrate.lint.column_types import from_sql

ORACLE = LintTarget("oracle", (11, 2))


@pytest.mark.parametrize(
    ("text", "dialect", "expected"),
    [
        ("NUMBER(8,2)", "oracle", "Numeric(precision=8, scale=2)"),
        ("number(10)", "oracle", "Numeric(precision=10, scale=0)"),
        ("NUMBER", "oracle", "Numeric()"),
        ("NUMBER(*,0)", "oracle", "Numeric(scale=0)"),
        ("VARCHAR2(20 CHAR)", "oracle", "String(length=20)"),
        ("character varying(30)", "postgresql", "String(length=30)"),
        ("CHAR(3)", "oracle", "CHAR(length=3)"),
        ("INT(11)", "mysql", "Integer()"),
        ("BIGINT", "postgresql", "BigInteger()"),
        ("DOUBLE PRECISION", "postgresql", "Float()"),
        ("CLOB", "oracle", "Text()"),
        ("DATE", "oracle", "DateTime()"),  # Oracle's DATE keeps the time of day
        ("DATE", "postgresql", "Date()"),
        ("TIMESTAMP(6) WITH TIME ZONE", "oracle", "DateTime(timezone=True)"),
        ("GEOMETRY", "postgresql", "None"),
        ("VARCHAR(20) CHARACTER SET utf8", "mysql", "None"),
    ],
)
def test_sql_type_text_read_as_a_type(text: str, dialect: str, expected: str) -> None:
    assert repr(from_sql(text, dialect)) == expected


def _chain(tmp_path: Path, *revisions: tuple[str, str, str]) -> Path:
    """Base 0001 (users.name String(100), users.legacy String(20)), then (id, upgrade, downgrade)..."""
    directory = tmp_path / "migrations"
    write_revision(directory, "0001", None, BASE_UPGRADE, BASE_DOWNGRADE)
    down = "0001"
    for revision, upgrade, downgrade in revisions:
        write_revision(directory, revision, down, upgrade, downgrade)
        down = revision
    return directory


def _findings(directory: Path, revisions: list[str]) -> list[tuple[str, str, str | None, str]]:
    report = lint_directory(directory, revisions, ORACLE)
    return [(f.revision, f.code, f.column, f.message) for f in report.findings if f.code != "raw-ddl"]


RAW_ADD = ('op.execute("ALTER TABLE users ADD (nick VARCHAR2(30))")', 'op.drop_column("users", "nick")')


def test_type_added_by_raw_sql_earlier_judges_a_later_raw_narrowing(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        ("0002", *RAW_ADD),
        ("0003", 'op.execute("ALTER TABLE users MODIFY (nick VARCHAR2(10))")', "pass"),
    )
    expected = [
        (
            "0003",
            "narrowing-type",
            "nick",
            "upgrade() changes users.nick String(length=30) -> String(length=10): "
            "longer values would not fit",
        ),
        ("0003", "missing-downgrade", None, "downgrade() does nothing, yet upgrade() changes the schema"),
    ]
    # the gate lints only what is pending: the earlier revision is read on demand, with the same result
    assert _findings(directory, ["0003"]) == expected
    assert _findings(directory, ["0002", "0003"]) == expected


def test_widening_a_type_the_chain_knows_is_no_finding(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        ("0002", *RAW_ADD),
        (
            "0003",
            'op.execute("ALTER TABLE users MODIFY (nick VARCHAR2(60))")',
            'op.execute("ALTER TABLE users MODIFY (nick VARCHAR2(30))")',
        ),
    )
    assert _findings(directory, ["0003"]) == [
        (
            "0003",
            "narrowing-downgrade",
            "nick",
            "downgrade() narrows users.nick back to String(length=30): "
            "rows of users whose nick does not fit String(length=30) make it fail",
        )
    ]


def test_the_type_is_followed_through_a_rename(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        (
            "0002",
            'op.alter_column("users", "legacy", new_column_name="code")',
            'op.alter_column("users", "code", new_column_name="legacy")',
        ),
        ("0003", 'op.execute("ALTER TABLE users MODIFY (code VARCHAR2(10))")', "pass"),
    )
    assert _findings(directory, ["0003"])[0] == (
        "0003",
        "narrowing-type",
        "code",
        "upgrade() changes users.code String(length=20) -> String(length=10): longer values would not fit",
    )


def test_alter_column_without_existing_type_judged_from_the_chain(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        (
            "0002",
            'op.alter_column("users", "name", type_=sa.String(200))',
            'op.alter_column("users", "name", type_=sa.String(100))',
        ),
        ("0003", 'op.alter_column("users", "legacy", type_=sa.String(5))', "pass"),
    )
    assert _findings(directory, ["0002", "0003"]) == [
        (
            "0002",
            "narrowing-downgrade",
            "name",
            "downgrade() narrows users.name back to String(length=100): "
            "rows of users whose name does not fit String(length=100) make it fail",
        ),
        (
            "0003",
            "narrowing-type",
            "legacy",
            "upgrade() changes users.legacy String(length=20) -> String(length=5): "
            "longer values would not fit",
        ),
        ("0003", "missing-downgrade", None, "downgrade() does nothing, yet upgrade() changes the schema"),
    ]


def test_an_earlier_revision_that_could_not_be_recorded_leaves_the_type_unknown(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        ("0002", 'op.get_bind().execute(sa.text("SELECT 1")).fetchone()', "pass"),
        ("0003", 'op.execute("ALTER TABLE users MODIFY (name VARCHAR2(10))")', "pass"),
    )
    assert _findings(directory, ["0003"])[0] == (
        "0003",
        "narrowing-type",
        "name",
        "upgrade() changes users.name to VARCHAR2(10) by raw SQL; its type before is not known "
        "(neither this revision nor an earlier one says it): whether values are lost cannot be judged",
    )


def test_a_new_type_the_lint_cannot_read_is_said_so(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path, ("0002", 'op.execute("ALTER TABLE users ALTER COLUMN name TYPE GEOMETRY")', "")
    )
    report = lint_directory(directory, ["0002"], LintTarget("postgresql"))
    assert [(f.code, f.message) for f in report.findings if f.code == "narrowing-type"] == [
        (
            "narrowing-type",
            "upgrade() changes users.name from String(length=100) to GEOMETRY by raw SQL, a type the lint "
            "cannot compare: whether values are lost cannot be judged",
        )
    ]


def test_a_table_made_by_raw_sql_gives_its_columns_types(tmp_path: Path) -> None:
    directory = _chain(
        tmp_path,
        (
            "0002",
            'op.execute("CREATE TABLE ledger (id NUMBER(10) PRIMARY KEY, memo VARCHAR2(200))")',
            'op.execute("DROP TABLE ledger")',
        ),
        (
            "0003",
            'op.execute("ALTER TABLE ledger MODIFY (memo VARCHAR2(50))")',
            'op.execute("ALTER TABLE ledger MODIFY (memo VARCHAR2(200))")',
        ),
    )
    assert _findings(directory, ["0003"]) == [
        (
            "0003",
            "narrowing-type",
            "memo",
            "upgrade() changes ledger.memo String(length=200) -> String(length=50): "
            "longer values would not fit",
        )
    ]


def test_each_of_two_equal_statements_is_judged_from_what_came_before_it(tmp_path: Path) -> None:
    # the second MODIFY narrows what the first left, which is the same text: the first is the narrowing
    twice = "ALTER TABLE users MODIFY (name VARCHAR2(50)); ALTER TABLE users MODIFY (name VARCHAR2(50))"
    directory = _chain(tmp_path, ("0002", f'op.execute("{twice}")', "pass"))
    assert [f[3] for f in _findings(directory, ["0002"]) if f[1] == "narrowing-type"] == [
        "upgrade() changes users.name String(length=100) -> String(length=50): longer values would not fit"
    ]
