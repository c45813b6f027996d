#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# fake-aptbtd.py - a stand-in for aptbtd's "fetch" (doc/control-protocol.md),
# so the apt method's daemon path is tested without the daemon.
#
# usage: fake-aptbtd.py SOCKET MODE LOG
#   ok       fetch from the mirror, answer start (with a read-only fd),
#            progress at half, then the final reply
#   silent   accept requests, never answer
#   wrong    like ok, but .deb files are all zero bytes (a lying daemon)
#   error404 answer every request with a HttpError404 error
#   close    close the connection on the first request
# Each request is logged to LOG as "fetch ID URI".
import socket, sys, os, struct, urllib.request, tempfile, threading

from benc import encode as benc, decode_str_keys as bdec

path, mode, logpath = sys.argv[1], sys.argv[2], sys.argv[3]
log = open(logpath, 'a', buffering=1)
# Straight to the mirror, whatever *_proxy says.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def frame(d): p = benc(d); return struct.pack('>I', len(p)) + p

def serve(c):
    buf = b''
    while True:
        d = c.recv(65536)
        if not d: return
        buf += d
        while len(buf) >= 4:
            n = struct.unpack('>I', buf[:4])[0]
            if len(buf) < 4 + n: break
            req, _ = bdec(buf[4:4+n]); buf = buf[4+n:]
            handle(c, req)

def handle(c, req):
    rid = req['id']; args = req['args']; uri = args['uri'].decode()
    log.write("fetch %d %s\n" % (rid, uri))
    if mode == 'silent': return
    if mode == 'close': c.close(); return
    if mode == 'error404':
        c.sendall(frame({'error': '404 Not Found', 'id': rid, 'ok': 0, 'reason': 'HttpError404', 'transient': 0})); return
    try:
        data = opener.open(uri).read()
    except Exception as e:
        c.sendall(frame({'error': str(e), 'id': rid, 'ok': 0, 'reason': 'HttpError404', 'transient': 0})); return
    if mode == 'wrong' and uri.endswith('.deb'):
        data = bytes(len(data))
    fd, tmp = tempfile.mkstemp(); os.write(fd, data); os.close(fd)
    ro = os.open(tmp, os.O_RDONLY); os.unlink(tmp)
    socket.send_fds(c, [frame({'event': 'start', 'id': rid, 'ok': 1, 'result': {'last_modified': 1700000000, 'size': len(data)}})], [ro])
    os.close(ro)
    c.sendall(frame({'event': 'progress', 'id': rid, 'ok': 1, 'result': {'have': len(data) // 2}}))
    c.sendall(frame({'id': rid, 'ok': 1, 'result': {'ims_hit': 0, 'last_modified': 1700000000, 'size': len(data), 'source': 'mirror'}}))

try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX); s.bind(path); os.chmod(path, 0o777); s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
