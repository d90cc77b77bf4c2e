"""The models are Oracle-safe by construction: short deterministic names, lowercase, unquoted."""

from __future__ import annotations

import pytest
from sqlalchemy import Index
from sqlalchemy.dialects import mysql, oracle, postgresql, sqlite
from sqlalchemy.schema import CreateTable

from models import db
from oramigrate.oracle.naming import short_name

DIALECTS = {
    "oracle": oracle.dialect(),
    "oracle-11.2": oracle.dialect(max_identifier_length=30),
    "postgresql": postgresql.dialect(),
    "mariadb": mysql.dialect(is_mariadb=True),
    "sqlite": sqlite.dialect(),
}


def _constraint_names() -> list[str]:
    names = []
    for table in db.metadata.tables.values():
        names += [str(constraint.name) for constraint in table.constraints]
        names += [str(index.name) for index in table.indexes if isinstance(index, Index)]
    return names


def test_every_name_fits_30_bytes_and_is_lowercase() -> None:
    names = (
        _constraint_names()
        + list(db.metadata.tables)
        + [column.name for table in db.metadata.tables.values() for column in table.columns]
    )
    assert len(names) == 31  # 9 constraints, 1 index, 4 tables, 17 columns
    assert all(len(name.encode("utf-8")) <= 30 for name in names), names
    assert all(name == name.lower() for name in names)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_same_ddl_names_on_every_dialect_and_nothing_quoted(dialect: str) -> None:
    for table in db.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=DIALECTS[dialect]))
        assert '"' not in ddl and "`" not in ddl, ddl
        for name in (str(constraint.name) for constraint in table.constraints):
            assert f"CONSTRAINT {name} " in ddl


def test_short_name_is_deterministic_and_bounded() -> None:
    long = "fk_a_very_long_association_table_user_id_auth_user"
    assert short_name(long) == short_name(long)
    assert len(short_name(long)) == 30
    assert short_name(long) == "fk_a_very_long_associatio_a30a"
    assert short_name("pk_auth_user") == "pk_auth_user"
    assert len(short_name("ix_" + "é" * 40).encode("utf-8")) <= 30
