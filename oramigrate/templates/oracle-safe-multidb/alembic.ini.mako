# Alembic settings (Flask-Migrate supplies each bind's URL); made by `db init --multidb` from oramigrate.

[alembic]
# Revision files are named <rev>_<slug>.py; our hand-audited ones use short ordered ids.
file_template = %%(rev)s_%%(slug)s

[post_write_hooks]
# revisions written by `db migrate` pass `ruff format --check` and `ruff check` as written
# (needs ruff where the command runs; remove these lines if the project does not use it)
hooks = ruff_fix, ruff_format
ruff_fix.type = module
ruff_fix.module = ruff
ruff_fix.options = check --fix --quiet REVISION_SCRIPT_FILENAME
ruff_format.type = module
ruff_format.module = ruff
ruff_format.options = format --quiet REVISION_SCRIPT_FILENAME

[loggers]
keys = root,sqlalchemy,alembic,alembic_plugins,flask_migrate,oramigrate

[handlers]
keys = console,bare

[formatters]
keys = generic,bare

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[logger_alembic_plugins]
level = WARN
handlers =
qualname = alembic.runtime.plugins

[logger_flask_migrate]
# its "Error: ..." lines are the CLI's own one-line errors: printed bare, like ours
level = INFO
handlers = bare
propagate = 0
qualname = flask_migrate

[logger_oramigrate]
level = INFO
handlers =
qualname = oramigrate

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[handler_bare]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = bare

[formatter_bare]
format = %(message)s

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
