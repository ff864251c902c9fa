#!/bin/sh
# Starts the image's command. When SHOPSMART_SERVICE_TOKEN_FILE names a file, the service credential
# is read from it (the compose stack's development token, written by its init job); on AWS the
# credential comes from Cognito client credentials and this does nothing. The file is missing only
# for the init job that writes it.
set -eu
if [ -n "${SHOPSMART_SERVICE_TOKEN_FILE:-}" ] && [ -f "$SHOPSMART_SERVICE_TOKEN_FILE" ]; then
  SHOPSMART_SERVICE_TOKEN="$(cat "$SHOPSMART_SERVICE_TOKEN_FILE")"
  export SHOPSMART_SERVICE_TOKEN
fi
# gunicorn's request limits, and a worker answering its own refusals (an over-long request line,
# too many headers) as problem+json: see service_kit/server.py. They go first so that the image's
# own GUNICORN_CMD_ARGS (workers, threads, timeouts) and flags on the command line still win.
GUNICORN_CMD_ARGS="$(python -m service_kit.server) ${GUNICORN_CMD_ARGS:-}"
export GUNICORN_CMD_ARGS
exec "$@"
