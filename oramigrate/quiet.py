"""Silencing a library's logger for the length of a block (its lines would mislead the user there)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def quieter(logger_name: str, level: int) -> Iterator[None]:
    """Raise ``logger_name``'s level to ``level`` inside the block, restoring it afterwards."""
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


MIGRATION_LOGGER = "alembic.runtime.migration"


class _WarningsAndAbove(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def hide_alembic_info() -> Callable[[], None]:
    """Drop Alembic's INFO lines ("Context impl ...", "Will assume ...", "Running upgrade ...") until the
    returned function is called: the commands say what they did themselves; ``-v`` keeps them.

    A filter, not a level: the env.py's ``fileConfig`` resets levels, never filters.
    """
    logger = logging.getLogger(MIGRATION_LOGGER)
    hidden = _WarningsAndAbove()
    logger.addFilter(hidden)
    return lambda: logger.removeFilter(hidden)
