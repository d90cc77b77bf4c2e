"""Autogenerate against real databases: sequences appear, nothing is silently dropped and recreated."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from support.cli import migrations_with, run_manage
from support.databases import Database

from models import db
from oramigrate import plugin
from oramigrate.autogenerate.rewrite import AmbiguousChange, finish_autogenerate
from oramigrate.operations import CreateSequenceOp, DropSequenceOp
from oramigrate.oracle.naming import oracle_safe_metadata


def _models(
    replace: dict[str, sa.Column] | None = None, rename_table: dict[str, str] | None = None
) -> sa.MetaData:
    """A copy of the application's tables, with some auth_user columns replaced or tables renamed."""
    metadata = oracle_safe_metadata()
    for table in db.metadata.sorted_tables:
        copy = table.to_metadata(metadata, name=(rename_table or {}).get(table.name, table.name))
        for name, column in (replace or {}).items():
            if table.name == "auth_user":
                copy._columns.remove(copy.c[name])
                copy.append_column(column, replace_existing=True)
    return metadata


def _operations(database: Database, metadata: sa.MetaData) -> tuple[list[object], list[object]]:
    """(upgrade, downgrade) operations autogenerate produces on this database, after our rewrites."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            plugin.install()
            # a direct caller of produce_migrations opts in to our comparators, as env.py does
            opts = {"target_metadata": metadata, "autogenerate_plugins": plugin.AUTOGENERATE_PLUGINS}
            context = MigrationContext.configure(connection, opts=opts)
            script = produce_migrations(context, metadata)
            default_schema = connection.dialect.default_schema_name
            if not finish_autogenerate(script, connection.dialect.name, default_schema):
                return [], []
    finally:
        engine.dispose()
    return _flat(script.upgrade_ops), _flat(script.downgrade_ops)


def _flat(container: ops.OpContainer) -> list[object]:
    flat: list[object] = []
    for operation in container.ops:
        flat += _flat(operation) if isinstance(operation, ops.OpContainer) else [operation]
    return flat


def _kinds(operations: list[object]) -> list[str]:
    names = []
    for o in operations:
        name = getattr(o, "sequence_name", None) or getattr(o, "table_name", "")
        names.append(f"{type(o).__name__}:{name}")
    return names


@pytest.fixture
def at_head(database: Database) -> Database:
    """A database migrated to head through the real CLI."""
    result = run_manage("db", "upgrade", database_url=database.url)
    assert result.returncode == 0, result.stderr
    return database


def test_models_match_head(at_head: Database) -> None:
    assert _operations(at_head, db.metadata) == ([], [])


def test_new_model_with_sequence(at_head: Database) -> None:
    metadata = _models()
    sa.Table(
        "audit_event",
        metadata,
        sa.Column("id", sa.Integer, sa.Sequence("audit_event_id_seq"), primary_key=True),
        sa.Column("what", sa.String(200), nullable=False),
    )
    upgrade, downgrade = _operations(at_head, metadata)
    assert _kinds(upgrade) == ["CreateSequenceOp:audit_event_id_seq", "CreateTableOp:audit_event"]
    assert _kinds(downgrade) == ["DropTableOp:audit_event", "DropSequenceOp:audit_event_id_seq"]
    create = upgrade[1]
    assert isinstance(create, ops.CreateTableOp)
    key = next(c for c in create.columns if isinstance(c, sa.Column) and c.name == "id")
    assert key.autoincrement is False  # no SERIAL / AUTO_INCREMENT beside the sequence


def test_removed_model_drops_table_then_its_sequence(at_head: Database) -> None:
    legacy = oracle_safe_metadata()
    sa.Table(
        "legacy_note",
        legacy,
        sa.Column("id", sa.Integer, sa.Sequence("legacy_note_id_seq"), primary_key=True),
    )
    engine = at_head.engine()
    legacy.create_all(engine)
    engine.dispose()
    upgrade, downgrade = _operations(at_head, db.metadata)
    if at_head.backend == "sqlite":  # no sequences to see
        assert _kinds(upgrade) == ["DropTableOp:legacy_note"]
    else:
        assert _kinds(upgrade) == ["DropTableOp:legacy_note", "DropSequenceOp:legacy_note_id_seq"]
        assert _kinds(downgrade) == ["CreateSequenceOp:legacy_note_id_seq", "CreateTableOp:legacy_note"]


def test_widened_type_is_an_alter(at_head: Database) -> None:
    upgrade, _ = _operations(at_head, _models({"last_name": sa.Column("last_name", sa.String(200))}))
    assert len(upgrade) == 1 and isinstance(upgrade[0], ops.AlterColumnOp)
    assert (upgrade[0].column_name, upgrade[0].modify_type.length) == ("last_name", 200)  # type: ignore[union-attr]


def test_nullable_change_is_an_alter(at_head: Database) -> None:
    upgrade, downgrade = _operations(
        at_head, _models({"last_name": sa.Column("last_name", sa.String(100), nullable=False)})
    )
    assert len(upgrade) == 1 and isinstance(upgrade[0], ops.AlterColumnOp)
    assert (upgrade[0].column_name, upgrade[0].modify_nullable) == ("last_name", False)
    assert isinstance(downgrade[0], ops.AlterColumnOp) and downgrade[0].modify_nullable is True


def test_table_name_differing_in_case_stops_instead_of_drop_create(at_head: Database) -> None:
    with pytest.raises(AmbiguousChange) as stopped:
        _operations(at_head, _models(rename_table={"auth_roles_users": "Auth_Roles_Users"}))
    assert stopped.value.problems == [
        "table 'Auth_Roles_Users' in the models and 'auth_roles_users' in the database differ only "
        "in case: a name with capitals is quoted and case-sensitive, so the database's table is "
        "not recognised and would be dropped and created again. "
        "Fix: name it 'auth_roles_users' (lowercase, unquoted) in the model."
    ]


def _rename_last_name(database: Database) -> None:
    engine = database.engine()
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE auth_user RENAME COLUMN last_name TO surname")
        connection.execute(
            sa.text(
                "INSERT INTO auth_user (id, email, first_name, surname, password, active, fs_uniquifier) "
                "VALUES (7, 'ada@example.com', 'Ada', 'Lovelace', 'x', :active, 'u7')"
            ),
            {"active": True},
        )
    engine.dispose()


def test_renamed_column_stops_db_migrate(at_head: Database, tmp_path: object) -> None:
    _rename_last_name(at_head)
    result = run_manage("db", "migrate", "-m", "x", database_url=at_head.url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if not line.startswith("INFO ")] == [
        "Error: db migrate stopped, nothing written:",
        "  - auth_user: column 'surname' would be dropped (with its data) and 'last_name' added. If it is "
        "a rename: db migrate --rename auth_user.surname=last_name; if the data really goes: "
        "--allow-drop auth_user.surname",
    ]


def test_confirmed_rename_keeps_the_data(at_head: Database, tmp_path: object) -> None:
    from pathlib import Path

    directory = migrations_with(Path(str(tmp_path)))
    _rename_last_name(at_head)
    made = run_manage(
        "db",
        "-d",
        str(directory),
        "migrate",
        "-m",
        "rename",
        "--rename",
        "auth_user.surname=last_name",
        "--reason",
        "the column was misnamed",
        database_url=at_head.url,
    )
    assert made.returncode == 0, made.stderr
    assert run_manage("db", "-d", str(directory), "upgrade", database_url=at_head.url).returncode == 0
    engine = at_head.engine()
    with engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT last_name FROM auth_user WHERE id = 7").scalar() == "Lovelace"
        )
    engine.dispose()
    check = run_manage("db", "-d", str(directory), "check", database_url=at_head.url)
    assert check.returncode == 0, check.stderr
    down = run_manage("db", "-d", str(directory), "downgrade", database_url=at_head.url)
    assert down.returncode == 0, down.stderr
    engine = at_head.engine()
    columns = {c["name"] for c in sa.inspect(engine).get_columns("auth_user")}
    engine.dispose()
    assert "surname" in columns and "last_name" not in columns


def test_sequence_ops_are_reversible() -> None:
    create = CreateSequenceOp("s", start=5, cache=10)
    assert isinstance(create.reverse(), DropSequenceOp)
    assert create.reverse().reverse().options == {"start": 5, "increment": 1, "cache": 10}


# what Oracle and its features put in an application's schema (oracle/include.py), named as each
# backend stores them, and one table of the application's own MIGRATION_EXCLUDE_OBJECTS pattern
HELPER_TABLES = (
    "mlog$_auth_role",
    "rupd$_auth_role",
    "dr$ix_notes$i",
    "err$_auth_user",
    "sys_export_schema_01",
    "sys_import_full_02",
    "bin$mrmhlohlq8mhn8b9sfr3dw==$0",
    "sys_iot_over_74120",
)


def test_oracle_helper_tables_are_not_proposed_for_dropping(at_head: Database) -> None:
    engine = at_head.engine()
    try:
        extra = sa.MetaData()
        for name in (*HELPER_TABLES, "tmp_load_2024"):
            sa.Table(name, extra, sa.Column("id", sa.Integer, primary_key=True))
        extra.create_all(engine)
    finally:
        engine.dispose()
    checked = run_manage(
        "db", "check", database_url=at_head.url, env={"MIGRATION_EXCLUDE_OBJECTS": "tmp_*, *_bak"}
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # without the application's pattern its table is drift: the filter is what keeps the others out
    unfiltered = run_manage("db", "check", database_url=at_head.url)
    assert unfiltered.returncode == 1
    assert "drift: New upgrade operations detected: [('remove_table', Table('tmp_load_2024'" in (
        unfiltered.stderr
    )


def test_identity_and_computed_columns_compare_clean(database: Database) -> None:
    # Alembic hands a compare_server_default *callable* `server_default.arg.text`, which a reflected
    # identity has not (sqlalchemy/alembic#775): ours is a plugin comparator, and on SQLite/MariaDB,
    # which make Identity() an autoincrement column, no identity is proposed again and again
    from oramigrate.deploy.baseline import differences

    metadata = sa.MetaData()
    sa.Table(
        "ledger",
        metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("amount", sa.Integer, nullable=False, server_default="0"),
        sa.Column("doubled", sa.Integer, sa.Computed("amount * 2", persisted=True)),
    )
    engine = database.engine()
    try:
        with engine.begin() as connection:
            metadata.create_all(connection)
        with engine.connect() as connection:
            assert differences(connection, metadata, "migration_history") == []
            metadata.tables["ledger"].c.amount.server_default = sa.DefaultClause("1")
            changed = differences(connection, metadata, "migration_history")
            assert [line.split(":")[0] for line in changed] == ["modify_default ledger.amount"]
    finally:
        engine.dispose()
