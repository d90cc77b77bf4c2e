"""Silencing a library's logger for the length of a block (its lines would mislead the user there)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
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
