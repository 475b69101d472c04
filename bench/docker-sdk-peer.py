#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Docker SDK for Python side of bench/docker-overhead: N runs of a
trivial container through the socket proxy the way Fast-Flow's client does
it (create, start, wait, logs, remove), with the same container settings as
fastflow's docker-proxy executor. One process, one client per worker, so
the SDK pays its import once. Prints the wall time in ms."""
import argparse
import sys
import threading
import time

import docker


def one_run(api, args):
    host_config = api.create_host_config(
        binds={args.app: {"bind": "/app", "mode": "ro"}},
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": "rw,nosuid,nodev,size=256m"},
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        pids_limit=512,
        init=True,
    )
    container = api.create_container(
        args.image, command=args.command, working_dir="/app",
        labels={"org.fastflow.bench": "docker-sdk"}, host_config=host_config)
    cid = container["Id"]
    try:
        api.start(cid)
        status = api.wait(cid)["StatusCode"]
        api.logs(cid, stdout=True, stderr=True)
        if status != 0:
            sys.exit(f"docker-sdk-peer: the container exited with {status}")
    finally:
        api.remove_container(cid, force=True)


def worker(args, count, errors):
    try:
        api = docker.APIClient(base_url=args.proxy.replace("http://", "tcp://"),
                               version="1.41", timeout=600)
        for _ in range(count):
            one_run(api, args)
    except BaseException as error:  # reported by the main thread
        errors.append(error)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--app", required=True, help="the folder mounted at /app")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    errors = []
    share = [args.runs // args.parallel + (i < args.runs % args.parallel)
             for i in range(args.parallel)]
    threads = [threading.Thread(target=worker, args=(args, n, errors)) for n in share]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if errors:
        sys.exit(f"docker-sdk-peer: {errors[0]}")
    print(int(elapsed * 1000))


if __name__ == "__main__":
    main()
