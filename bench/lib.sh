# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Shared by the bench/ scripts (sourced, not run): a private session bus, the
# HAProxy socket proxy of the tests, a fastflowd with a temporary state dir,
# clean-up on exit, and the arithmetic of the printed lines.
#
#   BENCH=name; source "$(dirname "$0")/lib.sh" "$@"
#
# FASTFLOW_BENCH_QUICK=1 makes every script pick its small sizes; BUILD
# points at the build tree (default _build).

SELF=$(realpath "$0")
cd "$(dirname "$SELF")/.."
ROOT=$PWD
BUILD=${BUILD:-$ROOT/_build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
IMAGE=${FASTFLOW_TEST_IMAGE:-fastflow-test/busybox:latest}
DOCKER=/usr/bin/docker
[[ -x $DOCKER ]] || DOCKER=docker
QUICK=${FASTFLOW_BENCH_QUICK:-0}
FFD=$BUILD/core/daemon/fastflowd
CTL=$BUILD/core/cli/fastflowctl
FFBENCH=$BUILD/bench/ff-bench

die () { echo "$BENCH: $*" >&2; exit 1; }

# size QUICK FULL: the size for this run (an explicit env var wins in the callers)
size () { if [[ $QUICK == 1 ]]; then echo "$1"; else echo "$2"; fi; }

[[ -x $FFD && -x $CTL && -x $FFBENCH ]] ||
  die "build first: meson setup _build && meson compile -C _build (or set BUILD)"

# Each script on its own bus, so that no other daemon or client shares it.
if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} || ${FF_BENCH_IN_BUS:-} != "$BENCH" ]]; then
  export FF_BENCH_IN_BUS=$BENCH
  # dbus-daemon's complaint that it may not raise its fd limit is noise
  exec dbus-run-session -- "$SELF" "$@" 2> >(grep --line-buffered -v 'Failed to set fd limit' >&2)
fi

work=$(mktemp -d "/tmp/ff-bench-$BENCH.XXXXXX")
bench_pids=()
bench_cleanup_hooks=()
bench_cleanup () {
  local hook pid
  for hook in "${bench_cleanup_hooks[@]}"; do "$hook" || true; done
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap bench_cleanup EXIT

need_docker () {
  $DOCKER image inspect "$IMAGE" >/dev/null 2>&1 ||
    die "no engine or no image $IMAGE: run scripts/docker-test-env.sh as root"
  command -v haproxy >/dev/null || die "haproxy is missing: scripts/install-deps"
}

# Starts the proxy of the tests (data/haproxy) on a free port: proxy_url.
start_proxy () {
  local port
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  env -i PATH=/usr/sbin:/usr/bin:/bin CONTAINERS=1 POST=1 PING=1 VERSION=1 IMAGES=1 INFO=1 \
    FF_PROXY_BIND=127.0.0.1:$port FF_ENGINE_SOCKET=/var/run/docker.sock \
    FF_PROXY_TIMEOUT_SERVER=10m FF_PROXY_TIMEOUT_CLIENT=10m \
    haproxy -db -f "$ROOT/data/haproxy/docker-socket-proxy.cfg" >"$work/haproxy.log" 2>&1 &
  bench_pids+=($!)
  proxy_url=http://127.0.0.1:$port
  for _ in $(seq 50); do
    curl -fs "$proxy_url/_ping" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "the proxy did not come up; see $work/haproxy.log"
}

# start_daemon PLUGINS [CONFIG LINES…]: fastflowd on $work/pipelines with a
# fresh state dir (unless FF_KEEP_STATE=1) and the given plugins
# (local,docker-proxy,metrics); returns once it owns its bus name.
start_daemon () {
  local plugins=$1 path="" p
  shift
  for p in ${plugins//,/ }; do path+=${path:+:}$BUILD/plugins/$p; done
  [[ ${FF_KEEP_STATE:-0} == 1 ]] || rm -rf "$work/state"
  mkdir -p "$work/pipelines"
  printf '%s\n' "$@" >"$work/fastflow.conf"
  FASTFLOW_PLUGIN_PATH=$path "$FFD" --pipelines-dir "$work/pipelines" \
    --state-dir "$work/state" --config "$work/fastflow.conf" >>"$work/fastflowd.log" 2>&1 &
  daemon_pid=$!
  bench_pids+=("$daemon_pid")
  for _ in $(seq 300); do
    "$CTL" executors >/dev/null 2>&1 && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.05
  done
  die "fastflowd did not come up; see $work/fastflowd.log"
}

stop_daemon () {
  [[ -n ${daemon_pid:-} ]] || return 0
  kill "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=
}

# pipeline NAME JSON: a pipeline folder with that pipeline.json
pipeline () {
  mkdir -p "$work/pipelines/$1"
  printf '%s\n' "$2" >"$work/pipelines/$1/pipeline.json"
}

now_ms () { echo $(( $(date +%s%N) / 1000000 )); }
now_us () { echo $(( $(date +%s%N) / 1000 )); }

# rss_kb PID: resident set size in KiB; hwm_kb PID: its peak
rss_kb () { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kb () { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# cpu_ticks PID: user + system time in clock ticks, the process and its reaped children
cpu_ticks () { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# calc EXPR: floating point arithmetic for the printed lines
calc () { /usr/bin/python3 -c "print(f'{($1):.2f}')"; }

# figure NAME FF_TEXT PEER_TEXT RATIO TARGET: the one line per figure
figure () {
  printf '%-34s fastflow %-24s | %-40s | ratio %sx  (target %s)\n' "$1" "$2" "$3" "$4" "$5"
}
