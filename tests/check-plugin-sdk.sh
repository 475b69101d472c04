#!/bin/sh
# A third-party plugin built against the installed SDK alone: install this
# build into a staging folder, build examples/plugin-template against it
# with pkg-config fastflow-plugin-1, and have fastflowd load it from
# FASTFLOW_PLUGIN_PATH and run a pipeline with it.
set -eu
src=${1:?source root}
build=${2:?build root}
tmp=$(mktemp -d)
daemon=""
cleanup () {
  [ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

DESTDIR=$tmp/stage meson install -C "$build" --no-rebuild --quiet >/dev/null
staged=$(find "$tmp/stage" -name fastflow-plugin-1.pc | head -n 1)
[ -n "$staged" ] || { echo "fastflow-plugin-1.pc was not installed"; exit 1; }
# The staged .pc files, pointed at the staging folder (what an installed
# prefix would be); the system's own .pc files stay as they are.
mkdir "$tmp/pc"
for file in "$(dirname "$staged")"/fastflow-*.pc; do
  sed "s|^prefix=|prefix=$tmp/stage|" "$file" >"$tmp/pc/$(basename "$file")"
done
export PKG_CONFIG_PATH=$tmp/pc
meson setup "$tmp/plugin" "$src/examples/plugin-template" >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log"; exit 1; }
meson compile -C "$tmp/plugin" >"$tmp/compile.log" 2>&1 || { cat "$tmp/compile.log"; exit 1; }
[ -f "$tmp/plugin/libff-echo.so" ] || { echo "the template built no libff-echo.so"; exit 1; }

mkdir -p "$tmp/pipelines/hello"
echo 'echo hello' > "$tmp/pipelines/hello/main.sh"
echo '[daemon]' > "$tmp/fastflow.conf"
export FASTFLOW_PLUGIN_PATH="$build/plugins/local:$tmp/plugin"
# shellcheck disable=SC2016
dbus-run-session -- sh -c '
  "$1" --pipelines-dir "$2/pipelines" --state-dir "$2/state" --config "$2/fastflow.conf" 2>"$2/daemon.log" &
  gdbus wait --session --timeout 30 org.fastflow.Orchestrator1
  "$3" executors > "$2/executors.txt"
  "$3" run hello --executor echo > "$2/run.txt"
  kill $!
' sh "$build/core/daemon/fastflowd" "$tmp" "$build/core/cli/fastflowctl"
cat "$tmp/executors.txt" "$tmp/run.txt"
grep -q '^echo  *available' "$tmp/executors.txt" || { echo "fastflowd did not list the echo executor"; cat "$tmp/daemon.log"; exit 1; }
grep -q '^would run in .*hello: sh main.sh$' "$tmp/run.txt" || { echo "the echo executor did not run the pipeline"; exit 1; }
