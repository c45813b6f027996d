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


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

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
            body = (b"d8:intervali%de5:peers%d:" %
                    (self.server.args.interval, len(peers)) + peers + b"e")
        else:
            body = b"d5:filesdee"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def hostport(s):
    h, _, p = s.rpartition(":")
    return h, int(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--udp")
    ap.add_argument("--http")
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--interval", type=int, default=1800)
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
