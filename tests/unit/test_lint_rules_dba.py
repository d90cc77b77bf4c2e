"""foreign-key-without-index (oramigrate/lint/rules_dba.py): Oracle locks a child table without one."""

from __future__ import annotations

from pathlib import Path

from support.cli import migrations_with
from support.databases import PROJECT_REVISIONS
from support.dba_chain import REVISIONS

from oramigrate.lint import LintTarget, lint_revisions, load_scripts

CODE = "foreign-key-without-index"


def test_foreign_key_without_index_offers_the_index(tmp_path: Path) -> None:
    scripts = load_scripts(migrations_with(tmp_path, REVISIONS))
    report = lint_revisions(scripts, ["0001", "0013"], LintTarget("oracle", (19,)))
    assert [(f.revision, f.severity, f.message) for f in report if f.code == CODE] == [
        (
            "0001",
            "warning",
            "foreign key auth_roles_users(role_id) has no index: add "
            'op.create_index("ix_auth_roles_users_role_id", "auth_roles_users", ["role_id"])',
        ),
        (
            "0013",
            "warning",
            'foreign key audit_log(user_id) has no index: add op.create_index("ix_audit_log_user_id", '
            '"audit_log", ["user_id"])',
        ),
    ]
    # auth_roles_users(user_id) leads its primary key: covered. A later revision of the chain that
    # creates the index settles the finding: 0014 for audit_log, 0003 for auth_roles_users
    with_0014 = lint_revisions(scripts, ["0001", "0013", "0014"], LintTarget("oracle", (19,)))
    assert [(f.revision, f.table) for f in with_0014 if f.code == CODE] == [("0001", "auth_roles_users")]
    whole = lint_revisions(scripts, [*PROJECT_REVISIONS, "0013", "0014"], LintTarget("oracle", (19,)))
    assert [f for f in whole if f.code == CODE] == []
    postgres = lint_revisions(scripts, ["0001"], LintTarget("postgresql", None))
    assert [f for f in postgres if f.code == CODE] == []
