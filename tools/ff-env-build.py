#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds a pipeline's dependency environment: a Python virtual environment
with exactly the packages of its requirements file.

    ff-env-build.py --target DIR --requirements FILE
                    [--index-url URL] [--extra-index-url URL]...
                    [--find-links DIR_OR_URL] [--offline]

fastflowd starts it through the pipeline's executor (on the host, or in a
container of its own) with the interpreter the run's main.py will use, in
the pipeline folder (FILE is relative to it). With `uv` on PATH it uses
`uv venv` + `uv pip install`, else `python -m venv` + `pip install -r`
(this Python's pip, when it has one that can install into another
environment; else the environment's own).
Only the standard library: it runs on whatever Python the image has.

Exit codes, which fastflowd tells apart:
  0   built; DIR/.fastflow-env-complete is written last, atomically, so a
      half-built environment is never taken for a complete one
  1   a requirement does not exist or does not resolve (the installer's own
      words about which one are in the output), or the environment could
      not be made
  75  a package index cannot be reached (EX_TEMPFAIL): not the pipeline's
      fault
"""
import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MARKER = ".fastflow-env-complete"
# held while a build runs: a builder that outlived its fastflowd (a crash)
# and the next one never write into the same folder at once
LOCK = ".fastflow-env-build.lock"
EXIT_FAILED = 1
EXIT_UNREACHABLE = 75
REACH_TIMEOUT_S = 5
# pip's and uv's index when none is named
DEFAULT_INDEX = "https://pypi.org/simple/"


def say(text):
    print(text, flush=True)


def is_url(text):
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text) is not None


def check_reachable(url):
    """None when something answers at url (any HTTP status will do), else
    why not."""
    if not url.startswith(("http://", "https://")):
        return None
    try:
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=REACH_TIMEOUT_S):
            return None
    except urllib.error.HTTPError:
        return None  # it answered
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        return str(reason)


def remote_sources(args):
    if args.offline:
        return []
    # without index_url the installer goes to PyPI: unreachable, it would
    # only say that no version of the first requirement was found
    urls = [args.index_url or DEFAULT_INDEX]
    urls.extend(args.extra_index_url)
    if args.find_links and is_url(args.find_links):
        urls.append(args.find_links)
    return urls


def clear_target(target):
    """What an earlier, interrupted build left goes; the folder itself stays
    (it may be a mount point in a container)."""
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(target):
        if name == LOCK:
            continue
        path = os.path.join(target, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def source_options(args):
    opts = []
    if args.offline:
        opts.append("--no-index")
    elif args.index_url:
        opts += ["--index-url", args.index_url]
    if not args.offline:
        for url in args.extra_index_url:
            opts += ["--extra-index-url", url]
    if args.find_links:
        opts += ["--find-links", args.find_links]
    return opts


def run(argv, env=None):
    """Runs argv with its output passed on live; returns its exit code and
    the output, to count what was installed."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            text=True, errors="replace")
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return proc.wait(), "".join(lines)


def summarize_failure(output):
    """The installer's own words about what failed, on one line: fastflowd
    takes the last line of the output for the run's message."""
    words = [line.strip() for line in output.splitlines()
             if re.match(r"^\s*(ERROR:|error:|×|╰─▶|Error:)", line)]
    if not words:
        words = [line.strip() for line in output.splitlines() if line.strip()][-2:]
    return " ".join(words)[:1000]


def installer_environ(**settings):
    """fastflow.conf's [dependencies] alone says where packages come from
    (they are part of the environment's key): no PIP_* or UV_* variable of
    whoever started the build, no pip.conf, no uv.toml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(settings)
    return env


def build_with_uv(uv, args, cache):
    env = installer_environ(UV_CACHE_DIR=cache, UV_NO_PROGRESS="1", UV_NO_CONFIG="1")
    python = os.path.join(args.target, "bin", "python")
    code, output = run([uv, "venv", "--quiet", "--python", sys.executable, args.target], env)
    if code != 0:
        return code, 0, output
    code, output = run([uv, "pip", "install", "--python", python, "--link-mode", "copy"] +
                       source_options(args) + ["-r", args.requirements], env)
    match = re.search(r"Installed (\d+) packages?", output)
    return code, int(match.group(1)) if match else 0, output


def outer_pip_can_target():
    """Whether this Python's own pip can install into another environment
    (pip >= 22.3: --python). Then the environment needs no pip of its own:
    `venv --without-pip` saves the ensurepip step, most of a small build."""
    try:
        import pip
    except ImportError:
        return False
    try:
        major, minor = (int(x) for x in pip.__version__.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (22, 3)


def build_with_pip(args, cache):
    env = installer_environ(PIP_CACHE_DIR=cache, PIP_DISABLE_PIP_VERSION_CHECK="1",
                            PIP_NO_INPUT="1", PIP_PROGRESS_BAR="off",
                            PIP_CONFIG_FILE=os.devnull)
    python = os.path.join(args.target, "bin", "python")
    if outer_pip_can_target():
        venv = [sys.executable, "-m", "venv", "--without-pip", args.target]
        pip = [sys.executable, "-m", "pip", "--python", python]
    else:
        venv = [sys.executable, "-m", "venv", args.target]
        pip = [python, "-m", "pip"]
    code, output = run(venv, env)
    if code != 0:
        return code, 0, output
    code, output = run(pip + ["install", "--no-warn-script-location"] +
                       source_options(args) + ["-r", args.requirements], env)
    match = re.search(r"^Successfully installed (.*)$", output, re.MULTILINE)
    return code, len(match.group(1).split()) if match else 0, output


def write_marker(target, tool, count, seconds):
    """Last, and atomically: only a complete environment has it."""
    path = os.path.join(target, MARKER)
    tmp = path + ".tmp"
    info = {"tool": tool, "packages": count, "seconds": round(seconds, 3),
            "python": sys.version.split()[0]}
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(info, f)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def main():
    parser = argparse.ArgumentParser(description="Builds a pipeline's dependency environment.")
    parser.add_argument("--target", required=True)
    parser.add_argument("--requirements", required=True)
    parser.add_argument("--index-url")
    parser.add_argument("--extra-index-url", action="append", default=[])
    parser.add_argument("--find-links")
    parser.add_argument("--offline", action="store_true")
    args = parser.parse_args()

    started = time.monotonic()
    for url in remote_sources(args):
        why = check_reachable(url)
        if why is not None:
            say("cannot reach the package index %s: %s" % (url, why))
            return EXIT_UNREACHABLE
    if not os.path.isfile(args.requirements):
        say("the requirements file %s does not exist" % args.requirements)
        return EXIT_FAILED
    os.makedirs(args.target, exist_ok=True)
    lock = open(os.path.join(args.target, LOCK), "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if os.path.isfile(os.path.join(args.target, MARKER)):
        say("the environment was built meanwhile")
        return 0
    clear_target(args.target)

    uv = shutil.which("uv")
    tool = "uv" if uv else "pip"
    say("using %s with Python %s (%s)" % (tool, sys.version.split()[0], sys.executable))
    # HOME may be read-only (containers): the installer's cache is a
    # temporary folder of its own
    cache = tempfile.mkdtemp(prefix="ff-env-cache-")
    try:
        code, count, output = (build_with_uv(uv, args, cache) if uv
                               else build_with_pip(args, cache))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    if code != 0:
        say("%s failed: %s" % (tool, summarize_failure(output)))
        return EXIT_FAILED
    seconds = time.monotonic() - started
    write_marker(args.target, tool, count, seconds)
    say("installed %d package%s in %.1f s" % (count, "" if count == 1 else "s", seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
