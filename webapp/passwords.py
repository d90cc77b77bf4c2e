"""Password rules on top of Flask-Security's: one class, used by the web forms and the CLI alike.

Flask-Security checks the length (8 to 128) and, with ``SECURITY_PASSWORD_COMPLEXITY_CHECKER =
"zxcvbn"``, the strength. Added here: a message that says "too long" when it is, a refusal of a
password containing the email's local part (zxcvbn only lowers the score of one that equals it),
and zxcvbn run on the first 72 characters, its own limit, above which it raises ValueError.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_security import PasswordUtil
from flask_security.utils import password_breached_validator, password_complexity_validator

# Flask-Security's hard upper bound (password_length_validator), and zxcvbn's input limit
MAX_LENGTH = 128
ZXCVBN_MAX_LENGTH = 72
# a shorter local part ("al", "jo") is a substring of too many good passwords to refuse them all
MIN_LOCAL_PART = 3


def _email_of(is_register: bool, kwargs: dict[str, Any]) -> str:
    if is_register:
        return str(kwargs.get("email") or "")
    user = kwargs.get("user")
    return str(getattr(user, "email", "") or "")


class StrongPasswordUtil(PasswordUtil):
    """Flask-Security's PasswordUtil with clearer length messages and the email rule."""

    def validate(self, password: str, is_register: bool, **kwargs: Any) -> tuple[list[str] | None, str]:
        """Problems of ``password`` (None when it is acceptable) and its normalised form."""
        normalized = self.normalize(password)
        minimum = int(current_app.config["SECURITY_PASSWORD_LENGTH_MIN"])
        if len(normalized) < minimum:
            return [f"Password must be at least {minimum} characters"], normalized
        if len(normalized) > MAX_LENGTH:
            return [
                f"Password must be at most {MAX_LENGTH} characters (this one has {len(normalized)})"
            ], normalized
        local = _email_of(is_register, kwargs).rpartition("@")[0].casefold()
        if len(local) >= MIN_LOCAL_PART and local in normalized.casefold():
            return ["Password must not contain the part of the email before the @"], normalized
        problems = password_breached_validator(normalized)
        if problems:
            return problems, normalized
        # a prefix is never stronger than the whole: if it scores enough, so does the password
        prefix = normalized[:ZXCVBN_MAX_LENGTH]
        return password_complexity_validator(prefix, is_register, **kwargs), normalized
