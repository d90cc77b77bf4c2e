"""What a state-changing command tells its caller while it works (``notify``) and asks it (``confirm``).

Apart from ``deployment`` so that the command layer can name them without importing the lock, the
journal and the history (``db lint`` needs none of them).
"""

from __future__ import annotations

from collections.abc import Callable

Notify = Callable[[str], None]
Confirm = Callable[[str], bool]


def ignore(_message: str) -> None:
    """The default ``notify``: say nothing."""
