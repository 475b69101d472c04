#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Every shared object in the build tree's plugin folders (the ones README's
# FASTFLOW_PLUGIN_PATH names) is a module: GIO loads each .so there and
# warns "Failed to load module" for one without g_io_module_load, as it
# did for libff-docker-common.so when it was built into plugins/docker-proxy.
# Usage: check-plugin-folders.sh BUILD_ROOT
set -eu

status=0
for folder in local docker-proxy swarm metrics; do
  for so in "$1/plugins/$folder"/*.so*; do
    [ -f "$so" ] || continue
    if ! nm -D --defined-only "$so" | grep -q ' g_io_module_load$'; then
      echo "not a plugin module, but in plugin folder plugins/$folder: $(basename "$so")"
      status=1
    fi
  done
done
exit $status
