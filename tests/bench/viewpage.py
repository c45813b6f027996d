#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# viewpage.py - fetch a status page URL N times, each on a new connection
# (as a browser's refresh does), and fail unless every answer is 200.
# Usage: viewpage.py HOST PORT PATH N
import http.client
import sys

host, port, path, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
size = 0
for _ in range(n):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("%s: HTTP %d" % (path, r.status))
    size = len(body)
    c.close()
print("bytes %d" % size)
