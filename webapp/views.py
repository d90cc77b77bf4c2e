"""Pages and JSON: home, the admin-only Schema page and ``/api/schema``, and ``/healthz``."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_security import auth_required, current_user, roles_required

from .schema_state import health, schema_state

ADMIN_ROLE = "admin"

pages = Blueprint("pages", __name__)


@pages.get("/")
def home() -> ResponseReturnValue:
    """Who is signed in, and their roles."""
    return render_template("home.html")


@pages.get("/schema")
@auth_required("session")
@roles_required(ADMIN_ROLE)
def schema() -> ResponseReturnValue:
    """The schema's revisions against the migration heads, the database, failed sign-ins (admins only)."""
    from .lockout import failed_sign_ins

    return render_template(
        "schema.html",
        state=schema_state(current_app),
        failed_sign_ins=failed_sign_ins(current_app._get_current_object()),  # type: ignore[attr-defined]
    )


@pages.get("/api/schema")
def api_schema() -> ResponseReturnValue:
    """The Schema page's data as JSON: 401 when signed out, 403 when not an admin."""
    # checked here rather than by Flask-Security's decorators, which redirect a browser-like
    # request to the login page: an API caller gets a status code it can act on
    if not current_user.is_authenticated:
        return jsonify(error="authentication required"), 401
    if not current_user.has_role(ADMIN_ROLE):
        return jsonify(error=f"the {ADMIN_ROLE} role is required"), 403
    return jsonify(schema_state(current_app))


@pages.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers and the schema is at head, 503 otherwise; the body says which."""
    report, healthy = health(current_app)
    return jsonify(report), 200 if healthy else 503


def init_app(app: Flask) -> None:
    """Register the pages, and the history and lint sections of the Schema page."""
    from . import schema_sections

    schema_sections.init_app()
    app.register_blueprint(pages)
