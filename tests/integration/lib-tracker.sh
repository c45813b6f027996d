# SPDX-License-Identifier: ISC
# lib-tracker.sh - what the tracker tests share (sourced after lib.sh,
# lib-netns.sh and, where a test has one, lib-repo.sh):
#
#   trk_at_exit             the EXIT trap (TRACKER_KEEP=DIR keeps the logs)
#   torrent_ih TORRENT      the v1 info-hash of a .torrent file
#   ok, bad and show report; "$fails" counts the bad checks.
#
# and the world of tracker.sh and tracker-embedded.sh, where daemons on
# two subnets joined by a router find each other through one tracker on t
# (192.0.2.2:6969), which each test starts its own way:
#
#   192.0.2.0/24       m (.1) the mirror (nginx), t (.2) the tracker,
#                      a (.10) aptbtd, c (.11) python3-libtorrent, r (.254)
#   198.51.100.0/24    b (.10) aptbtd, r (.254)
#
#   trk_net                 the namespaces above and their routes
#   trk_mirror              $WWW/http.bin and udp.bin, a signed repository
#                           with aptbt metadata whose torrents announce to
#                           t (sets DEB, DEBNAME, DEB_SHA, DEB_SIZE,
#                           TORRENT, IH), and nginx on m serving it all
#   sha_of FILE, zkey SHA   a file's SHA-256; the zero-metadata key of one
#   scrape_complete KEY     how many seeds the tracker lists for KEY
#   sock, dlog, ctl, ctl_field, peer_addrs, daemon_up, daemon_down, fetch
#                           a daemon's socket, log, aptbt-ctl, status
#                           field, tracker-found peers, start, stop, fetch
#   trk_rounds NAME         over HTTP, then UDP: a seeds a file at the
#                           tracker, b finds a through it and takes every
#                           byte from a (NAME names the tracker in messages)
#   trk_lt NAME             python3-libtorrent on c finds a seeding a
#                           package through the tracker and downloads it
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes

PY=/usr/bin/python3
FETCH=$top_srcdir/tests/integration/fetchclient.py
PROBE=$top_builddir/tests/integration/tracker-probe
SIZE=3145728

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-30}" "$1" >&2; }

trk_at_exit()
{
	# TRACKER_KEEP=DIR keeps the logs for a look afterwards.
	[ -n "${TRACKER_KEEP:-}" ] && mkdir -p "$TRACKER_KEEP" &&
		cp "$T"/*.log "$T"/*.out "$T/nginx/access.log" "$TRACKER_KEEP"/ 2>/dev/null
	# Not every test has a repository.
	command -v repo_cleanup >/dev/null && repo_cleanup
	ns_cleanup
	lib_cleanup
}

torrent_ih()	# TORRENT
{
	$PY -c 'import hashlib, sys
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
    i = v' "$1"
}

trk_net()
{
	[ -x "$PROBE" ] || fail "$PROBE is not built"
	chmod 755 "$T"
	ns_init
	trap trk_at_exit EXIT
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
	# shellcheck disable=SC2034	# read by ns_ip
	NS_IP_b=198.51.100.10
	ns_exec r sysctl -q -w net.ipv4.ip_forward=1 || fail "no forwarding"
	for h in m t a; do
		ip -n "${NS_PREFIX}$h" route add 198.51.100.0/24 via 192.0.2.254
	done
	ip -n "${NS_PREFIX}b" route add 192.0.2.0/24 via 198.51.100.254
}

trk_mirror()
{
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
	IH=$(torrent_ih "$TORRENT")
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
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
zkey() { $PY -c 'import hashlib, sys
print(hashlib.sha256(b"aptbt-v1" + bytes.fromhex(sys.argv[1])).hexdigest()[:40])' "$1"; }

# scrape KEY: how many seeds the tracker lists for KEY.
scrape_complete()
{
	ns_exec a curl -s "http://192.0.2.2:6969/scrape?info_hash=$($PY -c '
import sys, urllib.parse
print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$1")" | $PY -c '
import re, sys
m = re.search(rb"8:completei(\d+)e", sys.stdin.buffer.read())
print(m.group(1).decode() if m else 0)'
}

sock() { eval "echo \$DIR_$1/control.sock"; }
dlog() { eval "echo \$LOG_$1"; }
ctl() { local h=$1; shift; ns_exec "$h" "$APTBT_CTL" -s "$(sock "$h")" "$@"; }
ctl_field()	# HOST KEY
{
	ctl "$1" --json status | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$2"
}
# Daemons HOST is connected to, handshakes done: "ADDRESS SOURCE near|far"
# lines (near: flag N, our subnet).
peer_addrs()
{
	ctl "$1" --json peers 2>/dev/null | $PY -c 'import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)	# grep -q stops reading
for p in json.load(sys.stdin).get("peers", []):
    if p.get("daemon") and "H" not in p.get("flags", "H"):
        print(p.get("address", "?"), p.get("source", "?"),
              "near" if "N" in p.get("flags", "") else "far")'
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

trk_rounds()	# NAME
{
	local name="$1"
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
		[ "$n" -ge 1 ] && ok "$v: $name lists a as a seed of the file ($n)" ||
			{ show "$(dlog a)"; bad "$v: $name has no seed of the file"; }
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
			# Another /24: far (asked only for what no near peer has).
			peer_addrs b | grep -q "^192\.0\.2\.10:6881 tracker far$" &&
				ok "$v: b counts a, of another subnet, as far" ||
				bad "$v: b counts a as near: $(peer_addrs b | tr '\n' ' ')"
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
}

trk_lt()	# NAME
{
	local name="$1"
	echo "=== python3-libtorrent through $name"
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
			{ show "$(dlog a)"; bad "lt: $name has no seed of the torrent"; }
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
			ok "lt: libtorrent found a through $name and took the package from it" ||
			{ show "$T/lt.out"; bad "lt: libtorrent did not download from a through the tracker"; }
		daemon_down a
	fi
}
