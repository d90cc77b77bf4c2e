"""Autogenerate additions: sequences as first-class objects, and no empty revisions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from alembic.autogenerate import comparators
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.util import DispatchPriority
from sqlalchemy import MetaData, Sequence, text

from .sequences import CreateSequenceOp, DropSequenceOp

log = logging.getLogger("oramigrate")


def declared_sequences(
    metadata: MetaData | Iterable[MetaData] | None,
) -> dict[tuple[str | None, str], Sequence]:
    """Every Sequence the models declare, keyed by (schema, lowercase name)."""
    if metadata is None:
        return {}
    found: dict[tuple[str | None, str], Sequence] = {}
    for meta in [metadata] if isinstance(metadata, MetaData) else metadata:
        for sequence in meta._sequences.values():
            found[(sequence.schema, sequence.name.lower())] = sequence
        for table in meta.tables.values():
            for column in table.columns:
                default = column.default
                if isinstance(default, Sequence) and not default.optional:
                    found[(default.schema, default.name.lower())] = default
    return found


def _implicit_sequences(autogen_context: AutogenContext, schema: str | None) -> set[str]:
    """Sequences the database made itself for SERIAL / IDENTITY columns: never ours to drop."""
    connection = autogen_context.connection
    assert connection is not None
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND d.deptype IN ('a', 'i') "
                "AND n.nspname = coalesce(:schema, current_schema())"
            ),
            {"schema": schema},
        )
        return {row[0] for row in rows}
    return set()


def _passes_filters(autogen_context: AutogenContext, name: str, schema: str | None) -> bool:
    """The user's ``include_name`` hook decides about sequences too (type "sequence")."""
    kind: Any = "sequence"
    return autogen_context.run_name_filters(name, kind, {"schema_name": schema})


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def compare_sequences(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> None:
    """Create sequences the models declare and the database lacks; drop the reverse."""
    dialect = autogen_context.dialect
    if dialect is None or not dialect.supports_sequences or autogen_context.connection is None:
        return
    declared = declared_sequences(autogen_context.metadata)
    inspector = autogen_context.inspector
    for schema in schemas:
        implicit = _implicit_sequences(autogen_context, schema)
        existing = {
            name.lower()
            for name in inspector.get_sequence_names(schema=schema)
            if name not in implicit and not name.lower().startswith("iseq$$_")
        }
        wanted = {name: seq for (seq_schema, name), seq in declared.items() if seq_schema == schema}
        for name in sorted(set(wanted) - existing):
            if _passes_filters(autogen_context, name, schema):
                # before any create_table that draws from it
                upgrade_ops.ops.insert(0, CreateSequenceOp.from_sequence(wanted[name]))
        for name in sorted(existing - set(wanted)):
            if _passes_filters(autogen_context, name, schema):
                # after any drop_table that drew from it
                upgrade_ops.ops.append(DropSequenceOp(name, schema=schema))


def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
    """Write no revision file when autogenerate found nothing to do."""
    config = context.config
    if getattr(config.cmd_opts, "autogenerate", False) and directives:
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")
