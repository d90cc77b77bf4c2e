"""Whether a column type change can lose or reject existing values (shorter, less precise, other kind)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine

# Decimal digits each integer type holds (SMALLINT, INTEGER, BIGINT): what a NUMBER(p) must keep.
_INTEGER_DIGITS = ((sa.SmallInteger, 5), (sa.BigInteger, 19), (sa.Integer, 10))


def _integer_digits(type_: TypeEngine[Any]) -> int | None:
    for kind, digits in _INTEGER_DIGITS:
        if isinstance(type_, kind):
            return digits
    return None


def _describe(type_: TypeEngine[Any]) -> str:
    return repr(type_)


def _string_narrows(old: sa.String, new: sa.String) -> str | None:
    if new.length is not None and (old.length is None or new.length < old.length):
        return f"{_describe(old)} -> {_describe(new)}: longer values would not fit"
    return None


def _numeric_narrows(old: TypeEngine[Any], new: TypeEngine[Any]) -> str | None:
    old_digits, new_digits = _integer_digits(old), _integer_digits(new)
    if old_digits is not None and new_digits is not None:
        return (
            f"{_describe(old)} -> {_describe(new)}: larger numbers would not fit"
            if new_digits < old_digits
            else None
        )
    if old_digits is not None and isinstance(new, sa.Numeric) and not isinstance(new, sa.Float):
        if new.precision is not None and new.precision - (new.scale or 0) < old_digits:
            return f"{_describe(old)} -> {_describe(new)}: fewer integer digits"
        return None
    if isinstance(old, sa.Numeric) and new_digits is not None:
        whole = not isinstance(old, sa.Float) and old.scale == 0 and old.precision is not None
        if whole and old.precision is not None and old.precision <= new_digits:
            return None
        return f"{_describe(old)} -> {_describe(new)}: fractions would be cut"
    if isinstance(old, sa.Numeric) and isinstance(new, sa.Numeric):
        if isinstance(old, sa.Float) != isinstance(new, sa.Float):
            return f"{_describe(old)} -> {_describe(new)}: exact and binary numbers round differently"
        if new.precision is not None and (old.precision is None or new.precision < old.precision):
            return f"{_describe(old)} -> {_describe(new)}: less precision"
        if (new.scale or 0) < (old.scale or 0):
            return f"{_describe(old)} -> {_describe(new)}: fewer decimal places"
    return None


def narrows(old: TypeEngine[Any] | None, new: TypeEngine[Any]) -> str | None:
    """Why changing ``old`` to ``new`` can truncate or reject values, or None when it cannot."""
    if old is None:
        return f"to {_describe(new)} from an unknown type (pass existing_type= so it can be judged)"
    if isinstance(old, sa.String) and isinstance(new, sa.String):
        return _string_narrows(old, new)
    numeric = (sa.Integer, sa.Numeric)
    if isinstance(old, numeric) and isinstance(new, numeric):
        return _numeric_narrows(old, new)
    if isinstance(new, sa.String):
        digits = _integer_digits(old)
        if new.length is None or (digits is not None and new.length > digits):
            return None  # every value of old still has a text form that fits
        return f"{_describe(old)} -> {_describe(new)}: the text form may not fit"
    if isinstance(old, sa.DateTime) and isinstance(new, sa.DateTime):
        return None
    if isinstance(old, sa.DateTime) and isinstance(new, sa.Date):
        return f"{_describe(old)} -> {_describe(new)}: the time of day would be lost"
    if isinstance(old, sa.Date) and isinstance(new, (sa.Date, sa.DateTime)):
        return None
    if isinstance(old, sa.Boolean) and isinstance(new, (sa.Boolean, sa.Integer)):
        return None
    if type(old) is type(new):
        return None
    return f"{_describe(old)} -> {_describe(new)}: values of one kind may not convert to the other"
