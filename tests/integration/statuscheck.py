#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# statuscheck.py - checks on aptbtd's status page and /metrics for status.sh.
#
#   page FILE LOW.json HIGH.json URLTEXT
#       FILE is the page (or the DOM Chromium made of it).  Each byte
#       counter it shows (data-bytes of #bytes-from-peers, ...) must lie
#       between "aptbt-ctl --json status" read before (LOW) and after
#       (HIGH); with LOW = HIGH the numbers must be equal.  The download
#       list must hold URLTEXT as text, the plot must be there.
#   noext FILE...
#       Fails when a page refers to anything a browser would fetch: a
#       src/href/action/... attribute, srcset, CSS url() or @import, or a
#       meta refresh with a URL.  Prints what it found.
#   metrics FILE STATUS.json
#       A strict parser of the Prometheus text format 0.0.4 (names, label
#       syntax and escapes, one HELP and TYPE per family before its
#       samples, no repeated series, numbers), then the counters against
#       the status reply.
#   limit HOST PORT N
#       Opens N idle connections, then checks that one more request waits
#       (the listener is paused) and is answered once they close.
import html.parser
import json
import re
import socket
import sys
import time


def die(msg):
    print("statuscheck: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = {}
        self.tags = []
        self.text = []
        self.refs = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids[a["id"]] = a
        for k, v in attrs:
            if k in ("src", "href", "action", "formaction", "data", "poster",
                     "srcset", "xlink:href", "background", "ping",
                     "manifest", "codebase", "cite", "longdesc", "usemap",
                     "imagesrcset"):
                self.refs.append("%s %s=%r" % (tag, k, v))
            if k == "style" and v and re.search(r"url\s*\(|@import", v, re.I):
                self.refs.append("%s style=%r" % (tag, v))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            if not re.fullmatch(r"\s*\d+\s*", a.get("content", "")):
                self.refs.append("meta refresh content=%r" % a.get("content"))
        if tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style and re.search(r"url\s*\(|@import", data, re.I):
            self.refs.append("style element: %r" % data[:80])
        self.text.append(data)


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


COUNTERS = (("bytes-from-peers", "bytes_from_peers"),
            ("bytes-from-cache", "bytes_from_cache"),
            ("bytes-from-mirrors", "bytes_from_mirrors"),
            ("bytes-to-peers", "bytes_to_peers"))


def cmd_page(path, low, high, urltext):
    p = parse(path)
    lo = json.load(open(low))
    hi = json.load(open(high))
    for pid, key in COUNTERS:
        if pid not in p.ids or "data-bytes" not in p.ids[pid]:
            die("%s: no #%s with data-bytes" % (path, pid))
        v = int(p.ids[pid]["data-bytes"])
        if not lo[key] <= v <= hi[key]:
            die("%s: %s shows %d, status said %d before and %d after"
                % (path, pid, v, lo[key], hi[key]))
        print("page: %s = %d (status %d .. %d)" % (pid, v, lo[key], hi[key]))
    n = int(p.ids["downloads"]["data-n"])
    if not lo["downloads"] <= n <= hi["downloads"] and \
            not hi["downloads"] <= n <= lo["downloads"]:
        die("%s: %d downloads, status said %d and %d"
            % (path, n, lo["downloads"], hi["downloads"]))
    print("page: downloads = %d" % n)
    if urltext and urltext not in "".join(p.text):
        die("%s: the download's URL %r is not on the page as text"
            % (path, urltext))
    if "b" in p.tags:
        die("%s: a <b> element: text from outside became markup" % path)
    if "plot" not in p.ids or "polyline" not in p.tags:
        die("%s: no rate plot" % path)


def cmd_noext(paths):
    bad = 0
    for path in paths:
        for r in parse(path).refs:
            print("%s: refers outside: %s" % (path, r))
            bad += 1
    if bad:
        die("%d reference(s) a browser would fetch" % bad)
    print("noext: no references in %s" % " ".join(paths))


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|NaN|[-+]?Inf)"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def labels(s, where):
    """Parse {a="x",b="y"}; returns a dict; the escapes are \\\\ \\" \\n."""
    out = {}
    i = 1
    while True:
        if s[i] == "}":
            return out, i + 1
        m = re.match(LABEL, s[i:])
        if not m:
            die("%s: bad label name" % where)
        name = m.group(0)
        i += len(name)
        if s[i:i + 2] != '="':
            die("%s: label %s without =\"" % (where, name))
        i += 2
        v = []
        while s[i] != '"':
            if s[i] == "\\":
                e = s[i + 1]
                if e not in '\\"n':
                    die("%s: bad escape \\%s" % (where, e))
                v.append("\n" if e == "n" else e)
                i += 2
            elif s[i] == "\n":
                die("%s: line feed in a label value" % where)
            else:
                v.append(s[i])
                i += 1
        i += 1
        if name in out:
            die("%s: label %s twice" % (where, name))
        out[name] = "".join(v)
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            die("%s: expected , or }" % where)


