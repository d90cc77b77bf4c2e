"""Fixtures: a fresh real database per test (SQLite, PostgreSQL, MariaDB).

The layers: ``unit/`` (no database, no CLI), ``cli/`` (the CLI in-process), ``integration/`` (real
servers; a subprocess only where the process boundary is the point), ``live/`` (Oracle, with
ORACLE_URL). Shared helpers live in ``support/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.databases import BACKENDS, Database, fresh_database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database on each backend; dropped afterwards."""
    with fresh_database(request.param, tmp_path) as made:
        yield made
