#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# lt-peer.py - python3-libtorrent tuned for speed, for peer-1g.sh.
#
# usage: lt-peer.py seed PORT DIR TORRENT...
#        lt-peer.py get PORT DIR TORRENT SEED-PORT SECONDS
#
# One session on 127.0.0.1:PORT, plain TCP only (no uTP, no encryption, no
# DHT, LSD, UPnP or NAT-PMP), no rate limits, and libtorrent's own
# high_performance_seed settings with deeper queues and buffers on top.
#
# "seed" adds every TORRENT with its file already in DIR (seed mode: no
# check at start), prints "ready" and seeds until it is terminated.
#
# "get" adds TORRENT to download into DIR, connects to 127.0.0.1:SEED-PORT
# and waits for libtorrent's torrent_finished_alert; then it fsyncs the
# file, as aptbtd does with a finished file, and prints "done SECONDS":
# the time from adding the torrent to the file being complete and
# durable.  Exit status 1 if that does not happen within SECONDS.
import os
import signal
import sys
import time

import libtorrent as lt

# The settings every test peer starts from, shared with the tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import ltbase  # noqa: E402


def settings(port):
    s = lt.high_performance_seed()
    s.update(ltbase.PLAIN)
    s.update({
        'listen_interfaces': '127.0.0.1:%d' % port,
        'outgoing_interfaces': '127.0.0.1',
        'enable_lsd': False,
        'upload_rate_limit': 0,
        'download_rate_limit': 0,
        'rate_limit_ip_overhead': False,
        # Deep request pipelines and large buffers on both sides.
        'max_out_request_queue': 4000,
        'max_allowed_in_request_queue': 4000,
        'request_queue_time': 5,
        'send_buffer_watermark': 16 << 20,
        'send_buffer_low_watermark': 4 << 20,
        'send_buffer_watermark_factor': 200,
        'send_not_sent_low_watermark': 1 << 20,
        'max_peer_recv_buffer_size': 16 << 20,
        'recv_socket_buffer_size': 4 << 20,
        'send_socket_buffer_size': 4 << 20,
        'max_queued_disk_bytes': 64 << 20,
        'aio_threads': 4,
        'hashing_threads': 2,
        'checking_mem_usage': 4096,
        'tick_interval': 100,
        'suggest_mode': 0,
        'alert_mask': lt.alert.category_t.status_notification |
        lt.alert.category_t.error_notification,
    })
    return s


def main():
    mode, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    ses = lt.session(settings(port))
    if mode == 'seed':
        for t in sys.argv[4:]:
            ses.add_torrent({'ti': lt.torrent_info(t), 'save_path': d,
                             'flags': lt.torrent_flags.seed_mode})
        print('ready', flush=True)
        while not stop:
            ses.wait_for_alert(500)
            ses.pop_alerts()
        return 0

    torrent, seed_port, secs = sys.argv[4], int(sys.argv[5]), \
        float(sys.argv[6])
    ti = lt.torrent_info(torrent)
    t0 = time.monotonic()
    h = ses.add_torrent({'ti': ti, 'save_path': d})
    h.connect_peer(('127.0.0.1', seed_port))
    done = False
    while not done and not stop and time.monotonic() - t0 < secs:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_finished_alert):
                done = True
            elif isinstance(a, lt.torrent_error_alert):
                sys.stderr.write('lt-peer.py: %s\n' % a.message())
                return 1
        if not done and h.status().is_seeding:
            done = True
    if not done:
        st = h.status()
        sys.stderr.write('lt-peer.py: incomplete: %d of %d pieces\n'
                         % (st.num_pieces, ti.num_pieces()))
        return 1
    fd = os.open(os.path.join(d, ti.files().file_path(0)), os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    print('done %.3f' % (time.monotonic() - t0), flush=True)
    return 0


sys.exit(main())
