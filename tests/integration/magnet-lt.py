#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# magnet-lt.py - python3-libtorrent that knows only an info-hash, for
# stdclients.sh.
#
# usage: magnet-lt.py ADDR INFOHASH DIR SECONDS PEER
#
# One session on ADDR:6881 (ltbase.py's plain settings: no DHT, LSD, uTP
# or encryption), a magnet link with nothing but INFOHASH (hex) and no
# tracker, and PEER (ADDR:PORT) as its only peer.  It must get the
# torrent's info dictionary from PEER (BEP 9) and then the file.  Prints,
# flushed line by line:
#   metadata SECONDS NAME PIECES   the info dictionary arrived
#   done SECONDS                   every piece is here and verified
#   incomplete ...                 SECONDS passed first (exit status 1)
import faulthandler
import signal
import sys
import time

import libtorrent as lt

import ltbase


def main():
    faulthandler.enable()
    addr, ih, d, secs, peer = sys.argv[1:6]
    end = time.time() + float(secs)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = lt.session(ltbase.settings(**{
        'listen_interfaces': addr + ':6881',
        'outgoing_interfaces': addr,
        'enable_lsd': False,
        'alert_mask': lt.alert.category_t.status_notification |
        lt.alert.category_t.error_notification,
    }))
    atp = lt.parse_magnet_uri('magnet:?xt=urn:btih:' + ih)
    atp.save_path = d
    h = s.add_torrent(atp)
    host, port = peer.rsplit(':', 1)
    t0 = time.time()
    h.connect_peer((host, int(port)))
    have_meta = False
    done = False
    while time.time() < end and not stop and not done:
        s.wait_for_alert(200)
        for a in s.pop_alerts():
            if a.what() in ('metadata_failed', 'torrent_error'):
                print('alert', a.what(), a.message(), flush=True)
        st = h.status()
        if not have_meta and st.has_metadata:
            have_meta = True
            ti = h.torrent_file()
            print('metadata %.1f %s %d' % (time.time() - t0, ti.name(),
                                           ti.num_pieces()), flush=True)
        if have_meta and st.is_seeding:
            done = True
            print('done %.1f' % (time.time() - t0), flush=True)
        # Peers are dropped once they fail; ask again now and then.
        if not st.num_peers and int((time.time() - t0) * 5) % 10 == 0:
            h.connect_peer((host, int(port)))
    if not done:
        st = h.status()
        print('incomplete: metadata %s, %d pieces, %d peers' %
              (st.has_metadata, st.num_pieces, st.num_peers), flush=True)
        sys.exit(1)


main()
