"""``db baseline``: adopt a schema made before migrations existed, only if it matches the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from .. import plugin
from ..configuration import engine_of, settings_of
from ..errors import MigrationError
from ..oracle import compare as oracle_compare
from ..revisions import current_heads
from .deployment import deployment, names_of, record_stamp
from .notify import Notify, ignore
from .tables import exclude_own_objects

NOTE = "baseline: the live schema matched the models"


class AlreadyVersioned(MigrationError):
    """The database already has a revision: it is not a schema from before migrations."""


class SchemaDiffers(MigrationError):
    """The live schema and the models differ: stamping head would be a lie."""

    def __init__(self, differences: list[str]) -> None:
        listed = "; ".join(differences)
        super().__init__(
            f"the live schema differs from the models in {len(differences)} places,"
            f" nothing was changed: {listed}"
        )
        self.differences = differences


def _name(part: Any) -> str | None:
    if isinstance(part, str):
        return part
    return getattr(part, "name", None)


def describe_difference(diff: Any) -> str:
    """One autogenerate difference as a short phrase (``add_column auth_user.phone``)."""
    if isinstance(diff, list):
        return ", ".join(describe_difference(item) for item in diff)
    kind, *parts = diff
    if kind.startswith("modify_"):
        _schema, table, column, _options, old, new = parts
        return f"{kind} {table}.{column}: {old!r} -> {new!r}"
    names = [name for name in (_name(part) for part in parts) if name]
    table = getattr(parts[-1], "table", None) if parts else None
    if table is not None and getattr(table, "name", None) not in names:
        names.insert(0, table.name)
    return f"{kind} {'.'.join(names)}"


def differences(connection: Connection, metadata: MetaData, history_table: str) -> list[str]:
    """What autogenerate would change to make the live schema match ``metadata``."""
    plugin.install()
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": metadata,
            "compare_type": oracle_compare.compare_type,
            "compare_server_default": True,
            "include_name": exclude_own_objects(None, history_table),
            "autogenerate_plugins": plugin.AUTOGENERATE_PLUGINS,
        },
    )
    found = [describe_difference(diff) for diff in compare_metadata(context, metadata)]
    connection.rollback()
    return found


def _check_unversioned_match(
    connection: Connection, metadata: MetaData, history_table: str, version_table: str
) -> None:
    heads = current_heads(connection, version_table)
    if heads:
        raise AlreadyVersioned(
            f"the database is already at {', '.join(heads)}: baseline is for a schema made before migrations"
        )
    found = differences(connection, metadata, history_table)
    if found:
        raise SchemaDiffers(found)


def baseline(
    config: Config, metadata: MetaData, *, lock_timeout: float | None = None, notify: Notify = ignore
) -> list[str]:
    """Stamp head and record a baseline, only if the unversioned live schema matches ``metadata``."""
    history_table = settings_of(config).history_table
    # checked first without the lock, so that a refusal writes nothing (not even the tool's tables)
    with engine_of(config).connect() as connection:
        _check_unversioned_match(connection, metadata, history_table, names_of(config).version_table)
    with deployment(config, lock_timeout, notify) as run:
        # again: another runner may have been first
        _check_unversioned_match(run.connection, metadata, history_table, run.names.version_table)
        command.stamp(config, "head")
        record_stamp(run, [], "baseline", NOTE)
        stamped = current_heads(run.connection, run.names.version_table)
        return [f"baseline: schema matches the models; stamped {', '.join(stamped)}"]
