#!/bin/sh
# Stand-in for the official Lambda image's /lambda-entrypoint.sh: runs the handler named by the one
# argument (the image's CMD) under the runtime interface client, which takes invocations from the
# Lambda Runtime API at AWS_LAMBDA_RUNTIME_API and posts back the results.
set -eu
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" >&2
  exit 142
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  echo "AWS_LAMBDA_RUNTIME_API is not set: the official image would start AWS's runtime interface" \
    "emulator here, which this stand-in lacks; point it at a Lambda Runtime API (host:port)" >&2
  exit 1
fi
export _HANDLER="$1"
# The official bootstrap puts the function's code first, then the runtime's own packages.
export PYTHONPATH="$LAMBDA_TASK_ROOT:$LAMBDA_RUNTIME_DIR${PYTHONPATH:+:$PYTHONPATH}"
cd "$LAMBDA_TASK_ROOT"
exec python3 -m awslambdaric "$_HANDLER"
