#!/bin/sh
# What an install gives users, tried from the install itself: `meson
# install` into a staging folder, then
#  - examples/plugin-template built against the staged .pc files alone and
#    run by the staged fastflowd from FASTFLOW_PLUGIN_PATH;
#  - D-Bus activation: no fastflowd running, a private bus whose service
#    folder is the staged one starts it on the first fastflowctl call;
#  - examples/run-and-follow.py and run-like-fastflowctl.py through the
#    staged typelib.
set -eu
src=${1:?source root}
build=${2:?build root}
tmp=$(mktemp -d)
bus=""
cleanup () {
  [ -z "$bus" ] || kill "$bus" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail () { echo "check-install: $*"; exit 1; }

stage=$tmp/stage
DESTDIR=$stage meson install -C "$build" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions |
  /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$stage$prefix
bindir=$root/bin
libdir=$(dirname "$(find "$root" -name 'libfastflow-1.so.1' | head -n 1)")
plugindir=$libdir/fastflow-1/plugins
[ -x "$bindir/fastflowd" ] && [ -x "$bindir/fastflowctl" ] || fail "fastflowd and fastflowctl were not installed"
[ -f "$plugindir/libff-local.so" ] || fail "the plugins were not installed in $plugindir"
for file in fastflow-1.pc fastflow-plugin-1.pc girepository-1.0/Fastflow-1.typelib; do
  [ -f "$libdir/$file" ] || [ -f "$libdir/pkgconfig/$file" ] || fail "$file was not installed"
done
[ -f "$root/share/dbus-1/services/org.fastflow.Orchestrator1.service" ] || fail "no activation file"
[ -f "$root/share/dbus-1/interfaces/org.fastflow.Orchestrator1.xml" ] || fail "no interface XML"

# The library's face is its API: no private helper is exported, installed
# or required, and a header on its own is refused as GLib's are.
lib=$(readlink -f "$libdir/libfastflow-1.so.1")
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVW]$/ { print $3 }' | sed 's/@.*//' >"$tmp/exports"
[ -s "$tmp/exports" ] || fail "nm found no exports in $lib"
leaked=$(grep -v '^ff_' "$tmp/exports" | grep -v '^FASTFLOW_' || true)
[ -z "$leaked" ] || fail "libfastflow-1 exports names outside its API: $leaked"
private=$(grep -E '^(ff_dbus_|_ff_dbus_|ff_log_follower_|ff_http_server_)' "$tmp/exports" || true)
[ -z "$private" ] || fail "libfastflow-1 exports private helpers: $private"
grep -q '^ff_client_new_sync$' "$tmp/exports" || fail "libfastflow-1 does not export its API"
incdir=$(dirname "$(find "$root" -name 'fastflow.h' | head -n 1)")
for header in ff-dbus-generated.h ff-http-server-private.h ff-log-follower-private.h ff-http-server.h; do
  [ ! -e "$incdir/$header" ] || fail "the private header $header was installed"
done
! grep -q '^Requires:.*libsoup' "$libdir/pkgconfig/fastflow-1.pc" ||
  fail "fastflow-1.pc requires libsoup, which the API does not need"
printf '#include <ff-pipeline.h>\n' >"$tmp/alone.c"
if cc -fsyntax-only -I"$incdir" $(pkg-config --cflags gio-2.0) "$tmp/alone.c" 2>"$tmp/alone.log"; then
  fail "ff-pipeline.h could be included on its own"
fi
grep -q 'Only <fastflow.h> can be included directly' "$tmp/alone.log" ||
  { cat "$tmp/alone.log"; fail "the header guard did not say why"; }

# The staged programs start as they are, in a prefix that is not the
# system's: their RUNPATH finds libfastflow-1 and the private helper.
for program in fastflowctl fastflowd; do
  out=$(env -u LD_LIBRARY_PATH "$bindir/$program" --version 2>&1) ||
    fail "the installed $program does not start without LD_LIBRARY_PATH: $out"
  case $out in *"$program "*) ;; *) fail "the installed $program --version said: $out" ;; esac
done

# The staged files, as the prefix would hold them; the private helper
# library is found through the binaries' RUNPATH, here through the path.
export LD_LIBRARY_PATH=$libdir:$libdir/fastflow-1
export GI_TYPELIB_PATH=$libdir/girepository-1.0
export FASTFLOW_LOCALEDIR=$root/share/locale

