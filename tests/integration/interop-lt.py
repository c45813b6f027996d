#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# interop-lt.py - a python3-libtorrent client for interop.sh.
#
# usage: interop-lt.py seed ADDR TORRENT DIR SECONDS
#        interop-lt.py get ADDR TORRENT DIR SECONDS [FALLBACK-PEER [AFTER]]
#
# One session on ADDR:6881 with Local Service Discovery on and DHT, UPnP,
# NAT-PMP, uTP and encryption off, so that it finds aptbtd by LSD alone
# and speaks the plain TCP handshake at once.
#
# "seed" adds TORRENT with its file already in DIR and seeds it until
# SECONDS have passed or it is terminated.  "get" downloads it into DIR
# and exits 0 once it has every piece; if no peer has connected after
# AFTER seconds (default 10) it connects to FALLBACK-PEER (ADDR:PORT)
# itself and says so.  Either way it prints, flushed line by line:
#   ready                     the torrent is loaded (and checked, "seed")
#   peer ADDR CLIENT SOURCE   a peer seen for the first time; SOURCE is how
#                             libtorrent learnt of it (lsd, incoming,
#                             webseed, ...)
#   event WHAT ADDR           a connection made, accepted or closed
#   fallback ADDR             the fallback connect_peer was used
#   done SECONDS              "get": every piece is here and verified
#   total ADDR CLIENT DOWN UP payload bytes exchanged with each peer, as
#                             last sampled (libtorrent updates them once a
#                             second, so short connections may show 0)
import faulthandler
import signal
import sys
import time

import libtorrent as lt

import ltbase

SOURCES = (('tracker', 0x1), ('dht', 0x2), ('pex', 0x4), ('lsd', 0x8),
           ('resume', 0x10), ('incoming', 0x20))


def source_names(flags):
    names = [n for n, bit in SOURCES if flags & bit]
    return '+'.join(names) if names else 'connect_peer'


def main():
    # libtorrent is C++: should it crash, say where in here it was.
    faulthandler.enable()
    mode, addr, torrent, d, secs = sys.argv[1:6]
    fallback = sys.argv[6] if len(sys.argv) > 6 else None
    after = float(sys.argv[7]) if len(sys.argv) > 7 else 10.0
    end = time.time() + float(secs)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))

    s = lt.session(ltbase.settings(**{
        'listen_interfaces': addr + ':6881',
        'outgoing_interfaces': addr,
        'enable_lsd': True,
        'alert_mask': lt.alert.category_t.status_notification |
        lt.alert.category_t.error_notification |
        lt.alert.category_t.connect_notification |
        lt.alert.category_t.peer_notification,
    }))
    ti = lt.torrent_info(torrent)
    h = s.add_torrent({'ti': ti, 'save_path': d})
    t0 = time.time()
    ready = False
    peers = {}      # ip -> [client, source, down, up]
    used_fallback = False
    done = False
    while time.time() < end and not stop:
        s.wait_for_alert(200)
        for a in s.pop_alerts():
            w = a.what()
            if w in ('peer_connect', 'incoming_connection',
                     'peer_disconnected'):
                print('event', w, a.endpoint if hasattr(a, 'endpoint')
                      else '', flush=True)
        st = h.status()
        if not ready and st.state in (lt.torrent_status.downloading,
                                      lt.torrent_status.seeding,
                                      lt.torrent_status.finished):
            if mode == 'seed' and not st.is_seeding:
                sys.exit('interop-lt.py: %s is not complete in %s'
                         % (ti.name(), d))
            ready = True
            print('ready', flush=True)
        for p in h.get_peer_info():
            ip = '%s:%d' % (p.ip[0], p.ip[1])
            key = p.ip[0]
            if key not in peers:
                # libtorrent lists the torrent's webseeds as peers too.
                src = ('webseed' if p.connection_type in
                       (lt.peer_info.web_seed, lt.peer_info.http_seed)
                       else source_names(p.source))
                peers[key] = [p.client or '-', src, 0, 0, ip]
                print('peer', ip, repr(peers[key][0]), peers[key][1],
                      flush=True)
            e = peers[key]
            if p.client:
                e[0] = p.client
            e[2] = max(e[2], p.total_download)
            e[3] = max(e[3], p.total_upload)
        if (mode == 'get' and fallback and not used_fallback and not peers
                and time.time() - t0 > after):
            host, port = fallback.rsplit(':', 1)
            h.connect_peer((host, int(port)))
            used_fallback = True
            print('fallback', fallback, flush=True)
        if mode == 'get' and st.is_seeding and not done:
            done = True
            print('done %.1f' % (time.time() - t0), flush=True)
            # Per-peer byte counts are updated once a second.
            end = min(end, time.time() + 1.5)
    for e in peers.values():
        print('total', e[4], repr(e[0]), e[2], e[3], flush=True)
    if mode == 'get' and not done:
        st = h.status()
        print('incomplete: %d of %d pieces, state %s, %d peers'
              % (st.num_pieces, ti.num_pieces(), st.state, st.num_peers),
              flush=True)
        sys.exit(1)


main()
