"""The floor of every Flask-Migrate command: a bare Flask app, Flask-SQLAlchemy and Flask-Migrate.

``python -m flask --app bench.bare_flask:app db ...`` runs Flask-Migrate's own ``flask`` template
(env.py as ``flask db init`` writes it) on DATABASE_URL and BARE_MIGRATIONS, with the per-revision
transactions our runs use, and no lock, history, checksums, lint or journal. What raw Alembic saves
over this is the price of Flask itself; what this saves over ``manage.py db`` is ours.
Models for autogenerate come from BENCH_MODELS (module:attr), as in raw_env/env.py.
"""

from __future__ import annotations

import importlib
import os

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from oramigrate import plugin

plugin.install()  # the scripts call op.create_sequence

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
metadata = None
if os.environ.get("BENCH_MODELS"):
    module, attribute = os.environ["BENCH_MODELS"].split(":")
    metadata = getattr(importlib.import_module(module), attribute)
db = SQLAlchemy(app, metadata=metadata)
migrate = Migrate(
    app, db, directory=os.environ["BARE_MIGRATIONS"], compare_type=True, transaction_per_migration=True
)
