"""Comparators that drop Oracle reflection noise, so ``db check`` and autogenerate see real changes only.

Each returns False ("the same") for a known-equivalent pair and None to let Alembic decide. What
reflection returns is what the data dictionary holds (Oracle Database Reference, ALL_TAB_COLUMNS):
DATA_DEFAULT is a LONG holding the default's text as typed, trailing blanks and newline included,
and the text ``NULL`` after ``DEFAULT NULL`` or ``MODIFY ... DEFAULT NULL`` (a removed default);
DATA_TYPE is NUMBER with DATA_PRECISION/DATA_SCALE for what was declared SMALLINT or INTEGER, and
BLOB for JSON written for a version before 21c.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.util import PriorityDispatchResult
from sqlalchemy import Boolean, types
from sqlalchemy.schema import DefaultClause, Identity

from ..private import rendered_server_default

_QUOTED = re.compile(r"('(?:[^']|'')*')")


def normalized_default(text: str | None) -> str | None:
    """A server default as Oracle means it: case and spaces ignored outside literals, no outer ()."""
    if text is None:
        return None
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    parts = _QUOTED.split(text)
    return "".join(part if part.startswith("'") else "".join(part.split()).lower() for part in parts)


def compare_server_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """``SYSDATE`` and ``sysdate\\n`` are the same default on Oracle (it stores the text as typed)."""
    if context.dialect.name != "oracle":
        return None
    reflected = normalized_default(inspected_default)
    if rendered_metadata_default is None and reflected in (None, "", "null"):
        return False  # DEFAULT NULL is no default
    if reflected == normalized_default(rendered_metadata_default):
        return False
    return None


def server_default_noise(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    table_name: str,
    column_name: str,
    inspected_column: Any,
    metadata_column: Any,
) -> PriorityDispatchResult:
    """The autogenerate comparator form of ``compare_server_default``: STOP when only noise differs.

    Registered by the plugin, behind Alembic's own ``compare_server_default`` switch, rather than
    passed as that option's callable: Alembic reads a callable's reflected default as
    ``server_default.arg.text``, which an identity or computed column does not have (an
    AttributeError on every PostgreSQL and Oracle 12c+ table with one; sqlalchemy/alembic#775).
    Here only plain defaults are looked at; identity and computed columns go on to Alembic's own.
    """
    inspected = inspected_column.server_default
    wanted = metadata_column.server_default
    identities = autogen_context.dialect.supports_identity_columns
    if isinstance(wanted, Identity) and inspected is None and not identities:
        # SQLite and MariaDB make an Identity() an autoincrement column and reflect no identity:
        # without this, every `db migrate` there proposes adding it again
        return PriorityDispatchResult.STOP
    if autogen_context.dialect.name != "oracle":
        return PriorityDispatchResult.CONTINUE
    if not all(default is None or isinstance(default, DefaultClause) for default in (inspected, wanted)):
        return PriorityDispatchResult.CONTINUE
    reflected_text = inspected.arg.text if inspected is not None else None
    same = compare_server_default(
        autogen_context.migration_context,
        inspected_column,
        metadata_column,
        reflected_text,
        wanted,
        rendered_server_default(wanted, autogen_context),
    )
    return PriorityDispatchResult.STOP if same is False else PriorityDispatchResult.CONTINUE


def _scripts_version(context: Any) -> tuple[int, ...]:
    """The Oracle version the project's scripts are written for (ORACLE_TARGET_VERSION, else 11.2)."""
    from ..configuration import settings_of

    config = getattr(context, "config", None)
    return settings_of(config).oracle_version if config is not None else (11, 2)


def _is_number_column(type_: Any) -> bool:
    return isinstance(type_, (types.Integer, types.Numeric)) and not isinstance(type_, types.Float)


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Oracle reflection noise: Boolean stored as a NUMBER, JSON as a BLOB, NUMBER vs INTEGER."""
    if context.dialect.name != "oracle":
        return None
    if isinstance(metadata_type, Boolean) and _is_number_column(inspected_type):
        # Boolean is SMALLINT before 23ai; a 23ai server still holds the NUMBER column a script
        # for an older target made: the same, unless the scripts are written for 23ai themselves
        native = context.dialect.supports_native_boolean and _scripts_version(context) >= (23,)
        return None if native else False
    if isinstance(metadata_type, types.JSON) and isinstance(inspected_type, (types.LargeBinary, types.Text)):
        # JSON is a BLOB before 21c (SQLAlchemy's Oracle JSON: use_blob): the same, read on 21c+,
        # unless the scripts are written for 21c or later, which make a native JSON column
        return None if _scripts_version(context) >= (21,) else False
    if isinstance(metadata_type, types.Integer) and _is_number_column(inspected_type):
        # INTEGER is NUMBER(38) or NUMBER(*,0) on Oracle; reflection may say either
        scale = getattr(inspected_type, "scale", None)
        return False if scale in (None, 0) else None
    return None
