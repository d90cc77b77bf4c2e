"""Server-side sessions: who a connection is on the server, whether that session is still there, ending it.

A runner killed while its statement runs leaves that statement running on the server (MariaDB and
Oracle commit it; PostgreSQL rolls it back when it notices the client is gone). The lock dies with the
runner's lock session at once, so the next holder must wait for the *migration* session to leave
(processlist, ``pg_stat_activity``, ``v$session``) before it reads the journal or the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Presence:
    """Whether a session is still on the server (None: this user cannot see), and what it runs."""

    alive: bool | None
    statement: str | None = None


def session_id(connection: Connection) -> str | None:
    """The server's id of ``connection``'s session (None where there is none: SQLite)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pid, start = connection.exec_driver_sql(
            "SELECT pid, floor(extract(epoch FROM backend_start) * 1000000)::bigint"
            " FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).one()
        return f"{pid}@{start}"  # pids are reused: the start time makes the id unique
    if dialect in ("mysql", "mariadb"):
        return str(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())
    if dialect == "oracle":
        try:
            sid, serial = connection.exec_driver_sql(
                "SELECT sys_context('USERENV', 'SID'), dbms_debug_jdwp.current_session_serial FROM dual"
            ).one()
        except sa.exc.DBAPIError:
            connection.rollback()
            sid = connection.exec_driver_sql("SELECT sys_context('USERENV', 'SID') FROM dual").scalar_one()
            return str(sid)
        return f"{sid},{serial}"
    return None


def presence(connection: Connection, session: str) -> Presence:
    """Whether ``session`` is still on the server, asked on ``connection`` (another session)."""
    dialect = connection.dialect.name
    try:
        if dialect == "postgresql":
            pid, start = session.split("@")
            row = connection.execute(
                sa.text(
                    "SELECT query FROM pg_stat_activity WHERE pid = :pid"
                    " AND floor(extract(epoch FROM backend_start) * 1000000)::bigint = :start"
                ),
                {"pid": int(pid), "start": int(start)},
            ).first()
        elif dialect in ("mysql", "mariadb"):
            row = connection.execute(
                sa.text("SELECT info FROM information_schema.processlist WHERE id = :id"),
                {"id": int(session)},
            ).first()
        elif dialect == "oracle":
            sid, _, serial = session.partition(",")
            query = "SELECT sql_id FROM v$session WHERE sid = :sid" + (
                " AND serial# = :serial" if serial else ""
            )
            params = {"sid": int(sid), **({"serial": int(serial)} if serial else {})}
            row = connection.execute(sa.text(query), params).first()
        else:
            return Presence(False)
    except sa.exc.DBAPIError:  # no right to read the session list (Oracle: SELECT on v$session)
        connection.rollback()
        return Presence(None)
    finally:
        if connection.in_transaction():
            connection.rollback()
    if row is None:
        return Presence(False)
    statement = " ".join(str(row[0]).split())[:200] if row[0] else None
    return Presence(True, statement)


def number(session: str) -> int:
    """The server's number of a session id as ``session_id`` gives it: PostgreSQL's pid (``pid@start``),
    MariaDB's connection id, Oracle's SID (``sid,serial``)."""
    return int(session.split("@")[0].partition(",")[0])


def end(connection: Connection, session: str) -> None:
    """End ``session`` on the server (its running statement is aborted); needs the right to."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": number(session)})
    elif dialect in ("mysql", "mariadb"):
        connection.exec_driver_sql(f"KILL {number(session)}")
    elif dialect == "oracle":
        sid, _, serial = session.partition(",")
        if not serial:
            raise sa.exc.ArgumentError(f"Oracle session {session} has no serial#: end it by hand")
        connection.exec_driver_sql(f"ALTER SYSTEM KILL SESSION '{int(sid)},{int(serial)}' IMMEDIATE")
    if connection.in_transaction():
        connection.commit()
