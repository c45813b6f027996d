#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# daemon-links.py - read "aptbt-ctl --json peers" on stdin and print how
# many handshaken aptbt daemons it lists (0 if the input is not JSON, as
# when the daemon is not up yet).
import json
import sys

try:
    d = json.load(sys.stdin)
except ValueError:
    d = {}
print(sum(1 for p in d.get("peers", [])
          if p.get("daemon") and "H" not in p.get("flags", "")))
