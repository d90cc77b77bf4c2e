"""The block at the top of a script: stop, with nothing run, unless the database is where it starts.

Run twice, or against the wrong schema, a script without it fails half-way (ORA-00955 on the first
CREATE that already happened), with the earlier DDL of that revision committed. The guard also
creates the version table (a script that starts from base) and the history table when missing, so
the history rows the script writes have somewhere to go.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable

STOP_CODE = -20001  # RAISE_APPLICATION_ERROR's user range: -20000 .. -20999


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ddl(table: sa.Table, dialect: Dialect, if_not_exists: bool = False) -> str:
    text = str(CreateTable(table, if_not_exists=if_not_exists).compile(dialect=dialect))
    return " ".join(text.split())


def _problem(start: str | None, version_table: str) -> str:
    if start is None:
        return f"oramigrate: this script starts from an empty schema but {version_table} is not empty"
    return f"oramigrate: this script starts at revision {start} but {version_table} does not hold it"


def _oracle_exists(dialect: Dialect, table: sa.Table) -> str:
    owner = _literal(str(dialect.denormalize_name(table.schema))) if table.schema else None
    owner_sql = owner or "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')"
    name = _literal(str(dialect.denormalize_name(table.name)))
    return f"SELECT COUNT(*) INTO found FROM all_tables WHERE owner = {owner_sql} AND table_name = {name};"


def oracle(dialect: Dialect, start: str | None, version: sa.Table, history: sa.Table) -> list[str]:
    """One PL/SQL block: create what is missing, then RAISE_APPLICATION_ERROR unless at ``start``."""
    version_name = dialect.identifier_preparer.format_table(version)
    lines = ["DECLARE", "  found PLS_INTEGER;", "  total PLS_INTEGER;", "  matching PLS_INTEGER;", "BEGIN"]
    message = _literal(_problem(start, version_name) + ": nothing was run")
    stop = f"RAISE_APPLICATION_ERROR({STOP_CODE}, {message});"
    lines += [f"  {_oracle_exists(dialect, version)}", "  IF found = 0 THEN"]
    if start is None:
        lines.append(f"    EXECUTE IMMEDIATE {_literal(_ddl(version, dialect))};")
    else:
        lines.append(f"    {stop}")
    lines += ["  END IF;", f"  {_oracle_exists(dialect, history)}", "  IF found = 0 THEN"]
    lines += [f"    EXECUTE IMMEDIATE {_literal(_ddl(history, dialect))};", "  END IF;"]
    if start is None:
        count = f"SELECT COUNT(*), 0 FROM {version_name}"
        wrong = "total <> 0"
    else:
        matching = f"COUNT(CASE WHEN version_num = {_literal(start)} THEN 1 END)"
        count = f"SELECT COUNT(*), {matching} FROM {version_name}"
        wrong = "total <> 1 OR matching <> 1"
    lines += [f"  EXECUTE IMMEDIATE {_literal(count)} INTO total, matching;", f"  IF {wrong} THEN"]
    lines += [f"    {stop}", "  END IF;", "END;"]
    return ["\n".join(lines), "/"]


def _count_condition(start: str | None, version_name: str) -> str:
    if start is None:
        return f"(SELECT COUNT(*) FROM {version_name}) <> 0"
    return (
        f"(SELECT COUNT(*) FROM {version_name}) <> 1 OR "
        f"(SELECT COUNT(*) FROM {version_name} WHERE version_num = {_literal(start)}) <> 1"
    )


def postgresql(dialect: Dialect, start: str | None, version: sa.Table, history: sa.Table) -> list[str]:
    """CREATE ... IF NOT EXISTS for what may be missing, then a DO block that raises unless at ``start``."""
    version_name = dialect.identifier_preparer.format_table(version)
    found = [f"{_ddl(version, dialect, if_not_exists=True)};"] if start is None else []
    found.append(f"{_ddl(history, dialect, if_not_exists=True)};")
    message = _literal(_problem(start, version_name) + ": nothing was run")
    check = [
        "DO $$",
        "BEGIN",
        f"  IF to_regclass({_literal(version_name)}) IS NULL OR {_count_condition(start, version_name)} THEN",
        f"    RAISE EXCEPTION {message};",
        "  END IF;",
        "END",
        "$$;",
    ]
    return [*found, "\n".join(check)]


def mariadb(dialect: Dialect, start: str | None, version: sa.Table, history: sa.Table) -> list[str]:
    """CREATE ... IF NOT EXISTS, then a compound statement that SIGNALs unless at ``start``."""
    version_name = dialect.identifier_preparer.format_table(version)
    found = [f"{_ddl(version, dialect, if_not_exists=True)};"] if start is None else []
    found.append(f"{_ddl(history, dialect, if_not_exists=True)};")
    message = _literal(_problem(start, version_name) + ": nothing was run")
    check = [
        "DELIMITER //",
        "BEGIN NOT ATOMIC",
        f"  IF {_count_condition(start, version_name)} THEN",
        f"    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = {message};",
        "  END IF;",
        "END",
        "//",
        "DELIMITER ;",
    ]
    return [*found, "\n".join(check)]


BY_DIALECT = {"oracle": oracle, "postgresql": postgresql, "mysql": mariadb}
