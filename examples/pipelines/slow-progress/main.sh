#!/bin/sh
# A line every half second: each should appear as it is printed.
i=1
while [ "$i" -le 6 ]; do
  sleep 0.5
  echo "tick $i/6 at $(date +%T)"
  i=$((i + 1))
done
