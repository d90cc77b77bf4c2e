"""Comparators: sequences as first-class objects; the tool's own tables never proposed for a drop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from sqlalchemy import Column, MetaData, Sequence, text

from ..configuration import DEFAULT_HISTORY_TABLE, settings_of
from ..deploy import tables as deploy_tables
from ..operations import CreateSequenceOp, DropSequenceOp
from ..private import standalone_sequences


def declared_sequences(
    metadata: MetaData | Iterable[MetaData] | None,
) -> dict[tuple[str | None, str], Sequence]:
    """Every Sequence the models declare, keyed by (schema, lowercase name)."""
    if metadata is None:
        return {}
    found: dict[tuple[str | None, str], Sequence] = {}
    for meta in [metadata] if isinstance(metadata, MetaData) else metadata:
        for sequence in standalone_sequences(meta):
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


def _sequences_of_new_tables(upgrade_ops: ops.UpgradeOps) -> None:
    """Where the database has no sequences (SQLite), still create those of new tables.

    The script will also run on Oracle; create_sequence is a no-op here.
    """
    for index in reversed(range(len(upgrade_ops.ops))):
        create = upgrade_ops.ops[index]
        if isinstance(create, ops.CreateTableOp):
            for column in create.columns:
                if isinstance(column, Column) and isinstance(column.default, Sequence):
                    upgrade_ops.ops.insert(index, CreateSequenceOp.from_sequence(column.default))


def _passes_filters(autogen_context: AutogenContext, name: str, schema: str | None) -> bool:
    """The user's ``include_name`` hook decides about sequences too (type "sequence")."""
    kind: Any = "sequence"
    return autogen_context.run_name_filters(name, kind, {"schema_name": schema})


def compare_sequences(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> None:
    """Create sequences the models declare and the database lacks; drop the reverse."""
    dialect = autogen_context.dialect
    if dialect is None or autogen_context.connection is None:
        return
    if not dialect.supports_sequences:
        _sequences_of_new_tables(upgrade_ops)
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


def forget_own_objects(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> None:
    """Remove drops of the tool's tables from what autogenerate found (for direct ``compare_metadata``)."""
    config = autogen_context.migration_context.config if autogen_context.migration_context else None
    history_table = settings_of(config).history_table if config is not None else DEFAULT_HISTORY_TABLE
    own = deploy_tables.build(history_table).names()
    upgrade_ops.ops = [
        op for op in upgrade_ops.ops if not (isinstance(op, ops.DropTableOp) and op.table_name.lower() in own)
    ]
