#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fastflow's notebook runner: runs main.ipynb as Fast-Flow's notebook
pipelines do (docs/pipelines/notebook-pipelines.md there), with the Python
standard library only.

The code cells run in order in this one process, in one namespace, as in
one kernel; markdown and raw cells are skipped. Each code cell is counted
as Fast-Flow counts them (0 = the first code cell) and gets retries: the
daemon passes pipeline.json's cells[] as --cells R:D,R:D,... (retries and
delay_seconds, already checked), and the cell's metadata.fastflow overrides
each field on its own; a cell without either gets 0 retries and 1 s. A
retry runs the whole cell again, in the same namespace, after the delay.

Lines of IPython (`%magic`, `%%cell magic`, `!shell`) run through IPython
when it is installed (ipykernel brings it, and Fast-Flow's notebooks list
ipykernel in requirements.txt); without it such a cell fails with a message
that says so.

Everything the cells print goes to standard output in the order it
happened; before each attempt a line names the cell. A cell that still
fails after its retries ends the run with exit code 1, its traceback, and
as the very last line `[fastflow] cell N failed (attempts: K): FIRST LINE`,
from which fastflowd takes the run's message. That line is fastflow's own
business between this runner and the daemon, not a promise to pipelines.
"""

import argparse
import atexit
import builtins
import json
import linecache
import os
import shutil
import sys
import tempfile
import time
import traceback

FIRST_LINE_MAX = 80
EXIT_CELL_FAILED = 1
EXIT_BAD_NOTEBOOK = 2


class NotebookError(Exception):
    """The notebook or its settings cannot be run at all."""


def say(line):
    """One line of the runner's own, between the cells' output."""
    sys.stderr.flush()
    sys.stdout.write("[fastflow] " + line + "\n")
    sys.stdout.flush()


def merge_output():
    """Standard error goes where standard output goes, so the log keeps
    the order in which a cell wrote its lines (fastflow's log does not
    tell the streams apart); also for programs the cells start."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(1, 2)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except (AttributeError, ValueError):
            pass


def parse_cells_option(text):
    """pipeline.json's cells[] as the daemon passes them: R:D,R:D,..."""
    cells = []
    if not text:
        return cells
    for item in text.split(","):
        retries, _, delay = item.partition(":")
        cells.append({"retries": int(retries), "delay_seconds": float(delay)})
    return cells


