"""The safety layer's settings, read once and checked at start-up, and how they reach env.py.

Settings come from the Flask app's config (``OracleSafe``), else from the environment (plain Alembic).
The command layer hands env.py what it needs through Alembic's own channel, ``Config.attributes``:
the engine, these settings, the locked run and ``db migrate``'s policy.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .errors import ConfigurationError
from .oracle import target

ENGINE = "oramigrate.engine"
SETTINGS = "oramigrate.settings"
RUN = "oramigrate.run"
# the version table runners share (the lock is keyed on it, whatever their history table)
VERSION_TABLE = "oramigrate.version_table"
# the dialect ``--sql`` writes for when the command line names one (``--dialect``)
OFFLINE_DIALECT = "oramigrate.offline_dialect"
# the revision files loaded once (``db fleet``: once per process, not once per target), and the
# chain's lint report for the gate (once per chain): set by a caller that runs many targets
SCRIPTS = "oramigrate.scripts"
# Flask-Migrate's multi-database mode: every bind's engine ("" the default), handed in by the CLI when
# the migrations' env.py is the multi-database one; and the bind a per-bind command runs now
BINDS = "oramigrate.binds"
BIND = "oramigrate.bind"
LINTED = "oramigrate.linted"

DEFAULT_HISTORY_TABLE = "migration_history"
DEFAULT_LOCK_TIMEOUT = 300.0
DEFAULT_LOCK_WAIT = 5.0
DEFAULT_LOCK_RETRIES = 5
MAX_LOCK_WAIT = 3600.0
MAX_LOCK_RETRIES = 100
# 22 characters leave room for the "_journal" suffix inside Oracle's 30-byte limit before 12.2
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,21}$")


@dataclass(frozen=True)
class Settings:
    """What the safety layer is told: the Oracle target, the history table, how long to wait for the lock."""

    target_version: tuple[int, ...] | None = None
    history_table: str = DEFAULT_HISTORY_TABLE
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    # each migration statement's lock-wait budget, and how often it is tried again (deploy/lockwait.py)
    lock_wait: float = DEFAULT_LOCK_WAIT
    lock_retries: int = DEFAULT_LOCK_RETRIES
    # name patterns autogenerate leaves alone, beside Oracle's own helper objects (oracle/include.py)
    exclude_patterns: tuple[str, ...] = ()
    # python-oracledb thick mode from this Instant Client directory (Oracle 11.2; oracle/client.py)
    oracle_client_lib_dir: str | None = None
    # ORACLE_MAX_STRING_SIZE=EXTENDED: the database takes VARCHAR2 up to 32767 bytes (12c+ only)
    extended_strings: bool = False
    # ORACLE_EDITION: Standard Edition 2 has no online index build (oracle/target.py)
    oracle_edition: str = target.DEFAULT_EDITION

    @property
    def oracle_version(self) -> tuple[int, ...]:
        """The version offline Oracle SQL and the lint are written for (11.2 unless told)."""
        return self.target_version or target.PORTABLE_VERSION

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Settings from ORACLE_TARGET_VERSION, MIGRATION_HISTORY_TABLE, MIGRATION_LOCK_TIMEOUT,
        MIGRATION_LOCK_WAIT, MIGRATION_LOCK_RETRIES, MIGRATION_EXCLUDE_OBJECTS, ORACLE_CLIENT_LIB_DIR,
        ORACLE_MAX_STRING_SIZE and ORACLE_EDITION."""
        from .oracle.include import parse_patterns

        raw_version = values.get("ORACLE_TARGET_VERSION")
        return cls(
            target_version=target.parse_version(str(raw_version)) if raw_version else None,
            history_table=_history_table(values.get("MIGRATION_HISTORY_TABLE") or DEFAULT_HISTORY_TABLE),
            lock_timeout=_lock_timeout(values.get("MIGRATION_LOCK_TIMEOUT")),
            lock_wait=lock_wait(values.get("MIGRATION_LOCK_WAIT")),
            lock_retries=lock_retries(values.get("MIGRATION_LOCK_RETRIES")),
            exclude_patterns=parse_patterns(values.get("MIGRATION_EXCLUDE_OBJECTS")),
            oracle_client_lib_dir=str(values.get("ORACLE_CLIENT_LIB_DIR") or "") or None,
            extended_strings=_max_string_size(values.get("ORACLE_MAX_STRING_SIZE")),
            oracle_edition=target.parse_edition(values.get("ORACLE_EDITION")),
        )


