#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-embedded.sh - aptbtd's embedded tracker (tracker = yes) serves
# other daemons over HTTP and UDP, python3-libtorrent, and every client
# nearest first; malformed announces get the protocol's error replies and
# the tracker keeps serving.
#
# Network namespaces, two bridges joined by a router (no multicast
# between them; LSD is off anyway):
#
#   192.0.2.0/24       m (.1) the mirror (nginx), t (.2) aptbtd with
#                      tracker = yes on 6969, a (.10) aptbtd, c (.11)
#                      python3-libtorrent and trkpoke.py, r (.254)
#   198.51.100.0/24    b (.10) aptbtd, r (.254)
#
# 1. For each of http:// and udp:// (fresh daemons and a fresh file each
#    time), a and b name only t in "trackers": a fetches the file from the
#    mirror, t's scrape lists a as a seed (curl, and the daemon's own
#    scrape client, tracker-probe); b starts, learns of a through t (its
#    "peers" says source "tracker") and takes the whole file from a:
#    bytes_from_mirrors = 0 and no request from b in nginx's log.
# 2. The mirror publishes aptbt metadata whose torrents announce to t; a
#    fetches a package in metadata mode and seeds it under the torrent's
#    info-hash at t; libtorrent on c, with only the .torrent, finds a
#    through t and downloads the package from it (the webseed refuses c).
# 3. Proximity: a and b announce five ports each to one swarm; c (a's
#    /24) gets a's five first, then b's, over HTTP and UDP; b gets its own
#    subnet's first.
# 4. Malformed requests from c (trkpoke.py malformed): a 19-byte
#    info_hash, port 0, no peer_id, a 5000-byte query, a 20000-byte
#    header, a 40 KiB seed batch, numwant=100000 (capped at 200 of a swarm
#    of 250), UDP garbage, a runt, a bad connection id, port 0, a short
#    announce: each gets its failure reason, HTTP status or UDP error (a
#    runt nothing), and a good announce is answered after each.
# 5. A seed batch (POST /aptbt/seeds) records its hashes as seeds and
#    "stopped" removes them; over tracker_rate (60 a minute, set by a
#    reload) an address gets "rate limited"; aptbt-ctl tracker counts it
#    all.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd nginx curl ip apt-ftparchive dpkg-deb gpg
# shellcheck source=tests/integration/lib-tracker.sh
. "$top_srcdir/tests/integration/lib-tracker.sh"
POKE=$top_srcdir/tests/integration/trkpoke.py
poke() { local h=$1; shift; ns_exec "$h" "$PY" "$POKE" "$@"; }

trk_net
trk_mirror

# --- the embedded tracker --------------------------------------------------------------
TCONF=$(write_conf "$T/t" "log_level = debug" "listen_port = 6881" \
    "tracker = yes")
ns_bg t "$T/t.log" "$APTBTD" -f -c "$TCONF"
PID_t=$NS_BG_PID
# shellcheck disable=SC2034	# read through eval by sock and dlog
DIR_t=$T/t
# shellcheck disable=SC2034
LOG_t=$T/t.log
wait_for_socket "$T/t/control.sock" || { show "$T/t.log"; fail "t did not start"; }
i=0
until ns_exec a curl -s "http://192.0.2.2:6969/announce" | grep -q "failure reason"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { show "$T/t.log"; fail "the embedded tracker does not answer"; }
	sleep 0.1
done

