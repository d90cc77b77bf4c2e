"""Objects Oracle and its features create in the application's schema, kept out of autogenerate.

Materialized view logs (``MLOG$_``, ``RUPD$_``), Oracle Text index tables (``DR$``), DML error logs
(``ERR$_``, DBMS_ERRLOG's default prefix), Data Pump master tables (``SYS_EXPORT_*``,
``SYS_IMPORT_*``), the recycle bin (``BIN$``), IOT overflow and mapping tables (``SYS_IOT_``) and
identity columns' sequences (``ISEQ$$_``): reflected as the user's own, autogenerate would propose to
drop them. ``MIGRATION_EXCLUDE_OBJECTS`` adds the application's own patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ..errors import ConfigurationError

ORACLE_MAINTAINED = (
    "MLOG$_*",
    "RUPD$_*",
    "DR$*",
    "ERR$_*",
    "SYS_EXPORT_*",
    "SYS_IMPORT_*",
    "BIN$*",
    "SYS_IOT_*",
    "ISEQ$$_*",
)
_PATTERN = re.compile(r"^[A-Za-z0-9_$#*?]+$")


def parse_patterns(raw: Any) -> tuple[str, ...]:
    """``MIGRATION_EXCLUDE_OBJECTS``: comma-separated name patterns (``*``, ``?``); a bad one fails now."""
    if raw is None or raw == "":
        return ()
    items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    patterns = tuple(str(item).strip() for item in items if str(item).strip())
    for pattern in patterns:
        if not _PATTERN.match(pattern):
            raise ConfigurationError(
                "MIGRATION_EXCLUDE_OBJECTS takes comma-separated name patterns of letters, digits, _ $ # "
                f"and the wildcards * and ?, not {pattern!r}"
            )
    return patterns


def excluded(name: str, patterns: Iterable[str]) -> bool:
    """Whether ``name`` matches one of ``patterns``, case-insensitively (Oracle stores names upper case)."""
    upper = name.upper()
    return any(fnmatchcase(upper, pattern.upper()) for pattern in patterns)


def exclude_helper_objects(
    user_filter: Callable[..., bool] | None, patterns: Iterable[str] = ()
) -> Callable[..., bool]:
    """An ``include_name`` hook: Oracle-maintained objects and ``patterns`` out, then ``user_filter``."""
    every = (*ORACLE_MAINTAINED, *patterns)

    def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if name is not None and type_ in ("table", "sequence", "index") and excluded(name, every):
            return False
        return True if user_filter is None else user_filter(name, type_, parent_names)

    return include_name
