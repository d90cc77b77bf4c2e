"""The rollout: at most N targets at once, canaries first, held targets skipped and confirmed at the end.

No coordinator: each target's own migration lock is the coordination. A runner tries a target's
lock without waiting; if another runner (on this host or another) holds it, the target is set aside
and, once everything else is done, tried again with waiting, which ends either in this runner
applying what is still pending or in finding it at head ("done-elsewhere"). So several runners on
the same targets file migrate each target exactly once.

Workers are forked processes (Alembic's ``op`` and ``context`` are module-wide proxies: two
migrations cannot share a process), started before any thread, each inheriting the loaded chain.
Jobs are handed out one per free worker, so a stopped rollout leaves the rest untouched.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from .targets import Target
from .work import FAILED, HELD, SKIPPED, Chain, Job, Outcome, perform, perform_in_worker, start_worker


@dataclass(frozen=True)
class Rollout:
    """How to run: the action, its revision, parallelism, canaries, whether to go on after a failure."""

    action: str
    revision: str = "head"
    parallel: int = 4
    canary: int = 0
    continue_on_error: bool = False


class Observer:
    """What the scheduler tells the display: a target started, a target ended."""

    def started(self, target: Target) -> None:
        """Work on ``target`` began."""

    def finished(self, outcome: Outcome) -> None:
        """Work on a target ended with ``outcome``."""


def roll_out(chain: Chain, targets: Sequence[Target], rollout: Rollout, observer: Observer) -> list[Outcome]:
    """Run ``rollout`` over ``targets``; one Outcome per target, in file order."""
    results: dict[str, Outcome] = {}
    migrating = rollout.action in ("upgrade", "downgrade")
    canaries = list(targets[: rollout.canary]) if migrating else []
    rest = [target for target in targets if target not in canaries]
    _import_drivers(targets)
    with _executor(chain, min(rollout.parallel, len(targets))) as run:
        stop = not rollout.continue_on_error and migrating
        if canaries:
            # every canary runs (they are the sample the operator chose), each waiting for another
            # runner's lock: the rollout must know how they ended before it touches any other target
            _phase(run, chain, canaries, rollout, wait=True, stop=False, results=results, observer=observer)
        if not any(outcome.failed for outcome in results.values()):
            _phase(run, chain, rest, rollout, wait=False, stop=stop, results=results, observer=observer)
        held = [target for target in targets if target.name in results and results[target.name].state == HELD]
        if held and not (stop and any(outcome.failed for outcome in results.values())):
            _phase(run, chain, held, rollout, wait=True, stop=stop, results=results, observer=observer)
    for target in targets:
        if target.name not in results or results[target.name].state == HELD:
            why = "not started: the rollout stopped after a failure"
            if results.get(target.name) is not None:
                why = results[target.name].detail + "; not retried: the rollout stopped after a failure"
            results[target.name] = Outcome(target.name, SKIPPED, detail=why)
            observer.finished(results[target.name])
    return [results[target.name] for target in targets]


Submit = Callable[[Job], "Future[Outcome]"]


def _import_drivers(targets: Iterable[Target]) -> None:
    # once, before the workers fork: each would otherwise import psycopg or oracledb itself
    for drivername in sorted({target.url.drivername for target in targets}):
        next(
            target for target in targets if target.url.drivername == drivername
        ).url.get_dialect().import_dbapi()


def _phase(
    submit: Submit,
    chain: Chain,
    targets: Iterable[Target],
    rollout: Rollout,
    *,
    wait: bool,
    stop: bool,
    results: dict[str, Outcome],
    observer: Observer,
) -> None:
    queue = list(targets)
    queue.reverse()
    running: dict[Future[Outcome], Target] = {}
    failed = False
    while queue or running:
        while queue and len(running) < rollout.parallel and not failed:
            target = queue.pop()
            observer.started(target)
            running[submit(Job(rollout.action, target, rollout.revision, wait))] = target
        if not running:
            break
        done, _ = _wait(running)
        for future in done:
            target = running.pop(future)
            outcome = _result(future, target)
            results[target.name] = outcome
            observer.finished(outcome)
            failed = failed or (stop and outcome.failed)


def _wait(running: dict[Future[Outcome], Target]) -> tuple[set[Future[Outcome]], set[Future[Outcome]]]:
    done, pending = wait(running, return_when=FIRST_COMPLETED)
    return set(done), set(pending)


def _result(future: Future[Outcome], target: Target) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool:
        return Outcome(target.name, FAILED, detail="the worker process died (killed, or out of memory)")


@contextmanager
def _executor(chain: Chain, workers: int) -> Iterator[Submit]:
    if workers <= 1:
        yield _inline(chain)
        return
    # fork: the workers inherit the loaded chain and the app; started now, before any thread
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=start_worker,
        initargs=(chain,),
    )
    try:
        pool.submit(int).result()  # every worker is forked here (fork context), before the display's thread
        yield lambda job: pool.submit(perform_in_worker, job)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _inline(chain: Chain) -> Submit:
    def submit(job: Job) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)  # as in a worker: Alembic's per-revision lines would bury the table
        try:
            future.set_result(perform(chain, job))
        finally:
            logging.disable(previous)
        return future

    return submit
