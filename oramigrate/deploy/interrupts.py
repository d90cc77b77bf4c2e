"""SIGINT and SIGTERM during a locked run: stop between statements, close the history, release the lock.

A signal that arrives while a statement and its journal rows are in flight is held until they are
done (a second signal stops at once), so the journal always says what happened; anywhere else the
run stops at once. The error carries the shell's exit code for the signal: 130 for SIGINT, 143 for
SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from ..errors import MigrationError

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(MigrationError, KeyboardInterrupt):
    """The runner was asked to stop by a signal.

    Also a ``KeyboardInterrupt``: raised while the driver waits for a statement, psycopg then cancels
    the statement on the server and leaves the connection usable (for anything else it would stay
    mid-command: "another command is already in progress", the history row and the lock left to a
    broken session). Still an ``Exception``, so every ``except Exception`` of the run closes the
    history and releases the lock as for any failure.
    """

    def __init__(self, signum: int, message: str | None = None) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(message or f"interrupted by {signal.Signals(signum).name}")

    @property
    def name(self) -> str:
        """SIGINT or SIGTERM."""
        return signal.Signals(self.signum).name


class Interruptions:
    """Turns SIGINT/SIGTERM into ``Interrupted``, held while a statement is in flight."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._depth = 0
        self._saved: dict[int, Any] = {}

    @contextmanager
    def installed(self) -> Iterator[Interruptions]:
        """Handle the signals for the duration of the block (main thread only: elsewhere, nothing)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        for signum in SIGNALS:
            self._saved[signum] = signal.signal(signum, self._handle)
        try:
            yield self
        finally:
            for number, handler in self._saved.items():
                signal.signal(number, handler)
            self._saved.clear()

    def check(self) -> None:
        """Raise ``Interrupted`` if a signal came while a statement was in flight."""
        if self.pending is not None:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold signals during the block; one that came is raised when it ends."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if self._depth == 0:
            self.check()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold signals during the block; one that came waits for the next ``check``."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._depth > 0 and self.pending is None:
            self.pending = signum
            return
        raise Interrupted(signum)
