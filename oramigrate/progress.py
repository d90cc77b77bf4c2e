"""What a long ``db upgrade`` / ``downgrade`` shows on a terminal: the revision and statement running, how
many revisions remain, the time since it began (``rich``, imported only on a terminal).

Nothing is shown when stderr is not a terminal (a pipe, a log file, a CI job) or with ``--quiet``: the
command's own lines and errors stay what scripts read. The run (``deploy.run.DeployRun``) calls the
three hooks below; the no-op ``Silent`` is the default.
"""

from __future__ import annotations

import sys
from typing import IO, Any, Protocol

_STATEMENT = 70  # characters of the running statement shown


class Progress(Protocol):
    """The hooks a locked run calls as it goes."""

    def planned(self, revisions: int, direction: str) -> None:
        """The run will apply (or revert) ``revisions`` revisions."""

    def revision(self, revision: str) -> None:
        """The next revision begins."""

    def statement(self, index: int, total: int | None, text: str) -> None:
        """Statement ``index`` (of ``total``, when known) of the current revision begins."""

    def revision_done(self) -> None:
        """The current revision committed."""

    def finished(self) -> None:
        """The run ended, however it ended."""


class Silent:
    """No progress: not a terminal, or ``--quiet``."""

    def planned(self, revisions: int, direction: str) -> None:
        """Nothing to show."""

    def revision(self, revision: str) -> None:
        """Nothing to show."""

    def statement(self, index: int, total: int | None, text: str) -> None:
        """Nothing to show."""

    def revision_done(self) -> None:
        """Nothing to show."""

    def finished(self) -> None:
        """Nothing to show."""


class Terminal:
    """One live line on the terminal: bar of revisions done, the one running and its statement, elapsed."""

    def __init__(self, stream: IO[str], label: str = "") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn(f"{label}{{task.fields[verb]}}"), BarColumn(bar_width=20), MofNCompleteColumn(),
            TextColumn("revisions"), TimeElapsedColumn(), TextColumn("{task.description}"),
            console=Console(file=stream), transient=False,
        )  # fmt: skip
        self._task: Any = None
        self._revision = ""
        self._total = self._begun = 0

    def planned(self, revisions: int, direction: str) -> None:
        """Start the line (nothing when there is nothing to run)."""
        if revisions:
            self._bar.start()
            verb = "upgrading" if direction == "upgrade" else "downgrading"
            self._task = self._bar.add_task("", total=revisions, verb=verb)
            self._total = revisions

    def revision(self, revision: str) -> None:
        """Name the revision running and how many remain after it."""
        if self._task is None:
            return
        self._begun += 1
        self._revision = f"{revision} ({self._total - self._begun} after it)"
        self._bar.update(self._task, description=self._revision)

    def statement(self, index: int, total: int | None, text: str) -> None:
        """Name the statement running."""
        if self._task is None:
            return
        of = "" if total is None else f" of {total}"
        short = text if len(text) <= _STATEMENT else text[: _STATEMENT - 3] + "..."
        self._bar.update(self._task, description=f"{self._revision} operation {index}{of}: {short}")

    def revision_done(self) -> None:
        """Count the revision done."""
        if self._task is not None:
            self._bar.advance(self._task)

    def finished(self) -> None:
        """Stop the line where the run ended."""
        if self._task is not None:
            self._bar.stop()
            self._task = None


def on_terminal(quiet: bool, label: str = "", stream: IO[str] | None = None) -> Progress:
    """A live progress line when ``stream`` (stderr) is a terminal and not ``quiet``; else none."""
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        return Silent()
    return Terminal(stream, label)
