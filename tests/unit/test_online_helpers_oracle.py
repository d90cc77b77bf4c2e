"""The online helpers (``op.create_index_online`` ...) compiled for Oracle with no server: exact SQL,
parsed by an independent reader; their rendering and reverse. PostgreSQL and MariaDB run them for real
in tests/integration/test_online_helpers.py."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import oracle
from support.oracle_sql import parse, statements

from oramigrate import plugin
from oramigrate.configuration import Settings
from oramigrate.errors import ConfigurationError, UnsupportedOperation
from oramigrate.online import (
    CreateCheckConstraintOnlineOp,
    CreateForeignKeyOnlineOp,
    CreateIndexOnlineOp,
    DropIndexOnlineOp,
)
from oramigrate.operations import NameTooLong
from oramigrate.oracle.target import apply_to_dialect

plugin.install()


def _oracle(version: tuple[int, ...]) -> tuple[Operations, io.StringIO]:
    buffer = io.StringIO()
    dialect = oracle.dialect()
    apply_to_dialect(dialect, version)
    context = MigrationContext.configure(dialect=dialect, opts={"as_sql": True, "output_buffer": buffer})
    return Operations(context), buffer


def _sql(buffer: io.StringIO) -> list[str]:
    found = statements(buffer.getvalue())
    for statement in found:
        parse(statement)
    return found


@pytest.mark.parametrize("edition", ["enterprise", "express", "free"])
def test_index_online_where_the_edition_has_it(monkeypatch: pytest.MonkeyPatch, edition: str) -> None:
    monkeypatch.setenv("ORACLE_EDITION", edition)
    op, buffer = _oracle((19,))
    op.create_index_online("ix_orders_total", "orders", ["total", "id"])
    op.create_index_online("ux_orders_ref", "orders", ["ref"], unique=True)
    op.drop_index_online("ix_orders_total", table_name="orders")
    assert _sql(buffer) == [
        "CREATE INDEX ix_orders_total ON orders (total, id) ONLINE",
        "CREATE UNIQUE INDEX ux_orders_ref ON orders (ref) ONLINE",
        "DROP INDEX ix_orders_total ONLINE",
    ]


@pytest.mark.parametrize("edition", ["standard", None])  # None: unset, the portable default
def test_standard_edition_and_11g_get_the_plain_forms(
    monkeypatch: pytest.MonkeyPatch, edition: str | None
) -> None:
    if edition is None:
        monkeypatch.delenv("ORACLE_EDITION", raising=False)
    else:
        monkeypatch.setenv("ORACLE_EDITION", edition)
    op, buffer = _oracle((19,))
    op.create_index_online("ix_orders_total", "orders", ["total"])
    monkeypatch.setenv("ORACLE_EDITION", "enterprise")
    old, old_buffer = _oracle((11, 2))
    old.create_index_online("ix_orders_total", "orders", ["total"])
    old.drop_index_online("ix_orders_total", table_name="orders")  # DROP INDEX .. ONLINE is 12c+
    assert _sql(buffer) == ["CREATE INDEX ix_orders_total ON orders (total)"]
    assert _sql(old_buffer) == [
        "CREATE INDEX ix_orders_total ON orders (total) ONLINE",
        "DROP INDEX ix_orders_total",
    ]


def test_foreign_key_enable_novalidate_then_validate() -> None:
    op, buffer = _oracle((19,))
    op.create_foreign_key_online("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")
    assert _sql(buffer) == [
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY(user_id) REFERENCES users (id)"
        " ON DELETE CASCADE ENABLE NOVALIDATE",
        "ALTER TABLE orders MODIFY CONSTRAINT fk_orders_user VALIDATE",
    ]


def test_check_constraint_enable_novalidate_then_validate() -> None:
    op, buffer = _oracle((11, 2))
    op.create_check_constraint_online("ck_orders_total", "orders", sa.text("total >= 0"))
    assert _sql(buffer) == [
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0) ENABLE NOVALIDATE",
        "ALTER TABLE orders MODIFY CONSTRAINT ck_orders_total VALIDATE",
    ]


def test_oracle_refusals_still_apply_to_the_helpers() -> None:
    op, buffer = _oracle((11, 2))
    with pytest.raises(NameTooLong) as long_name:
        op.create_index_online("ix_" + "x" * 30, "orders", ["total"])
    with pytest.raises(UnsupportedOperation) as restrict:
        op.create_foreign_key_online("fk_o_u", "orders", "users", ["user_id"], ["id"], ondelete="RESTRICT")
    assert buffer.getvalue() == ""
    assert str(long_name.value).startswith(
        "name 'ix_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is 33 bytes; Oracle 11.2"
    )
    assert str(restrict.value).startswith(
        "foreign key fk_o_u: Oracle's ON DELETE accepts only CASCADE or SET NULL, not 'RESTRICT'."
    )


def test_rendering_and_reverse() -> None:
    context = AutogenContext(MigrationContext.configure(dialect_name="postgresql"))
    index = CreateIndexOnlineOp("ix_orders_total", "orders", ["total"], unique=True)
    key = CreateForeignKeyOnlineOp(
        "fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE"
    )
    assert render_op_text(context, index) == (
        "op.create_index_online('ix_orders_total', 'orders', ['total'], unique=True)"
    )
    assert render_op_text(context, index.reverse()) == (
        "op.drop_index_online('ix_orders_total', table_name='orders')"
    )
    assert isinstance(index.reverse(), DropIndexOnlineOp)
    again = index.reverse().reverse()
    assert isinstance(again, CreateIndexOnlineOp)
    assert (again.index_name, again.table_name, again.unique) == ("ix_orders_total", "orders", True)
    assert render_op_text(context, key) == (
        "op.create_foreign_key_online('fk_orders_user', 'orders', 'users', ['user_id'], ['id'],"
        " ondelete='CASCADE')"
    )
    check = CreateCheckConstraintOnlineOp("ck_orders_total", "orders", sa.text("total >= 0"))
    assert render_op_text(context, check) == (
        "op.create_check_constraint_online('ck_orders_total', 'orders', 'total >= 0')"
    )
    assert isinstance(check.reverse(), ops.DropConstraintOp)
    undo = key.reverse()  # Alembic's own drop_constraint
    assert isinstance(undo, ops.DropConstraintOp)
    assert (undo.constraint_name, undo.table_name, undo.constraint_type) == (
        "fk_orders_user",
        "orders",
        "foreignkey",
    )


def test_oracle_edition_setting() -> None:
    assert Settings.from_mapping({}).oracle_edition == "standard"
    assert Settings.from_mapping({"ORACLE_EDITION": " Enterprise "}).oracle_edition == "enterprise"
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_mapping({"ORACLE_EDITION": "SE2"})
    assert str(refused.value) == (
        "ORACLE_EDITION must be one of enterprise, standard, express, free, not 'SE2'"
    )
