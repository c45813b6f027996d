#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# utp-lt.py - python3-libtorrent with its default connection settings, for
# redial.sh.
#
# usage: utp-lt.py ADDR TORRENT DIR SECONDS
#
# Seeds TORRENT (its file already in DIR) from ADDR:6881 with libtorrent's
# defaults for how it connects: uTP first, then TCP, and encryption
# allowed, as qBittorrent and Deluge run it.  Only what would leave the
# test's namespaces is off: DHT, UPnP, NAT-PMP.  LSD is on, so it finds
# aptbtd and aptbtd finds it.  Prints, flushed line by line:
#   ready                           the torrent is loaded and checked
#   event SECONDS WHAT ADDR MESSAGE a connection made, accepted or closed
#   total ADDR CLIENT DOWN UP       payload bytes per peer, at the end
import faulthandler
import signal
import sys
import time

import libtorrent as lt


def main():
    faulthandler.enable()
    addr, torrent, d, secs = sys.argv[1:5]
    end = time.time() + float(secs)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = lt.session({
        'enable_dht': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_lsd': True,
        'listen_interfaces': addr + ':6881',
        'outgoing_interfaces': addr,
        'alert_mask': lt.alert.category_t.status_notification |
        lt.alert.category_t.error_notification |
        lt.alert.category_t.connect_notification |
        lt.alert.category_t.peer_notification,
    })
    ti = lt.torrent_info(torrent)
    h = s.add_torrent({'ti': ti, 'save_path': d})
    ready = False
    peers = {}
    t0 = time.time()
    while time.time() < end and not stop:
        s.wait_for_alert(200)
        for a in s.pop_alerts():
            w = a.what()
            if w in ('peer_connect', 'incoming_connection',
                     'peer_disconnected'):
                print('event %.2f' % (time.time() - t0), w,
                      getattr(a, 'endpoint', ''), a.message(), flush=True)
        st = h.status()
        if not ready and st.is_seeding:
            ready = True
            print('ready', flush=True)
        for p in h.get_peer_info():
            key = '%s:%d' % (p.ip[0], p.ip[1])
            e = peers.setdefault(key, [p.client or '-', 0, 0])
            e[1] = max(e[1], p.total_download)
            e[2] = max(e[2], p.total_upload)
    for k, e in peers.items():
        print('total', k, repr(e[0]), e[1], e[2], flush=True)


main()
