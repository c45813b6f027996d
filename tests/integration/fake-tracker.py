#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# fake-tracker.py - a small counting tracker for the tests and benchmarks.
#
# Listens on UDP (BEP 15) and/or HTTP (BEP 3, compact replies) and writes
# one line per request it receives to LOG (flushed at once):
#
#     SECONDS PROTO ACTION KEY EVENT
#
# SECONDS since the start (monotonic), PROTO udp|http, ACTION connect,
# announce or scrape, KEY the info-hash in hex ("-" for connect), EVENT
# started|completed|stopped|none.  It answers like a tracker (peers of the
# same key, compact, interval --interval) unless --silent, when it only
# counts: a tracker that swallows every packet.
#
# --batch PATH: its HTTP announce replies advertise batched seed
# announces ("aptbt seeds": PATH, doc/trackers.md) and it takes them: a
# POST to PATH is logged as one line "SECONDS http batch N EVENT" (N
# info-hashes) followed by one line "SECONDS http batched KEY EVENT" per
# info-hash, and answered {"count": N, "interval": --interval}; with
# --refuse-batch it answers {"failure reason": ...} instead.
import argparse
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

T0 = time.monotonic()
LOCK = threading.Lock()
SWARMS = {}     # key -> {(ip, port): time}
EVENTS = {0: "none", 1: "completed", 2: "started", 3: "stopped"}


def log(out, proto, action, key, event):
    with LOCK:
        out.write("%.3f %s %s %s %s\n" % (time.monotonic() - T0, proto,
                                          action, key, event))
        out.flush()


def peers_for(key, ip, port, stopped):
    with LOCK:
        s = SWARMS.setdefault(key, {})
        if stopped:
            s.pop((ip, port), None)
        else:
            s[(ip, port)] = time.monotonic()
        others = [p for p in s if p != (ip, port)][:50]
    return b"".join(socket.inet_aton(a) + struct.pack(">H", p)
                    for a, p in others)


def udp_loop(sock, out, args):
    while True:
        data, addr = sock.recvfrom(2048)
        if len(data) < 16:
            continue
        cid, action, tid = struct.unpack(">QII", data[:16])
        if action == 0:
            log(out, "udp", "connect", "-", "none")
            if not args.silent:
                sock.sendto(struct.pack(">IIQ", 0, tid, 0x1234), addr)
        elif action == 1 and len(data) >= 98:
            key = data[16:36].hex()
            event = struct.unpack(">I", data[80:84])[0]
            port = struct.unpack(">H", data[96:98])[0]
            log(out, "udp", "announce", key, EVENTS.get(event, "?"))
            if not args.silent:
                peers = peers_for(key, addr[0], port, event == 3)
                sock.sendto(struct.pack(">IIIII", 1, tid, args.interval, 0,
                                        len(peers) // 6) + peers, addr)
        elif action == 2:
            log(out, "udp", "scrape", data[16:36].hex(), "none")


def bdecode(b, i=0):
    """The value at b[i:] and the index after it (enough for a batch)."""
    c = b[i:i + 1]
    if c == b"i":
        j = b.index(b"e", i)
        return int(b[i + 1:j]), j + 1
    if c == b"l":
        i, out = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i, out = i + 1, {}
        while b[i:i + 1] != b"e":
            k, i = bdecode(b, i)
            out[k], i = bdecode(b, i)
        return out, i + 1
    j = b.index(b":", i)
    n = int(b[i:j])
    if n < 0 or j + 1 + n > len(b):
        raise ValueError("short string")
    return b[j + 1:j + 1 + n], j + 1 + n


def benc_str(s):
    return b"%d:" % len(s) + s


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        args = self.server.args
        n = int(self.headers.get("Content-Length") or 0)
        if not args.batch or urllib.parse.urlsplit(self.path).path != \
                args.batch:
            self.reply(404, b"")
            return
        if n > 32 * 1024:
            self.reply(413, b"")
            return
        try:
            d, _ = bdecode(self.rfile.read(n))
            hashes = d[b"hashes"]
            event = d.get(b"event", b"").decode() or "none"
            if len(hashes) % 20 or not 1 <= len(hashes) // 20 <= 1000 or \
                    len(d[b"peer_id"]) != 20 or \
                    not 0 < d[b"port"] < 65536:
                raise ValueError("bad batch")
        except (ValueError, KeyError, TypeError, AttributeError):
            log(self.server.out, "http", "batch", "-", "bad")
            self.reply(200, b"d14:failure reason9:bad batche")
            return
        keys = [hashes[i:i + 20].hex() for i in range(0, len(hashes), 20)]
        log(self.server.out, "http", "batch", str(len(keys)), event)
        for k in keys:
            log(self.server.out, "http", "batched", k, event)
        if args.refuse_batch:
            self.reply(200, b"d14:failure reason10:no batchese")
            return
        for k in keys:
            peers_for(k, self.client_address[0], d[b"port"],
                      event == "stopped")
        self.reply(200, b"d5:counti%de8:intervali%dee" %
                   (len(keys), args.interval))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = {}
        for part in url.query.split("&"):
            k, _, v = part.partition("=")
            q[k] = urllib.parse.unquote_to_bytes(v)
        key = q.get("info_hash", b"").hex() or "-"
        event = q.get("event", b"none").decode(errors="replace") or "none"
        action = "scrape" if url.path.endswith("scrape") else "announce"
        log(self.server.out, "http", action, key, event)
        if self.server.args.silent:
            time.sleep(3600)
            return
        if action == "announce":
            port = int(q.get("port", b"0") or 0)
            peers = peers_for(key, self.client_address[0], port,
                              event == "stopped")
            adv = b""
            if self.server.args.batch:
                adv = b"11:aptbt seeds" + \
                    benc_str(self.server.args.batch.encode())
            body = (b"d" + adv + b"8:intervali%de5:peers%d:" %
                    (self.server.args.interval, len(peers)) + peers + b"e")
        else:
            body = b"d5:filesdee"
        self.reply(200, body)


def hostport(s):
    h, _, p = s.rpartition(":")
    return h, int(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--udp")
    ap.add_argument("--http")
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--interval", type=int, default=1800)
    ap.add_argument("--batch")
    ap.add_argument("--refuse-batch", action="store_true")
    ap.add_argument("log")
    args = ap.parse_args()
    out = open(args.log, "a")
    threads = []
    if args.udp:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(hostport(args.udp))
        threads.append(threading.Thread(target=udp_loop, args=(s, out, args),
                                        daemon=True))
    if args.http:
        srv = ThreadingHTTPServer(hostport(args.http), Handler)
        srv.daemon_threads = True
        srv.out = out
        srv.args = args
        threads.append(threading.Thread(target=srv.serve_forever,
                                        daemon=True))
    for t in threads:
        t.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
