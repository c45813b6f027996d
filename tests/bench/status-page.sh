#!/bin/sh
# SPDX-License-Identifier: ISC
# status-page.sh - what the status page and /metrics cost the daemon.
#
# 1. One aptbtd with 1,000 cached files (imported, as in memory.sh) and
#    200 daemon-protocol peers (peerload.py) connected: the page "/" and
#    "/metrics" are fetched VIEWS times each, a new connection every
#    time (viewpage.py).  The daemon's CPU time (utime + stime from
#    /proc/PID/stat) over the views, less its CPU time over an equal
#    stretch without views just before, divided by VIEWS, is the cost
#    of one view (aim: <= 1 ms).
# 2. Then, with the page just looked at, the daemon is traced for
#    IDLE_SECONDS with strace -f -c: epoll_wait calls per second (aim
#    <= 1, as memory.sh): the page leaves no timer behind.
# About a minute and a half.
#
#   PAGE_VIEWS=300 MEM_PEERS=200 MEM_FILES=1000 IDLE_SECONDS=10
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

NPEERS=${MEM_PEERS:-200}
NFILES=${MEM_FILES:-1000}
VIEWS=${PAGE_VIEWS:-300}
IDLE=${IDLE_SECONDS:-10}
LOAD=$top_srcdir/tests/bench/peerload.py
VIEW=$top_srcdir/tests/bench/viewpage.py
STATUS_PORT=9977

[ -x "$APTBTD" ] || fail "$APTBTD is not built"
need_cmd strace
hosts_init norepo
ns_host d 1
ns_host p 2

# cpu_ticks: the daemon's utime + stime, in clock ticks.
cpu_ticks()
{
	# Field 2 (comm) has no blanks for aptbtd.
	awk '{ print $14 + $15 }' "/proc/$DPID_d/stat"
}
HZ=$(getconf CLK_TCK)

mkdir -p "$T/files"
$PY - "$T/files" "$NFILES" <<'PYEOF'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
for i in range(n):
    with open(os.path.join(d, "f%04d" % i), "wb") as f:
        f.write(os.urandom(r.randrange(16384, 65537)))
PYEOF
daemon_up_on d "share = 192.0.2.0/24" "lsd = no" \
    "status_listen = 127.0.0.1:$STATUS_PORT"
ctl_on d import "$T/files" >"$LOG/import" 2>&1 ||
	fail "aptbt-ctl import: $(cat "$LOG/import")"
ip netns exec "${NS_PREFIX}p" "$PY" "$LOAD" "$(ns_ip d)" "$DAEMON_PORT" \
    "$NPEERS" 5 150 >"$LOG/peerload" 2>&1 &
LPID=$!
track "$LPID"
wait_for_file_line "$LOG/peerload" '^ready' 90 || {
	cat "$LOG/peerload" >&2
	fail "the peers did not all get going in 90 s"
}
sleep 5
connected=$(daemon_peers d)
files=$(status_field d files)
echo "daemon with $files cached files, $(status_field d swarms) open swarms and $connected daemon peers"
[ "$files" -ge "$NFILES" ] || fail "only $files files in the cache"
[ "$connected" -ge "$NPEERS" ] || fail "only $connected peers connected"

# view PATH: per-view daemon CPU in ms over $VIEWS views of PATH.
view()
{
	local path=$1 c0 c1 c2 t0 t1 dt base used per
	# Views first, then the same stretch without: the peers' own traffic
	# (choker rounds, blocks) is in both and cancels out.
	c0=$(cpu_ticks)
	t0=$(now)
	ip netns exec "${NS_PREFIX}d" "$PY" "$VIEW" 127.0.0.1 "$STATUS_PORT" \
	    "$path" "$VIEWS" >"$LOG/view" 2>&1 ||
		fail "viewing $path: $(cat "$LOG/view")"
	t1=$(now)
	c1=$(cpu_ticks)
	dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	sleep "$dt"
	c2=$(cpu_ticks)
	used=$((c1 - c0))
	base=$((c2 - c1))
	echo "$path: $VIEWS views ($(sed -n 's/^bytes //p' "$LOG/view") bytes each) in $dt s:" \
	    "daemon CPU $(ratio $((used * 1000)) "$HZ" 0) ms, without views" \
	    "$(ratio $((base * 1000)) "$HZ" 0) ms in as long"
	per=$(ratio $(((used - base) * 1000)) $((HZ * VIEWS)) 3)
	echo "$path: daemon CPU per view: $per ms (aim <= 1)"
	# A sanitizer build runs several times slower: the aim is for a
	# plain one (./configure without --enable-sanitizers).
	awk -v p="$per" 'BEGIN { exit !(p > 1) }' &&
		echo "FAIL: $path costs $per ms of daemon CPU per view" >&2
	return 0
}

view /
view /metrics
kill -TERM "$LPID"
wait "$LPID" 2>/dev/null

# --- 2. no timer left behind ----------------------------------------------
sleep 3
timeout -s INT "$IDLE" strace -f -c -o "$LOG/strace" -p "$DPID_d" \
    >/dev/null 2>"$LOG/strace.err"
alive "$DPID_d" || fail "aptbtd died under strace"
grep -q "attached" "$LOG/strace.err" ||
	fail "strace did not attach: $(cat "$LOG/strace.err")"
touch "$LOG/strace"
WAKE=$(awk '$NF ~ /^epoll_(wait|pwait|pwait2)$/ { n += $4 }
    END { print n + 0 }' "$LOG/strace")
echo "idle after the views, $IDLE s: $WAKE epoll_wait calls = $(ratio "$WAKE" "$IDLE") wakeups/s (aim <= 1)"
daemon_down_on d
if grep -qE 'AddressSanitizer|runtime error' "$LOG/aptbtd-d.log"; then
	echo "FAIL: sanitizer reports in the daemon's log" >&2
	grep -E '^SUMMARY|runtime error' "$LOG/aptbtd-d.log" | head >&2
	exit 1
fi
exit 0
