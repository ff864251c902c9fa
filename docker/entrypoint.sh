#!/bin/sh
# Starts the image's command. When SHOPSMART_SERVICE_TOKEN_FILE names a file, the service credential
# is read from it (the compose stack's development token, written by its init job); on AWS the
# credential comes from Cognito client credentials and this does nothing.
set -eu
if [ -n "${SHOPSMART_SERVICE_TOKEN_FILE:-}" ]; then
  SHOPSMART_SERVICE_TOKEN="$(cat "$SHOPSMART_SERVICE_TOKEN_FILE")"
  export SHOPSMART_SERVICE_TOKEN
fi
exec "$@"
