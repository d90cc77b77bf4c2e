"""Many databases and schemas, one command: ``db fleet status | upgrade | downgrade | verify | lint``.

The face::

    from oramigrate.fleet import load_targets, prepare, run, Rollout, Output
    targets = load_targets("targets.toml")                 # TargetsFileError: one line, target and key
    chain = prepare(make_config, settings, lint_chain=True) # revisions and lint, once per process
    run(chain, targets, Rollout("upgrade", parallel=8, canary=3), Output(print))  # FleetFailed

Each target keeps its own lock, history and journal (``oramigrate.deploy``); they are the only
coordination between runners, so any number of them, on any hosts, can share one targets file.
Layout: ``targets`` (the file), ``engines`` (a schema target per database), ``probe`` (standing
without the lock), ``work`` (one target's job), ``scheduler`` (the rollout), ``display`` (table,
lines, JSON), ``commands`` (the plain functions the CLI calls).
"""

from __future__ import annotations

from .commands import FleetFailed, Output, lint, prepare, run
from .scheduler import Rollout
from .targets import Target, TargetsFileError, load_targets, select
from .work import Outcome

__all__ = [
    "FleetFailed",
    "Outcome",
    "Output",
    "Rollout",
    "Target",
    "TargetsFileError",
    "lint",
    "load_targets",
    "prepare",
    "run",
    "select",
]
