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
PY=/usr/bin/python3
FETCH=$top_srcdir/tests/integration/fetchclient.py
PROBE=$top_builddir/tests/integration/tracker-probe
[ -x "$PROBE" ] || fail "$PROBE is not built"
POKE=$top_srcdir/tests/integration/trkpoke.py
poke() { local h=$1; shift; ns_exec "$h" "$PY" "$POKE" "$@"; }
SIZE=3145728

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-30}" "$1" >&2; }

at_exit()
{
	# TRACKER_KEEP=DIR keeps the logs for a look afterwards.
	[ -n "${TRACKER_KEEP:-}" ] && mkdir -p "$TRACKER_KEEP" &&
		cp "$T"/*.log "$T"/*.out "$T/nginx/access.log" "$TRACKER_KEEP"/ 2>/dev/null
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host m 1
ns_host t 2
ns_host a 10
ns_host c 11
ns_host r 254
# The second subnet: a bridge of its own, b, and the router's other leg.
BR2=${NS_PREFIX}br2
ip netns add "$BR2" || fail "cannot create $BR2"
NS_HOSTS="$NS_HOSTS br2"
ip -n "$BR2" link add br0 type bridge
ip -n "$BR2" link set br0 up
ns2_leg()	# NS ADDRESS IFNAME
{
	ip link add "w$$$3" type veth peer name "$3" netns "$1" ||
		fail "cannot create veth for $1"
	ip link set "w$$$3" netns "$BR2"
	ip -n "$BR2" link set "w$$$3" master br0 up
	ip -n "$1" addr add "$2/24" dev "$3"
	ip -n "$1" link set "$3" up
}
ip netns add "${NS_PREFIX}b" || fail "cannot create b"
NS_HOSTS="$NS_HOSTS b"
ip -n "${NS_PREFIX}b" link set lo up
ns2_leg "${NS_PREFIX}b" 198.51.100.10 eth0
ns2_leg "${NS_PREFIX}r" 198.51.100.254 eth1
ns_exec r sysctl -q -w net.ipv4.ip_forward=1 || fail "no forwarding"
for h in m t a; do
	ip -n "${NS_PREFIX}$h" route add 198.51.100.0/24 via 192.0.2.254
done
ip -n "${NS_PREFIX}b" route add 192.0.2.0/24 via 198.51.100.254

# --- the mirror -----------------------------------------------------------------
WWW=$T/www
mkdir -p "$WWW" "$T/nginx"
for f in http udp; do
	head -c "$SIZE" /dev/urandom >"$WWW/$f.bin"
done
chmod 755 "$WWW" && chmod 644 "$WWW"/*
# A repository with aptbt metadata, its torrents on the same tracker.
MKMETA=$top_builddir/client/aptbt-mkmeta
[ -x "$MKMETA" ] || fail "$MKMETA is not built"
repo_init
repo_build 0 1 2
"$MKMETA" --archive "$REPO_ROOT" --suite "$REPO_SUITE" --v1 \
    --tracker "http://192.0.2.2:6969/announce" >"$T/mkmeta.out" 2>&1 ||
	fail "aptbt-mkmeta failed: $(cat "$T/mkmeta.out")"
chmod -R a+rX "$REPO_WWW"
# Keep the built tree under $T: the test needs nothing else of $REPO_T.
mv "$REPO_WWW" "$T/repo-www" || fail "cannot move the repository"
REPO_WWW=$T/repo-www
REPO_ROOT=$REPO_WWW/debian
ln -s "$REPO_ROOT" "$WWW/debian"
DEB=$(ls "$REPO_ROOT/pool/$REPO_COMP/"*.deb)
DEBNAME=$(basename "$DEB")
DEB_SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
DEB_SIZE=$(stat -c %s "$DEB")
TORRENT=$REPO_ROOT/aptbt/torrents/$(echo "$DEB_SHA" | cut -c1-2)/$DEB_SHA.torrent
IH=$($PY -c 'import hashlib, sys
b = open(sys.argv[1], "rb").read()
def skip(i):
    c = b[i:i + 1]
    if c == b"i":
        return b.index(b"e", i) + 1
    if c in (b"l", b"d"):
        i += 1
        while b[i:i + 1] != b"e":
            i = skip(i)
        return i + 1
    n = b.index(b":", i)
    return n + 1 + int(b[i:n])
i = 1
while b[i:i + 1] != b"e":
    k = skip(i)
    v = skip(k)
    if b[i:k] == b"4:info":
        print(hashlib.sha1(b[k:v]).hexdigest())
    i = v' "$TORRENT")
[ ${#IH} -eq 40 ] || fail "no info-hash in $TORRENT"
cat >"$T/nginx/nginx.conf" <<EOF
user www-data;
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	log_format t '\$remote_addr \$status \$body_bytes_sent \$request_method \$uri';
	access_log $T/nginx/access.log t;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	default_type application/octet-stream;
	# c is libtorrent: the torrents' webseed gives it nothing.
	server { listen 192.0.2.1:80; root $WWW; deny 192.0.2.11; }
}
EOF
ns_bg m "$T/nginx.out" nginx -p "$T/nginx" -c "$T/nginx/nginx.conf"
i=0
until ns_exec a curl -s -o /dev/null http://192.0.2.1/; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "nginx does not answer"
	sleep 0.1
done
ns_exec b curl -s -o /dev/null http://192.0.2.1/ ||
	fail "b cannot reach the other subnet through r"

# --- the embedded tracker --------------------------------------------------------------
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
zkey() { $PY -c 'import hashlib, sys
print(hashlib.sha256(b"aptbt-v1" + bytes.fromhex(sys.argv[1])).hexdigest()[:40])' "$1"; }
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

# scrape KEY: how many seeds the embedded tracker lists for KEY.
scrape_complete()
{
	ns_exec a curl -s "http://192.0.2.2:6969/scrape?info_hash=$($PY -c '
import sys, urllib.parse
print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$1")" | $PY -c '
import re, sys
m = re.search(rb"8:completei(\d+)e", sys.stdin.buffer.read())
print(m.group(1).decode() if m else 0)'
}
# tracker_field KEY: a number of "aptbt-ctl --json tracker" on t.
tracker_field()
{
	ctl t --json tracker | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"
}

# --- daemons ----------------------------------------------------------------------
sock() { eval "echo \$DIR_$1/control.sock"; }
dlog() { eval "echo \$LOG_$1"; }
ctl() { local h=$1; shift; ns_exec "$h" "$APTBT_CTL" -s "$(sock "$h")" "$@"; }
ctl_field()	# HOST KEY
{
	ctl "$1" --json status | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$2"
}
# Daemons HOST is connected to, handshakes done: "ADDRESS SOURCE" lines.
peer_addrs()
{
	ctl "$1" --json peers 2>/dev/null | $PY -c 'import json, sys
for p in json.load(sys.stdin).get("peers", []):
    if p.get("daemon") and "H" not in p.get("flags", "H"):
        print(p.get("address", "?"), p.get("source", "?"))'
}
daemon_up()	# HOST VARIANT TRACKER
{
	local dir=$T/$2-$1 conf
	conf=$(write_conf "$dir" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24, 198.51.100.0/24" ${3:+"trackers = $3"})
	eval "DIR_$1=\$dir"
	eval "LOG_$1=\$T/$2-$1.log"
	ns_bg "$1" "$T/$2-$1.log" "$APTBTD" -f -c "$conf"
	eval "PID_$1=\$NS_BG_PID"
	wait_for_socket "$dir/control.sock" ||
		{ show "$T/$2-$1.log"; fail "$1: control socket did not appear"; }
}
daemon_down()	# HOST
{
	stop_wait "$(eval "echo \$PID_$1")"
	[ "$STOP_RC" = 0 ] || bad "$1: aptbtd exited with status $STOP_RC"
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$(dlog "$1")" &&
		{ show "$(dlog "$1")"; bad "$1: sanitizer report"; }
}
fetch()	# HOST FILE OUT
{
	ns_exec "$1" timeout 60 "$PY" "$FETCH" "$(sock "$1")" \
	    "http://192.0.2.1/$2" "$3" --sha256 "$(sha_of "$WWW/$2")" \
	    --size "$SIZE" >"$3.reply" 2>&1
}

for v in http udp; do
	echo "=== $v"
	case $v in
	http) URL=http://192.0.2.2:6969/announce ;;
	udp) URL=udp://192.0.2.2:6969/announce ;;
	esac
	KEY=$(zkey "$(sha_of "$WWW/$v.bin")")
	daemon_up a "$v" "$URL"
	fetch a "$v.bin" "$T/$v-a.got" || { show "$T/$v-a.got.reply"; show "$(dlog a)"; fail "a: fetch failed"; }
	cmp -s "$T/$v-a.got" "$WWW/$v.bin" || bad "a: wrong bytes"
	# "started" at the fetch, "completed" once held: a seeds it.
	tenths=100
	until [ "$(scrape_complete "$KEY")" -ge 1 ]; do
		tenths=$((tenths - 1))
		[ $tenths -gt 0 ] || break
		sleep 0.1
	done
	n=$(scrape_complete "$KEY")
	[ "$n" -ge 1 ] && ok "$v: the embedded tracker lists a as a seed of the file ($n)" ||
		{ show "$(dlog a)"; bad "$v: the embedded tracker has no seed of the file"; }
	# The client's own scrape (BEP 48 / BEP 15) says the same.
	ns_exec a "$PROBE" "$URL" "$KEY" >"$T/$v-probe.out" 2>&1
	grep -q "^scrape complete=[1-9]" "$T/$v-probe.out" &&
		ok "$v: $(grep '^scrape' "$T/$v-probe.out")" ||
		{ show "$T/$v-probe.out"; bad "$v: the client's scrape did not see a"; }

	mark=$(wc -l <"$T/nginx/access.log")
	daemon_up b "$v" "$URL"
	tenths=150
	until peer_addrs b | grep -q "^192\.0\.2\.10:6881 tracker"; do
		tenths=$((tenths - 1))
		[ $tenths -gt 0 ] || break
		sleep 0.1
	done
	if peer_addrs b | grep -q "^192\.0\.2\.10:6881 tracker"; then
		ok "$v: b found a through the tracker"
	else
		peer_addrs b >&2
		show "$(dlog b)"
		bad "$v: b did not find a through the tracker"
	fi
	fetch b "$v.bin" "$T/$v-b.got" || { show "$T/$v-b.got.reply"; bad "b: fetch failed"; }
	cmp -s "$T/$v-b.got" "$WWW/$v.bin" && ok "$v: b has the file, verified" ||
		bad "$v: b: wrong bytes"
	fp=$(ctl_field b bytes_from_peers)
	fm=$(ctl_field b bytes_from_mirrors)
	mirror_b=$(awk -v m="$mark" 'NR > m && $1 == "198.51.100.10" &&
	    $5 ~ /\.bin$/ { n++ } END { print n + 0 }' "$T/nginx/access.log")
	echo "$v: b: $fp bytes from peers, $fm from mirrors; $mirror_b mirror requests"
	[ "$fp" -eq "$SIZE" ] && [ "$fm" -eq 0 ] && [ "$mirror_b" -eq 0 ] &&
		ok "$v: every byte came from a, none from the mirror" ||
		bad "$v: b took $fm bytes from the mirror, $fp from peers"
	daemon_down b
	daemon_down a
	grep -q "tracker.*not there" "$(dlog a)" "$(dlog b)" &&
		bad "$v: a daemon took the tracker for absent"
done

echo "=== python3-libtorrent through the embedded tracker"
if ! $PY -c 'import libtorrent' 2>/dev/null; then
	echo "SKIP: python3-libtorrent is not installed: no interop check" >&2
else
	daemon_up a lt ""
	ns_exec a timeout 60 "$PY" "$FETCH" "$(sock a)" \
	    "http://192.0.2.1/debian/pool/$REPO_COMP/$DEBNAME" "$T/lt-a.got" \
	    --sha256 "$DEB_SHA" --size "$DEB_SIZE" \
	    --base "http://192.0.2.1/debian/dists/$REPO_SUITE/" >"$T/lt-a.reply" 2>&1 ||
		{ show "$T/lt-a.reply"; fail "a: metadata-mode fetch failed"; }
	tenths=150
	until [ "$(scrape_complete "$IH")" -ge 1 ]; do
		tenths=$((tenths - 1))
		[ $tenths -gt 0 ] || break
		sleep 0.1
	done
	[ "$(scrape_complete "$IH")" -ge 1 ] &&
		ok "lt: a seeds the torrent's info-hash at the torrent's tracker" ||
		{ show "$(dlog a)"; bad "lt: the embedded tracker has no seed of the torrent"; }
	mkdir -p "$T/lt"
	ns_bg c "$T/lt.out" "$PY" "$top_srcdir/tests/integration/pex-lt.py" \
	    get 192.0.2.11 "$TORRENT" "$T/lt" 60
	PID_LT=$NS_BG_PID
	wait_for_file_line "$T/lt.out" '^done' 50 ||
		{ show "$T/lt.out"; show "$(dlog a)"; bad "lt: libtorrent did not finish"; }
	kill -TERM "$PID_LT" 2>/dev/null
	wait "$PID_LT" 2>/dev/null
	got=$(awk '$1 == "total" && $2 == "192.0.2.10:6881" { print $(NF - 1) }' "$T/lt.out")
	src=$(awk '$1 == "peer" && $2 == "192.0.2.10:6881" { print $NF }' "$T/lt.out")
	# Its last look at a peer may come after the peer has gone (both
	# seeds): the count is a lower bound; the webseed's log says the rest.
	web=$(awk '$1 == "192.0.2.11" && $2 ~ /^2/ { n++ } END { print n + 0 }' \
	    "$T/nginx/access.log")
	up=$(ctl_field a bytes_to_peers)
	echo "lt: a sent $up bytes to peers, libtorrent counted at least" \
	    "${got:-0} from a (learnt by: ${src:-?}); $web webseed requests" \
	    "served to it; the package is $DEB_SIZE"
	cmp -s "$(find "$T/lt" -type f | head -n 1)" "$DEB" &&
	    [ "$up" -ge "$DEB_SIZE" ] && [ "$src" = tracker ] && [ "$web" -eq 0 ] &&
		ok "lt: libtorrent found a through the embedded tracker and took the package from it" ||
		{ show "$T/lt.out"; bad "lt: libtorrent did not download from a through the tracker"; }
	daemon_down a
fi


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
# The daemons of this test send their own batches (their seeds): count
# from here.
sb0=$(tracker_field seed_batches)
sh0=$(tracker_field seed_hashes)
poke c seeds 192.0.2.2 6969 6881 3 started >"$T/seeds.out"
H1=$(awk '$1 == "hash" { print $2; exit }' "$T/seeds.out")
grep -q "^count 3 interval 1800$" "$T/seeds.out" && [ "$(scrape_complete "$H1")" = 1 ] &&
	ok "seeds: one POST recorded 3 seeds (scrape: complete 1)" ||
	bad "seeds: $(tail -n 1 "$T/seeds.out"), scrape $(scrape_complete "$H1")"
poke c seeds 192.0.2.2 6969 6881 2 "" >"$T/seeds2.out"
sb=$(($(tracker_field seed_batches) - sb0))
sh=$(($(tracker_field seed_hashes) - sh0))
[ "$sb" = 2 ] && [ "$sh" = 5 ] &&
	ok "seeds: aptbt-ctl tracker counts 2 more batches, 5 more hashes" ||
	bad "seeds: $sb more batches, $sh more hashes (not 2 and 5)"
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
