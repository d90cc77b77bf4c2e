"""Autogenerate never proposes dropping the tool's own history, journal and lock tables.

``environment.py`` already hides them through ``include_name``; this comparator covers code that
calls ``produce_migrations`` / ``compare_metadata`` directly, without our environment.
"""

from __future__ import annotations

from alembic.autogenerate import comparators
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.util.langhelpers import DispatchPriority

from . import deploy_tables
from .errors import ConfigurationError


def _own_names() -> set[str]:
    try:
        return deploy_tables.tables().names()
    except ConfigurationError:  # reported where the tables are used; here only the default can be hidden
        return deploy_tables.build(deploy_tables.DEFAULT_HISTORY_TABLE).names()


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def forget_own_objects(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> None:
    """Remove drops of the tool's tables from what autogenerate found."""
    own = _own_names()
    upgrade_ops.ops = [
        op for op in upgrade_ops.ops if not (isinstance(op, ops.DropTableOp) and op.table_name.lower() in own)
    ]
