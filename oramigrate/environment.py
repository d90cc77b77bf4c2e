"""What ``migrations/env.py`` runs: offline SQL for a target Oracle version, online with checks."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from alembic import context as alembic_context
from alembic.environment import EnvironmentContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from . import oracle_compare, oracle_target
from . import sequences as _sequences  # noqa: F401 - registers op.create_sequence / drop_sequence
from .autogen import process_revision_directives
from .deploy_run import ACTIVE
from .deploy_tables import exclude_own_objects

log = logging.getLogger("oramigrate")


def run(
    engine: Engine,
    metadata: MetaData,
    configure_args: dict[str, Any],
    *,
    load_models: Callable[[], object] | None = None,
) -> None:
    """Run the migrations Alembic was asked for, offline or online.

    ``load_models`` fills ``metadata`` with the models' tables (imports them); it is called only
    when the command compares the models with the database (``migrate``, ``check``), so that
    ``upgrade`` and ``current`` need not import them, and Flask-Security with them. The metadata
    itself is always passed: its naming convention names the constraints ``op.create_table`` makes.
    """
    context: EnvironmentContext = alembic_context  # type: ignore[assignment]
    if load_models is not None and _compares_models():
        load_models()
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "process_revision_directives": process_revision_directives,
    }
    options.update(configure_args)
    # Flask-Migrate passes compare_type=True: compare, but through the Oracle-aware comparators
    if options.get("compare_type", True) is True:
        options["compare_type"] = oracle_compare.compare_type
    if options.get("compare_server_default", True) is True:
        options["compare_server_default"] = oracle_compare.compare_server_default
    # the history, journal and lock tables are the tool's, not the models': never drop them
    user_filter: Any = options.get("include_name")
    options["include_name"] = exclude_own_objects(user_filter)
    if context.is_offline_mode():
        _run_offline(context, engine, options)
    else:
        _run_online(context, engine, options)


def _compares_models() -> bool:
    # autogenerate and check hand the environment a revision context; nothing else reads the models.
    # The proxy module does not expose the options: when they cannot be read, load the models.
    environment = getattr(alembic_context, "_proxy", None)
    options = getattr(environment, "context_opts", None)
    return not isinstance(options, dict) or options.get("revision_context") is not None


def _run_offline(context: EnvironmentContext, engine: Engine, options: dict[str, Any]) -> None:
    url = engine.url
    dialect_opts: dict[str, Any] = {}
    version = None
    if url.get_backend_name() == "oracle":
        version = oracle_target.target_version(os.environ) or oracle_target.PORTABLE_VERSION
        dialect_opts = oracle_target.dialect_options(version)
    context.configure(url=url, literal_binds=True, dialect_opts=dialect_opts, **options)
    migration_context = context.get_context()
    # A script has nowhere to put RETURNING ... INTO :ret_0 (SQL*Plus would ask for a bind variable).
    migration_context.dialect.insert_returning = False
    if version is not None:
        oracle_target.apply_to_dialect(migration_context.dialect, version)
        migration_context.impl.static_output(
            f"-- Oracle target version: {oracle_target.describe(version)}"
            " (set ORACLE_TARGET_VERSION to change it)\n"
        )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(context: EnvironmentContext, engine: Engine, options: dict[str, Any]) -> None:
    # db upgrade / downgrade / stamp / baseline hold the migration lock and set the active run
    run = ACTIVE.get()
    if run is not None:
        engine = run.migration_engine(engine)
    with engine.connect() as connection:
        if connection.dialect.name == "oracle":
            from .oracle_preflight import check_connection

            check_connection(connection, oracle_target.target_version(os.environ))
        if run is None:
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
            return
        context.configure(connection=connection, **{**options, **run.configure_options(connection)})
        run.run_migrations(context)
