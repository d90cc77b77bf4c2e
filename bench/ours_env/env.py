"""Our environment without Flask: oramigrate.environment.run over BENCH_MODELS (for autogenerate timing)."""

import importlib
import os

from alembic import context
from sqlalchemy import create_engine

from oramigrate.environment import run

module, attribute = os.environ["BENCH_MODELS"].split(":")
metadata = getattr(importlib.import_module(module), attribute)
engine = create_engine(str(context.config.get_main_option("sqlalchemy.url")))
run(engine, metadata, {"transaction_per_migration": True})
engine.dispose()
