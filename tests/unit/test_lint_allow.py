"""Acknowledgements (``lint_allow``), the chain as a whole, and the JSON report against its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from support.databases import PROJECT_REVISIONS, ROOT
from support.lint_cases import case_directory, write_revision

from oramigrate.lint import (
    RULES,
    SCHEMA_PATH,
    LintInputError,
    LintTarget,
    lint_directory,
    load_scripts,
    report_to_dict,
    report_to_json,
)

DROP = 'op.drop_column("users", "legacy")'
READD = 'op.add_column("users", sa.Column("legacy", sa.String(20)))'
SCHEMA = json.loads(SCHEMA_PATH.read_text())


def _codes(directory: Path) -> list[tuple[str, bool]]:
    return sorted((f.code, f.acknowledged) for f in lint_directory(directory, ["0002"]).findings)


def test_acknowledged_with_a_reason(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path, DROP, READD, 'lint_allow = {"drop-column": "legacy moved to orders"}'
    )
    report = lint_directory(directory, ["0002"])
    (finding,) = report.findings
    assert (finding.code, finding.acknowledged, finding.reason) == (
        "drop-column",
        True,
        "legacy moved to orders",
    )
    assert report.errors_unacknowledged("0002") == [] and not report.failed()


def test_acknowledgement_without_reason_is_a_finding(tmp_path: Path) -> None:
    directory = case_directory(tmp_path, DROP, READD, 'lint_allow = {"drop-column": "  "}')
    assert _codes(directory) == [("allow-without-reason", False), ("drop-column", False)]


def test_lint_allow_must_be_a_dict(tmp_path: Path) -> None:
    directory = case_directory(tmp_path, DROP, READD, 'lint_allow = ["drop-column"]')
    assert _codes(directory) == [("allow-without-reason", False), ("drop-column", False)]


def test_unused_and_unknown_allow_warn(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path, DROP, READD, 'lint_allow = {"drop-column": "ok", "drop-table": "x", "typo": "x"}'
    )
    assert _codes(directory) == [("drop-column", True), ("unused-allow", False), ("unused-allow", False)]
    report = lint_directory(directory, ["0002"])
    assert not report.failed() and report.failed(strict=True)


def test_multiple_heads(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.create_index("ix_users_name", "users", ["name"])',
        'op.drop_index("ix_users_name", table_name="users")',
    )
    assert [f.code for f in lint_directory(directory)] == []
    write_revision(
        directory,
        "0013",
        "0001",
        'op.create_index("ix_orders_id", "orders", ["id"])',
        'op.drop_index("ix_orders_id", table_name="orders")',
    )
    findings = [(f.code, f.revision, f.message) for f in lint_directory(directory, ["0013"])]
    assert findings == [
        ("multiple-heads", "0002", "the chain has 2 heads: 0002, 0013"),
        ("multiple-heads", "0013", "the chain has 2 heads: 0002, 0013"),
    ]


def test_our_chain_is_clean() -> None:
    # 0001's auth_roles_users(role_id) key has no index of its own (the primary key leads with
    # user_id); 0003 adds it, which settles the finding for the chain. 0003 builds it without ONLINE:
    # a warning where the edition is said to have online builds (applied revisions are not edited;
    # the link table is small)
    for version in ((11, 2), (19,), (23,)):
        report = lint_directory(ROOT / "migrations", target=LintTarget("oracle", version))
        assert report.revisions == PROJECT_REVISIONS
        # 0004's two ALTERs, each committed by Oracle on its own, are accepted in its lint_allow
        assert [(f.revision, f.code, f.acknowledged) for f in report.findings] == [
            ("0004", "several-ddl-non-transactional", True)
        ]
        online = LintTarget("oracle", version, oracle_edition="enterprise")
        enterprise = lint_directory(ROOT / "migrations", target=online)
        assert [(f.revision, f.code, f.severity, f.table) for f in enterprise.findings] == [
            ("0003", "index-locks-writes", "warning", "auth_roles_users"),
            ("0004", "several-ddl-non-transactional", "warning", None),
        ]
    alone = lint_directory(ROOT / "migrations", ["0001"], LintTarget("oracle", (19,)))
    assert [(f.revision, f.code, f.table, f.column) for f in alone.findings] == [
        ("0001", "foreign-key-without-index", "auth_roles_users", "role_id")
    ]


def test_json_report_matches_schema(tmp_path: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    directory = case_directory(
        tmp_path,
        DROP + '\nop.add_column("orders", sa.Column("NickName", sa.String(10)))',
        READD,
        'lint_allow = {"drop-column": "moved"}',
    )
    report = lint_directory(directory)
    data = json.loads(report_to_json(report))
    jsonschema.validate(data, SCHEMA)
    assert data == report_to_dict(report)
    assert data["summary"] == {"revisions": 2, "errors": 0, "warnings": 2, "acknowledged": 1, "skipped": 0}
    assert [(f["code"], f["acknowledged"]) for f in data["findings"]] == [
        ("drop-column", True),
        ("quoted-identifier", False),
        ("several-ddl-non-transactional", False),
    ]


def test_schema_rejects_a_finding_without_why() -> None:
    bad = {
        "format_version": 1,
        "target": {"dialect": "oracle", "version": "11.2"},
        "revisions": ["1"],
        "summary": {"revisions": 1, "errors": 1, "warnings": 0, "acknowledged": 0, "skipped": 0},
        "findings": [
            {
                "code": "drop-table",
                "severity": "error",
                "revision": "1",
                "phase": "upgrade",
                "table": "t",
                "column": None,
                "message": "m",
                "why": "",
                "instead": "i",
                "path": None,
                "acknowledged": False,
                "reason": None,
            }
        ],
    }
    validator = jsonschema.Draft202012Validator(SCHEMA)
    assert [e.json_path for e in validator.iter_errors(bad)] == ["$.findings[0].why"]


def test_unreadable_directory_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(LintInputError) as raised:
        load_scripts(tmp_path)
    assert raised.value.exit_code == 2
    assert str(raised.value) == f"{tmp_path} is not an Alembic migration directory (no versions/ folder)"


def test_readme_lists_every_rule_with_its_why() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Migration lint", 1)[1].split("\n## ", 1)[0]
    for rule in RULES.values():
        assert f"| `{rule.code}` | {rule.severity} | {rule.why} |" in section, rule.code
