"""Oracle-safe schema migrations for Flask and Alembic: lint gate, lock, journal, audited history.

The public face::

    from oramigrate import OracleSafe        # Flask: OracleSafe(app, db) in place of Migrate(app, db)
    from oramigrate import command           # Config-first functions, like alembic.command
    from oramigrate.environment import run   # what env.py calls
    from oramigrate import MigrationError    # base of every expected failure (and its subclasses)

Names load on first use, so ``import oramigrate`` imports neither Flask nor the linter.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigurationError, DatabaseUnavailable, MigrationError, UnsupportedOperation

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "DatabaseUnavailable",
    "MigrationError",
    "OracleSafe",
    "Settings",
    "UnsupportedOperation",
    "__version__",
    "command",
    "run",
]
_LAZY = {
    "OracleSafe": ("oramigrate.extension", "OracleSafe"),
    "Settings": ("oramigrate.configuration", "Settings"),
    "command": ("oramigrate.command", None),
    "run": ("oramigrate.environment", "run"),
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'oramigrate' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)
