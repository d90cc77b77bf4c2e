"""What ``migrations/env.py`` runs: offline SQL for a target Oracle version, online with checks.

What the command layer wants for this run arrives in ``context.config.attributes`` (the settings,
the locked run of ``db upgrade``/``downgrade``/``stamp``, ``db migrate``'s policy); a plain
``alembic`` command hands in nothing and gets the settings from the environment.

A caller's own conventions are honoured too (the Alembic cookbook's "sharing a connection", which
pytest-alembic and many test suites use): ``attributes["connection"]`` (a Connection, or an Engine)
is used as it is, with no new engine and no commit of a transaction the caller began, and
``attributes["target_metadata"]`` replaces the models' metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from alembic import context as alembic_context
from alembic.environment import EnvironmentContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine

from . import plugin
from .autogenerate.rewrite import process_revision_directives
from .configuration import ENGINE, RUN, Settings, settings_of
from .deploy.tables import exclude_own_objects
from .oracle import compare as oracle_compare
from .oracle import target as oracle_target
from .oracle.include import exclude_helper_objects
from .private import environment_options

log = logging.getLogger("oramigrate")
# the keys of the Alembic cookbook's shared-connection recipe (not ours: no prefix)
CALLER_CONNECTION = "connection"
CALLER_METADATA = "target_metadata"


def run(
    engine: Engine,
    metadata: MetaData,
    configure_args: dict[str, Any],
    *,
    load_models: Callable[[], MetaData] | None = None,
) -> None:
    """Run the migrations Alembic was asked for, offline or online.

    ``load_models`` returns the models' metadata (importing them); it is called only when the
    command compares the models with the database (``migrate``, ``check``), so that ``upgrade``
    and ``current`` need not import them, and Flask-Security with them. ``metadata`` is passed
    otherwise: its naming convention names the constraints ``op.create_table`` makes.
    """
    plugin.install()
    context: EnvironmentContext = alembic_context  # type: ignore[assignment]
    settings = settings_of(context.config)
    # a command handed in its engine (``db fleet``: one per target); env.py's is the app's database
    attributes = context.config.attributes
    engine = attributes.get(ENGINE) or engine
    caller_connection = attributes.get(CALLER_CONNECTION)
    if caller_connection is not None:
        # a Connection, an Engine, or what stands for one (pytest-alembic wraps its connection so
        # that ``connect()`` hands it back): either way ``.engine`` is the real engine
        engine = caller_connection if isinstance(caller_connection, Engine) else caller_connection.engine
    if attributes.get(CALLER_METADATA) is not None:
        metadata = attributes[CALLER_METADATA]
    elif load_models is not None and _compares_models(context):
        metadata = load_models()
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "process_revision_directives": process_revision_directives,
    }
    options.update(configure_args)
    options["autogenerate_plugins"] = plugin.autogenerate_plugins(options.get("autogenerate_plugins"))
    # Flask-Migrate passes compare_type=True: compare, but through the Oracle-aware comparators
    if options.get("compare_type", True) is True:
        options["compare_type"] = oracle_compare.compare_type
    if options.get("compare_server_default", True) is True:
        options["compare_server_default"] = oracle_compare.compare_server_default
    # the history, journal and lock tables are the tool's, not the models': never drop them
    options["include_name"] = exclude_helper_objects(
        exclude_own_objects(options.get("include_name"), settings.history_table), settings.exclude_patterns
    )
    if context.is_offline_mode():
        _run_offline(context, engine, options, settings)
    else:
        _run_online(context, engine, options, settings, caller_connection)


def _compares_models(context: EnvironmentContext) -> bool:
    # autogenerate and check hand the environment a revision context; nothing else reads the models.
    # When the options cannot be read, load the models.
    options = environment_options(context)
    return options is None or options.get("revision_context") is not None


def _run_offline(
    context: EnvironmentContext, engine: Engine, options: dict[str, Any], settings: Settings
) -> None:
    from . import offline
    from .deploy.tables import build as deploy_tables
    from .offline.conventions import for_dialect
    from .offline.writer import ScriptWriter

    dialect = offline.script_dialect(context.config, engine.url, settings)
    dialect_opts: dict[str, Any] = {}
    version = None
    if dialect == "oracle":
        version = settings.oracle_version
        dialect_opts = oracle_target.dialect_options(version)
    # the URL only when it names the dialect asked for: a script needs no URL and no password
    target: dict[str, Any] = (
        {"url": engine.url} if engine.url.get_backend_name() == dialect else {"dialect_name": dialect}
    )
    conventions = for_dialect(dialect)
    writer = ScriptWriter(conventions, deploy_tables(settings.history_table).history) if conventions else None
    if writer is not None:
        chained = options.get("on_version_apply") or []
        chained = [chained] if callable(chained) else list(chained)
        options = {**options, "on_version_apply": [writer.version_applied, *chained]}
        options["transaction_per_migration"] = True
    context.configure(literal_binds=True, dialect_opts=dialect_opts, **target, **options)
    migration_context = context.get_context()
    # A script has nowhere to put RETURNING ... INTO :ret_0 (SQL*Plus would ask for a bind variable).
    migration_context.dialect.insert_returning = False
    if migration_context.dialect.name == "mariadb":
        # sequences come with MariaDB 10.3, which we require; unconnected, the dialect assumes none
        migration_context.dialect.supports_sequences = True
    if version is not None:
        oracle_target.apply_to_dialect(migration_context.dialect, version)
        migration_context.impl.static_output(
            f"-- Oracle target version: {oracle_target.describe(version)}"
            " (set ORACLE_TARGET_VERSION to change it)"
        )
    if writer is not None:
        writer.install(migration_context)
        writer.header()
    with context.begin_transaction():
        context.run_migrations()
    if writer is not None:
        writer.footer()


def _run_online(
    context: EnvironmentContext,
    engine: Engine,
    options: dict[str, Any],
    settings: Settings,
    caller_connection: Any = None,
) -> None:
    # db upgrade / downgrade / stamp / baseline hold the migration lock and hand in their run
    if engine.dialect.name == "oracle" and settings.oracle_client_lib_dir:
        from .oracle.client import start_thick_mode

        start_thick_mode(settings.oracle_client_lib_dir)
    run = context.config.attributes.get(RUN)
    if run is None and isinstance(caller_connection, Connection):
        # the caller's connection, as it is: a transaction it began stays its own to commit
        _migrate_on(context, caller_connection, options, settings)
        return
    if run is None and caller_connection is not None:
        with caller_connection.connect() as connection:  # the caller's connectable, not a new engine
            _migrate_on(context, connection, options, settings)
        return
    if run is None:
        with engine.connect() as connection:
            _migrate_on(context, connection, options, settings)
        return
    connection = run.connection_for_migrations()  # the locked run's own session: no second one
    _check_oracle(connection, settings)
    context.configure(connection=connection, **{**options, **run.configure_options(connection)})
    run.run_migrations(context)


def _migrate_on(
    context: EnvironmentContext, connection: Connection, options: dict[str, Any], settings: Settings
) -> None:
    _check_oracle(connection, settings)
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


def _check_oracle(connection: Connection, settings: Settings) -> None:
    if connection.dialect.name == "oracle":
        from .oracle.preflight import check_connection

        check_connection(connection, settings.target_version)
