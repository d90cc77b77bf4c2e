"""The Flask application whose users and roles live in an Oracle schema."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: configuration, database, migrations, security, pages."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)

    from . import config

    app.config.update(config.load(app.instance_path))
    if test_config is not None:
        app.config.update(test_config)

    from . import database, security, views

    database.init_app(app)
    security.init_app(app)
    views.init_app(app)
    return app
