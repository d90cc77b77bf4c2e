"""data-change-irreversible: what a downgrade leaves of the upgrade's row changes, in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lint_cases import case_directory

from oramigrate.lint import LintTarget, lint_directory

INSERTED = (
    "upgrade() inserts rows into orders that downgrade() does not delete: they stay after a downgrade, "
    "and the next upgrade inserts them again"
)


def _undo_findings(tmp_path: Path, upgrade: str, downgrade: str) -> list[tuple[str | None, str]]:
    report = lint_directory(case_directory(tmp_path, upgrade, downgrade), ["0002"], LintTarget("postgresql"))
    return [(f.table, f.message) for f in report.findings if f.code == "data-change-irreversible"]


@pytest.mark.parametrize(
    ("upgrade", "downgrade", "expected"),
    [
        ('op.execute("INSERT INTO orders (id) VALUES (-1)")', "pass", [("orders", INSERTED)]),
        (
            'op.execute("INSERT INTO orders (id) VALUES (-1)")',
            'raise NotImplementedError("seed data stays")',
            [("orders", INSERTED)],
        ),
        ('op.execute("INSERT INTO orders (id) VALUES (-1)")', 'op.execute("TRUNCATE orders")', []),
        (
            'op.execute("DELETE FROM orders WHERE id < 0")\n'
            'op.execute("INSERT INTO orders (id) VALUES (-1)")',
            "pass",
            [
                (
                    "orders",
                    INSERTED + "; it deletes rows of orders that downgrade() does not put back",
                )
            ],
        ),
        (
            "op.execute(\"UPDATE users SET name = 'x' WHERE name IS NULL\")",
            "pass",
            [("users", "upgrade() changes rows of users; downgrade() does not undo it")],
        ),
        # an update beside a schema change: a backfill, whose values may stay (not-null rules judge it)
        (
            "op.execute(\"UPDATE users SET name = 'x' WHERE name IS NULL\")\n"
            'op.add_column("users", sa.Column("nick", sa.String(30)))',
            'op.drop_column("users", "nick")',
            [],
        ),
        # a downgrade that could not be recorded is not judged (not-analysable says so)
        (
            'op.execute("INSERT INTO orders (id) VALUES (-1)")',
            'op.get_bind().execute(sa.text("SELECT 1")).fetchone()',
            [],
        ),
    ],
    ids=[
        "insert left",
        "insert, downgrade NotImplementedError",
        "insert, downgrade truncates",
        "delete and insert left",
        "data-only update left",
        "backfill beside schema change",
        "downgrade not recorded",
    ],
)
def test_what_the_downgrade_leaves(
    tmp_path: Path, upgrade: str, downgrade: str, expected: list[tuple[str, str]]
) -> None:
    assert _undo_findings(tmp_path, upgrade, downgrade) == expected
