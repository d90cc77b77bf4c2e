"""Raw Alembic's environment: the reference the benchmarks compare ``manage.py db`` with.

The same scripts run here as through manage.py; only the ops plugin (op.create_sequence) is
imported, because the scripts call it. Models for autogenerate come from BENCH_MODELS (module:attr).
"""

import importlib
import os

from alembic import context
from sqlalchemy import create_engine

from oramigrate import plugin

plugin.install()  # the scripts call op.create_sequence

metadata = None
if os.environ.get("BENCH_MODELS"):
    module, attribute = os.environ["BENCH_MODELS"].split(":")
    metadata = getattr(importlib.import_module(module), attribute)

engine = create_engine(str(context.config.get_main_option("sqlalchemy.url")))
with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=metadata, compare_type=True, transaction_per_migration=True
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
