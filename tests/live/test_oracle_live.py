"""The chain on a real Oracle, when ORACLE_URL names one (compose.yaml starts gvenzl/oracle-free).

ORACLE_URL is an application user's URL, e.g.
oracle+oracledb://flaskdemo:pw@localhost:1521/?service_name=FREEPDB1. The tests leave its schema
as they found it (downgrade base at the end).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support.cli import run_manage

ORACLE_URL = os.environ.get("ORACLE_URL", "")
pytestmark = pytest.mark.skipif(
    not ORACLE_URL, reason="ORACLE_URL is not set: no live Oracle here (compose.yaml starts one)"
)


@pytest.fixture
def oracle() -> Iterator[sa.Engine]:
    """An engine on the live Oracle; the migrations are reverted afterwards."""
    engine = sa.create_engine(ORACLE_URL)
    yield engine
    run_manage("db", "downgrade", "base", database_url=ORACLE_URL)
    engine.dispose()


def _objects(engine: sa.Engine) -> tuple[set[str], set[str]]:
    inspector = sa.inspect(engine)
    return set(inspector.get_table_names()), set(inspector.get_sequence_names())


def test_up_down_up_and_no_drift(oracle: sa.Engine) -> None:
    up = run_manage("db", "upgrade", database_url=ORACLE_URL)
    assert up.returncode == 0, up.stderr
    assert "connected as" in up.stderr
    tables, sequences = _objects(oracle)
    assert {"auth_user", "auth_role", "auth_roles_users"} <= tables
    assert {"auth_user_id_seq", "auth_role_id_seq"} <= sequences

    check = run_manage("db", "check", database_url=ORACLE_URL)
    assert check.returncode == 0, check.stderr + check.stdout

    down = run_manage("db", "downgrade", "base", database_url=ORACLE_URL)
    assert down.returncode == 0, down.stderr
    tables, sequences = _objects(oracle)
    assert not {"auth_user", "auth_role", "auth_roles_users"} & tables
    assert not {"auth_user_id_seq", "auth_role_id_seq"} & sequences

    again = run_manage("db", "upgrade", database_url=ORACLE_URL)
    assert again.returncode == 0, again.stderr


def test_seeded_user_gets_a_sequence_id(oracle: sa.Engine) -> None:
    assert run_manage("db", "upgrade", database_url=ORACLE_URL).returncode == 0
    seeded = run_manage(
        "dbCreateRegUser",
        "--email",
        "live@example.com",
        "--password-stdin",
        database_url=ORACLE_URL,
        input="Ferry-Oracle-Pass-91\n",
    )
    assert seeded.returncode == 0, seeded.stderr
    with oracle.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT id FROM auth_user WHERE email = 'live@example.com'").scalar()
            >= 1
        )


def test_disagreeing_target_version_is_reported(oracle: sa.Engine) -> None:
    result = run_manage("db", "upgrade", database_url=ORACLE_URL, env={"ORACLE_TARGET_VERSION": "11.2"})
    assert result.returncode == 0, result.stderr
    assert "ORACLE_TARGET_VERSION=11.2 but the server is" in result.stderr
