"""Flask-Migrate's multi-database mode: one chain, each bind its own database, version table, lock,
history, journal and lint gate.

The CLI hands in every bind's engine (``configuration.BINDS``, "" the default bind first) when the
migrations' env.py is the multi-database one (``db init --multidb``). Each bind gets a Config of its
own (its engine, its name in ``BIND``, which env.py's ``run_binds`` runs alone), so everything the
single-database commands do happens once per bind, on that bind's database.

A state-changing command takes the lock of *every* bind, in the same order for every runner (so two
runners cannot deadlock), before it writes anything; checks every bind (checksums, lint gate); then
runs each bind in turn under its own lock, history and journal. A runner holding any bind's lock
makes another wait for all of them: two runners never leave binds at revisions neither chose (one
upgrading the default bind while another downgrades the second).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from .configuration import BIND, BINDS, ENGINE, LINTED, settings_of
from .deploy.notify import Notify
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .deploy.run import DeployRun

T = TypeVar("T")
# what the multi-database env.py calls (and a single-database one does not)
MARKER = "run_binds"


def bind_names(app: Any) -> list[str]:
    """A Flask app's binds in Flask-Migrate's multi-database mode: "" (the default), then
    ``SQLALCHEMY_BINDS``'s, in that order (every runner takes their locks in it)."""
    return ["", *(app.config.get("SQLALCHEMY_BINDS") or {})]


def binds_of(app: Any) -> dict[str, tuple[Engine, MetaData]]:
    """A Flask app's binds: each one's engine and metadata (an empty one for a bind no model uses yet)."""
    db = app.extensions["migrate"].db
    return {
        name: (db.engines[name or None], db.metadatas.get(name or None) or MetaData())
        for name in bind_names(app)
    }


def is_multidb(directory: str | Path) -> bool:
    """Whether the migrations in ``directory`` run through the multi-database env.py."""
    path = Path(directory) / "env.py"
    return path.is_file() and MARKER in path.read_text(encoding="utf-8")


def label(name: str | None) -> str:
    """How a bind is named to people: ``(default)`` for ""."""
    return "" if name is None else (name or "(default)")


def bind_configs(config: Config) -> list[tuple[str | None, Config]]:
    """``config`` once per bind (its own engine and attributes); ``[(None, config)]`` for one database."""
    binds = config.attributes.get(BINDS)
    if not binds:
        return [(None, config)]
    configs: list[tuple[str | None, Config]] = []
    for name, engine in binds.items():
        own = copy.copy(config)
        attributes = {key: value for key, value in config.attributes.items() if key != LINTED}
        attributes.update({ENGINE: engine, BIND: name})
        own.attributes = attributes  # type: ignore[misc] # Alembic memoizes it per instance
        configs.append((name, own))
    return configs


def each(config: Config, report: Callable[[Config], T]) -> list[tuple[str | None, T]]:
    """``report`` of every bind (``[(None, report(config))]`` for one database)."""
    return [(name, report(own)) for name, own in bind_configs(config)]


def as_text(results: list[tuple[str | None, list[str]]]) -> str:
    """Each bind's lines under its name (a single database's lines as they are)."""
    if len(results) == 1 and results[0][0] is None:
        return "\n".join(results[0][1])
    return "\n".join(
        f"bind {label(name)}:\n" + "\n".join(f"  {line}" for line in lines) for name, lines in results
    )


def as_json(results: list[tuple[str | None, Any]]) -> str:
    """One database's JSON document as it is; several as ``{"binds": {name: document}}``."""
    if len(results) == 1 and results[0][0] is None:
        return json.dumps(results[0][1], indent=2)
    return json.dumps({"binds": {name: document for name, document in results}}, indent=2)


def one(config: Config, name: str | None) -> Config:
    """The Config of bind ``name`` (a command that acts on one bind: ``db journal resolve --bind``)."""
    configs = dict(bind_configs(config))
    if None in configs:
        if name is not None:
            raise ConfigurationError("--bind is for multi-database migrations (db init --multidb) only")
        return configs[None]
    if name is None or name not in configs:
        known = ", ".join(repr(bind) for bind in configs)
        raise ConfigurationError(f"give --bind, one of {known}" + ("" if name is None else f", not {name!r}"))
    return configs[name]


def per_bind(notify: Notify, name: str | None) -> Notify:
    """``notify`` whose messages name the bind they are about (unchanged for one database)."""
    if name is None:
        return notify
    return lambda message: notify(f"bind {label(name)}: {message}")


Runs = list[tuple[Config, "DeployRun"]]


@contextmanager
def deployments(
    config: Config,
    lock_timeout: float | None,
    notify: Notify,
    *,
    kill_orphan: bool = False,
    when_ready: Callable[[Runs], None] | None = None,
) -> Iterator[Runs]:
    """Hold every bind's lock (one wait budget for all of them) for the block: each bind's Config and run.

    When the first run is asked to be ready (env.py reached ``run()``), every bind's run is made ready,
    then ``when_ready`` sees them all (the command's checks): so every bind is checked before any runs.
    """
    from .deploy.deployment import deployment
    from .deploy.lock import LockTimeout

    timeout = settings_of(config).lock_timeout if lock_timeout is None else lock_timeout
    deadline = time.monotonic() + timeout
    with ExitStack() as stack:
        runs: Runs = []
        for name, own in bind_configs(config):
            left = round(max(0.0, deadline - time.monotonic()), 1)
            said = per_bind(notify, name)
            try:
                run = stack.enter_context(deployment(own, left, said, kill_orphan=kill_orphan))
            except LockTimeout as exc:
                if name is None:
                    raise
                # the locks taken so far are given back by the stack: nothing ran on any bind
                raise LockTimeout(exc.holder, timeout, f" of bind {label(name)}") from None
            runs.append((own, run))
        _prepare_together(runs, when_ready)
        yield runs


def _prepare_together(runs: Runs, when_ready: Callable[[Runs], None] | None) -> None:
    # whichever run is asked to be ready first prepares them all, then calls ``when_ready``
    own = [run.prepare for _config, run in runs]

    def prepare_all() -> None:
        for _config, run in runs:
            run.prepare = None  # once, whichever bind asked first
        for prepare in own:
            if prepare is not None:
                prepare()
        if when_ready is not None:
            when_ready(runs)

    for _config, run in runs:
        run.prepare = prepare_all
