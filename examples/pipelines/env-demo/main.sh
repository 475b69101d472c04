#!/bin/sh
# GREETING and TARGET come from default_env in pipeline.json; an env entry
# given to the run (fastflowctl run env-demo -e TARGET=you) overrides them.
echo "${GREETING:-?}, ${TARGET:-?}!"
echo "FASTFLOW_PIPELINE=${FASTFLOW_PIPELINE:-}"
echo "FASTFLOW_RUN_ID=${FASTFLOW_RUN_ID:-}"
echo "FASTFLOW_ATTEMPT=${FASTFLOW_ATTEMPT:-}"
echo "Working directory: $(pwd)"
