#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# lsd-lt.py - a libtorrent session with Local Service Discovery for lsd.sh.
#
# usage: lsd-lt.py ADDR DIR SECONDS
#
# Seeds one small v1 torrent made in DIR from ADDR:6881, with LSD on and
# DHT, UPnP, NAT-PMP and uTP off.  It prints "infohash HEX", waits for the
# file DIR/go, starts the session, and until SECONDS have passed prints the
# alerts about LSD and peers: "lsd_peer ADDR:PORT" when an announce for
# the torrent arrives (2.0.8 logs "log <== LSD: ADDR:PORT ih: HEX" for it
# instead), "peer_... ADDR:PORT message" for connections.
# Output is flushed line by line.
import os
import sys
import time

import libtorrent as lt

import ltbase


def main():
    addr, d, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    path = os.path.join(d, 'payload')
    with open(path, 'wb') as f:
        f.write(os.urandom(65536))
    fs = lt.file_storage()
    lt.add_files(fs, path)
    # v1 only: one info-hash, so the test knows the one key it announces.
    t = lt.create_torrent(fs, 0, lt.create_torrent.v1_only)
    lt.set_piece_hashes(t, d)
    ti = lt.torrent_info(t.generate())
    print('infohash', ti.info_hashes().v1, flush=True)
    # Start only when the test's listener is up (DIR/go), since the
    # announce of a new torrent is sent once.
    end = time.time() + secs
    while not os.path.exists(os.path.join(d, 'go')):
        if time.time() > end:
            sys.exit('lsd-lt.py: no go')
        time.sleep(0.05)
    s = lt.session(ltbase.settings(**{
        'listen_interfaces': addr + ':6881',
        'enable_lsd': True,
        'alert_mask': lt.alert.category_t.all_categories,
    }))
    s.add_torrent({'ti': ti, 'save_path': d})
    while time.time() < end:
        s.wait_for_alert(200)
        for a in s.pop_alerts():
            w = a.what()
            if w == 'lsd_peer':
                print('lsd_peer', a.endpoint, flush=True)
            elif w == 'log' and 'LSD' in a.message():
                # The session log: "<== LSD: ADDR:PORT ih: HEX" for an
                # announce it accepted.
                print('log', a.message(), flush=True)
            elif w.startswith('peer') or 'lsd' in w:
                ep = getattr(a, 'endpoint', '')
                print(w, ep, a.message(), flush=True)


main()
