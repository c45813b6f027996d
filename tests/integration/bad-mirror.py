#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# bad-mirror.py - an HTTP mirror that misbehaves on purpose, for faults.sh.
#
#   bad-mirror.py ADDR PORT ROOT
#
# Serves the files under ROOT; the first path component says how:
#   /good/F     F as it is (Range honoured)
#   /wrong/F    F's length, wrong bytes (every byte inverted)
#   /short/F    Content-Length of the whole answer, then half of it, then close
#   /endless/F  F (or the range asked for), then random bytes forever, no
#               Content-Length
#   /endlesscl/F  the same with the Content-Length of F (or its range): a liar
#   /slow/F     F at 16 KiB/s
#   /stall/F    the headers, then nothing until the client leaves
# With BAD_MIRROR_STALL=TEXT in the environment, a /good/ file whose name
# contains TEXT is sent up to the middle of the file (whatever range was
# asked for), then nothing until the client leaves (mode "midstall").
# Every request is logged to standard output: MODE PATH RANGE BYTES_SENT.
import http.server
import os
import re
import socketserver
import sys
import time

ROOT = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        if len(parts) != 2:
            self.send_error(404)
            return
        mode, name = parts
        path = os.path.join(ROOT, name)
        if ".." in name or not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start, end = 0, len(data)
        rng = self.headers.get("Range")
        status = 200
        if rng:
            m = re.match(r"bytes=(\d+)-(\d*)$", rng)
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) + 1 if m.group(2) else len(data)
                end = min(end, len(data))
                status = 206
        body = data[start:end]
        if mode == "wrong":
            body = bytes(b ^ 0xFF for b in body)
        sent = 0
        try:
            self.send_response(status)
            if status == 206:
                self.send_header("Content-Range", "bytes %d-%d/%d" %
                                 (start, end - 1, len(data)))
            if mode == "endless":
                self.send_header("Connection", "close")
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            stall = os.environ.get("BAD_MIRROR_STALL")
            if mode == "good" and stall and stall in name:
                # Silent from the middle of the file on, whatever the range.
                mode = "midstall"
                keep = max(0, min(len(body), len(data) // 2 - start))
                self.wfile.write(body[:keep])
                self.wfile.flush()
                sent = keep
                print(mode, name, rng or "-", "stalling", flush=True)
                while self.rfile.read(1):
                    pass
                self.close_connection = True
            elif mode in ("good", "wrong"):
                self.wfile.write(body)
                sent = len(body)
            elif mode == "short":
                self.wfile.write(body[:len(body) // 2])
                sent = len(body) // 2
                self.close_connection = True
            elif mode in ("endless", "endlesscl"):
                self.wfile.write(body)
                sent = len(body)
                junk = os.urandom(65536)
                while True:
                    self.wfile.write(junk)
                    sent += len(junk)
            elif mode == "slow":
                for i in range(0, len(body), 1024):
                    self.wfile.write(body[i:i + 1024])
                    self.wfile.flush()
                    sent += len(body[i:i + 1024])
                    time.sleep(1 / 16)
            elif mode == "stall":
                self.wfile.flush()
                while self.rfile.read(1):
                    pass
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        print(mode, name, rng or "-", sent, flush=True)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ROOT
    addr, port, ROOT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Server((addr, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
