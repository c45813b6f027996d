#!/bin/sh
# SPDX-License-Identifier: ISC
# lsd.sh - Local Service Discovery (BEP 14) between hosts on one LAN.
#
# Test hosts in network namespaces on one bridge run lsd-probe, a small
# driver of daemon/share/lsd.c:
#   1. daemons on two hosts hear each other's keys, and a daemon started
#      later learns of the earlier one at once (presence answer), also
#      between two daemons on the same host (shared port, multicast loop);
#   2. python3-libtorrent with LSD on: our listener hears its announce for
#      its info-hash, and it takes ours.  That shows as an lsd_peer alert
#      (which 2.0.8 does not post: its session log says "<== LSD: ADDR:PORT
#      ih: HEX" instead), or as a connection to the port we announced,
#      which only our announce told it; any of the three will do, since
#      whether and when it connects is up to its peer scheduler.
#
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

PROBE=$top_builddir/tests/integration/lsd-probe
[ -x "$PROBE" ] || fail "$PROBE is not built"
ns_init
ns_host a 1
ns_host b 2
ns_host c 3

PRES=29b47237d15f21234c22dd97f3efc5073bd5a3ca	# lsd_presence_key
KB=b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0
KC=c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0

# wait_exit PID SECS: wait for a probe to finish; its exit status in $RC.
wait_exit()
{
	local tenths=$(($2 * 10))
	while alive "$1" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	alive "$1" && kill -KILL "$1"
	wait "$1"
	RC=$?
}

expect_line()
{
	grep -q -- "$2" "$1" || {
		echo "--- $1:" >&2
		cat "$1" >&2
		fail "$1 has no line matching '$2'"
	}
}

#
# 1. aptbt daemons find each other.
#
echo "# two hosts, and two daemons on one host"
# a: first up; waits for b's key and for the later daemon on its own host.
ns_exec a "$PROBE" -p 7001 -P -w "$KB" -w "$KC" -t 20 \
	>"$T/a.out" 2>"$T/a.err" &
PA=$!
track $PA
wait_for_file_line "$T/a.err" "lsd: announced" 10 ||
	fail "a did not announce: $(cat "$T/a.err")"
# Start b well after a's announce: b must learn of a from a's answer.
sleep 1
ns_exec b "$PROBE" -p 7002 -P -k "$KB" -w "$PRES" -t 20 \
	>"$T/b.out" 2>"$T/b.err" &
PB=$!
track $PB
wait_for_file_line "$T/b.out" "^done" 10 || fail "b heard nothing: $(cat "$T/b.out")"
sleep 1
# a2 shares a's port 6771 on the same host.
ns_exec a "$PROBE" -p 7003 -P -k "$KC" -w "$PRES" -t 20 \
	>"$T/a2.out" 2>"$T/a2.err" &
PA2=$!
track $PA2
for p in $PA $PB $PA2; do
	wait_exit "$p" 20
	[ "$RC" -eq 0 ] || fail "a probe timed out: a: $(cat "$T/a.out");" \
	    "b: $(cat "$T/b.out"); a2: $(cat "$T/a2.out")"
done
expect_line "$T/a.out" "^heard 192\.0\.2\.2:6771 port 7002 key $KB"
expect_line "$T/a.out" "^heard 192\.0\.2\.1:6771 port 7003 key $KC"
expect_line "$T/b.out" "^heard 192\.0\.2\.1:6771 port 7001 key $PRES"
expect_line "$T/a2.out" "^heard 192\.0\.2\.1:6771 port 7001 key $PRES"
# Nobody hears itself.
grep -q "port 7001" "$T/a.out" && fail "a heard its own announce"
grep -q "port 7002" "$T/b.out" && fail "b heard its own announce"

#
# 2. libtorrent.
#
echo "# python3-libtorrent"
LTPY=/usr/bin/python3
if ! "$LTPY" -c 'import libtorrent' 2>/dev/null; then
	skip "python3-libtorrent is not installed"
fi
mkdir -p "$T/lt"
ns_exec c "$LTPY" "$top_srcdir/tests/integration/lsd-lt.py" 192.0.2.3 \
	"$T/lt" 25 >"$T/lt.out" 2>"$T/lt.err" &
PLT=$!
track $PLT
wait_for_file_line "$T/lt.out" "^infohash " 15 ||
	fail "libtorrent did not start: $(cat "$T/lt.err")"
IH=$(sed -n 's/^infohash \([0-9a-f]\{40\}\)$/\1/p' "$T/lt.out")
[ -n "$IH" ] || fail "no info-hash from libtorrent"
# Our listener hears libtorrent's announce and answers it (-e); with -l it
# also accepts libtorrent's connection to the announced port.
ns_exec a "$PROBE" -p 7010 -w "$IH" -e -l -t 20 \
	>"$T/p.out" 2>"$T/p.err" &
PP=$!
track $PP
wait_for_file_line "$T/p.out" "^ready" 10 || fail "probe did not start"
touch "$T/lt/go"
wait_for_file_line "$T/p.out" "^heard 192\.0\.2\.3:[0-9]* port 6881 key $IH" 15 ||
	fail "did not hear libtorrent's announce: $(cat "$T/p.out" "$T/lt.err")"
tenths=150
while [ "$tenths" -gt 0 ]; do
	grep -q "^lsd_peer 192\.0\.2\.1:7010" "$T/lt.out" && break
	grep -q "^log <== LSD: 192\.0\.2\.1:7010 ih: $IH" "$T/lt.out" && break
	grep -q "^connect 192\.0\.2\.3" "$T/p.out" && break
	sleep 0.1
	tenths=$((tenths - 1))
done
[ "$tenths" -gt 0 ] || fail "libtorrent did not take our announce:" \
	"$(cat "$T/lt.out" "$T/p.out")"
grep "^lsd_peer\|^log <== LSD\|^peer_connect" "$T/lt.out" | head -n 3
grep "^connect" "$T/p.out" | head -n 1
echo "ok: lsd"
