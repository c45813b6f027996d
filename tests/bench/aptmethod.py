#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# aptmethod.py - drive an apt method the way apt does, for the benchmarks.
#
# usage: aptmethod.py METHOD SOCKET URI FILENAME SHA256 SIZE [URI ...]...
#
# Starts METHOD, reads its "100 Capabilities", sends "601 Configuration"
# (Acquire::aptbt::Socket = SOCKET) and one pipelined "600 URI Acquire" per
# URI with the fields apt sends for a package (Expected-SHA256,
# Expected-Checksum-FileSize, Maximum-Size), then waits until every URI has
# its "201 URI Done".  The hashes the method reports must be the expected
# ones.  With APTMETHOD_SUITE="BASE SUITE" in the environment each request
# also says what apt says of a package of SUITE in the archive at BASE
# (Target-Base-URI, Target-Type: deb, Target-Release), so that aptbtd looks
# for the suite's published metadata.  Exit status 0 when all files
# arrived, 1 on a "400 URI Failure" or a wrong hash, 2 on a protocol fault.
import os
import subprocess
import sys


def read_msg(f):
    """One message: (code, {field: value}), or None at end of file."""
    lines = []
    while True:
        line = f.readline()
        if not line:
            return None
        line = line.rstrip("\n")
        if line == "":
            if lines:
                break
            continue
        lines.append(line)
    head = lines[0].split(" ", 1)
    fields = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        fields[k.strip().lower()] = v.strip()
    return int(head[0]), fields


def main():
    if len(sys.argv) < 7 or (len(sys.argv) - 3) % 4 != 0:
        sys.stderr.write("usage: aptmethod.py METHOD SOCKET "
                         "URI FILENAME SHA256 SIZE...\n")
        return 2
    method, sock = sys.argv[1], sys.argv[2]
    items = {}
    args = sys.argv[3:]
    for i in range(0, len(args), 4):
        items[args[i]] = (args[i + 1], args[i + 2].lower(), int(args[i + 3]))

    p = subprocess.Popen([method], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, bufsize=1)
    m = read_msg(p.stdout)
    if m is None or m[0] != 100:
        sys.stderr.write("aptmethod: no 100 Capabilities\n")
        p.kill()
        return 2
    out = ["601 Configuration",
           "Config-Item: Acquire::aptbt::Socket=%s" % sock,
           "Config-Item: Acquire::Languages=none", ""]
    target = []
    if os.environ.get("APTMETHOD_SUITE"):
        base, suite = os.environ["APTMETHOD_SUITE"].split()
        target = ["Target-Base-URI: %s" % base, "Target-Type: deb",
                  "Target-Release: %s" % suite]
    for uri, (fn, sha, size) in items.items():
        out += ["600 URI Acquire", "URI: %s" % uri, "Filename: %s" % fn,
                "Expected-SHA256: %s" % sha,
                "Expected-Checksum-FileSize: %d" % size,
                "Maximum-Size: %d" % size] + target + [""]
    p.stdin.write("\n".join(out) + "\n")
    p.stdin.flush()

    rc = 0
    left = set(items)
    while left:
        m = read_msg(p.stdout)
        if m is None:
            sys.stderr.write("aptmethod: the method exited early\n")
            rc = 2
            break
        code, f = m
        if code == 201:
            uri = f.get("uri")
            if uri not in left:
                continue
            left.discard(uri)
            got = f.get("sha256-hash", "").lower()
            if got != items[uri][1]:
                sys.stderr.write("aptmethod: %s: SHA256 %s, expected %s\n" %
                                 (uri, got, items[uri][1]))
                rc = 1
        elif code == 400:
            sys.stderr.write("aptmethod: %s: %s\n" %
                             (f.get("uri"), f.get("message")))
            left.discard(f.get("uri"))
            rc = 1
        elif code in (401, 402):
            sys.stderr.write("aptmethod: %d %s\n" % (code, f))
            rc = 2
            break
        elif code == 102 and "aptbtd not running" in f.get("message", ""):
            sys.stderr.write("aptmethod: the method did not reach aptbtd\n")
            rc = 2
            break
    p.stdin.close()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return rc


if __name__ == "__main__":
    sys.exit(main())
