"""Before migrating a live Oracle: say who we are connected as, and warn where reflection is blind.

SQLAlchemy reflects only tables owned by the current schema and skips the SYSTEM and SYSAUX
tablespaces, so a login as SYS/SYSTEM or tables in SYSTEM make autogenerate think tables are
missing (and propose to create them again).
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Connection

from .target import describe

log = logging.getLogger("oramigrate")

PRIVILEGED_USERS = ("SYS", "SYSTEM")


def check_connection(connection: Connection, target: tuple[int, ...] | None) -> list[str]:
    """Log the connected user, schema and version; return the warnings (also logged)."""
    user, schema = connection.exec_driver_sql(
        "SELECT USER, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL"
    ).one()
    server = tuple(int(part) for part in connection.dialect.server_version_info or ())
    log.info("Oracle %s: connected as %s, current_schema %s", describe(server), user, schema)
    warnings = []
    if str(user).upper() in PRIVILEGED_USERS or str(schema).upper() in PRIVILEGED_USERS:
        warnings.append(
            f"connected as {user} (schema {schema}): SYS/SYSTEM objects are invisible to reflection, "
            "so autogenerate would recreate tables; connect as the application user"
        )
    in_system = (
        connection.exec_driver_sql(
            "SELECT table_name FROM user_tables WHERE tablespace_name IN ('SYSTEM', 'SYSAUX') ORDER BY 1"
        )
        .scalars()
        .all()
    )
    if in_system:
        names = ", ".join(str(name).lower() for name in in_system)
        warnings.append(
            f"tables in the SYSTEM/SYSAUX tablespace are skipped by reflection: {names}; "
            "move them (ALTER TABLE ... MOVE TABLESPACE users) before autogenerate"
        )
    synonyms = connection.exec_driver_sql("SELECT synonym_name FROM user_synonyms ORDER BY 1").scalars().all()
    if synonyms:
        names = ", ".join(str(name).lower() for name in synonyms)
        warnings.append(
            f"synonyms in this schema: {names}; reflection does not follow synonyms, so tables reached "
            "through them look missing to autogenerate: run migrations as the tables' owner"
        )
    if target is not None and server[: len(target)] != target:
        warnings.append(
            f"ORACLE_TARGET_VERSION={describe(target)} but the server is {describe(server)}: "
            "online runs use the server's version"
        )
    for warning in warnings:
        log.warning(warning)
    return warnings
