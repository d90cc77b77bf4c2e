"""Sign-in throttling with Flask-Limiter.

``/login`` and ``/change`` take at most ``LOGIN_RATE_LIMIT`` failed attempts per account and,
separately, per client address (``LOGIN_RATE_LIMIT_PER_IP``) in a moving window; the next POST
gets 429 with ``Retry-After``, whatever the password, until the oldest failure leaves the window.
Only failures are counted, so signing in and out never locks anyone out. Each attempt costs the
server one argon2 hash (~250 ms): without a limit one client can try 4 passwords a second per
core. Counters live in ``RATELIMIT_STORAGE_URI`` (in memory by default; a shared store such as
``redis://`` when several instances serve). The lock-out that holds across processes and restarts
counts in the database (webapp/lockout.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask_login import current_user
from flask_security.forms import ChangePasswordForm

LOGIN_ENDPOINT = "security.login"
CHANGE_ENDPOINT = "security.change_password"


class ThrottledChangePasswordForm(ChangePasswordForm):
    """Flask-Security's change form, marking a wrong current password for the limiter."""

    def validate(self, **kwargs: Any) -> bool:
        """Validate as Flask-Security does; remember whether the current password was wrong."""
        valid: bool = super().validate(**kwargs)
        if not valid and self.password.errors:
            g.wrong_current_password = True
        return valid


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _login_account() -> str:
    email = request.form.get("email")
    if email is None and request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    # case-blind like the account lookup; bounded, since it becomes a storage key
    return "account:" + str(email or "").strip().casefold()[:255]


def _change_account() -> str:
    return f"user:{current_user.get_id() if current_user.is_authenticated else 'anonymous'}"


def _login_failed(response: Any) -> bool:
    return not current_user.is_authenticated


def _change_failed(response: Any) -> bool:
    return bool(g.get("wrong_current_password"))


def _per_account() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _per_address() -> str:
    return str(current_app.config.get("LOGIN_RATE_LIMIT_PER_IP") or current_app.config["LOGIN_RATE_LIMIT"])


def retry_after_seconds(app: Flask) -> int | None:
    """Seconds until the limit this request broke lets the next attempt through."""
    import time

    limiter = app.extensions.get("webapp_limiter")
    current = limiter.current_limit if limiter is not None else None
    return None if current is None else max(1, int(current.reset_at - time.time()))


def init_app(app: Flask) -> None:
    """Limit failed POSTs to Flask-Security's login and change-password views."""
    from flask_limiter import Limiter

    limiter = Limiter(key_func=_client_address, app=app, strategy="moving-window", headers_enabled=True)
    app.extensions["webapp_limiter"] = limiter
    for endpoint, account, failed in (
        (LOGIN_ENDPOINT, _login_account, _login_failed),
        (CHANGE_ENDPOINT, _change_account, _change_failed),
    ):
        view: Any = app.view_functions[endpoint]
        view = limiter.limit(_per_account, key_func=account, methods=["POST"], deduct_when=failed)(view)
        view = limiter.limit(_per_address, methods=["POST"], deduct_when=failed, scope="address")(view)
        app.view_functions[endpoint] = view
    # every other request (pages, /healthz, static files) skips the limiter's per-request work
    limiter.request_filter(_not_throttled)
    _only_when_throttled(app, limiter)


def _only_when_throttled(app: Flask, limiter: Any) -> None:
    """Run Flask-Limiter's app-wide hooks only for the POSTs it can limit.

    Its before-request check exists for application-wide and default limits, which we do not set:
    each limit is a decorator on its view, and the decorated view checks itself. Its after-request
    hook deducts failures and adds the rate headers of a limited view; its teardown resets that
    request's state. For any other request all three are no-ops, yet reaching that verdict costs
    more than a /healthz answer's own work: the guard decides the same thing first, for less.
    """
    hooks: tuple[list[Any], ...] = (
        app.before_request_funcs.setdefault(None, []),
        app.after_request_funcs.setdefault(None, []),
        app.teardown_request_funcs.setdefault(None, []),
    )
    for when, registered in zip(("before", "after", "teardown"), hooks, strict=True):
        owned = [i for i, hook in enumerate(registered) if _owner(hook) is limiter]
        if len(owned) != 1:
            raise RuntimeError(f"Flask-Limiter no longer registers one {when}-request hook")
        registered[owned[0]] = _guarded(registered[owned[0]], passes_response=when == "after")


def _owner(hook: Any) -> Any:
    # a bound method (the check, the teardown) or a functools.partial over the limiter (headers)
    return getattr(hook, "__self__", None) or next(iter(getattr(hook, "args", ())), None)


def _guarded(hook: Callable[..., Any], passes_response: bool) -> Callable[..., Any]:
    # an after-request hook hands the response on; the others return nothing
    def guarded(*args: Any) -> Any:
        if _not_throttled():
            return args[0] if passes_response else None
        return hook(*args)

    return guarded


def _not_throttled() -> bool:
    return request.method != "POST" or request.endpoint not in (LOGIN_ENDPOINT, CHANGE_ENDPOINT)
