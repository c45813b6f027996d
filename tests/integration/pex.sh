#!/bin/sh
# SPDX-License-Identifier: ISC
# pex.sh - peer exchange (BEP 11) between aptbtd and python3-libtorrent.
#
# Network namespaces on one bridge: m (192.0.2.1) serves a signed
# repository of one 4 MiB package and its v1 metadata with nginx, its
# link capped at 1 Mbit/s (the package alone would take 30 s from it);
# d (.2) runs aptbtd (share = 192.0.2.0/24, lsd = no, no "peers");
# s, p, q (.3, .4, .5) run pex-lt.py: python3-libtorrent with LSD, DHT,
# UPnP and NAT-PMP off and no tracker, so that nobody finds anybody but
# through the connections the test asks for and through ut_pex.  nginx
# refuses s, p and q, so their torrent's webseed gives them nothing.
#
#   1. s seeds the package, with ut_pex off: it learns of nobody and
#      never dials anyone (else p would tell it of d).  p downloads it slowly (20 KB/s down, 2 KB/s
#      up: it stays a downloader and gives d next to nothing) and connects
#      to s and to d.  d fetches the package (fetchclient.py, with the
#      suite's base, so it finds the torrent), and must learn of s only
#      through p's ut_pex: d's connection to s is outgoing, "aptbt-ctl
#      peers" shows it with source "pex" and flag X, and at least half of
#      the package came from s by both d's count and s's.
#   2. q connects to d alone (and downloads slowly, so it stays); d's
#      ut_pex must tell it of another peer: libtorrent on q logs a PEX
#      message from d with peers added, and connects to a peer it learnt
#      by PEX.
#   3. d's share narrowed by a reload to leave p out: d closes its
#      connection to p and keeps q's; r (.6) connects to d alone: d's
#      ut_pex to r lists q and not p ("added: 1"; with p it would say 2).
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] && $PY -c 'import libtorrent' 2>/dev/null ||
	skip "python3-libtorrent is not installed"
LTPY=$top_srcdir/tests/integration/pex-lt.py
PKG=aptbt-large1

# shellcheck source=tests/integration/lib-swarm.sh
. "$top_srcdir/tests/integration/lib-swarm.sh"
swarm_hosts s 3 p 4 q 5 r 6
S=$(ns_ip s)
P=$(ns_ip p)

# --- the repository, its metadata and its mirror ---------------------------
repo_init
repo_build 0 1 4
DEB=$(ls "$REPO_ROOT/pool/$REPO_COMP/${PKG}"_*.deb)
DEBNAME=$(basename "$DEB")
DEB_SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
DEB_SIZE=$(stat -c %s "$DEB")
swarm_mkmeta
TORRENT=$REPO_ROOT/aptbt/torrents/$(echo "$DEB_SHA" | cut -c1-2)/$DEB_SHA.torrent
[ -s "$TORRENT" ] || fail "aptbt-mkmeta wrote no $TORRENT"
cp "$TORRENT" "$T/v1.torrent"
chmod -R a+rX "$REPO_WWW"
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" m d \
    "deny $S; deny $P; deny $(ns_ip q);"
echo "package $DEBNAME: $DEB_SIZE bytes"

# --- aptbtd on d ------------------------------------------------------------
conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881" \
    "share = 192.0.2.0/24" "lsd = no")
ns_bg d "$T/d.log" "$APTBTD" -f -c "$conf"
PID_D=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d.log"; fail "aptbtd did not start"; }
ctl() { ns_exec d "$APTBT_CTL" -s "$T/d/control.sock" "$@"; }

# The largest bytes_in, with its source and flags, seen for HOST in FILE.
peer_seen()	# FILE HOST
{
	peers_samples "$1" | awk -F'\t' -v h="$2" '
	    { a = $1; sub(/:[0-9]+$/, "", a) }
	    a == h && (best == "" || $3 + 0 >= most) {
		most = $3 + 0; best = $3 " " $4 " " $5 " " $1 }
	    END { print best == "" ? "0 - - -" : best }'
}

lt_start()	# HOST MODE NAME ARGS...
{
	local h=$1 mode=$2 name=$3
	shift 3
	mkdir -p "$T/$name"
	[ "$mode" = seed ] && cp "$DEB" "$T/$name/$DEBNAME"
	ns_bg "$h" "$T/$name.out" "$PY" "$LTPY" "$mode" "$(ns_ip "$h")" \
	    "$T/v1.torrent" "$T/$name" "$@"
	LT_PID=$NS_BG_PID
}

