"""Per-revision loading: a file that cannot be imported is one finding, not the end of the lint;
stand-ins let a chain whose application is not installed be linted."""

from __future__ import annotations

import sys
from pathlib import Path

from support.lint_cases import write_revision

from oramigrate.lint import LintTarget, lint_directory, report_to_text

ORACLE_11 = LintTarget("oracle", (11, 2))
IMPORTS_APP = "from myapp.models import Base\nfrom myapp import types as app_types\n"


def chain_of_five(tmp_path: Path) -> Path:
    """0001..0005; 0013 imports an application that is not installed, 0005 drops a column."""
    directory = tmp_path / "migrations"
    write_revision(
        directory,
        "0001",
        None,
        'op.create_table("users", sa.Column("id", sa.Integer(), sa.Sequence("s"), primary_key=True))',
        'op.drop_table("users")',
    )
    write_revision(
        directory,
        "0002",
        "0001",
        'op.add_column("users", sa.Column("nick", sa.String(30)))',
        'op.drop_column("users", "nick")',
    )
    write_revision(
        directory,
        "0013",
        "0002",
        'op.add_column("users", sa.Column("kind", app_types.Kind()))\nop.drop_column("users", "nick")',
        "pass",
        extra=IMPORTS_APP,
    )
    write_revision(
        directory,
        "0014",
        "0013",
        'op.create_index("ix_users_id", "users", ["id"])',
        'op.drop_index("ix_users_id", table_name="users")',
    )
    write_revision(
        directory,
        "0005",
        "0014",
        'op.drop_column("users", "nick")',
        'op.add_column("users", sa.Column("nick", sa.String(30)))',
    )
    return directory


def test_import_failure_in_the_middle_of_a_chain_of_five(tmp_path: Path) -> None:
    report = lint_directory(chain_of_five(tmp_path), target=ORACLE_11)
    assert report.revisions == ["0001", "0002", "0013", "0014", "0005"]
    assert report.skipped == ["0013"]
    assert [(f.revision, f.code, f.phase) for f in report.findings] == [
        ("0013", "not-analysable", "module"),
        ("0005", "drop-column", "upgrade"),
    ]
    assert report.findings[0].message == (
        "0013_case.py (revision 0013) could not be loaded, so it was not checked: "
        "it imports myapp, which is not installed here"
    )
    assert report_to_text(report).splitlines()[-1] == (
        "5 revision(s) linted for oracle 11.2: 2 error(s), 0 warning(s), 0 acknowledged, "
        "1 skipped (could not be loaded)"
    )


def test_stand_ins_load_the_revision_and_mark_its_findings(tmp_path: Path) -> None:
    report = lint_directory(chain_of_five(tmp_path), target=ORACLE_11, stub_imports=True)
    assert report.skipped == []
    found = [(f.revision, f.code, f.phase, f.table, f.column) for f in report.findings]
    assert found == [  # 0013 is judged like any other revision once loaded
        ("0013", "drop-column", "upgrade", "users", "nick"),
        ("0013", "rename-as-drop-add", "upgrade", "users", "nick"),
        ("0013", "several-ddl-non-transactional", "upgrade", None, None),
        ("0013", "missing-downgrade", "downgrade", None, None),
        ("0013", "stand-in-imports", "module", None, None),
        ("0005", "drop-column", "upgrade", "users", "nick"),
    ]
    note = " (the revision ran with stand-ins for myapp, myapp.models)"
    assert report.findings[0].message == "upgrade() drops column users.nick" + note
    assert not [name for name in sys.modules if name.startswith("myapp")]  # nothing left behind


def test_stand_ins_never_answer_imports_of_libraries(tmp_path: Path) -> None:
    directory = tmp_path / "migrations"
    write_revision(directory, "0001", None, "import json\nassert json.dumps(1) == '1'", "pass")
    assert list(lint_directory(directory, target=ORACLE_11, stub_imports=True)) == []
