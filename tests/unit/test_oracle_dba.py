"""Issue 18 below the CLI: SQL*Plus splitting, the refusals, sequence options, reflection noise, the
helper-object filter and thick mode, each compiled for Oracle with no server or fed what Oracle returns."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlglot
from alembic.config import Config
from alembic.environment import EnvironmentContext
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import oracle
from support.oracle_sql import SqlPlusMisread, check_script, sqlplus_entries, statements

from oramigrate import plugin
from oramigrate.configuration import SETTINGS, Settings
from oramigrate.errors import ConfigurationError, UnsupportedOperation
from oramigrate.oracle import sqlplus
from oramigrate.oracle.client import start_thick_mode
from oramigrate.oracle.compare import compare_server_default, compare_type
from oramigrate.oracle.include import exclude_helper_objects, parse_patterns
from oramigrate.oracle.target import apply_to_dialect, dialect_options

plugin.install()
VERSIONS = ((11, 2), (12, 1), (19,), (21,), (23,))


def _offline(version: tuple[int, ...]) -> tuple[Operations, io.StringIO]:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="oracle",
        opts={"as_sql": True, "output_buffer": buffer},
        dialect_opts=dialect_options(version),
    )
    apply_to_dialect(context.dialect, version)
    return Operations(context), buffer


# --- raw SQL as SQL*Plus reads it ---------------------------------------------------------------


def test_raw_sql_split_into_what_its_author_meant() -> None:
    raw = (
        "UPDATE t SET a = 'x & y'\n\n   WHERE b = 1;\n/\n"
        "BEGIN\n  UPDATE t SET a = 1;\n\n  COMMIT;\nEND;\n/\n"
        "INSERT INTO t (a) VALUES ('two\n\nlines'); DELETE FROM t WHERE a = q'[it's; fine]';\n"
    )
    found = sqlplus.split(raw)
    assert [(statement.plsql, sqlplus.checked(statement)) for statement in found] == [
        (False, "UPDATE t SET a = 'x & y'\n   WHERE b = 1"),
        (True, "BEGIN\n  UPDATE t SET a = 1;\n\n  COMMIT;\nEND;"),
        (False, "INSERT INTO t (a) VALUES ('two\n\nlines')"),
        (False, "DELETE FROM t WHERE a = q'[it's; fine]'"),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "CREATE OR REPLACE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  :new.id := 1;\nEND;",
        "DECLARE\n  n NUMBER;\nBEGIN\n  n := 1;\nEND;",
    ],
)
def test_plsql_is_one_statement(raw: str) -> None:
    assert sqlplus.split(raw) == [sqlplus.Statement(raw, True)]


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (
            "INSERT INTO t (a) VALUES ('ends here;\nnext line')",
            "a line ending in ';' inside a string literal",
        ),
        (
            "UPDATE t SET a = 1 -- and b;\n WHERE c = 2",
            "a line ending in ';' inside a string literal or comment",
        ),
        ("INSERT INTO t (a) VALUES ('x\n/\ny')", "a line holding only '/' inside this statement"),
    ],
)
def test_what_sqlplus_would_cut_is_refused(raw: str, why: str) -> None:
    with pytest.raises(sqlplus.UnsafeForSqlPlus, match=why.replace("(", r"\(")):
        for statement in sqlplus.split(raw):
            sqlplus.checked(statement)


@pytest.mark.parametrize(
    ("script", "misread"),
    [
        ("UPDATE t SET a = 1;\n/\n", "'/' runs the last statement again"),
        ("UPDATE t SET a = 1\n\nWHERE b = 2\n/\n", "line 1: statement ended by a blank line never runs"),
        ("SET SQLBLANKLINES ON\nUPDATE t SET a = 'R&D'\n/\n", "'&' with DEFINE ON"),
        ("BEGIN\n  NULL;\nEND;\n", "never runs"),
    ],
)
def test_the_second_opinion_catches_what_sqlplus_misreads(script: str, misread: str) -> None:
    with pytest.raises(SqlPlusMisread, match=misread):
        sqlplus_entries(script)


def test_a_statement_cut_at_a_semicolon_line_end_fails_to_parse() -> None:
    with pytest.raises((sqlglot.ParseError, sqlglot.TokenError)):
        check_script("INSERT INTO t VALUES ('a;\nb')\n/\n")


def test_the_second_opinion_reads_a_good_script() -> None:
    script = (
        "SET DEFINE OFF\nSET SQLBLANKLINES ON\nUPDATE t SET a = 'R&D'\n\nWHERE b = 1\n/\n"
        "BEGIN\n  NULL;\nEND;\n/\n"
    )
    assert [(e.kind, e.text) for e in check_script(script)] == [
        ("command", "SET DEFINE OFF"),
        ("command", "SET SQLBLANKLINES ON"),
        ("sql", "UPDATE t SET a = 'R&D'\n\nWHERE b = 1"),
        ("plsql", "BEGIN\n  NULL;\nEND;"),
    ]


# --- nothing Oracle cannot do rendered silently ---------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_sequence_options_per_version(version: tuple[int, ...]) -> None:
    op, buffer = _offline(version)
    op.create_sequence("s_nocache", cache=0)
    op.create_sequence("s_all", start=10, increment=5, maxvalue=10**9, nocache=True, order=True, cycle=True)
    op.create_sequence("s_cached", cache=100, cycle=False, order=False)
    assert statements(buffer.getvalue()) == [
        "CREATE SEQUENCE s_nocache INCREMENT BY 1 START WITH 1 NOCACHE",
        "CREATE SEQUENCE s_all INCREMENT BY 5 START WITH 10 MAXVALUE 1000000000 CYCLE ORDER NOCACHE",
        "CREATE SEQUENCE s_cached INCREMENT BY 1 START WITH 1 CACHE 100 NOCYCLE NOORDER",
    ]
    check_script(buffer.getvalue())


def test_identity_refused_before_12_rendered_from_12_1() -> None:
    op, buffer = _offline((11, 2))
    with pytest.raises(UnsupportedOperation) as refused:
        op.create_table("audit", sa.Column("id", sa.Integer, sa.Identity(), primary_key=True))
    assert str(refused.value).startswith(
        "audit.id: Identity() needs Oracle 12.1 or later; for 11.2 it would be left out and the column "
        "would get no values. Write it as a sequence instead: op.create_sequence('audit_id_seq')"
    )
    assert buffer.getvalue() == ""
    op12, buffer12 = _offline((12, 1))
    op12.create_table("audit", sa.Column("id", sa.Integer, sa.Identity(), primary_key=True))
    assert statements(buffer12.getvalue()) == [
        "CREATE TABLE audit (\n    id INTEGER GENERATED BY DEFAULT AS IDENTITY, \n    PRIMARY KEY (id)\n)"
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda op: op.create_foreign_key("fk_c_p", "c", "p", ["p_id"], ["id"], ondelete="RESTRICT"),
            "foreign key fk_c_p: Oracle's ON DELETE accepts only CASCADE or SET NULL, not 'RESTRICT'",
        ),
        (
            lambda op: op.create_table(
                "c", sa.Column("p_id", sa.Integer, sa.ForeignKey("p.id", ondelete="NO ACTION"))
            ),
            "foreign key p_id: Oracle's ON DELETE accepts only CASCADE or SET NULL, not 'NO ACTION'",
        ),
        (
            lambda op: op.add_column(
                "c", sa.Column("p_id", sa.Integer, sa.ForeignKey("p.id", onupdate="CASCADE"))
            ),
            "foreign key p_id: Oracle has no ON UPDATE clause, so onupdate='CASCADE' would be dropped",
        ),
        (
            lambda op: op.alter_column("c", "body", type_=sa.Text(), existing_type=sa.String(4000)),
            "c.body: Oracle cannot change a column to or from a LOB in place (ORA-22858). Write four "
            "operations instead: op.add_column('c', sa.Column('body_new', <new type>)); "
            "op.execute('UPDATE c SET body_new = body')",
        ),
        (
            lambda op: op.alter_column("c", "body", type_=sa.String(200), existing_type=sa.Text()),
            "c.body: Oracle cannot change a column to or from a LOB in place (ORA-22859). Write four "
            "operations instead: op.add_column('c', sa.Column('body_new', <new type>)); "
            "op.execute('UPDATE c SET body_new = DBMS_LOB.SUBSTR(body, 200, 1)')",
        ),
    ],
)
def test_refused_with_the_reason(make: object, message: str) -> None:
    for version in VERSIONS:
        op, buffer = _offline(version)
        with pytest.raises(UnsupportedOperation) as refused:
            make(op)  # type: ignore[operator]
        assert str(refused.value).startswith(message)
        assert buffer.getvalue() == ""


def test_set_null_and_cascade_are_rendered() -> None:
    op, buffer = _offline((19,))
    op.create_foreign_key("fk_c_p", "c", "p", ["p_id"], ["id"], ondelete="set null")
    op.create_foreign_key("fk_d_p", "d", "p", ["p_id"], ["id"], ondelete="CASCADE")
    assert [s.split(" REFERENCES ")[1] for s in statements(buffer.getvalue())] == [
        "p (id) ON DELETE set null",
        "p (id) ON DELETE CASCADE",
    ]


# --- reflection as Oracle returns it --------------------------------------------------------------


def reflected_type(row: dict[str, object]) -> sa.types.TypeEngine[object]:
    """ALL_TAB_COLUMNS' DATA_TYPE/DATA_PRECISION/DATA_SCALE as SQLAlchemy's Oracle dialect maps them
    (sqlalchemy/dialects/oracle/base.py, get_columns: NUMBER with no precision and scale 0 is INTEGER)."""
    data_type = str(row["DATA_TYPE"])
    if data_type == "NUMBER":
        if row["DATA_PRECISION"] is None and row["DATA_SCALE"] == 0:
            return sa.INTEGER()
        return oracle.NUMBER(row["DATA_PRECISION"], row["DATA_SCALE"])  # type: ignore[arg-type]
    return oracle.base.ischema_names[data_type]()  # type: ignore[no-any-return]


def _context(server: tuple[int, ...], scripts_for: tuple[int, ...] | None = None) -> MigrationContext:
    config = Config()
    config.attributes[SETTINGS] = Settings(target_version=scripts_for)
    context = MigrationContext.configure(
        dialect_name="oracle", environment_context=EnvironmentContext(config, None), opts={"as_sql": True}
    )
    apply_to_dialect(context.dialect, server)
    return context


# DATA_DEFAULT is a LONG holding the default's text as written, trailing blank or newline included;
# after DEFAULT NULL (or MODIFY c DEFAULT NULL to drop a default) it holds the text NULL
# (Oracle Database Reference, "ALL_TAB_COLUMNS": DATA_DEFAULT, "Default value for the column").
@pytest.mark.parametrize(
    ("data_default", "model", "same"),
    [
        ("NULL", None, True),
        ("NULL ", None, True),
        ("null\n", None, True),
        ("'active' ", "'active'", True),
        ("SYSDATE\n", "sysdate", True),
        ("'x'", None, False),
        ("0 ", "1", False),
    ],
)
def test_data_default_noise(data_default: str, model: str | None, same: bool) -> None:
    verdict = compare_server_default(_context((19,)), None, None, data_default, None, model)
    assert verdict is (False if same else None)


@pytest.mark.parametrize(
    ("reflected", "model", "result"),
    [
        # DATA_DEFAULT as stored, the model's default: the noise stops the comparison
        (sa.DefaultClause(sa.text("SYSDATE\n")), sa.DefaultClause(sa.text("sysdate")), "STOP"),
        (sa.DefaultClause(sa.text("NULL ")), None, "STOP"),
        # a real change goes on to Alembic's own comparison
        (sa.DefaultClause(sa.text("0 ")), sa.DefaultClause("1"), "CONTINUE"),
        # identity columns (ALL_TAB_IDENTITY_COLS, reflected as Identity) go to Alembic's own
        (sa.Identity(start=1), sa.Identity(), "CONTINUE"),
        (None, sa.Identity(), "CONTINUE"),
    ],
)
def test_the_plugin_comparator_drops_only_noise(reflected: object, model: object, result: str) -> None:
    from alembic.autogenerate.api import AutogenContext

    from oramigrate.oracle.compare import server_default_noise

    inspected = sa.Column("c", sa.Integer, server_default=reflected)  # type: ignore[arg-type]
    wanted = sa.Column("c", sa.Integer, server_default=model)  # type: ignore[arg-type]
    autogen = AutogenContext(_context((19,)), autogenerate=False)
    verdict = server_default_noise(autogen, None, None, "t", "c", inspected, wanted)
    assert verdict.name == result


# a Boolean column a script for 19c made: DATA_TYPE NUMBER, DATA_PRECISION NULL, DATA_SCALE 0
# (SMALLINT is NUMBER(*,0) in the dictionary); JSON written for 19c: DATA_TYPE BLOB
BOOLEAN_AS_NUMBER = {"DATA_TYPE": "NUMBER", "DATA_PRECISION": None, "DATA_SCALE": 0}
JSON_AS_BLOB = {"DATA_TYPE": "BLOB", "DATA_PRECISION": None, "DATA_SCALE": None}


@pytest.mark.parametrize(
    ("row", "model", "server", "scripts_for", "verdict"),
    [
        (BOOLEAN_AS_NUMBER, sa.Boolean(), (19,), None, False),
        (BOOLEAN_AS_NUMBER, sa.Boolean(), (23,), (19,), False),  # read on 23ai: still the same column
        (BOOLEAN_AS_NUMBER, sa.Boolean(), (23,), (23,), None),  # scripts for 23ai make BOOLEAN: a change
        (JSON_AS_BLOB, sa.JSON(), (21,), (19,), False),
        (JSON_AS_BLOB, sa.JSON(), (23,), None, False),
        (JSON_AS_BLOB, sa.JSON(), (21,), (21,), None),  # scripts for 21c make JSON: a change
        ({"DATA_TYPE": "NUMBER", "DATA_PRECISION": 10, "DATA_SCALE": 2}, sa.Integer(), (19,), None, None),
    ],
)
def test_type_noise_from_dictionary_rows(
    row: dict[str, object],
    model: sa.types.TypeEngine[object],
    server: tuple[int, ...],
    scripts_for: tuple[int, ...] | None,
    verdict: bool | None,
) -> None:
    assert compare_type(_context(server, scripts_for), None, None, reflected_type(row), model) is verdict


# --- what reflection must leave out ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("MLOG$_AUTH_USER", False),
        ("RUPD$_AUTH_USER", False),
        ("DR$IX_NOTES$I", False),
        ("err$_auth_user", False),
        ("SYS_EXPORT_SCHEMA_01", False),
        ("SYS_IMPORT_FULL_02", False),
        ("BIN$mrmHLOhlQ8mhn8B9SfR3Dw==$0", False),
        ("SYS_IOT_OVER_74120", False),
        ("ISEQ$$_74120", False),
        ("TMP_LOAD_2024", False),  # the application's own pattern
        ("auth_user", True),
        ("mlog_entries", True),
    ],
)
def test_helper_objects_are_left_out(name: str, kept: bool) -> None:
    include = exclude_helper_objects(None, parse_patterns("tmp_*, *_bak"))
    assert include(name, "table", {}) is kept


def test_user_filter_still_decides_the_rest() -> None:
    include = exclude_helper_objects(lambda name, type_, parents: name != "legacy", ())
    assert (include("legacy", "table", {}), include("auth_user", "table", {})) == (False, True)


def test_bad_exclude_pattern_fails_at_start_up() -> None:
    with pytest.raises(ConfigurationError, match="MIGRATION_EXCLUDE_OBJECTS takes comma-separated"):
        Settings.from_mapping({"MIGRATION_EXCLUDE_OBJECTS": "tmp_*, drop table x"})


def test_thick_mode_without_a_directory_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "instantclient_19_25"
    with pytest.raises(ConfigurationError) as refused:
        start_thick_mode(str(missing))
    assert str(refused.value) == (
        f"ORACLE_CLIENT_LIB_DIR={missing} is not a directory: install Oracle Instant Client there "
        "(needed for Oracle 11.2), or unset ORACLE_CLIENT_LIB_DIR for thin mode (Oracle 12.1 and later)"
    )