# --- 1. d learns of s through p ---------------------------------------------
echo "=== 1. libtorrent on s seeds, p knows s and d; aptbtd on d fetches"
lt_start s seed s 120 --no-pex
PID_S=$LT_PID
wait_for_file_line "$T/s.out" '^ready' 20 || { show "$T/s.out"; fail "s did not start seeding"; }
ns_cap m 1mbit
peers_watch "$T/peers-1.json"
t0=$(date +%s)
mark=$(wc -l <"$REPO_NGINX/access.log")
ns_bg d "$T/fetch.out" timeout 60 "$PY" "$FETCH" "$T/d/control.sock" \
    "http://$MIRROR/debian/pool/$REPO_COMP/$DEBNAME" "$T/got.deb" \
    --sha256 "$DEB_SHA" --size "$DEB_SIZE" \
    --base "http://$MIRROR/debian/dists/$REPO_SUITE/"
PID_F=$NS_BG_PID
# p dials d once d's swarm has the torrent's info-hash (else d refuses
# it as a stranger to the swarm).
tenths=200
until awk -v m="$mark" -v d="$D" 'NR > m && $1 == d && $2 == 200 &&
    $5 ~ /\.torrent$/ { f = 1 } END { exit !f }' "$REPO_NGINX/access.log"; do
	tenths=$((tenths - 1))
	[ "$tenths" -gt 0 ] || fail "d never fetched the torrent"
	sleep 0.1
done
sleep 0.5
lt_start p get p 120 --connect "$S:6881" --connect "$D:6881" \
    --down 20000 --up 2000
PID_P=$LT_PID
wait "$PID_F"
rc=$?
grep -q '^ready' "$T/p.out" || { bad "libtorrent on p did not run"; show "$T/p.out"; }
dt=$(($(date +%s) - t0))
sleep 1
peers_watch_end
tc -n "${NS_PREFIX}m" qdisc del dev eth0 root 2>/dev/null
# libtorrent on s has been seen to die in this step, now and then, before
# d ever dialled it (python3-libtorrent 2.0.8; no Python traceback).  That
# is the outside client's fault, not d's: say so, and run the whole test
# once more.
if ! kill -0 "$PID_S" 2>/dev/null; then
	wait "$PID_S"
	st=$?
	echo "libtorrent on s ended early, status $st: $(tail -n 3 "$T/s.out" | tr '\n' ' ')"
	if [ -z "${PEX_AGAIN:-}" ]; then
		echo "running pex.sh once more"
		trap - EXIT
		repo_cleanup
		ns_cleanup
		lib_cleanup
		export PEX_AGAIN=1
		exec sh "$0"
	fi
	bad "libtorrent on s died twice"
fi
got=$(sha256sum "$T/got.deb" 2>/dev/null | cut -d' ' -f1)
[ "$rc" = 0 ] && [ "$got" = "$DEB_SHA" ] &&
	ok "d fetched $DEBNAME in ${dt}s, SHA-256 right" ||
	{ bad "d did not fetch $DEBNAME (status $rc, sha256 ${got:-none})"; show "$T/fetch.out"; }

# shellcheck disable=SC2046	# split on purpose
set -- $(peer_seen "$T/peers-1.json" "$S")
s_in=$1 s_src=$2 s_flags=$3
# shellcheck disable=SC2046	# split on purpose
set -- $(peer_seen "$T/peers-1.json" "$P")
echo "d's connection to s: $s_in bytes in, source $s_src, flags $s_flags;" \
    "to p: $1 bytes in, source $2, flags $3"
[ "$s_src" = pex ] && case $s_flags in *O*X*) true ;; *) false ;; esac &&
	ok "d dialled s, learnt from p's ut_pex (source pex, flags $s_flags)" ||
	bad "d's connection to s is not an outgoing one from ut_pex (source $s_src, flags $s_flags)"
[ "$2" = incoming ] || bad "d's connection to p should be incoming, is $2"
[ "$s_in" -ge $((DEB_SIZE / 2)) ] &&
	ok "d received $s_in bytes from s (package $DEB_SIZE)" ||
	bad "d received only $s_in bytes from s (package $DEB_SIZE)"
