"""Flask-Security-Too: login, logout and change password over the ``auth_user`` table, behind CSRF."""

from __future__ import annotations

from flask import Flask, Response
from flask_security import Security, SQLAlchemyUserDatastore
from flask_wtf.csrf import CSRFProtect

from models import Role, User, db

security = Security()
csrf = CSRFProtect()

# Our pages load nothing from elsewhere and use no inline script or style.
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_app(app: Flask) -> None:
    """Attach CSRF protection, then Flask-Security (it checks that CSRFProtect came first)."""
    csrf.init_app(app)
    security.init_app(app, SQLAlchemyUserDatastore(db, User, Role))
    app.after_request(_security_headers)
