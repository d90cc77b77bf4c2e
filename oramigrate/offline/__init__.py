"""The ``--sql`` script a DBA runs: which dialect it is written for, and how it stops safely.

``db upgrade --sql`` connects to nothing: the dialect comes from ``--dialect``, else from
``ORACLE_TARGET_VERSION`` (Oracle), else from the configured database URL. Around Alembic's
statements the writer (``writer.py``) puts the client's settings, a guard that stops unless the
database is at the starting revision, a history row and a COMMIT per revision (``conventions.py``,
``guard.py``, ``history_rows.py``); ``scope.py`` turns a bad revision range into one clear error.
"""

from __future__ import annotations

from typing import Any

from alembic.config import Config
from sqlalchemy.engine import URL

from ..configuration import OFFLINE_DIALECT, Settings

# what --dialect accepts; "mariadb" and "mysql" share the MariaDB conventions
DIALECTS = ("oracle", "postgresql", "mariadb", "mysql", "sqlite")


def script_dialect(config: Config, url: URL, settings: Settings) -> str:
    """``--dialect``, else Oracle when ORACLE_TARGET_VERSION is set, else the database URL's dialect."""
    chosen: Any = config.attributes.get(OFFLINE_DIALECT)
    if chosen:
        return str(chosen)
    if settings.target_version is not None:
        return "oracle"
    return url.get_backend_name()
