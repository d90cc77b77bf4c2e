"""Library pieces for db migrate (acknowledgements written into a revision) and db upgrade --sql
(a typed error instead of a traceback)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support.lint_cases import case_directory

from oramigrate.lint import (
    LintTarget,
    OfflineRevisionFailed,
    ensure_offline_renderable,
    lint_directory,
    write_lint_allow,
)

ORACLE_11 = LintTarget("oracle", (11, 2))


def test_write_lint_allow_makes_the_revision_pass_its_own_gate(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.drop_column("users", "legacy")',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
    )
    path = directory / "versions" / "0002_case.py"
    assert lint_directory(directory, ["0002"], ORACLE_11).failed()
    path.write_text(write_lint_allow(path.read_text(), {"drop-column": "legacy moved to orders.note"}))
    report = lint_directory(directory, ["0002"], ORACLE_11)
    assert not report.failed() and [f.reason for f in report] == ["legacy moved to orders.note"]
    again = write_lint_allow(path.read_text(), {"narrowing-type": "checked: all names fit"})
    assignment = [
        n
        for n in ast.parse(again).body
        if getattr(getattr(n, "targets", [None])[0], "id", "") == "lint_allow"
    ]
    assert ast.literal_eval(assignment[0].value) == {  # type: ignore[attr-defined]
        "drop-column": "legacy moved to orders.note",
        "narrowing-type": "checked: all names fit",
    }
    with pytest.raises(ValueError, match="needs a reason"):
        write_lint_allow(again, {"drop-table": " "})


def test_a_revision_that_fails_offline_is_a_typed_error(tmp_path: Path) -> None:
    directory = case_directory(tmp_path, 'op.get_bind().execute(sa.text("SELECT 1 FROM dual")).scalar()')
    with pytest.raises(OfflineRevisionFailed) as raised:
        ensure_offline_renderable(lint_directory(directory, ["0002"], ORACLE_11))
    assert raised.value.revision == "0002"
    assert str(raised.value) == (
        "revision 0002 cannot be written as SQL offline: upgrade() could not be recorded: reads rows from "
        "the database (.scalar on the result of 'SELECT 1 FROM dual'), which an offline run cannot do"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (
            'sa.inspect(op.get_bind()).has_table("users")',
            "reads the live catalog (sa.inspect(op.get_bind())), which an offline run cannot do",
        ),
        (
            "__import__('sqlalchemy.orm').orm.Session(bind=op.get_bind()).execute(sa.text('SELECT 1'))",
            "uses op.get_bind() as a live connection (.close: an ORM Session or the driver),"
            " which an offline run cannot do",
        ),
    ],
)
def test_a_revision_that_needs_the_live_database_says_so(tmp_path: Path, code: str, words: str) -> None:
    # real chains guard with the inspector and fix data through a Session: named, not a library's error
    directory = case_directory(tmp_path, code)
    [finding] = [f for f in lint_directory(directory, ["0002"], ORACLE_11) if f.code == "not-analysable"]
    assert finding.message == f"upgrade() could not be recorded: {words}"


def test_extended_strings_is_a_target_setting(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.add_column("users", sa.Column("notes", sa.String(5000)))',
        'op.drop_column("users", "notes")',
    )
    codes = {
        target: [f.code for f in lint_directory(directory, ["0002"], target)]
        for target in (
            LintTarget("oracle", (19,)),
            LintTarget("oracle", (19,), extended_strings=True),
            LintTarget("oracle", (11, 2), extended_strings=True),  # no EXTENDED before 12c
        )
    }
    assert list(codes.values()) == [["string-too-long"], [], ["string-too-long"]]