def _max_string_size(raw: Any) -> bool:
    text = str(raw or "STANDARD").strip().upper()
    if text not in ("STANDARD", "EXTENDED"):
        raise ConfigurationError(f"ORACLE_MAX_STRING_SIZE must be STANDARD or EXTENDED, not {raw!r}")
    return text == "EXTENDED"


def _history_table(name: Any) -> str:
    if not isinstance(name, str) or not _TABLE_NAME.match(name):
        raise ConfigurationError(
            "MIGRATION_HISTORY_TABLE must be lowercase letters, digits and _, starting with a letter,"
            f" at most 22 characters (the journal table adds '_journal'), not {name!r}"
        )
    return name


def _lock_timeout(raw: Any) -> float:
    if raw is None or raw == "":
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"MIGRATION_LOCK_TIMEOUT must be a number of seconds, not {raw!r}") from None
    if not seconds >= 0:
        raise ConfigurationError(f"MIGRATION_LOCK_TIMEOUT must be 0 or more seconds, not {raw!r}")
    if not math.isfinite(seconds):  # inf (or 1e309) would wait for ever
        raise ConfigurationError(f"MIGRATION_LOCK_TIMEOUT must be a finite number of seconds, not {raw!r}")
    return seconds


def lock_wait(raw: Any, name: str = "MIGRATION_LOCK_WAIT") -> float:
    """A statement's lock-wait budget in seconds: above 0 (Oracle's 0 fails at once), at most an hour."""
    if raw is None or raw == "":
        return DEFAULT_LOCK_WAIT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < seconds <= MAX_LOCK_WAIT:
        raise ConfigurationError(
            f"{name} must be more than 0 and at most {MAX_LOCK_WAIT:g} seconds, not {raw!r}"
        )
    return seconds


def lock_retries(raw: Any, name: str = "MIGRATION_LOCK_RETRIES") -> int:
    """How many times a statement whose lock wait ran out is tried again: 0 to 100."""
    if raw is None or raw == "":
        return DEFAULT_LOCK_RETRIES
    text = str(raw).strip()
    if isinstance(raw, bool) or not (text.isascii() and text.isdigit()) or int(text) > MAX_LOCK_RETRIES:
        raise ConfigurationError(f"{name} must be a whole number from 0 to {MAX_LOCK_RETRIES}, not {raw!r}")
    return int(text)


def settings_of(config: Config) -> Settings:
    """The settings handed in with ``config``, else read from the environment (once per config)."""
    settings = config.attributes.get(SETTINGS)
    if settings is None:
        settings = config.attributes[SETTINGS] = Settings.from_mapping(os.environ)
    assert isinstance(settings, Settings)
    return settings


# the Alembic cookbook's "sharing a connection": a caller (pytest-alembic, a test suite) hands its own
CALLER_CONNECTION = "connection"


def caller_engine(attributes: Mapping[str, Any]) -> Engine | None:
    """The engine of the connection a caller handed in ``config.attributes["connection"]``, if any.

    A Connection, an Engine, or what stands for one (pytest-alembic wraps its connection so that
    ``connect()`` hands it back): either way ``.engine`` is the real engine.
    """
    shared = attributes.get(CALLER_CONNECTION)
    if shared is None:
        return None
    return shared if isinstance(shared, Engine) else shared.engine


def engine_of(config: Config) -> Engine:
    """The engine handed in with ``config`` (ours, else the cookbook's ``connection``), else one made
    from its ``sqlalchemy.url``."""
    engine = config.attributes.get(ENGINE) or caller_engine(config.attributes)
    if engine is None:
        import sqlalchemy as sa

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise ConfigurationError("no database: set sqlalchemy.url in alembic.ini or pass an engine")
        engine = config.attributes[ENGINE] = sa.create_engine(url)
    assert isinstance(engine, Engine)
    return engine


def scripts_of(config: Config) -> ScriptDirectory:
    """The revision files handed in with ``config``, else loaded from its ``script_location`` (once).

    Every file is loaded now, so that a broken one stops the command with one line naming it.
    """
    scripts = config.attributes.get(SCRIPTS)
    if scripts is None:
        from .revisions import load_scripts

        scripts = config.attributes[SCRIPTS] = load_scripts(config.get_main_option("script_location") or "")
    assert isinstance(scripts, ScriptDirectory)
    return scripts
