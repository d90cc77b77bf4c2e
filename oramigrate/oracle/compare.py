"""Comparators that drop Oracle reflection noise, so ``db check`` and autogenerate see real changes only.

Each returns False ("the same") for a known-equivalent pair and None to let Alembic decide.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, types

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
    if normalized_default(inspected_default) == normalized_default(rendered_metadata_default):
        return False
    return None


def _is_number_column(type_: Any) -> bool:
    return isinstance(type_, (types.Integer, types.Numeric)) and not isinstance(type_, types.Float)


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Oracle reflection noise: Boolean stored as SMALLINT before 23ai; NUMBER vs INTEGER."""
    if context.dialect.name != "oracle":
        return None
    if isinstance(metadata_type, Boolean) and not context.dialect.supports_native_boolean:
        # Boolean is SMALLINT (NUMBER(5)) before 23ai; reflected as SMALLINT/INTEGER/NUMBER
        return False if _is_number_column(inspected_type) else None
    if isinstance(metadata_type, types.Integer) and _is_number_column(inspected_type):
        # INTEGER is NUMBER(38) or NUMBER(*,0) on Oracle; reflection may say either
        scale = getattr(inspected_type, "scale", None)
        return False if scale in (None, 0) else None
    return None
