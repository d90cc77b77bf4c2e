"""Every lint rule, through the library: a small revision that triggers it and a near miss that must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.lint_cases import case_directory

from oramigrate.lint import RULES, LintTarget, lint_directory

ORACLE_11 = LintTarget("oracle", (11, 2))

# (case id, upgrade, downgrade, the exact codes revision 0002 gets on Oracle 11.2)
CASES = [
    (
        "drop-table",
        'op.drop_table("users")',
        'op.create_table("users", sa.Column("id", sa.Integer()))',
        ["drop-table"],
    ),
    (
        "drop-table near miss: downgrade drops what upgrade made",
        'op.create_table("audit_log", sa.Column("id", sa.Integer()))',
        'op.drop_table("audit_log")',
        [],
    ),
    (
        "drop-table raw SQL",
        'op.execute("DROP TABLE users")',
        'op.create_table("users", sa.Column("id", sa.Integer()))',
        ["drop-table", "raw-ddl"],
    ),
    (
        "drop-recreate",
        'op.drop_table("users")\nop.create_table("users", sa.Column("id", sa.Integer()))',
        'op.drop_table("users")',
        ["drop-recreate", "several-ddl-non-transactional"],
    ),
    (
        "drop-recreate near miss: rename away, then create",
        'op.rename_table("users", "users_old")\nop.create_table("users", sa.Column("id", sa.Integer()))',
        'op.drop_table("users")\nop.rename_table("users_old", "users")',
        ["several-ddl-non-transactional"],
    ),
    (
        "drop-column",
        'op.drop_column("users", "legacy")',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
        ["drop-column"],
    ),
    (
        "drop-column near miss: downgrade drops the added column",
        'op.add_column("users", sa.Column("nick", sa.String(30)))',
        'op.drop_column("users", "nick")',
        [],
    ),
    (
        "drop-column in a loop of a helper",
        "def drop(table, names):\n    for name in names:\n        op.drop_column(table, name)\n"
        'drop("users", ["legacy", "amount"])',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
        ["drop-column", "drop-column", "several-ddl-non-transactional"],
    ),
    (
        "drop-column raw SQL",
        'op.execute("ALTER TABLE users DROP COLUMN legacy")',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
        ["drop-column", "raw-ddl"],
    ),
    (
        "rename-as-drop-add",
        'op.drop_column("users", "name")\nop.add_column("users", sa.Column("full_name", sa.String(100)))',
        'op.drop_column("users", "full_name")\nop.add_column("users", sa.Column("name", sa.String(100)))',
        ["drop-column", "rename-as-drop-add", "several-ddl-non-transactional"],
    ),
    (
        "rename-as-drop-add near miss: the add is on another table",
        'op.drop_column("users", "legacy")\nop.add_column("orders", sa.Column("note", sa.String(100)))',
        'op.drop_column("orders", "note")\nop.add_column("users", sa.Column("legacy", sa.String(20)))',
        ["drop-column", "several-ddl-non-transactional"],
    ),
    (
        "narrowing-type",
        'op.alter_column("users", "name", existing_type=sa.String(100), type_=sa.String(50))',
        'op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.String(100))',
        ["narrowing-type"],
    ),
    (
        "narrowing-type near miss: widen; the downgrade narrowing back is a warning",
        'op.alter_column("users", "name", existing_type=sa.String(100), type_=sa.String(200))',
        'op.alter_column("users", "name", existing_type=sa.String(200), type_=sa.String(100))',
        ["narrowing-downgrade"],
    ),
    (
        "narrowing-type: NUMBER scale",
        'op.alter_column("users", "amount", existing_type=sa.Numeric(10, 2), type_=sa.Integer())',
        'op.alter_column("users", "amount", existing_type=sa.Integer(), type_=sa.Numeric(10, 2))',
        ["narrowing-type"],
    ),
    (
        "not-null-without-default",
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=False)',
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=True)',
        ["not-null-without-default"],
    ),
    (
        "not-null-without-default near miss: backfilled first",
        "op.execute(\"UPDATE users SET name = 'unknown' WHERE name IS NULL\")\n"
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=False)',
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=True)',
        [],
    ),
    (
        "not-null-without-default near miss: with a server default",
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=False, server_default="?")',
        'op.alter_column("users", "name", existing_type=sa.String(100), nullable=True, server_default=None)',
        ["several-ddl-non-transactional"],
    ),
    (
        "add-column-not-null-no-default",
        'op.add_column("users", sa.Column("code", sa.String(10), nullable=False))',
        'op.drop_column("users", "code")',
        ["add-column-not-null-no-default"],
    ),
    (
        "add-column-not-null-no-default near miss: server default",
        'op.add_column("users", sa.Column("code", sa.String(10), nullable=False, server_default="x"))',
        'op.drop_column("users", "code")',
        [],
    ),
    (
        "identity-on-existing-column",
        'op.alter_column("users", "id", existing_type=sa.Integer(), server_default=sa.Identity())',
        'op.alter_column("users", "id", existing_type=sa.Integer(), server_default=None)',
        ["identity-on-existing-column"],
    ),
    (
        "identity-on-existing-column near miss: a new identity column",
        'op.add_column("orders", sa.Column("seq_no", sa.Integer(), sa.Identity()))',
        'op.drop_column("orders", "seq_no")',
        ["identity-unsupported"],
    ),
    (
        "name-too-long",
        f'op.add_column("users", sa.Column("{"a" * 31}", sa.String(10)))',
        f'op.drop_column("users", "{"a" * 31}")',
        ["name-too-long"],
    ),
    (
        "name-too-long near miss: exactly 30 bytes",
        f'op.add_column("users", sa.Column("{"a" * 30}", sa.String(10)))',
        f'op.drop_column("users", "{"a" * 30}")',
        [],
    ),
    (
        "name-too-long: bytes, not characters",
        f'op.create_index("{"é" * 16}", "users", ["name"])',
        f'op.drop_index("{"é" * 16}", table_name="users")',
        ["name-too-long", "quoted-identifier"],
    ),
    (
        "quoted-identifier",
        'op.add_column("users", sa.Column("NickName", sa.String(10)))',
        'op.drop_column("users", "NickName")',
        ["quoted-identifier"],
    ),
    (
        "quoted-identifier near miss",
        'op.add_column("users", sa.Column("nick_name", sa.String(10)))',
        'op.drop_column("users", "nick_name")',
        [],
    ),
    (
        "oracle-reserved-word",
        'op.add_column("users", sa.Column("level", sa.Integer()))',
        'op.drop_column("users", "level")',
        ["oracle-reserved-word"],
    ),
    (
        "oracle-reserved-word near miss",
        'op.add_column("users", sa.Column("user_level", sa.Integer()))',
        'op.drop_column("users", "user_level")',
        [],
    ),
    (
        "sequence-without-reverse",
        'op.create_sequence("users_id_seq")',
        "pass",
        ["missing-downgrade", "sequence-without-reverse"],
    ),
    (
        "sequence-without-reverse near miss",
        'op.create_sequence("users_id_seq")',
        'op.drop_sequence("users_id_seq")',
        [],
    ),
    (
        "missing-downgrade",
        'op.add_column("users", sa.Column("nick", sa.String(30)))',
        "pass",
        ["missing-downgrade"],
    ),
    (
        "missing-downgrade: NotImplementedError",
        'op.add_column("users", sa.Column("nick", sa.String(30)))',
        'raise NotImplementedError("one way")',
        ["missing-downgrade"],
    ),
    (
        "missing-downgrade near miss: data only (a warning of its own)",
        "op.execute(\"UPDATE users SET name = 'x' WHERE name IS NULL\")",
        "pass",
        ["data-change-irreversible"],
    ),
    (
        "several-ddl-non-transactional",
        'op.add_column("users", sa.Column("nick", sa.String(30)))\n'
        'op.create_index("ix_users_name", "users", ["name"])',
        'op.drop_index("ix_users_name", table_name="users")\nop.drop_column("users", "nick")',
        ["several-ddl-non-transactional"],
    ),
    (
        "several-ddl-non-transactional near miss: creates only",
        'op.create_table("audit_log", sa.Column("id", sa.Integer()))\n'
        'op.create_index("ix_audit_log_id", "audit_log", ["id"])',
        'op.drop_table("audit_log")',
        [],
    ),
    (
        "raw-ddl",
        'op.execute("CREATE INDEX ix_users_name ON users (name)")',
        'op.execute("DROP INDEX ix_users_name")',
        ["raw-ddl", "raw-ddl"],
    ),
    (
        "raw-ddl: PL/SQL",
        "op.execute(\"BEGIN EXECUTE IMMEDIATE 'CREATE INDEX ix ON users (name)'; END;\")",
        'op.drop_index("ix", table_name="users")',
        ["raw-ddl", "unparsed-sql"],
    ),
    (
        "raw-ddl near miss: DML and SQLAlchemy DDL constructs",
        'op.execute("INSERT INTO orders (id) VALUES (1)")\n'
        'op.execute(sa.schema.CreateSequence(sa.Sequence("orders_seq")))',
        'op.execute(sa.schema.DropSequence(sa.Sequence("orders_seq")))\n'
        'op.execute("DELETE FROM orders WHERE id = 1")',
        [],
    ),
    (
        "not-analysable",
        'op.get_bind().execute(sa.text("SELECT id FROM users")).fetchall()',
        "pass",
        ["not-analysable"],
    ),
]


@pytest.mark.parametrize(("upgrade", "downgrade", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(tmp_path: Path, upgrade: str, downgrade: str, codes: list[str]) -> None:
    report = lint_directory(case_directory(tmp_path, upgrade, downgrade), ["0002"], ORACLE_11)
    assert sorted(f.code for f in report.findings) == codes
    assert report.revisions == ["0002"]
    assert all(f.revision == "0002" and "\n" not in f.message for f in report.findings)
    assert report.failed() == any(RULES[code].severity == "error" for code in codes)


def test_every_rule_has_a_case_and_a_why() -> None:
    triggered = {code for _, _, _, codes in CASES for code in codes}
    from support.lint_corpus import CORPUS_CODES

    untriggered = set(RULES) - triggered - CORPUS_CODES
    # stand-in-imports: tests/unit/test_lint_loading.py
    assert untriggered == {"multiple-heads", "allow-without-reason", "unused-allow", "stand-in-imports"}
    for rule in RULES.values():
        assert rule.why and rule.instead and rule.severity in ("error", "warning"), rule.code


def test_messages_name_revision_table_and_column(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.drop_column("users", "legacy")',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
    )
    (finding,) = lint_directory(directory, ["0002"], ORACLE_11).findings
    assert (finding.code, finding.severity, finding.phase, finding.table, finding.column) == (
        "drop-column",
        "error",
        "upgrade",
        "users",
        "legacy",
    )
    assert finding.message == "upgrade() drops column users.legacy"
    assert finding.path is not None and finding.path.endswith("0002_case.py")


def test_name_limit_follows_target_version(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        f'op.add_column("users", sa.Column("{"a" * 31}", sa.String(10)))',
        f'op.drop_column("users", "{"a" * 31}")',
    )
    assert [f.code for f in lint_directory(directory, ["0002"], LintTarget("oracle", (12, 1)))] == [
        "name-too-long"
    ]
    assert list(lint_directory(directory, ["0002"], LintTarget("oracle", (19,)))) == []


def test_reserved_word_sqlalchemy_does_not_quote(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.add_column("users", sa.Column("session", sa.Integer()))',
        'op.drop_column("users", "session")',
    )
    (finding,) = lint_directory(directory, ["0002"], ORACLE_11).findings
    assert finding.message == (
        "column name session is an Oracle reserved word: "
        "the compiled SQL leaves session bare and Oracle rejects it"
    )


@pytest.mark.parametrize(
    ("dialect", "codes"),
    [("mariadb", ["several-ddl-non-transactional"]), ("postgresql", ["index-locks-writes"])],
)
def test_transactional_ddl_depends_on_dialect(tmp_path: Path, dialect: str, codes: list[str]) -> None:
    directory = case_directory(
        tmp_path,
        'op.add_column("users", sa.Column("nick", sa.String(30)))\n'
        'op.create_index("ix_users_name", "users", ["name"])',
        'op.drop_index("ix_users_name", table_name="users")\nop.drop_column("users", "nick")',
    )
    assert [f.code for f in lint_directory(directory, ["0002"], LintTarget(dialect, None))] == codes


@pytest.mark.parametrize(
    ("edition", "codes"),
    [
        ("enterprise", ["index-locks-writes"]),
        ("express", ["index-locks-writes"]),
        ("free", ["index-locks-writes"]),
        ("standard", []),
    ],
)
def test_oracle_index_without_online_depends_on_the_edition(
    tmp_path: Path, edition: str, codes: list[str]
) -> None:
    directory = case_directory(
        tmp_path,
        'op.create_index("ix_users_name", "users", ["name"])',
        'op.drop_index("ix_users_name", table_name="users")',
    )
    report = lint_directory(directory, ["0002"], LintTarget("oracle", (19,), oracle_edition=edition))
    assert [f.code for f in report.findings] == codes
    if codes:
        assert report.findings[0].message == (
            "index ix_users_name on existing table users blocks writes while built (no ONLINE)"
        )


def test_concurrently_in_transaction_messages(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.create_index("ix_users_name", "users", ["name"], postgresql_concurrently=True)\n'
        'op.execute("REINDEX INDEX CONCURRENTLY ix_users_name")\n'
        'op.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY user_stats")\n'
        "with op.get_context().autocommit_block():\n"
        '    op.execute("CREATE INDEX CONCURRENTLY ix_users_id ON users (id)")',
        'op.drop_index("ix_users_name", table_name="users", postgresql_concurrently=True)',
    )
    report = lint_directory(directory, ["0002"], LintTarget("postgresql", None))
    found = [(f.phase, f.message) for f in report.findings if f.code == "concurrently-in-transaction"]
    assert found == [
        (
            "upgrade",
            "CREATE INDEX CONCURRENTLY ix_users_name runs inside the revision's transaction:"
            " PostgreSQL refuses it",
        ),
        (
            "upgrade",
            "REINDEX INDEX CONCURRENTLY ix_users_name runs inside the revision's transaction:"
            " PostgreSQL refuses it",
        ),
        (
            "downgrade",
            "DROP INDEX CONCURRENTLY ix_users_name runs inside the revision's transaction:"
            " PostgreSQL refuses it",
        ),
    ]
    assert RULES["concurrently-in-transaction"].severity == "error"


def test_the_readme_rule_table_lists_every_rule_with_its_severity() -> None:
    import re
    from pathlib import Path

    from oramigrate.lint.runner import RULES

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \|", readme, flags=re.M))
    assert listed == {code: rule.severity for code, rule in RULES.items()}
