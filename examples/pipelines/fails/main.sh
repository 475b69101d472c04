#!/bin/sh
# Fails on purpose: the exit code and the message on stderr are the
# pipeline's own, so fastflow reports a Pipeline Error, not an
# Infrastructure Error.
echo "Reading the input ..."
echo "error: the input file data.csv does not exist" >&2
exit 3
