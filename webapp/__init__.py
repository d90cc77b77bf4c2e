"""The Flask application whose users and roles live in an Oracle schema."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Application factory: configuration, database, migrations, and (``web``) security and pages.

    ``web=False`` is for ``manage.py db ...``: schema work needs neither logins nor pages, and
    skipping them keeps those commands as quick to start as Alembic's own.
    """
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from . import config

    app.config.update(config.load(app.instance_path))
    if test_config is not None:
        app.config.update(test_config)

    from . import database

    database.init_app(app, web=web)
    if web:
        from . import security, views

        security.init_app(app)
        views.init_app(app)
    return app
