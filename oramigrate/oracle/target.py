"""The Oracle version offline SQL is written for (``ORACLE_TARGET_VERSION``).

Offline, SQLAlchemy's Oracle dialect never connects, so ``initialize()`` never learns the server
version and SQL is rendered for 23ai: native BOOLEAN, identity columns, 128-byte names. We set on
the dialect exactly what ``initialize()`` would have set for the target version.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Dialect

from ..errors import ConfigurationError
from ..private import set_oracle_features

# The lowest version we support: SQL written for it runs on every later one.
PORTABLE_VERSION = (11, 2)
_VERSION = re.compile(r"^\d{1,2}(\.\d{1,2}){0,3}$", re.ASCII)


def parse_version(text: str) -> tuple[int, ...]:
    """``"11.2"`` -> ``(11, 2)``; ``"21"`` -> ``(21,)``; anything else is a configuration error."""
    text = text.strip()
    if not _VERSION.match(text):
        raise ConfigurationError(
            f"ORACLE_TARGET_VERSION must look like 11.2, 12.1, 19, 21 or 23, not {text!r}"
        )
    version = tuple(int(part) for part in text.split("."))
    if version < (11,):
        raise ConfigurationError("ORACLE_TARGET_VERSION below 11 is not supported")
    return version


def max_identifier_bytes(version: tuple[int, ...]) -> int:
    """30 bytes before 12.2, 128 bytes from 12.2."""
    return 30 if version < (12, 2) else 128


def dialect_options(version: tuple[int, ...]) -> dict[str, Any]:
    """Constructor options for the Oracle dialect that depend on the version."""
    return {"max_identifier_length": max_identifier_bytes(version)}


def apply_to_dialect(dialect: Dialect, version: tuple[int, ...]) -> None:
    """Make an unconnected Oracle dialect render SQL as it would after connecting to ``version``."""
    dialect.server_version_info = version
    dialect.max_identifier_length = max_identifier_bytes(version)
    dialect.supports_native_boolean = version >= (23,)
    dialect.supports_identity_columns = version >= (12,)
    set_oracle_features(dialect, version)


# ORACLE_EDITION: which editions build an index ONLINE (Oracle Database Licensing Information User
# Manual, "Permitted Features, Options, and Management Packs by Oracle Database Offering", High
# Availability: "Online index rebuild" is EE / EE-ES / DBCS EE, not SE2). Express Edition 21c and
# Database Free 23ai are limited by resources, not by this feature, so they count as having it
# (not verified against the manual: notes/live-load.md says what was).
EDITIONS = ("enterprise", "standard", "express", "free")
ONLINE_INDEX_EDITIONS = ("enterprise", "express", "free")
# the default writes SQL every edition runs (as ORACLE_TARGET_VERSION's default is 11.2)
DEFAULT_EDITION = "standard"


def parse_edition(raw: object) -> str:
    """``ORACLE_EDITION``: standard (default), enterprise, express or free; anything else is refused."""
    text = str(raw or DEFAULT_EDITION).strip().lower()
    if text not in EDITIONS:
        raise ConfigurationError(f"ORACLE_EDITION must be one of {', '.join(EDITIONS)}, not {raw!r}")
    return text


def builds_index_online(edition: str) -> bool:
    """Whether ``CREATE INDEX ... ONLINE`` is allowed on this edition (Standard Edition 2 refuses it)."""
    return edition in ONLINE_INDEX_EDITIONS


def describe(version: tuple[int, ...]) -> str:
    """``(11, 2)`` -> ``"11.2"``."""
    return ".".join(str(part) for part in version)
