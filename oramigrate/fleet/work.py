"""One target's work: status, upgrade, downgrade or verify, through the command layer, as an Outcome.

Runs in a worker process (or in the command's own when ``--parallel 1``). Everything a process loads
once, the revision files, the chain's lint report and the app whose env.py runs, is the ``Chain``;
everything per target is an engine bound to its schema and a Config carrying it, both gone when the
job ends. Failures never escape: each becomes an Outcome with one line a person can act on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alembic.config import Config
from sqlalchemy.engine import Engine

from ..configuration import ENGINE, LINTED, SCRIPTS, SETTINGS, Settings
from ..deploy.lock import LockTimeout, MigrationLock
from ..failures import crash_log, describe
from ..lint import LintReport
from ..revisions import first_line
from .engines import target_engine
from .probe import ProbeContext, Standing, applied_here, probe, verify_files
from .targets import Target

# states an Outcome ends in
AT_HEAD, UPGRADED, DOWNGRADED, HELD, DONE_ELSEWHERE = (
    "at-head",
    "upgraded",
    "downgraded",
    "held",
    "done-elsewhere",
)
FAILED, PARTIAL, SKIPPED, VERIFIED, PENDING = "failed", "partial", "skipped", "verified", "pending"
CLEAN, REFUSED = (
    "clean",
    "refused",
)  # db fleet lint: what the gate would say of the target's pending revisions
FAILURES = (FAILED, PARTIAL, REFUSED)


@dataclass
class Chain:
    """What a process loads once for a whole fleet: revisions, lint report, settings, the app."""

    make_config: Callable[[], Config]
    probes: ProbeContext
    settings: Settings
    linted: LintReport | None = None
    app: Any = None  # the Flask app whose env.py runs (pushed in each worker process)

    def config_for(self, engine: Engine) -> Config:
        """A fresh Config of the app's migrations, carrying ``engine`` and the shared chain."""
        config = self.make_config()
        config.attributes[ENGINE] = engine
        config.attributes[SETTINGS] = self.settings
        config.attributes[SCRIPTS] = self.probes.scripts
        if self.linted is not None:
            config.attributes[LINTED] = self.linted
        return config


@dataclass(frozen=True)
class Job:
    """What to do on one target: ``action`` (status, upgrade, downgrade, verify), to ``revision``."""

    action: str
    target: Target
    revision: str = "head"
    wait: bool = False  # wait for another runner's lock (canaries, the final pass) or skip the target