def cmd_metrics(path, status):
    st = json.load(open(status))
    text = open(path, encoding="utf-8").read()
    if not text.endswith("\n"):
        die("%s: the last line has no line feed" % path)
    help_, type_, seen, series, samples = {}, {}, set(), set(), {}
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "%s:%d" % (path, n)
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (%s) (.*)" % NAME, line)
            if not m:
                if re.match(r"# (HELP|TYPE)", line):
                    die("%s: malformed %r" % (where, line))
                continue
            kind, name, rest = m.groups()
            d = help_ if kind == "HELP" else type_
            if name in d:
                die("%s: second %s for %s" % (where, kind, name))
            if name in seen:
                die("%s: %s after %s's samples" % (where, kind, name))
            if kind == "TYPE" and rest not in TYPES:
                die("%s: unknown type %r" % (where, rest))
            if kind == "HELP" and re.search(r"\\[^\\n]", rest):
                die("%s: bad escape in HELP" % where)
            d[name] = rest
            current = name
            continue
        if line.strip() == "":
            die("%s: empty line" % where)
        m = re.match(NAME, line)
        if not m:
            die("%s: no metric name in %r" % (where, line))
        name = m.group(0)
        rest = line[len(name):]
        lab = {}
        if rest.startswith("{"):
            lab, k = labels(rest, where)
            rest = rest[k:]
        m = re.fullmatch(r" (%s)(?: -?[0-9]+)?" % VALUE, rest)
        if not m:
            die("%s: bad value in %r" % (where, line))
        if name not in type_:
            die("%s: %s has no TYPE line" % (where, name))
        if name != current:
            die("%s: %s's samples are not together under its TYPE" %
                (where, name))
        if type_[name] == "counter" and not name.endswith("_total"):
            die("%s: counter %s does not end in _total" % (where, name))
        key = (name, tuple(sorted(lab.items())))
        if key in series:
            die("%s: series %r twice" % (where, key))
        series.add(key)
        seen.add(name)
        samples[key] = float(m.group(1))
    for name in type_:
        if name not in help_:
            die("%s: %s has no HELP" % (path, name))

    def get(name, **lab):
        k = (name, tuple(sorted(lab.items())))
        if k not in samples:
            die("%s: no sample %s%r" % (path, name, lab))
        return samples[k]

    want = {
        ("aptbt_bytes_total", ("source", "peers")): st["bytes_from_peers"],
        ("aptbt_bytes_total", ("source", "mirrors")): st["bytes_from_mirrors"],
        ("aptbt_bytes_total", ("source", "cache")): st["bytes_from_cache"],
        ("aptbt_uploaded_bytes_total", None): st["bytes_to_peers"],
        ("aptbt_peers", None): st["peers"],
        ("aptbt_downloads", None): st["downloads"],
        ("aptbt_files", ("state", "cached")): st["files"],
    }
    for (name, lab), v in want.items():
        got = get(name, **({lab[0]: lab[1]} if lab else {}))
        if got != v:
            die("%s: %s%s = %d, status says %d" % (path, name,
                "{%s=%s}" % lab if lab else "", got, v))
    print("metrics: %d families, %d series parsed; %d values equal the status"
          % (len(type_), len(series), len(want)))
    start = get("process_start_time_seconds")
    if abs(time.time() - st["uptime_s"] - start) > 5:
        die("process_start_time_seconds %d is not now - uptime" % start)


def cmd_limit(host, port, n):
    idle = [socket.create_connection((host, int(port))) for _ in range(int(n))]
    time.sleep(0.5)
    c = socket.create_connection((host, int(port)))
    c.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
    c.settimeout(1.5)
    try:
        got = c.recv(64)
        die("request %d was answered (%r) with %s idle connections open"
            % (int(n) + 1, got[:20], n))
    except socket.timeout:
        pass
    for s in idle:
        s.close()
    c.settimeout(5)
    t = time.time()
    got = c.recv(64)
    if not got.startswith(b"HTTP/1.0 200"):
        die("after the idle connections closed: %r" % got[:40])
    print("limit: with %s idle connections a request waited; answered %.2f s "
          "after they closed" % (n, time.time() - t))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "page":
        cmd_page(*args)
    elif cmd == "noext":
        cmd_noext(args)
    elif cmd == "metrics":
        cmd_metrics(*args)
    elif cmd == "limit":
        cmd_limit(*args)
    else:
        die("unknown command " + cmd)


main()
