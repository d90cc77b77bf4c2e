"""The web benchmark's reference: a minimal Flask-Security-Too app with our login page and settings.

Same models, same configuration (``webapp.config.load`` plus the production settings), the same
templates (so ``/login`` renders the same page, CSRF token included), and a ``/healthz`` that does
the least the job needs: one read of ``alembic_version`` against heads read once at start-up. What
it lacks is ours: the application factory's subsystems, the security headers, the schema helpers.
The ratio ours / this is the price of our own code per request, not of Flask-Security.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue
from flask_security import Security, SQLAlchemyUserDatastore
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent


def create_reference_app() -> Flask:
    """The reference app on DATABASE_URL."""
    from models import Role, User, db
    from webapp import config
    from webapp.config import PRODUCTION_SETTINGS

    app = Flask(
        "reference",
        template_folder=str(ROOT / "webapp" / "templates"),
        static_folder=str(ROOT / "webapp" / "static"),
    )
    instance = Path(os.environ.get("BENCH_INSTANCE", ROOT / "instance"))
    app.config.update(config.load(str(instance)))
    app.config.update(PRODUCTION_SETTINGS)
    db.init_app(app)
    CSRFProtect(app)
    Security(app, SQLAlchemyUserDatastore(db, User, Role))
    heads = sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads())

    # the layout links to these (by name): stubs, never requested by the benchmark
    pages = Blueprint("pages", __name__)
    for rule, endpoint in (("/", "home"), ("/schema", "schema"), ("/api/schema", "api_schema")):
        pages.add_url_rule(rule, endpoint, lambda: "")
    app.register_blueprint(pages)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        with db.engine.connect() as connection:
            current = sorted(
                row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))
            )
        at_head = current == heads
        report = {
            "status": "ok" if at_head else "unavailable",
            "database": "ok",
            "schema": "at head" if at_head else "not at head",
            "current": current,
            "heads": heads,
        }
        return jsonify(report), 200 if at_head else 503

    return app
