"""Password hashing on every core, with Flask-Security's own ``hash_password`` and settings.

Each worker process holds a minimal Flask application with the caller's password settings and
the same passlib context Flask-Security builds, so a hash made here verifies through
``flask_security.verify_password`` exactly like one made by the web form.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app

# Below this many hashes the pool's start-up (a new interpreter per core) costs more than it saves.
POOL_THRESHOLD = 8

# progress(total) -> a context manager yielding advance(n): click.progressbar fits
Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


@dataclass(frozen=True)
class PasswordJob:
    """Hash ``password``, unless ``current_hash`` is given and already verifies it."""

    password: str
    current_hash: str | None = None


def no_progress(total: int) -> AbstractContextManager[Callable[[int], None]]:
    """A progress reporter that shows nothing."""
    return nullcontext(lambda advanced: None)


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _password_settings(app: Flask) -> dict[str, Any]:
    # everything hash_password and verify_password read: the scheme, its options, the HMAC salt
    return {
        key: value
        for key, value in app.config.items()
        if key.startswith(("SECURITY_PASSWORD_", "SECURITY_DEPRECATED_PASSWORD_"))
    }


def _start_worker(settings: dict[str, Any]) -> None:
    from flask_security.core import _get_pwd_context

    app = Flask("password_pool")
    app.config.update(settings)
    # the one attribute flask_security.utils reads from its extension when hashing
    app.extensions["security"] = SimpleNamespace(pwd_context=_get_pwd_context(app))
    app.app_context().push()


def run_job(job: PasswordJob) -> str | None:
    """The new hash for ``job``, or None when its current hash already verifies the password."""
    from flask_security.utils import hash_password, verify_password

    if job.current_hash is not None and verify_password(job.password, job.current_hash):
        return None
    return str(hash_password(job.password))


def hash_passwords(jobs: Sequence[PasswordJob], progress: Progress = no_progress) -> list[str | None]:
    """Run ``jobs`` on every core, in order, inside the caller's application context."""
    workers = min(cores(), len(jobs))
    with progress(len(jobs)) as advance:
        if workers < 2 or len(jobs) < POOL_THRESHOLD:
            results = []
            for job in jobs:
                results.append(run_job(job))
                advance(1)
            return results
        # spawn: forking a process that holds database connections and threads is unsafe
        context = multiprocessing.get_context("spawn")
        settings = _password_settings(current_app)
        # a few jobs per message keeps the pipe quiet at low hash cost and every core busy at high
        chunk = max(1, min(16, len(jobs) // (workers * 16)))
        with ProcessPoolExecutor(workers, context, initializer=_start_worker, initargs=(settings,)) as pool:
            results = []
            for result in pool.map(run_job, jobs, chunksize=chunk):
                results.append(result)
                advance(1)
    return results