def source_of(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    if not isinstance(source, str):
        raise NotebookError("a cell's “source” is neither a string nor a list of strings")
    return source


def first_line(source):
    for line in source.splitlines():
        line = line.strip()
        if line:
            if len(line) > FIRST_LINE_MAX:
                line = line[: FIRST_LINE_MAX - 1] + "…"
            return line
    return "(empty)"


def read_setting(value, convert, index, name):
    try:
        number = convert(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise NotebookError(
            "code cell %d: metadata.fastflow.%s is %r; expected a number ≥ 0"
            % (index, name, value)
        )
    return number


def retry_settings(index, pipeline_cells, cell):
    """Fast-Flow's merge: cells[index] from pipeline.json, then each field
    the cell's metadata.fastflow has; 0 retries and 1 s when neither has."""
    base = pipeline_cells[index] if index < len(pipeline_cells) else {}
    own = (cell.get("metadata") or {}).get("fastflow") or {}
    if not isinstance(own, dict):
        raise NotebookError("code cell %d: metadata.fastflow is not an object" % index)
    if "retries" in own:
        retries = read_setting(own["retries"], int, index, "retries")
    else:
        retries = base.get("retries", 0)
    if "delay_seconds" in own:
        delay = read_setting(own["delay_seconds"], float, index, "delay_seconds")
    else:
        delay = base.get("delay_seconds", 1.0)
    return retries, delay


def load_code_cells(path):
    try:
        with open(path, encoding="utf-8") as f:
            notebook = json.load(f)
    except OSError as e:
        raise NotebookError("cannot read %s: %s" % (path, e.strerror)) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise NotebookError("%s is not a JSON notebook: %s" % (path, e)) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise NotebookError(
            "%s has no “cells” list; fastflow runs notebooks of format 4 "
            "(save it again with Jupyter)" % path
        )
    cells = []
    for cell in notebook["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cells.append(cell)
    return cells


class Kernel:
    """The one namespace all cells share, as a kernel's would be."""

    def __init__(self):
        self.namespace = {"__name__": "__main__", "__builtins__": builtins}
        self.shell = None
        self.ipython_dir = None

    def close(self):
        if self.shell is not None:
            # now, while its folder is still there, and only once
            atexit.unregister(self.shell.atexit_operations)
            self.shell.atexit_operations()
        if self.ipython_dir is not None:
            shutil.rmtree(self.ipython_dir, ignore_errors=True)

    def _ipython(self):
        """IPython's shell on this namespace, for lines of magic."""
        if self.shell is None:
            try:
                from IPython.core.interactiveshell import InteractiveShell
                from traitlets.config import Config
            except ImportError:
                return None
            # its profile in a place of its own, gone at the end: the home
            # folder may be read-only, /tmp is not; no history to keep
            self.ipython_dir = tempfile.mkdtemp(prefix="fastflow-ipython-")
            os.environ["IPYTHONDIR"] = self.ipython_dir
            config = Config()
            config.HistoryManager.enabled = False
            self.shell = InteractiveShell.instance(config=config, user_ns=self.namespace)
        return self.shell

    def compile(self, source, filename):
        """The cell as code: plain Python, or IPython's translation of its
        magic lines when plain Python cannot read it."""
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            return compile(source, filename, "exec")
        except SyntaxError:
            if not has_magic(source):
                raise
        shell = self._ipython()
        if shell is None:
            raise NotebookError(
                "this cell has IPython lines (%, %% or !), which need IPython: "
                "add ipykernel to the pipeline's requirements.txt"
            )
        from IPython.core.inputtransformer2 import TransformerManager

        translated = TransformerManager().transform_cell(source)
        return compile(translated, filename, "exec")

    def run(self, code):
        exec(code, self.namespace)


def has_magic(source):
    return any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())


def print_failure(error):
    """The traceback of a failed attempt, without the runner's frames."""
    sys.stdout.flush()
    if isinstance(error, NotebookError):
        sys.stderr.write("Error: %s\n" % error)
    else:
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        traceback.print_exception(type(error), error, tb)
    sys.stderr.flush()


def run_cell(kernel, index, cell, retries, delay):
    """Returns the number of attempts it took, or raises the last error."""
    source = source_of(cell)
    name = "cell %d: %s" % (index, first_line(source))
    attempts = retries + 1
    for attempt in range(1, attempts + 1):
        if attempt == 1:
            say(name)
        else:
            say("%s (attempt %d of %d)" % (name, attempt, attempts))
        try:
            kernel.run(kernel.compile(source, "<cell %d>" % index))
            return attempt
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # SystemExit too: a kernel survives it
            print_failure(error)
            if attempt == attempts:
                raise
            say(
                "cell %d attempt %d of %d failed; next attempt in %g s"
                % (index, attempt, attempts, delay)
            )
            if delay > 0:
                time.sleep(delay)
    return attempts


def run_notebook(path, pipeline_cells):
    cells = load_code_cells(path)
    settings = [retry_settings(i, pipeline_cells, c) for i, c in enumerate(cells)]
    kernel = Kernel()
    try:
        for index, cell in enumerate(cells):
            retries, delay = settings[index]
            try:
                run_cell(kernel, index, cell, retries, delay)
            except KeyboardInterrupt:
                raise
            except BaseException:
                # the last line: fastflowd names the cell in the run's message
                say(
                    "cell %d failed (attempts: %d): %s"
                    % (index, retries + 1, first_line(source_of(cell)))
                )
                return EXIT_CELL_FAILED
    finally:
        kernel.close()
    return 0


def main():
    parser = argparse.ArgumentParser(description="Runs a notebook pipeline's code cells.")
    parser.add_argument("notebook", nargs="?", default="main.ipynb")
    parser.add_argument("--cells", default="", help="retries:delay_seconds per code cell")
    args = parser.parse_args()
    merge_output()
    try:
        pipeline_cells = parse_cells_option(args.cells)
    except ValueError:
        parser.error("--cells: expected RETRIES:DELAY,... such as 2:1,0:1")
    # the cells see the notebook's own folder as the script's, as in Jupyter
    sys.argv = [args.notebook]
    sys.path[0] = os.path.dirname(os.path.abspath(args.notebook))
    try:
        return run_notebook(args.notebook, pipeline_cells)
    except NotebookError as error:
        say("the notebook cannot run: %s" % error)
        return EXIT_BAD_NOTEBOOK


if __name__ == "__main__":
    sys.exit(main())
