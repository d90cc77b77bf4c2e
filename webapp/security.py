"""Flask-Security-Too: login, logout and change password over the ``auth_user`` table, behind CSRF."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response
from flask_security import Security, SQLAlchemyUserDatastore
from flask_wtf.csrf import CSRFProtect

from models import Role, User, db

from .passwords import StrongPasswordUtil
from .throttle import ThrottledChangePasswordForm

# the classes go to the constructor: Security.init_app ignores *_cls keywords
security = Security(password_util_cls=StrongPasswordUtil, change_password_form=ThrottledChangePasswordForm)
csrf = CSRFProtect()

# Our pages load nothing from elsewhere and use no inline script or style.
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


def _security_headers(app: Flask) -> Callable[[Response], Response]:
    """The after-request hook that adds the headers every answer carries (a view's own value wins)."""
    fixed = (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    )
    config = app.config  # read through the app, not the `current_app` proxy: this runs on every answer

    def add(response: Response) -> Response:
        headers = response.headers
        for name, value in fixed:
            if name not in headers:
                headers.add(name, value)
        # set by `runserver --production` only: a browser that saw it refuses plain http for a year
        hsts = config.get("STRICT_TRANSPORT_SECURITY")
        if hsts and "Strict-Transport-Security" not in headers:
            headers.add("Strict-Transport-Security", hsts)
        return response

    return add


def init_app(app: Flask) -> None:
    """CSRF protection, then Flask-Security (it checks that CSRFProtect came first), limits, lock-out."""
    from . import error_pages, lockout, throttle

    csrf.init_app(app)
    security.init_app(app, SQLAlchemyUserDatastore(db, User, Role))
    throttle.init_app(app)
    lockout.init_app(app)
    error_pages.init_app(app)
    app.after_request(_security_headers(app))
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client address the limiter counts, and https for the secure cookies and HSTS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