@dataclass
class Outcome:
    """How one target ended: its state, revisions before and after, what this runner applied."""

    name: str
    state: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    applied: list[str] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether the target counts as failed (exit non-zero)."""
        return self.state in FAILURES


def perform(chain: Chain, job: Job) -> Outcome:
    """Do ``job``; never raises (an unexpected error is an Outcome naming its traceback's log file)."""
    began = time.monotonic()
    engine = target_engine(job.target)
    try:
        outcome = _ACTIONS[job.action](chain, job, engine)
    except Exception as exc:  # noqa: BLE001 - one target's bug must not stop the fleet: it is reported
        outcome = Outcome(job.target.name, FAILED, detail=_one_line(exc, job.target))
    finally:
        engine.dispose()
    outcome.seconds = round(time.monotonic() - began, 3)
    return outcome


def _status(chain: Chain, job: Job, engine: Engine) -> Outcome:
    standing = probe(engine, chain.probes)
    return Outcome(
        job.target.name, standing.state, standing.current, standing.current, detail=_explain(standing)
    )


def _verify(chain: Chain, job: Job, engine: Engine) -> Outcome:
    findings, half = verify_files(engine, chain.probes)
    name = job.target.name
    if findings:
        return Outcome(name, FAILED, detail=findings.summary())
    # as `db verify`: a half-applied revision no runner is working on fails it too
    if half and not MigrationLock(engine, chain.probes.names).held_now():
        return Outcome(name, FAILED, detail="; ".join(f"half-applied: {line}" for line in half))
    return Outcome(name, VERIFIED, detail="applied revisions match their files")


def _upgrade(chain: Chain, job: Job, engine: Engine) -> Outcome:
    return _migrate(chain, job, engine, UPGRADED)


def _downgrade(chain: Chain, job: Job, engine: Engine) -> Outcome:
    return _migrate(chain, job, engine, DOWNGRADED)


def _migrate(chain: Chain, job: Job, engine: Engine, done: str) -> Outcome:
    from .. import command

    name = job.target.name
    before = probe(engine, chain.probes)
    if done == UPGRADED and before.at_head:
        # a rerun touches only what is pending, failed or partial: no lock, no write
        return Outcome(name, AT_HEAD if not job.wait else DONE_ELSEWHERE, before.current, before.current)
    if done == DOWNGRADED and _already_at(before, job.revision, chain):
        return Outcome(name, AT_HEAD, before.current, before.current, detail=f"already at {job.revision}")
    config = chain.config_for(engine)
    wait = None if job.wait else 0.0
    try:
        if done == UPGRADED:
            command.upgrade(config, job.revision, lock_timeout=wait)
        else:
            command.downgrade(config, job.revision, lock_timeout=wait)
    except LockTimeout as exc:
        return Outcome(name, HELD, before.current, before.current, detail=f"lock held by {exc.holder}")
    except Exception as exc:  # noqa: BLE001 - reported as this target's failure, the fleet goes on
        after = probe(engine, chain.probes)
        applied = applied_here(engine, chain.probes.names, before.next_id)
        state = PARTIAL if after.state == PARTIAL else FAILED
        return Outcome(name, state, before.current, after.current, applied, _one_line(exc, job.target))
    after = probe(engine, chain.probes)
    applied = applied_here(engine, chain.probes.names, before.next_id)
    state = done if applied else (DONE_ELSEWHERE if done == UPGRADED else AT_HEAD)
    return Outcome(name, state, before.current, after.current, applied)


def _already_at(standing: Standing, revision: str, chain: Chain) -> bool:
    if revision == "base":
        return not standing.current and not standing.half_applied
    try:
        wanted = chain.probes.scripts.get_revision(revision)
    except Exception:  # noqa: BLE001 - relative or unknown: let the downgrade itself decide
        return False
    return wanted is not None and standing.current == (wanted.revision,) and not standing.half_applied


def _explain(standing: Standing) -> str:
    if standing.half_applied:
        return "; ".join(standing.half_applied)
    parts = []
    if standing.pending:
        parts.append(f"{len(standing.pending)} pending ({', '.join(standing.pending)})")
    if standing.state in (FAILED, "running") and standing.last_error:
        parts.append(f"last run: {standing.last_error}")
    elif standing.state == "running":
        parts.append("a runner is migrating it now (or died before the history says so)")
    return "; ".join(parts)


def _one_line(exc: BaseException, target: Target) -> str:
    described = describe(exc, target.url)
    if described is not None:
        return first_line(described[0])
    return f"unexpected {type(exc).__name__}: {first_line(exc)} (traceback in {crash_log(exc)})"


_ACTIONS: dict[str, Callable[[Chain, Job, Engine], Outcome]] = {
    "status": _status,
    "upgrade": _upgrade,
    "downgrade": _downgrade,
    "verify": _verify,
}

# --- the worker process ----------------------------------------------------------------------------

_chain: Chain | None = None


def start_worker(chain: Chain) -> None:
    """Initializer of a forked worker: keep the chain, enter the app, quiet Alembic's per-revision lines.

    Alembic's "Running upgrade ..." lines, interleaved from many targets, would bury the table; env.py's
    fileConfig resets logger levels on every run, so INFO is disabled process-wide instead.
    """
    global _chain
    _chain = chain
    if chain.app is not None:
        chain.app.app_context().push()
    logging.disable(logging.INFO)  # for good: this process only runs targets


def perform_in_worker(job: Job) -> Outcome:
    """``perform`` with this worker's chain."""
    assert _chain is not None, "start_worker did not run in this process"
    return perform(_chain, job)
