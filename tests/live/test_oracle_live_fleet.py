"""``db fleet`` with Oracle schema targets, live (ORACLE_URL; the statements are checked without a server
in tests/unit/test_fleet_oracle_schema.py).

ORACLE_FLEET_SCHEMAS names schemas the ORACLE_URL user may create tables in (comma-separated;
default: the user's own schema, which needs no extra privilege). Each is upgraded as a schema
target: CURRENT_SCHEMA set on every session, our tables and alembic_version qualified with it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import run_manage

ORACLE_URL = os.environ.get("ORACLE_URL", "")
live = pytest.mark.skipif(
    not ORACLE_URL, reason="ORACLE_URL is not set: no live Oracle here (compose.yaml starts one)"
)
OWN_TABLES = ("migration_history_journal", "migration_history_lock", "migration_history", "alembic_version")


def _schemas() -> list[str]:
    named = os.environ.get("ORACLE_FLEET_SCHEMAS", "")
    return [s.strip() for s in named.split(",") if s.strip()] or [str(sa.make_url(ORACLE_URL).username)]


@pytest.fixture
def targets_file(tmp_path: Path) -> Iterator[Path]:
    """A targets file of the schemas (the URL from the environment: no secret in the file)."""
    lines = ['[defaults]\nurl = "${ORACLE_URL}"\n']
    lines += [f'[targets.s{index}]\nschema = "{schema}"\n' for index, schema in enumerate(_schemas())]
    path = tmp_path / "targets.toml"
    path.write_text("\n".join(lines))
    yield path
    run_manage("db", "fleet", "downgrade", "base", "--targets", str(path), env={"ORACLE_URL": ORACLE_URL})
    engine = sa.create_engine(ORACLE_URL)
    with engine.begin() as connection:
        for schema in _schemas():
            for table in OWN_TABLES:
                drop = f"EXECUTE IMMEDIATE 'DROP TABLE {schema}.{table}'"
                connection.exec_driver_sql(f"BEGIN {drop}; EXCEPTION WHEN OTHERS THEN NULL; END;")
    engine.dispose()


@live
def test_schema_targets_reach_head_with_their_own_version_and_history_tables(targets_file: Path) -> None:
    env = {"ORACLE_URL": ORACLE_URL}
    up = run_manage("db", "fleet", "upgrade", "--targets", str(targets_file), "--json", env=env)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["summary"] == {"upgraded": len(_schemas())}
    engine = sa.create_engine(ORACLE_URL)
    try:
        with engine.connect() as connection:
            for schema in _schemas():
                owned = connection.execute(
                    sa.text("SELECT table_name FROM all_tables WHERE owner = :owner"),
                    {"owner": schema.upper()},
                ).scalars()
                assert {"ALEMBIC_VERSION", "MIGRATION_HISTORY", "AUTH_USER"} <= set(owned)
                version = connection.exec_driver_sql(
                    f"SELECT version_num FROM {schema}.alembic_version"
                ).scalar()
                assert version == "0002"
    finally:
        engine.dispose()
    again = run_manage("db", "fleet", "status", "--targets", str(targets_file), "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"] == {"at-head": len(_schemas())}
