#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`fastflowctl run --executor NAME PIPELINE` and `fastflowctl status`, in
Python through the typelib: what fastflowctl does, the same calls.

    examples/run-like-fastflowctl.py EXECUTOR PIPELINE [KEY=VALUE ...]

Prints the executors, follows the run's output, then its outcome; exits
with the run's outcome as `fastflowctl run` would.
"""
import sys

import gi

gi.require_version("Fastflow", "1")
from gi.repository import Fastflow, Gio, GLib  # noqa: E402


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    executor, pipeline = argv[1], argv[2]
    env = dict(arg.split("=", 1) for arg in argv[3:])
    client = Fastflow.Client.new_sync(Gio.BusType.SESSION, None)

    for name, available, why in client.list_executors_sync(None).unpack():
        print(f"executor {name}: {'available' if available else why}", file=sys.stderr)

    run_id = client.start_run_full_sync(
        pipeline, env, executor, None, False, "manual", None
    )
    run = client.get_run_sync(run_id, None)
    loop = GLib.MainLoop()
    failure = []

    def on_output(_run, data):
        sys.stdout.buffer.write(data.get_data())
        sys.stdout.flush()

    def on_followed(run, result):
        try:
            run.follow_finish(result)
        except GLib.Error as error:
            failure.append(error.message)
        loop.quit()

    run.connect("output", on_output)
    run.follow_async(True, None, on_followed)
    loop.run()
    if failure:
        print(f"cannot follow run {run_id}: {failure[0]}", file=sys.stderr)
        return 125

    # a fresh look, as `fastflowctl status` takes one
    run = client.get_run_sync(run_id, None)
    print(
        f"run {run.get_id()} ({run.get_pipeline()}): {run.get_state()} "
        f"exit {run.get_exit_code()} reason {run.get_reason()} "
        f"class {run.get_error_class()} executor {run.get_executor()} "
        f"triggered by {run.get_triggered_by()}: {run.get_message()}",
        file=sys.stderr,
    )
    newest = client.find_runs_sync(pipeline, None, 1, None)
    print(f"newest run of {pipeline}: {newest[0].get_id()}", file=sys.stderr)
    return run.get_outcome()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
