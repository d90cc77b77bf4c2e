"""One plain function per ``db fleet`` command: load the chain once, roll out, report; no click, no exit.

``prepare`` loads what every target shares (the revision files, the chain's lint report for the
gate, the tool's table names); ``run`` rolls an action out over the targets and prints as asked;
``lint`` reads every target's pending revisions and lints their union once. A fleet with a failed
target raises ``FleetFailed`` after its report is printed; the CLI turns it into the exit code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from alembic.config import Config

from ..configuration import Settings
from ..deploy import tables as deploy_tables
from ..deploy.gate import gate_target
from ..errors import MigrationError
from ..lint import LintReport, lint_revisions
from ..quiet import quieter
from ..revisions import in_order, load_scripts
from .display import Echo, LiveTable, PlainLines, json_report, outcome_line, summary
from .probe import ProbeContext
from .scheduler import Observer, Rollout, roll_out
from .targets import Target
from .work import CLEAN, REFUSED, Chain, Outcome


class FleetFailed(MigrationError):
    """Some targets failed (or, for ``lint``, would be refused); the report names them."""

    def __init__(self, action: str, outcomes: Sequence[Outcome]) -> None:
        failed = [outcome.name for outcome in outcomes if outcome.failed]
        named = ", ".join(failed[:10]) + (f" and {len(failed) - 10} more" if len(failed) > 10 else "")
        super().__init__(f"fleet {action}: {len(failed)} of {len(outcomes)} targets failed: {named}")
        self.outcomes = list(outcomes)


@dataclass(frozen=True)
class Output:
    """Where the report goes: ``echo`` for lines, a live table on a ``terminal``, or ``as_json``."""

    echo: Echo
    terminal: bool = False
    as_json: bool = False
    progress: Echo | None = None  # lines per target while --json holds stdout (stderr)


def prepare(
    make_config: Callable[[], Config],
    settings: Settings,
    *,
    version_table: str = "alembic_version",
    app: object = None,
    lint_chain: bool = False,
) -> Chain:
    """What every target shares, loaded once: revisions, table names and (``lint_chain``) the gate's lint."""
    config = make_config()
    scripts = load_scripts(config.get_main_option("script_location") or "migrations")
    linted = None
    if lint_chain:
        with quieter("alembic.runtime.migration", logging.WARNING):
            linted = lint_revisions(scripts, in_order(scripts), gate_target(settings))
    names = deploy_tables.build(settings.history_table)
    return Chain(make_config, ProbeContext(scripts, names, version_table), settings, linted, app)


def run(chain: Chain, targets: Sequence[Target], rollout: Rollout, output: Output) -> list[Outcome]:
    """Roll ``rollout`` out over ``targets``, print the report; FleetFailed if any target failed."""
    head = sorted(chain.probes.scripts.get_heads())
    outcomes = _watched(chain, targets, rollout, output, head)
    if output.as_json:
        output.echo(json_report(rollout.action, head, targets, outcomes))
    else:
        for line in summary(rollout.action, outcomes):
            output.echo(line)
    if any(outcome.failed for outcome in outcomes):
        raise FleetFailed(rollout.action, outcomes)
    return outcomes


def lint(chain: Chain, targets: Sequence[Target], rollout: Rollout, output: Output) -> LintReport:
    """Lint, once, the revisions pending on any target; a target is refused if the gate would refuse it."""
    from ..lint.report import report_to_text

    quiet = Output(lambda _line: None)
    standing = roll_out(
        chain, targets, Rollout("status", parallel=rollout.parallel), _observer(quiet, targets, [])
    )
    pending = {outcome.name: _pending_of(chain, outcome) for outcome in standing}
    union = [
        script
        for script in in_order(chain.probes.scripts)
        if any(script.revision in p for p in pending.values())
    ]
    with quieter("alembic.runtime.migration", logging.WARNING):
        report = lint_revisions(chain.probes.scripts, union, gate_target(chain.settings))
    outcomes = []
    for outcome in standing:
        if outcome.failed and not pending[outcome.name]:
            outcomes.append(outcome)  # unreachable: its pending revisions are unknown
            continue
        blocking = sorted(
            {f.revision for f in report.errors_unacknowledged() if f.revision in pending[outcome.name]}
        )
        state = REFUSED if blocking else CLEAN
        detail = (
            f"the gate would refuse {', '.join(blocking)}"
            if blocking
            else f"{len(pending[outcome.name])} pending"
        )
        outcomes.append(Outcome(outcome.name, state, outcome.before, outcome.after, detail=detail))
    if not output.as_json:
        output.echo(report_to_text(report))
        for item in outcomes:
            output.echo(outcome_line(item))
    return _reported(chain, targets, "lint", outcomes, output, report)


def _reported(
    chain: Chain,
    targets: Sequence[Target],
    action: str,
    outcomes: list[Outcome],
    output: Output,
    report: LintReport,
) -> LintReport:
    head = sorted(chain.probes.scripts.get_heads())
    if output.as_json:
        output.echo(json_report(action, head, targets, outcomes))
    else:
        for line in summary(action, outcomes):
            output.echo(line)
    if any(outcome.failed for outcome in outcomes):
        raise FleetFailed(action, outcomes)
    return report


def _pending_of(chain: Chain, outcome: Outcome) -> set[str]:
    from ..revisions import pending

    if outcome.failed and outcome.state != "partial":
        return set()
    try:
        return {script.revision for script in pending(chain.probes.scripts, outcome.before)}
    except Exception:  # noqa: BLE001 - the database names a revision no file defines: nothing to lint
        return set()


def _watched(
    chain: Chain, targets: Sequence[Target], rollout: Rollout, output: Output, head: Sequence[str]
) -> list[Outcome]:
    observer = _observer(output, targets, head)
    try:
        return roll_out(chain, targets, rollout, observer)
    finally:
        close = getattr(observer, "close", None)
        if close is not None:
            close()


def _observer(output: Output, targets: Sequence[Target], head: Sequence[str]) -> Observer:
    if output.as_json:
        return PlainLines(output.progress) if output.progress is not None else Observer()
    if output.terminal:
        return LiveTable(targets, head)
    return PlainLines(output.echo)
