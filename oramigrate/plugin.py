"""Every registration oramigrate makes in Alembic, in one place and in order (Alembic's plugin ``setup``).

Operations (``op.create_sequence`` / ``op.drop_sequence``, and the online helpers of ``online.py``)
with their execution and rendering, the refusals checked before Alembic's own implementations, and
the autogenerate comparators. Nothing is registered at import: ``install()`` runs ``setup`` once per
process, from env.py's ``run``, the lint recorder and the command layer.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations, ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority

from . import online, operations
from .autogenerate import compare
from .oracle import compare as oracle_compare

NAME = "oramigrate"
# what env.py passes as ``autogenerate_plugins``: Alembic's own comparators, then ours
AUTOGENERATE_PLUGINS = ["alembic.autogenerate.*", NAME]
_installed: list[Plugin] = []


def setup(plugin: Plugin) -> None:
    """Register our operations, the checks before Alembic's, and our comparators."""
    for name, op_class, execute, render in (
        (
            "create_sequence",
            operations.CreateSequenceOp,
            operations.create_sequence,
            operations.render_create_sequence,
        ),
        (
            "drop_sequence",
            operations.DropSequenceOp,
            operations.drop_sequence,
            operations.render_drop_sequence,
        ),
        *online.OPERATIONS,
    ):
        Operations.register_operation(name)(op_class)
        Operations.implementation_for(op_class)(execute)
        renderers.dispatch_for(op_class)(render)
    operations.guard(ops.AlterColumnOp, operations.alter_column_checks)
    for naming_class in operations.NAMING_OPERATIONS:
        operations.guard(naming_class, operations.creation_checks)
    # Oracle's stored default text against the model's, after Alembic's compare_server_default switch
    plugin.add_autogenerate_comparator(
        oracle_compare.server_default_noise, "column", "server_default", priority=DispatchPriority.FIRST
    )
    # sequences first, then the filter that hides drops of the tool's own tables
    # (each returns None, which Alembic reads as PriorityDispatchResult.CONTINUE)
    comparators: tuple[Any, ...] = (compare.compare_sequences, compare.forget_own_objects)
    for comparator in comparators:
        plugin.add_autogenerate_comparator(comparator, "schema", priority=DispatchPriority.LAST)


def install() -> None:
    """Run ``setup`` once in this process."""
    if not _installed:
        plugin = Plugin(NAME)
        _installed.append(plugin)
        setup(plugin)


def autogenerate_plugins(user_choice: list[str] | None) -> list[str]:
    """The user's ``autogenerate_plugins`` (Alembic's default if none), with ours added."""
    chosen = list(user_choice) if user_choice is not None else ["alembic.autogenerate.*"]
    return chosen if NAME in chosen else [*chosen, NAME]


__all__ = ["AUTOGENERATE_PLUGINS", "install", "setup"]
