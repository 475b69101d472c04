#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a script gets from libfastflow through the typelib, as
tests/test-python.c's daemon serves it (pipelines "three", exits 3, and
"off", disabled). Prints what it checked; exits 1 on the first surprise."""
import sys

import gi

gi.require_version("Fastflow", "1")
from gi.repository import Fastflow, Gio, GLib  # noqa: E402


def expect(what, got, want):
    print(f"{what}: {got!r}")
    if got != want:
        print(f"  expected {want!r}", file=sys.stderr)
        sys.exit(1)


def error_of(call):
    try:
        call()
    except GLib.Error as error:
        return error
    print("no error", file=sys.stderr)
    sys.exit(1)


client = Fastflow.Client.new_sync(Gio.BusType.SESSION, None)

# The first error a script sees is already one of ours: nothing called
# Fastflow.error_quark () or touched Fastflow.Error before.
error = error_of(lambda: client.start_run_sync("nope", None, None))
expect("domain of the first error", error.domain, "ff-error-quark")
expect("its code", error.code, int(Fastflow.Error.NO_SUCH_PIPELINE))
expect("matches", error.matches(Fastflow.error_quark(), Fastflow.Error.NO_SUCH_PIPELINE), True)

error = error_of(lambda: client.start_run_sync("off", None, None))
expect("disabled", error.code, int(Fastflow.Error.DISABLED))

options = GLib.Variant("a{sv}", {"no_such_option": GLib.Variant("i", 1)})
error = error_of(lambda: client.start_run_with_options_sync("three", options, None))
expect("unknown option", error.code, int(Fastflow.Error.INVALID_ARGUMENT))
expect("names it", "no_such_option" in error.message, True)

# Every option fastflowctl run has, and the outcome read back.
run_id = client.start_run_full_sync("three", {"GREETING": "hi"}, "local", None, False,
                                    "python", None)
run = client.wait_for_run_sync(run_id, None)
expect("state", run.get_state(), "failed")
expect("exit code", run.get_exit_code(), 3)
expect("outcome", run.get_outcome(), 3)
expect("error class", run.get_error_class(), "pipeline")
expect("reason", run.get_reason(), "exit-code")
expect("message names the code", "3" in run.get_message(), True)
expect("triggered by", run.get_triggered_by(), "python")

run_id = client.start_run_full_sync("off", None, None, None, True, None, None)
expect("forced run", client.wait_for_run_sync(run_id, None).get_outcome(), 0)

options = GLib.Variant("a{sv}", {"env": GLib.Variant("a{ss}", {"GREETING": "x"}),
                                 "force": GLib.Variant("b", True)})
run_id = client.start_run_with_options_sync("off", options, None)
expect("options as they are", client.wait_for_run_sync(run_id, None).get_state(), "succeeded")

error = error_of(lambda: client.cancel_run_sync(run_id, None))
expect("cancel of an ended run", error.code, int(Fastflow.Error.ALREADY_FINISHED))

error = error_of(lambda: client.wait_for_run_sync(9999, None))
expect("no such run", error.code, int(Fastflow.Error.NO_SUCH_RUN))

# A page of runs in one call: snapshots, newest first, paged by id.
page = client.list_runs_page_sync(None, None, 0, 2, None)
expect("page size", len(page), 2)
expect("snapshot", page[0].is_snapshot(), True)
expect("newest first", page[0].get_id() > page[1].get_id(), True)
older = client.list_runs_page_sync(None, None, page[1].get_id(), 0, None)
expect("next page older", all(r.get_id() < page[1].get_id() for r in older), True)
expect("its state", older[-1].get_state(), "failed")
error = error_of(lambda: page[0].cancel_sync(None))
expect("a snapshot cannot be cancelled", error.code, int(Fastflow.Error.INVALID_ARGUMENT))

# PipelinesChanged as a GObject signal: a pipeline folder appears.
import os  # noqa: E402

announced = []
client.connect("pipelines-changed", lambda c, added, changed, removed:
               announced.append((list(added), list(changed), list(removed))))
folder = os.path.join(os.environ["FASTFLOW_TEST_PIPELINES_DIR"], "appeared")
os.mkdir(folder)
with open(os.path.join(folder, "main.sh"), "w") as f:
    f.write("true\n")
client.reload_sync(None)
timed_out = []
GLib.timeout_add_seconds(30, lambda: timed_out.append(True) or False)
context = GLib.MainContext.default()
while not any("appeared" in a for a, _, _ in announced) and not timed_out:
    context.iteration(True)
expect("pipelines-changed names it", any("appeared" in a for a, _, _ in announced), True)

# Rerun: the first "three" run again, as it was started; typed errors.
first = older[-1].get_id()
again = client.rerun_sync(first, None, None)
run = client.wait_for_run_sync(again, None)
expect("rerun is a new run", again != first, True)
expect("rerun outcome", run.get_outcome(), 3)
expect("rerun executor", run.get_executor(), "local")
expect("rerun triggered by", run.get_triggered_by(), "rerun:%d" % first)
error = error_of(lambda: client.rerun_sync(9999, None, None))
expect("rerun of no such run", error.code, int(Fastflow.Error.NO_SUCH_RUN))
