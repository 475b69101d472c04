#!/bin/sh
# D-Bus activation: with no fastflowd running, the first fastflowctl call
# starts it through the bus, from a session activation file like the one
# `meson install` puts in place (data/org.fastflow.Orchestrator1.service.in).
set -eu
build=${1:?build root}
tmp=$(mktemp -d)
bus=""
cleanup () {
  [ -z "$bus" ] || kill "$bus" 2>/dev/null || true
  pkill -f "fastflowd --pipelines-dir $tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/services" "$tmp/pipelines/hello"
echo 'echo activated' >"$tmp/pipelines/hello/main.sh"
echo '[daemon]' >"$tmp/fastflow.conf"
cat >"$tmp/fastflowd.sh" <<EOS
#!/bin/sh
export FASTFLOW_PLUGIN_PATH=$build/plugins/local
exec $build/core/daemon/fastflowd --pipelines-dir $tmp/pipelines --state-dir $tmp/state --config $tmp/fastflow.conf
EOS
chmod +x "$tmp/fastflowd.sh"
sed "s|@bindir@/fastflowd|$tmp/fastflowd.sh|" "$(dirname "$0")/../data/org.fastflow.Orchestrator1.service.in" \
  >"$tmp/services/org.fastflow.Orchestrator1.service"
# without SystemdService's systemd: the bus starts Exec itself
sed -i '/^SystemdService=/d' "$tmp/services/org.fastflow.Orchestrator1.service"
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
dbus-daemon --config-file="$tmp/bus.conf" --print-address=3 --print-pid=4 --fork \
  3>"$tmp/address" 4>"$tmp/pid"
bus=$(cat "$tmp/pid")
DBUS_SESSION_BUS_ADDRESS=$(cat "$tmp/address")
export DBUS_SESSION_BUS_ADDRESS
"$build/core/cli/fastflowctl" run hello >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
cat "$tmp/out"
grep -qx 'activated' "$tmp/out" || { echo "the activated daemon did not run the pipeline"; exit 1; }
