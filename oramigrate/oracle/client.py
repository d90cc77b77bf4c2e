"""python-oracledb thick mode for Oracle 11.2 (``ORACLE_CLIENT_LIB_DIR``).

Thin mode, the default, reaches Oracle 12.1 and later; 11.2 needs the Oracle Client libraries
(Instant Client 19 or 21 still connect to 11.2), loaded by ``oracledb.init_oracle_client`` before
any connection, once per process (python-oracledb docs, "Initializing python-oracledb").
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigurationError
from ..revisions import first_line

_started: list[str] = []  # the process's one thick-mode start: one mode per process


def start_thick_mode(lib_dir: str) -> None:
    """Load the Oracle Client libraries from ``lib_dir``; a one-line ConfigurationError if they are not."""
    if lib_dir in _started:
        return
    if not Path(lib_dir).is_dir():
        raise ConfigurationError(
            f"ORACLE_CLIENT_LIB_DIR={lib_dir} is not a directory: install Oracle Instant Client there "
            "(needed for Oracle 11.2), or unset ORACLE_CLIENT_LIB_DIR for thin mode (Oracle 12.1 and later)"
        )
    import oracledb

    try:
        oracledb.init_oracle_client(lib_dir=lib_dir)
    except oracledb.Error as exc:
        raise ConfigurationError(
            f"ORACLE_CLIENT_LIB_DIR={lib_dir}: the Oracle Client libraries could not be loaded "
            f"({first_line(str(exc)).split(': ', 1)[0]}); install Oracle Instant Client 19 or 21 there "
            "(with libaio), or unset ORACLE_CLIENT_LIB_DIR for thin mode (Oracle 12.1 and later)"
        ) from None
    _started.append(lib_dir)
