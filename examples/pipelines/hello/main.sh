#!/bin/sh
# The smallest pipeline: a folder with a main.sh and nothing else.
echo "Hello from fastflow!"
echo "This is run ${FASTFLOW_RUN_ID:-?} of pipeline ${FASTFLOW_PIPELINE:-hello}."
echo "It is $(date)."
