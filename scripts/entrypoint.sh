#!/bin/sh
# The container's entrypoint: `migrate` (the one-shot service: db upgrade under the migration lock,
# as a Kubernetes init container or Job would run it) or `serve` (waitress, refusing to serve a
# schema that is not at head). Secrets come as files (*_FILE), read by the application itself.
set -eu

PYTHON="${PYTHON:-python}"
case "${1:-serve}" in
  migrate)
    exec "$PYTHON" manage.py db upgrade --lock-timeout "${MIGRATION_LOCK_TIMEOUT:-300}"
    ;;
  serve)
    exec "$PYTHON" manage.py runserver --production --host 0.0.0.0 --port "${PORT:-8000}"
    ;;
  *)
    exec "$@"
    ;;
esac
