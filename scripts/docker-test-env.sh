#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Prepares the real test environment of the docker-proxy executor (DESIGN
# section 11): a Docker engine on /var/run/docker.sock, HAProxy for the
# socket proxy the tests start themselves, a local busybox image and a
# Debian Python image (mmdebstrap, a few minutes, once), since these
# machines cannot pull. Idempotent; run as root.
set -eu

IMAGE="${FASTFLOW_TEST_IMAGE:-fastflow-test/busybox:latest}"
# The image the dependency tests run Python pipelines in; its tag is the
# Python version, so `python_image = fastflow-test/python:{version}` finds it.
PYTHON_IMAGE_REPO="${FASTFLOW_TEST_PYTHON_REPO:-fastflow-test/python}"
PYTHON_VERSION=3.11
PYTHON_SUITE=bookworm
SOCKET=/var/run/docker.sock
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"

# The distribution's client speaks the engine's API version; a newer client
# in /usr/local/bin may refuse an older engine.
if [ -x /usr/bin/docker ]; then
  DOCKER=/usr/bin/docker
else
  DOCKER=docker
fi

die () {
  echo "docker-test-env: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root"

missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$missing haproxy"
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' \
  || missing="$missing busybox-static"
command -v mmdebstrap >/dev/null 2>&1 || missing="$missing mmdebstrap"
if [ -n "$missing" ]; then
  echo "docker-test-env: installing$missing"
  apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
# The image has no libc, so only the static busybox works inside it.
BUSYBOX=/bin/busybox

engine_answers () {
  $DOCKER version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

if ! engine_answers; then
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "docker-test-env: starting dockerd (log: $DOCKERD_LOG)"
    # Its own session, so it outlives this script and the shell that ran it.
    setsid dockerd --storage-driver=vfs --iptables=false >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  i=0
  until engine_answers; do
    i=$((i + 1))
    [ "$i" -le $((WAIT_SECONDS * 5)) ] || die "dockerd did not answer on $SOCKET within ${WAIT_SECONDS}s; see $DOCKERD_LOG"
    sleep 0.2
  done
fi
echo "docker-test-env: engine API $($DOCKER version --format '{{.Server.APIVersion}}')"

if ! $DOCKER image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "docker-test-env: importing $IMAGE"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/tmp" "$root/app" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
  cp "$BUSYBOX" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >>"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  echo 'nogroup:x:65534:' >>"$root/etc/group"
  tar -C "$root" -c . | $DOCKER import - "$IMAGE" >/dev/null
fi
echo "docker-test-env: image $IMAGE ready"

# The first mirror apt itself uses (deb822 or one-line sources), so the
# image comes from wherever this machine may fetch Debian packages.
debian_mirror () {
  uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*debian\)\/*$/\1/p' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 ~ /debian\/?$/ { print $2; exit }' /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# A Python image without a registry: Debian's python3 (with venv and pip),
# bootstrapped by mmdebstrap and imported. Built once; the tests only use it.
PYTHON_IMAGE="$PYTHON_IMAGE_REPO:$PYTHON_VERSION"
if ! $DOCKER image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
  mirror=$(debian_mirror)
  echo "docker-test-env: building $PYTHON_IMAGE with mmdebstrap from $mirror (a few minutes)"
  started=$(date +%s)
  mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,python3-pip \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    "$PYTHON_SUITE" - "$mirror" | $DOCKER import - "$PYTHON_IMAGE" >/dev/null \
    || die "building $PYTHON_IMAGE failed"
  got=$($DOCKER run --rm "$PYTHON_IMAGE" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ "$got" = "$PYTHON_VERSION" ] || die "$PYTHON_IMAGE has Python $got, not $PYTHON_VERSION"
  echo "docker-test-env: built $PYTHON_IMAGE in $(( $(date +%s) - started ))s"
fi
echo "docker-test-env: image $PYTHON_IMAGE ready"

# The swarm executor's tests need a swarm manager; a single node is
# enough. Only when not in a swarm yet, so that a second run, or an engine
# that already is a swarm member, stays as it is.
state=$($DOCKER info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)
if [ "$state" != active ]; then
  echo "docker-test-env: putting the engine into single-node swarm mode (was: $state)"
  $DOCKER swarm init --advertise-addr 127.0.0.1 >/dev/null \
    || die "docker swarm init failed; see $DOCKERD_LOG"
fi
# A swarm task cannot use the network "none"; the swarm executor runs
# such pipelines on an internal overlay network, which has no way out.
if ! $DOCKER network inspect fastflow-none >/dev/null 2>&1; then
  echo "docker-test-env: creating the internal overlay network fastflow-none"
  $DOCKER network create --driver overlay --internal fastflow-none >/dev/null
fi
echo "docker-test-env: swarm $($DOCKER info --format '{{.Swarm.LocalNodeState}}'), manager: $($DOCKER info --format '{{.Swarm.ControlAvailable}}')"