grep -q "ut_pex with [0-9]* added" "$T/d.log" ||
	bad "d's log shows no ut_pex message received"

# s's own count of what it uploaded to d.
stop_wait "$PID_S" 10
up=$(awk -v d="$D" '$1 == "total" && index($2, d ":") == 1 { n += $(NF) }
    END { print n + 0 }' "$T/s.out")
[ "$up" -ge $((DEB_SIZE / 2)) ] &&
	ok "s uploaded $up bytes to d" ||
	{ bad "s uploaded only $up bytes to d"; show "$T/s.out"; }
grep -q "^peer $D:" "$T/s.out" || bad "s never saw d"

# --- 2. d's ut_pex teaches q a peer ---------------------------------------
echo "=== 2. libtorrent on q knows only d"
lt_start q get q 90 --connect "$D:6881" --down 20000
PID_Q=$LT_PID
tenths=200
while [ "$tenths" -gt 0 ]; do
	grep -q "^pex $D:6881 .*<== PEX .*added: [1-9]" "$T/q.out" &&
	    grep -q "^peer .* pex$" "$T/q.out" && break
	sleep 0.1
	tenths=$((tenths - 1))
done
grep -q "^pex $D:6881 .*<== PEX .*added: [1-9]" "$T/q.out" &&
	ok "q took a ut_pex message from d: $(grep "^pex $D:6881 .*<== PEX" "$T/q.out" | head -n 1)" ||
	{ bad "q got no ut_pex message with peers from d"; show "$T/q.out"; }
grep -q "^peer .* pex$" "$T/q.out" &&
	ok "q connected to a peer it learnt by PEX: $(grep '^peer .* pex$' "$T/q.out" | head -n 1)" ||
	{ bad "q connected to no peer learnt by PEX"; show "$T/q.out"; }
grep -q "closed: .*pex\|too_frequent\|invalid_pex" "$T/q.out" &&
	bad "q objected to d's ut_pex"

# --- 3. nothing outside the share scope is passed on ---------------------
echo "=== 3. d's share leaves p out; libtorrent on r knows only d"
write_conf "$T/d" "log_level = debug" "listen_port = 6881" "lsd = no" \
    "share = 192.0.2.0/30 $(ns_ip q)/32 $(ns_ip r)/32" >/dev/null
n=$(grep -c "configuration reloaded" "$T/d.log")
kill -HUP "$PID_D"
tenths=100
until [ "$(grep -c "configuration reloaded" "$T/d.log")" -gt "$n" ]; do
	tenths=$((tenths - 1))
	[ "$tenths" -gt 0 ] || fail "d did not reload"
	sleep 0.1
done
lt_start r get r 60 --connect "$D:6881" --down 20000
PID_R=$LT_PID
wait_for_file_line "$T/r.out" "^pex $D:6881 .*<== PEX" 20 ||
	{ bad "r got no ut_pex message from d"; show "$T/r.out"; }
msg=$(grep "^pex $D:6881 .*<== PEX" "$T/r.out" | head -n 1)
# The reload closed p's connection (outside the scope), not q's.
ctl --json peers >"$T/peers-3.json"
[ "$(peer_seen "$T/peers-3.json" "$(ns_ip q)" | cut -d' ' -f2)" != - ] ||
	bad "d should still be connected to q: $(cat "$T/peers-3.json")"
[ "$(peer_seen "$T/peers-3.json" "$P" | cut -d' ' -f2)" = - ] &&
	ok "the reload closed d's connection to p, now outside its share" ||
	bad "d is still connected to p, outside its share: $(cat "$T/peers-3.json")"
case $msg in
*"added: 1 "*|*"added: 1") ok "d told r of q alone: $msg" ;;
*) bad "d's first ut_pex to r should list q alone, not p (outside share): $msg" ;;
esac
grep -q "^peer $P:" "$T/r.out" && grep -q "^peer $P:.* pex$" "$T/r.out" &&
	echo "note: r learnt of p by PEX from another peer (allowed)"
stop_wait "$PID_R" 10
stop_wait "$PID_Q" 10
stop_wait "$PID_P" 10

stop_wait "$PID_D"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/d.log" &&
	bad "sanitizer report in $T/d.log"
[ "$fails" = 0 ] || { echo "pex.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
