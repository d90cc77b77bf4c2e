"""Constraint and index names that are deterministic and fit Oracle's 30-byte limit everywhere.

SQLAlchemy truncates convention names to each dialect's own limit (30 or 128 on Oracle, 63 on
PostgreSQL, 64 on MariaDB), so the same model would get different names on different databases
and a later DROP CONSTRAINT would miss. We shorten once, to 30 bytes, for every dialect.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import MetaData

ORACLE_LEGACY_NAME_BYTES = 30


def short_name(name: str, limit: int = ORACLE_LEGACY_NAME_BYTES) -> str:
    """``name`` if it fits in ``limit`` bytes, else a prefix plus 4 hex digits of its MD5."""
    if len(name.encode("utf-8")) <= limit:
        return name
    digest = hashlib.md5(name.encode("utf-8"), usedforsecurity=False).hexdigest()[-4:]
    prefix = name.encode("utf-8")[: limit - 5].decode("utf-8", errors="ignore").rstrip("_")
    return f"{prefix}_{digest}"


def _columns(constraint: Any) -> str:
    return "_".join(column.name for column in constraint.columns)


def _ix(constraint: Any, table: Any) -> str:
    return short_name(f"ix_{table.name}_{_columns(constraint)}")


def _uq(constraint: Any, table: Any) -> str:
    return short_name(f"uq_{table.name}_{_columns(constraint)}")


def _ck(constraint: Any, table: Any) -> str:
    return short_name(f"ck_{table.name}_{constraint.name}")


def _fk(constraint: Any, table: Any) -> str:
    # the referred table may not exist yet, so read its name from the key's spec "table.column"
    referred = constraint.elements[0].target_fullname.rsplit(".", 2)[-2]
    return short_name(f"fk_{table.name}_{_columns(constraint)}_{referred}")


def _pk(constraint: Any, table: Any) -> str:
    return short_name(f"pk_{table.name}")


NAMING_CONVENTION: dict[str, Any] = {
    "short_ix": _ix,
    "short_uq": _uq,
    "short_ck": _ck,
    "short_fk": _fk,
    "short_pk": _pk,
    "ix": "%(short_ix)s",
    "uq": "%(short_uq)s",
    "ck": "%(short_ck)s",
    "fk": "%(short_fk)s",
    "pk": "%(short_pk)s",
}


def oracle_safe_metadata() -> MetaData:
    """A ``MetaData`` whose every constraint and index name is deterministic and at most 30 bytes."""
    return MetaData(naming_convention=NAMING_CONVENTION)
