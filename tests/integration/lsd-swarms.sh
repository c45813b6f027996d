#!/bin/sh
# SPDX-License-Identifier: ISC
# lsd-swarms.sh - aptbtd on LSD (BEP 14) for the swarms it is in: announced
# again at an interval, and announces heard just before it joins a swarm
# are not lost.
#
# Network namespaces on one bridge: m (192.0.2.1) serves a signed
# repository of two 1 MiB packages and their v1 metadata; d (.2) runs
# aptbtd (lsd = yes, share = 192.0.2.0/24) with the test-only
# APTBTD_TEST_LSD_INTERVAL=2 (the real interval is 300 s); c (.3) and
# r (.4) run rawpeer.py.
#
#   1. d fetches aptbt-large1 in metadata mode, which makes it announce
#      the torrent's info-hash once.  c then listens 9 s to the LSD group:
#      d announces that info-hash again, at least 3 times.
#   2. r listens on 6881 and announces aptbt-large2's info-hash, which d
#      is not in yet; a second later d starts fetching aptbt-large2.  d
#      dials r for that info-hash, on the strength of the earlier
#      announce alone (r says it once).
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip
PY=/usr/bin/python3
RAW=$top_srcdir/tests/integration/rawpeer.py

# shellcheck source=tests/integration/lib-swarm.sh
. "$top_srcdir/tests/integration/lib-swarm.sh"
swarm_hosts c 3 r 4

repo_init
repo_build 0 2 1
swarm_mkmeta
chmod -R a+rX "$REPO_WWW"
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" m d ""

fetch()	# NAME
{
	ns_exec d timeout 60 "$PY" "$FETCH" "$T/d/control.sock" \
	    "http://$MIRROR/debian/pool/$REPO_COMP/$DEBNAME" "$T/$1.deb" \
	    --sha256 "$SHA" --size "$SIZE" \
	    --base "http://$MIRROR/debian/dists/$REPO_SUITE/" \
	    >"$T/fetch-$1.out" 2>&1 &&
	    [ "$(sha256sum "$T/$1.deb" | cut -d' ' -f1)" = "$SHA" ]
}

conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881" \
    "share = 192.0.2.0/24" "lsd = yes")
ns_bg d "$T/d.log" env APTBTD_TEST_LSD_INTERVAL=2 "$APTBTD" -f -c "$conf"
PID_D=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d.log"; fail "aptbtd did not start"; }

# --- 1. announced again -------------------------------------------------------
echo "=== 1. d announces a swarm it is in again and again"
swarm_pkg 1
fetch large1 || { show "$T/fetch-large1.out"; fail "d did not fetch $DEBNAME"; }
ns_bg c "$T/listen.out" "$PY" "$RAW" lsdlisten "$IH" 9
wait "$NS_BG_PID"
n=$(grep -c "^announce [0-9.]* $D$" "$T/listen.out")
echo "in 9 s c heard d announce $IH $n times: $(grep '^announce ' "$T/listen.out" | cut -d' ' -f2 | tr '\n' ' ')"
[ "$n" -ge 3 ] && ok "d announced the swarm again $n times in 9 s (interval 2 s)" ||
	{ bad "d announced the swarm $n times in 9 s, want at least 3"; show "$T/listen.out"; }

# --- 2. an announce just before the swarm is joined ---------------------------
echo "=== 2. r announces a swarm d joins a second later"
swarm_pkg 2
ns_bg r "$T/accept.out" "$PY" "$RAW" accept "$(ns_ip r)" 6881 30
PID_A=$NS_BG_PID
wait_for_file_line "$T/accept.out" "^listening" 10 || fail "rawpeer.py accept did not start"
ns_exec r "$PY" "$RAW" lsdsend "$IH" 6881 >"$T/lsdsend.out" 2>&1 ||
	fail "rawpeer.py lsdsend failed: $(cat "$T/lsdsend.out")"
sleep 1
fetch large2 || { show "$T/fetch-large2.out"; bad "d did not fetch $DEBNAME"; }
wait_for_file_line "$T/accept.out" "^handshake $IH $D " 10 &&
	ok "d dialled r for $IH, announced before d joined the swarm" ||
	{ bad "d did not dial r for $IH (announced a second before d joined)"; show "$T/accept.out"; }
stop_wait "$PID_A" 5

stop_wait "$PID_D"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/d.log" &&
	bad "sanitizer report in $T/d.log"
[ "$fails" = 0 ] || { echo "lsd-swarms.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
