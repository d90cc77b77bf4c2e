"""The fingerprint of the password salt the users' hashes were made with.

Flask-Security mixes ``SECURITY_PASSWORD_SALT`` into every password before argon2 (an HMAC key),
so users seeded under one salt cannot sign in under another, and nothing says why: every
password is just "invalid". Seeding records a fingerprint of the salt; ``runserver --production``
refuses to start when the running salt's differs, and development warns.

The fingerprint is kept in the database, beside the hashes it describes, so every instance and
every machine that seeds sees the same one: the ``app_setting`` row ``SALT_SETTING`` (revision
0004 moved it there from the reserved role that held it before the table existed). It is an HMAC
keyed by the salt over a fixed text, cut to 64 bits: it tells salts apart and reveals nothing
usable about a salt that production accepts (>= 80 bits).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from flask import Flask
from sqlalchemy import inspect

from models import Setting, db
from oramigrate.errors import ConfigurationError

SALT_SETTING = "password_salt_fingerprint"


class SaltMismatch(ConfigurationError):
    """The running SECURITY_PASSWORD_SALT is not the one the stored passwords were hashed with."""


def fingerprint(salt: str) -> str:
    """A short, one-way fingerprint of ``salt``."""
    return hmac.new(salt.encode(), b"webapp password salt fingerprint", hashlib.sha256).hexdigest()[:16]


def _recorded_setting() -> Setting | None:
    setting: Setting | None = db.session.get(Setting, SALT_SETTING)
    return setting


def recorded(app: Flask) -> str | None:
    """The fingerprint seeding recorded, or None (no users seeded, or no settings table yet)."""
    if not inspect(db.engine).has_table(Setting.__tablename__):
        return None
    setting = _recorded_setting()
    return setting.value if setting is not None else None


def mismatch(app: Flask) -> str | None:
    """Why the running salt does not match the recorded one, or None when it does (or none is)."""
    seen = recorded(app)
    running = fingerprint(str(app.config["SECURITY_PASSWORD_SALT"]))
    if seen is None or seen == running:
        return None
    return (
        f"SECURITY_PASSWORD_SALT is not the salt the users' passwords were hashed with (fingerprint "
        f"{running}, seeded under {seen}): no stored password would verify; run with the seeding salt, "
        "or set every password again with `dbCreateRegUser --update`"
    )


def require_match(app: Flask) -> None:
    """SaltMismatch when the running salt is not the seeding one (``runserver --production``)."""
    message = mismatch(app)
    if message is not None:
        raise SaltMismatch(message)


def record(salt: str, notify: Callable[[str], None]) -> None:
    """Record ``salt``'s fingerprint in the current transaction; ``notify`` when it replaces another."""
    running = fingerprint(salt)
    setting = _recorded_setting()
    if setting is None:
        db.session.add(Setting(name=SALT_SETTING, value=running))
        return
    seen = setting.value
    if seen != running:
        notify(
            f"SECURITY_PASSWORD_SALT differs from the one earlier users were seeded with (fingerprint "
            f"{running}, was {seen}): their passwords will not verify under this salt"
        )
        setting.value = running
