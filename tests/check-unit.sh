#!/bin/sh
# The systemd user unit as systemd reads it: `systemd-analyze verify`
# finds nothing wrong with it, and its sandboxing does not fall back above
# the exposure docs/systemd.md records. Without systemd-analyze the test
# fails: install it (scripts/install-deps) rather than skip.
set -eu
unit=${1:?the built fastflow.service}
fastflowd=${2:?the built fastflowd}
threshold=${3:?the highest exposure allowed, times ten}
command -v systemd-analyze >/dev/null || { echo "check-unit: systemd-analyze is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the unit as installed, with ExecStart at the fastflowd just built
sed "s|^ExecStart=.*|ExecStart=$fastflowd|" "$unit" >"$tmp/fastflow.service"
systemd-analyze verify --man=no "$tmp/fastflow.service" >"$tmp/verify.log" 2>&1 || {
  cat "$tmp/verify.log"; echo "check-unit: systemd-analyze verify failed"; exit 1; }
if grep -q 'fastflow.service' "$tmp/verify.log"; then
  cat "$tmp/verify.log"; echo "check-unit: systemd-analyze verify complains"; exit 1
fi
cd "$tmp"
systemd-analyze security --offline=yes --threshold="$threshold" fastflow.service >"$tmp/security.log" 2>&1 || {
  tail -n 1 "$tmp/security.log"
  echo "check-unit: the unit's exposure is above $threshold/10"; exit 1; }
tail -n 1 "$tmp/security.log"
