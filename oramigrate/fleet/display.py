"""What a person (or a script) sees of a rollout: a live table on a terminal, plain lines otherwise,
then a summary; or one JSON document.

The live table (``rich``, imported only on a terminal) has one row a target, current revision, head,
state and elapsed time; with more targets than the terminal has lines, the rows shown are those at
work, then failures, then the latest to finish, and a count of the others.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .scheduler import Observer
from .targets import Target
from .work import FAILURES, Outcome

Echo = Callable[[str], None]
# the order states are counted in, in the summary
STATES = ("upgraded", "downgraded", "at-head", "done-elsewhere", "verified", "pending", "running")


def revisions(heads: Sequence[str]) -> str:
    """Heads as people read them: ``0002``, ``a,b`` or ``base``."""
    return ",".join(heads) or "base"


def outcome_line(outcome: Outcome) -> str:
    """One line for one target."""
    if outcome.applied:
        applied = ", ".join(outcome.applied)
        where = f" {revisions(outcome.before)} -> {revisions(outcome.after)} (applied {applied})"
    elif outcome.state == "skipped":
        where = ""
    else:
        where = f" at {revisions(outcome.after)}"
    detail = f": {outcome.detail}" if outcome.detail else ""
    return f"{outcome.name}: {outcome.state}{where}{detail} [{outcome.seconds:.2f} s]"


def summary(action: str, outcomes: Sequence[Outcome]) -> list[str]:
    """The closing lines: counts per state, then each failed target with its error."""
    counts = Counter(outcome.state for outcome in outcomes)
    order = [state for state in STATES if state in counts] + sorted(set(counts) - set(STATES))
    lines = [f"fleet {action}: {len(outcomes)} targets: " + ", ".join(f"{counts[s]} {s}" for s in order)]
    lines += [f"  {o.state}: {o.name}: {o.detail}" for o in outcomes if o.state in FAILURES]
    return lines


def json_report(
    action: str, head: Sequence[str], targets: Sequence[Target], outcomes: Sequence[Outcome]
) -> str:
    """The rollout as one JSON document (targets in file order; URLs without passwords)."""
    where = {target.name: target for target in targets}
    rows = [
        {
            "name": o.name,
            "url": where[o.name].describe() if o.name in where else None,
            "state": o.state,
            "failed": o.failed,
            "before": list(o.before),
            "after": list(o.after),
            "applied": o.applied,
            "detail": o.detail,
            "seconds": o.seconds,
        }
        for o in outcomes
    ]
    counts = Counter(o.state for o in outcomes)
    return json.dumps(
        {"action": action, "head": list(head), "summary": dict(sorted(counts.items())), "targets": rows},
        indent=2,
    )


class PlainLines(Observer):
    """A line per target as it ends (for logs, pipes and CI)."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo

    def finished(self, outcome: Outcome) -> None:
        """Print the target's line."""
        self.echo(outcome_line(outcome))


@dataclass
class _Row:
    current: str = "?"
    state: str = "waiting"
    started: float | None = None
    seconds: float | None = None
    order: int = 0


class LiveTable(Observer):
    """A table redrawn in place while the rollout runs (a terminal only)."""

    def __init__(self, targets: Sequence[Target], head: Sequence[str]) -> None:
        from rich.console import Console
        from rich.live import Live

        self.head = revisions(head)
        self.rows = {target.name: _Row() for target in targets}
        self.console = Console(stderr=False)
        self.live = Live(get_renderable=self._render, console=self.console, refresh_per_second=4)
        self._finished = 0

    def started(self, target: Target) -> None:
        """Mark the row at work (the first call starts the redrawing)."""
        if not self.live.is_started:
            self.live.start()
        row = self.rows[target.name]
        row.state, row.started = "working", time.monotonic()

    def finished(self, outcome: Outcome) -> None:
        """Fill in the row's ending."""
        row = self.rows[outcome.name]
        self._finished += 1
        row.current, row.state, row.seconds, row.order = (
            revisions(outcome.after),
            outcome.state,
            outcome.seconds,
            self._finished,
        )

    def close(self) -> None:
        """Draw the final table and stop."""
        if self.live.is_started:
            self.live.refresh()
            self.live.stop()

    def _render(self) -> Any:
        from rich.table import Table

        table = Table(show_edge=False, pad_edge=False)
        for column in ("target", "current", "head", "state", "elapsed"):
            table.add_column(column, justify="right" if column == "elapsed" else "left")
        room = max(self.console.size.height - 6, 5)
        shown = list(self.rows.items())  # file order while they fit; else what matters now first
        if len(shown) > room:
            shown = sorted(shown, key=lambda item: self._rank(item[1]))[:room]
        now = time.monotonic()
        for name, row in shown:
            elapsed = row.seconds if row.seconds is not None else (now - row.started if row.started else None)
            style = "red" if row.state in FAILURES else ("yellow" if row.state == "working" else None)
            seconds = "" if elapsed is None else f"{elapsed:.1f} s"
            table.add_row(name, row.current, self.head, row.state, seconds, style=style)
        hidden = len(self.rows) - len(shown)
        if hidden > 0:
            table.caption = f"{hidden} more targets not shown ({self._finished} of {len(self.rows)} done)"
        return table

    @staticmethod
    def _rank(row: _Row) -> tuple[int, int]:
        if row.state == "working":
            return (0, 0)
        if row.state in FAILURES:
            return (1, 0)
        if row.state == "waiting":
            return (3, 0)
        return (2, -row.order)