echo "=== HTTP over IPv6 and over IPv4, a listener each"
# ::1 announces, then 127.0.0.1, then ::1 again: each sees the other at
# the address it came from (compact: 18 bytes an IPv6 peer, 6 an IPv4).
IH6=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
Q6="announce?info_hash=$IH6&port=7001&left=0&compact=1&peer_id=-AB0001-"
ns_exec t curl -sg -o "$T/v6a.out" "http://[::1]:6969/${Q6}aaaaaaaaaaaa"
ns_exec t curl -s -o "$T/v4.out" "http://127.0.0.1:6969/${Q6}bbbbbbbbbbbb"
ns_exec t curl -sg -o "$T/v6b.out" "http://[::1]:6969/${Q6}cccccccccccc"
# has FILE BYTES: FILE holds BYTES (a Python bytes literal).
has() { "$PY" -c 'import sys
sys.exit(eval(sys.argv[2]) not in open(sys.argv[1], "rb").read())' "$1" "$2"; }
has "$T/v6a.out" "b'8:intervali'" && ! has "$T/v6a.out" "b'failure'" &&
	ok "an announce over IPv6 is answered" ||
	bad "IPv6 announce: $(cat "$T/v6a.out")"
has "$T/v4.out" "b'6:peers618:' + bytes(15) + b'\\x01\\x1b\\x59'" &&
	ok "over IPv4, the IPv6 peer ::1 port 7001 is handed out" ||
	bad "IPv4 announce: no ::1 in $(od -c "$T/v4.out" | head -5)"
has "$T/v6b.out" "b'5:peers6:\\x7f\\x00\\x00\\x01\\x1b\\x59'" &&
	ok "over IPv6, the IPv4 peer 127.0.0.1 port 7001 is handed out" ||
	bad "IPv6 announce: no 127.0.0.1 in $(od -c "$T/v6b.out" | head -5)"
# HTTP/1.1 replies carry Date and the body's Content-Length, once each;
# HTTP/1.0 ones (closed after the reply) neither.
ns_exec t curl -s -D "$T/v11.hdr" -o "$T/v11.out" \
    "http://127.0.0.1:6969/${Q6}dddddddddddd"
ns_exec t curl -s -0 -D "$T/v10.hdr" -o /dev/null \
    "http://127.0.0.1:6969/${Q6}eeeeeeeeeeee"
tr -d '\r' <"$T/v11.hdr" >"$T/v11.h"
tr -d '\r' <"$T/v10.hdr" >"$T/v10.h"
[ "$(grep -ci '^date: ' "$T/v11.h")" = 1 ] &&
[ "$(grep -ci '^content-length: ' "$T/v11.h")" = 1 ] &&
grep -qix "content-length: $(wc -c <"$T/v11.out")" "$T/v11.h" &&
[ "$(grep -ciE '^(date|content-length): ' "$T/v10.h")" = 0 ] &&
	ok "HTTP/1.1 replies: one Date, one Content-Length of the body; HTTP/1.0: neither" ||
	bad "reply headers: $(cat "$T/v11.h" "$T/v10.h")"

# tracker_field KEY: a number of "aptbt-ctl --json tracker" on t.
tracker_field()
{
	ctl t --json tracker | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"
}

trk_rounds "the embedded tracker"
trk_lt "the embedded tracker"

echo "=== proximity"
IHP=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
poke a populate 192.0.2.2 6969 "$IHP" 1001 5 >"$T/pop-a.out"
poke b populate 192.0.2.2 6969 "$IHP" 2001 5 >"$T/pop-b.out"
grep -q "populated 5 failed 0" "$T/pop-a.out" && grep -q "populated 5 failed 0" "$T/pop-b.out" ||
	bad "proximity: the swarm was not populated: $(cat "$T/pop-a.out" "$T/pop-b.out")"
# ORDER FILE: the subnets of the peers of a reply, in order (A or B).
order() { awk '$1 == "peer" { print ($2 ~ /^192\.0\.2\./) ? "A" : "B" }' "$1" | tr -d '\n'; }
poke c http 192.0.2.2 6969 "$IHP" 3001 10 1 >"$T/prox-c-http.out"
poke c udp 192.0.2.2 6969 "$IHP" 3001 10 >"$T/prox-c-udp.out"
poke c http 192.0.2.2 6969 "$IHP" 3001 3 1 >"$T/prox-c-3.out"
poke b http 192.0.2.2 6969 "$IHP" 3001 10 1 >"$T/prox-b-http.out"
for f in c-http c-udp c-3 b-http; do
	echo "proximity: $f: $(order "$T/prox-$f.out")"
done
[ "$(order "$T/prox-c-http.out")" = AAAAABBBBB ] &&
	ok "proximity: HTTP: c gets its /24's five peers first, then the other subnet's" ||
	{ cat "$T/prox-c-http.out" >&2; bad "proximity: HTTP order for c"; }
[ "$(order "$T/prox-c-udp.out")" = AAAAABBBBB ] &&
	ok "proximity: UDP: the same order" ||
	{ cat "$T/prox-c-udp.out" >&2; bad "proximity: UDP order for c"; }
[ "$(order "$T/prox-c-3.out")" = AAA ] &&
	ok "proximity: three asked, three of c's /24" ||
	{ cat "$T/prox-c-3.out" >&2; bad "proximity: numwant 3 for c"; }
[ "$(order "$T/prox-b-http.out")" = BBBBBAAAAA ] &&
	ok "proximity: b gets its own subnet's first" ||
	{ cat "$T/prox-b-http.out" >&2; bad "proximity: order for b"; }

echo "=== malformed requests"
IHM=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
poke c populate 192.0.2.2 6969 "$IHM" 10001 250 >"$T/pop-c.out"
grep -q "populated 250 failed 0" "$T/pop-c.out" || bad "malformed: $(cat "$T/pop-c.out")"
m0=$(tracker_field malformed)
poke c malformed 192.0.2.2 6969 "$IHM" >"$T/malformed.out" 2>&1
cat "$T/malformed.out"
expect()	# CASE TEXT: the case's line says TEXT, and "good: yes"
{
	grep -q "^case $1: $2; good: yes$" "$T/malformed.out" &&
		ok "malformed: $1: $2, and the tracker answers after it" ||
		bad "malformed: $1: expected \"$2\" then a good answer: $(grep "^case $1:" "$T/malformed.out")"
}
expect info_hash-19-bytes 'failure "info_hash is not 20 bytes"'
expect port-0 'failure "port is not 1 to 65535"'
expect no-peer_id 'failure "missing peer_id"'
expect query-5000-bytes 'failure "request too long"'
expect numwant-100000 '200 peers'
expect header-20000-bytes 'HTTP 4[0-9][0-9]'
expect seeds-body-40k 'HTTP 413'
expect udp-garbage 'error unknown action'
expect udp-5-bytes 'none'
expect udp-bad-connection-id 'error bad connection id'
expect udp-port-0 'error port 0'
expect udp-announce-short 'error announce too short'
expect udp-numwant-100000 'peers 200 peers'
m1=$(tracker_field malformed)
[ $((m1 - m0)) -ge 9 ] && ok "malformed: aptbt-ctl tracker counted $((m1 - m0))" ||
	bad "malformed: aptbt-ctl tracker counted $((m1 - m0)), not 9 or more"

echo "=== seed batch and rate limit"
# The daemons of this test send seed batches of their own (every reply
# advertises them), so the pokes are counted as what they add.
b0=$(tracker_field seed_batches) h0=$(tracker_field seed_hashes)
poke c seeds 192.0.2.2 6969 6881 3 started >"$T/seeds.out"
H1=$(awk '$1 == "hash" { print $2; exit }' "$T/seeds.out")
grep -q "^count 3 interval 1800$" "$T/seeds.out" && [ "$(scrape_complete "$H1")" = 1 ] &&
	ok "seeds: one POST recorded 3 seeds (scrape: complete 1)" ||
	bad "seeds: $(tail -n 1 "$T/seeds.out"), scrape $(scrape_complete "$H1")"
poke c seeds 192.0.2.2 6969 6881 2 "" >"$T/seeds2.out"
b1=$(tracker_field seed_batches) h1=$(tracker_field seed_hashes)
[ $((b1 - b0)) -ge 2 ] && [ $((h1 - h0)) -ge 5 ] &&
	ok "seeds: aptbt-ctl tracker counts $((b1 - b0)) more batches, $((h1 - h0)) more hashes (2 and 5 of them ours)" ||
	bad "seeds: batches $b0 -> $b1, hashes $h0 -> $h1 (ours: 2 batches, 5 hashes)"
echo "tracker_rate = 60" >>"$TCONF"
kill -HUP "$PID_t"
sleep 1
poke c populate 192.0.2.2 6969 "$IHM" 20001 40 >"$T/rate.out"
rl=$(tracker_field rate_limited)
echo "rate: $(cat "$T/rate.out"); rate_limited $rl"
grep -q "failed [1-9]" "$T/rate.out" && [ "$rl" -ge 1 ] &&
	ok "rate: 40 announces at once from c over 60 a minute: some refused, counted" ||
	bad "rate: nothing was rate-limited"

echo "=== aptbt-ctl tracker on t"
ctl t tracker | tee "$T/ctl-tracker.out"
ctl t --json tracker >"$T/ctl-tracker.json"
cat "$T/ctl-tracker.json"
[ "$(tracker_field swarms)" -ge 4 ] && [ "$(tracker_field http_requests)" -ge 300 ] &&
    [ "$(tracker_field udp_requests)" -ge 8 ] && [ "$(tracker_field enabled)" = 1 ] &&
	ok "aptbt-ctl tracker: $(tracker_field swarms) swarms, $(tracker_field peers) peers" ||
	bad "aptbt-ctl tracker does not add up"
daemon_down t
grep -q "embedded tracker on port 6969" "$T/t.log" || bad "t did not log its tracker"

[ "$fails" -eq 0 ] || fail "$fails check(s) failed"
echo "ok: tracker-embedded"
