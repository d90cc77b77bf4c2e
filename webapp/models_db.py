"""The application's Flask-SQLAlchemy object, made before its models are imported.

``db upgrade`` and ``db current`` need the engine, not the table definitions; importing the
models imports Flask-Security (for its mixins), a tenth of a schema command's start-up. So the
models module is imported the first time anything asks for the metadata: autogenerate,
``db check``, ``db baseline``, and the web application, which imports the models itself.
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy

from oramigrate.oracle.naming import oracle_safe_metadata

MODELS_MODULE = "models"


class ModelsSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose ``metadata`` always holds every model of ``MODELS_MODULE``."""

    @property
    def metadata(self) -> sa.MetaData:
        """The default metadata, with the models imported (an empty one would autogenerate drops)."""
        importlib.import_module(MODELS_MODULE)  # while models.py itself runs: already in sys.modules
        return self.metadatas[None]


db = ModelsSQLAlchemy(metadata=oracle_safe_metadata())
