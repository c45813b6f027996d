#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# pex-lt.py - a python3-libtorrent client for pex.sh.
#
# usage: pex-lt.py seed|get ADDR TORRENT DIR SECONDS [options]
#   --connect ADDR:PORT   connect to this peer, again every 2 s while no
#                         connection to it is open (may be repeated)
#   --down N, --up N      session rate limits in bytes/s (0: none)
#   --no-pex              neither send nor take ut_pex: the peer learns of
#                         nobody, so whoever it talks to dialled it
#
# One session on ADDR:6881 that finds peers in no other way: LSD, DHT,
# UPnP and NAT-PMP off, no tracker; uTP and encryption off so the plain
# TCP handshake goes out at once.  ut_pex is on (libtorrent's default).
# "seed" needs the file in DIR already.  It runs until SECONDS have
# passed or SIGTERM, printing, flushed line by line:
#   ready                     the torrent is loaded (and checked, "seed")
#   peer ADDR CLIENT SOURCE   a peer seen for the first time; SOURCE is how
#                             libtorrent learnt of it (pex, incoming,
#                             connect_peer, ...)
#   pex PEER MESSAGE          a ut_pex message to or from PEER, as
#                             libtorrent's peer log describes it: "<== PEX
#                             [ dropped: 0 added: 2 ]" for one received,
#                             "==> PEX_FULL [ ... ]" for one sent
#   done SECONDS              "get": every piece is here and verified
#   total ADDR CLIENT DOWN UP payload bytes exchanged with each peer, at
#                             exit
import argparse
import faulthandler
import signal
import time

import libtorrent as lt

import ltbase

SOURCES = (('tracker', 0x1), ('dht', 0x2), ('pex', 0x4), ('lsd', 0x8),
           ('resume', 0x10), ('incoming', 0x20))


def source_names(flags):
    names = [n for n, bit in SOURCES if flags & bit]
    return '+'.join(names) if names else 'connect_peer'


def endpoint(a):
    ep = getattr(a, 'endpoint', None) or getattr(a, 'ip', None)
    return '%s:%d' % (ep[0], ep[1]) if ep else '?'


def main():
    # libtorrent is C++: should it crash, say where in here it was.
    faulthandler.enable()
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=('seed', 'get'))
    ap.add_argument('addr')
    ap.add_argument('torrent')
    ap.add_argument('dir')
    ap.add_argument('seconds', type=float)
    ap.add_argument('--connect', action='append', default=[])
    ap.add_argument('--down', type=int, default=0)
    ap.add_argument('--up', type=int, default=0)
    ap.add_argument('--no-pex', action='store_true')
    a = ap.parse_args()
    end = time.time() + a.seconds
    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))

    s = lt.session(ltbase.settings(**{
        'listen_interfaces': a.addr + ':6881',
        'outgoing_interfaces': a.addr,
        'enable_lsd': False,
        'download_rate_limit': a.down,
        'upload_rate_limit': a.up,
        # --connect retries a peer that was not ready for us yet.
        'min_reconnect_time': 1,
        # The peer log is only wanted for its ut_pex lines.
        'alert_mask': lt.alert.category_t.status_notification |
        lt.alert.category_t.error_notification |
        (0 if a.no_pex else lt.alert.category_t.peer_log_notification),
    }))
    ti = lt.torrent_info(a.torrent)
    h = s.add_torrent({'ti': ti, 'save_path': a.dir})
    if a.no_pex:
        h.set_flags(lt.torrent_flags.disable_pex)
    t0 = time.time()
    ready = done = False
    peers = {}      # "ip:port" -> [client, source, down, up]
    tried = {}      # connect target -> when last asked
    while time.time() < end and not stop:
        s.wait_for_alert(200)
        for al in s.pop_alerts():
            if al.what() == 'peer_log' and 'PEX' in al.message():
                print('pex', endpoint(al), al.message(), flush=True)
        st = h.status()
        if not ready and st.state in (lt.torrent_status.downloading,
                                      lt.torrent_status.seeding,
                                      lt.torrent_status.finished):
            if a.mode == 'seed' and not st.is_seeding:
                raise SystemExit('pex-lt.py: %s is not complete in %s'
                                 % (ti.name(), a.dir))
            ready = True
            print('ready', flush=True)
        connected = set()
        for p in h.get_peer_info():
            # The torrent's webseed (which refuses us) is listed too.
            if p.connection_type in (lt.peer_info.web_seed,
                                     lt.peer_info.http_seed):
                continue
            ip = '%s:%d' % (p.ip[0], p.ip[1])
            connected.add(p.ip[0])
            if ip not in peers:
                peers[ip] = [p.client or '-', source_names(p.source), 0, 0]
                print('peer', ip, repr(peers[ip][0]), peers[ip][1],
                      flush=True)
            e = peers[ip]
            if p.client:
                e[0] = p.client
            e[2] = max(e[2], p.total_download)
            e[3] = max(e[3], p.total_upload)
        for c in a.connect:
            host, port = c.rsplit(':', 1)
            if ready and host not in connected and \
                    time.time() - tried.get(c, 0) > 2:
                h.connect_peer((host, int(port)))
                tried[c] = time.time()
        if a.mode == 'get' and st.is_seeding and not done:
            done = True
            print('done %.1f' % (time.time() - t0), flush=True)
    for ip, e in peers.items():
        print('total', ip, repr(e[0]), e[2], e[3], flush=True)


main()
