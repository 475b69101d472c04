#!/bin/sh
# The client library through GObject Introspection: examples/run-and-follow.py
# starts a run against a fastflowd on a private bus and prints its output
# live, with the run's exit code as its own.
set -eu
src=${1:?source root}
build=${2:?build root}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/pipelines/greet"
printf 'echo "hello $WHO"\necho to-stderr >&2\nexit 4\n' >"$tmp/pipelines/greet/main.sh"
echo '[daemon]' >"$tmp/fastflow.conf"
export FASTFLOW_PLUGIN_PATH="$build/plugins/local"
export GI_TYPELIB_PATH="$build/core/lib${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export LD_LIBRARY_PATH="$build/core/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
status=0
# shellcheck disable=SC2016
dbus-run-session -- sh -c '
  "$1" --pipelines-dir "$2/pipelines" --state-dir "$2/state" --config "$2/fastflow.conf" 2>"$2/daemon.log" &
  gdbus wait --session --timeout 30 org.fastflow.Orchestrator1
  status=0
  /usr/bin/python3 "$3/examples/run-and-follow.py" greet WHO=python >"$2/out" 2>"$2/err" || status=$?
  kill $!
  exit $status
' sh "$build/core/daemon/fastflowd" "$tmp" "$src" || status=$?
cat "$tmp/out" "$tmp/err"
[ "$status" = 4 ] || { echo "expected exit 4, got $status"; exit 1; }
grep -qx 'hello python' "$tmp/out" || { echo "the run's output did not come through"; exit 1; }
grep -qx 'to-stderr' "$tmp/out" || { echo "the run's stderr did not come through"; exit 1; }
grep -q '^run 1: failed$' "$tmp/err" || { echo "the run's state was not read"; exit 1; }