# The plugin template against the staged .pc files only.
mkdir "$tmp/pc"
for file in "$libdir"/pkgconfig/fastflow-*.pc; do
  sed "s|^prefix=|prefix=$stage|" "$file" >"$tmp/pc/$(basename "$file")"
done
PKG_CONFIG_PATH=$tmp/pc meson setup "$tmp/plugin" "$src/examples/plugin-template" \
  >"$tmp/setup.log" 2>&1 || { cat "$tmp/setup.log"; fail "the plugin template does not configure"; }
meson compile -C "$tmp/plugin" >"$tmp/compile.log" 2>&1 ||
  { cat "$tmp/compile.log"; fail "the plugin template does not build"; }
export FASTFLOW_PLUGIN_PATH=$plugindir:$tmp/plugin

# A bus with the staged activation file; its Exec is the staged fastflowd.
mkdir -p "$tmp/services" "$tmp/pipelines/greet" "$tmp/config/fastflow" "$tmp/data" "$tmp/state"
printf 'echo "hello $WHO"\necho to-stderr >&2\nexit 4\n' >"$tmp/pipelines/greet/main.sh"
printf '[daemon]\npipelines_dir=%s\nstate_dir=%s\ndefault_executor=local\n' "$tmp/pipelines" "$tmp/state" \
  >"$tmp/config/fastflow/fastflow.conf"
sed -e "s|^Exec=$prefix/bin/|Exec=$bindir/|" -e '/^SystemdService=/d' \
  "$root/share/dbus-1/services/org.fastflow.Orchestrator1.service" \
  >"$tmp/services/org.fastflow.Orchestrator1.service"
grep -q "^Exec=$bindir/fastflowd" "$tmp/services/org.fastflow.Orchestrator1.service" ||
  fail "the activation file does not start $prefix/bin/fastflowd"
cat >"$tmp/bus.conf" <<EOS
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$tmp</listen>
  <servicedir>$tmp/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOS
# the activated daemon inherits this environment: its configuration comes
# from XDG_CONFIG_HOME, as a user's would; the Docker proxy is a closed
# local port, so that no name lookup can make the health check slow
XDG_CONFIG_HOME=$tmp/config DOCKER_PROXY_URL=http://127.0.0.1:9 \
  dbus-daemon --config-file="$tmp/bus.conf" --print-address=3 \
  --print-pid=4 --fork 3>"$tmp/address" 4>"$tmp/pid"
bus=$(cat "$tmp/pid")
DBUS_SESSION_BUS_ADDRESS=$(cat "$tmp/address")
export DBUS_SESSION_BUS_ADDRESS

"$bindir/fastflowctl" executors >"$tmp/executors" 2>&1 || { cat "$tmp/executors"; fail "activation did not start fastflowd"; }
cat "$tmp/executors"
grep -q '^echo  *available' "$tmp/executors" || fail "the daemon did not load the template plugin"
"$bindir/fastflowctl" run greet --executor echo >"$tmp/echo" 2>&1 || { cat "$tmp/echo"; fail "the echo run failed"; }
grep -q '^would run in .*greet: sh main.sh$' "$tmp/echo" || fail "the echo executor did not run"

status=0
/usr/bin/python3 "$src/examples/run-and-follow.py" greet WHO=python >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out" "$tmp/err"
[ "$status" = 4 ] || fail "run-and-follow.py exited $status, not the run's 4"
grep -qx 'hello python' "$tmp/out" || fail "the run's output did not come through the typelib"
grep -qx 'to-stderr' "$tmp/out" || fail "the run's stderr did not come through"
grep -q '^run 2: failed$' "$tmp/err" || fail "the run's state was not read"

# What fastflowctl does, through the typelib the same way: start options,
# following a run object, its outcome, the executors, the history.
status=0
/usr/bin/python3 "$src/examples/run-like-fastflowctl.py" local greet WHO=options \
  >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out" "$tmp/err"
[ "$status" = 4 ] || fail "run-like-fastflowctl.py exited $status, not the run's 4"
grep -qx 'hello options' "$tmp/out" || fail "the run's output did not come through FfClientRun"
grep -q '^executor echo: available$' "$tmp/err" || fail "the executors were not listed"
grep -q '^run 3 (greet): failed exit 4 reason exit-code class pipeline executor local triggered by manual: ' "$tmp/err" ||
  fail "the run's outcome was not read through FfClientRun"
grep -q '^newest run of greet: 3$' "$tmp/err" || fail "the runs were not found"
