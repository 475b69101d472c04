#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Start a run of a pipeline and print its output as it comes (PyGObject).

    examples/run-and-follow.py PIPELINE [KEY=VALUE ...]

Exits with the run's outcome as `fastflowctl run` would.
"""
import sys

import gi

gi.require_version("Fastflow", "1")
from gi.repository import Fastflow, Gio  # noqa: E402


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    env = dict(arg.split("=", 1) for arg in argv[2:])
    client = Fastflow.Client.new_sync(Gio.BusType.SESSION, None)
    run_id = client.start_run_sync(argv[1], env, None)
    print(f"run {run_id} of {argv[1]} started", file=sys.stderr)

    def on_output(_client, _run, data):
        sys.stdout.buffer.write(data.get_data())
        sys.stdout.flush()

    client.connect("output", on_output)
    code = client.wait_run_sync(run_id, None)
    print(f"run {run_id}: {client.dup_run_state(run_id)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
