"""Account lock-out after consecutive failed sign-ins, counted in the database.

Flask-Security (5.8 and later) gives the hooks and leaves the policy and the storage to the
application: every failed credential goes through ``UserMixin.track_failed_authn``, which sends
``user_failed_authn``, and every sign-in asks ``UserMixin.is_locked`` once the password verified
(``models.User.is_locked``). Here the failures are counted in ``auth_user.failed_logins`` with one
atomic UPDATE, so every process serving the application (waitress workers, several instances)
and every restart sees the same count, unlike Flask-Limiter's in-memory window (webapp/throttle.py).

The rule: ``LOGIN_LOCKOUT_ATTEMPTS`` consecutive failures lock the account for
``LOGIN_LOCKOUT_SECONDS`` after the failure that reached the limit; the right password is refused
while it holds. Failures while locked are counted but do not extend the lock (an attacker cannot
keep an account locked past its time by trying on); once it ends, each further failure locks it
again, so a locked-out account gets one attempt per period until a successful sign-in, or a new
password set by ``dbCreateRegUser --update``, sets the count back to 0.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_security import user_authenticated, user_failed_authn
from sqlalchemy import and_, case, false, select, update

from models import User, db, utc_now

from .users import clear_failed_sign_ins, has_failed_sign_ins

# the Schema page lists at most this many accounts, most failures first
LISTED_ACCOUNTS = 1000


def record_failure(app: Flask, user: Any = None, **extra: Any) -> None:
    """Count one failed sign-in of ``user`` in the database, committed at once.

    It commits the request's session: a failed sign-in has nothing else to write, and the count
    must be visible to every other process before this one answers.
    """
    if user is None:
        return
    attempts, seconds = limits(app)
    now = utc_now()
    if attempts > 0:
        cutoff = now - timedelta(seconds=seconds)
        locked = and_(User.failed_logins >= attempts, User.last_failed_login_at > cutoff)
    else:
        locked = false()
    # the time first: MariaDB assigns left to right, so a later SET sees the new count
    statement = (
        update(User)
        .where(User.id == user.id)
        .ordered_values(
            (User.last_failed_login_at, case((locked, User.last_failed_login_at), else_=now)),
            (User.failed_logins, User.failed_logins + 1),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)
    db.session.commit()


def record_success(app: Flask, user: Any = None, **extra: Any) -> None:
    """A successful sign-in ends the run of failures (committed with the sign-in's own changes)."""
    if user is not None and has_failed_sign_ins(user):
        clear_failed_sign_ins(user)


def limits(app: Flask) -> tuple[int, int]:
    """(consecutive failures that lock an account, seconds the lock holds); 0 failures: never locked."""
    return int(app.config["LOGIN_LOCKOUT_ATTEMPTS"]), int(app.config["LOGIN_LOCKOUT_SECONDS"])


def failed_sign_ins(app: Flask) -> list[tuple[str, int, datetime | None]]:
    """(email, consecutive failures, locked until or None) of accounts with failures, most first."""
    attempts, seconds = limits(app)
    query = (
        select(User)
        .where(User.failed_logins > 0)
        .order_by(User.failed_logins.desc(), User.email)
        .limit(LISTED_ACCOUNTS)
    )
    now = utc_now()
    listed = []
    for user in db.session.scalars(query):
        until = user.locked_until(attempts, seconds)
        listed.append((user.email, user.failed_logins, until if until is not None and until > now else None))
    return listed


def init_app(app: Flask) -> None:
    """Count failures and reset on success through Flask-Security's signals."""
    user_failed_authn.connect(record_failure, app)
    user_authenticated.connect(record_success, app)
