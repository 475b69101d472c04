#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make a tiny pure-Python wheel, so that dependency tests install packages
without any index: nothing is downloaded.

    make-wheel.py OUTDIR NAME VERSION [--requires REQ]...

The wheel's module NAME has VALUE = "VERSION". Prints the wheel's path.
"""
import argparse
import base64
import hashlib
import os
import zipfile


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "%s,sha256=%s,%d" % (path, digest.decode(), len(data))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("--requires", action="append", default=[])
    args = parser.parse_args()

    dist = "%s-%s" % (args.name, args.version)
    info = dist + ".dist-info"
    metadata = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (args.name, args.version)
    metadata += "".join("Requires-Dist: %s\n" % r for r in args.requires)
    files = {
        args.name + "/__init__.py": 'VALUE = "%s"\n' % args.version,
        info + "/METADATA": metadata,
        info + "/WHEEL": "Wheel-Version: 1.0\nGenerator: fastflow-tests\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    records = [record_line(p, d.encode()) for p, d in files.items()]
    records.append(info + "/RECORD,,")
    files[info + "/RECORD"] = "\n".join(records) + "\n"

    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, dist + "-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    print(path)


if __name__ == "__main__":
    main()
