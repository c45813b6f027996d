#!/bin/sh
# SPDX-License-Identifier: ISC
# memory.sh - aptbtd's memory with many peers, and its idle wakeups.
#
# 1. One aptbtd seeding 10,000 cached files (16-64 KiB of random bytes,
#    imported with "aptbt-ctl import") with 500 daemon-protocol peers
#    connected from another test host, 16 per address as the per-host cap
#    allows (peerload.py: the daemon handshake and identity proof,
#    aptbt_mux, 5 channels per connection spread over all the files once
#    its whole have-index is in (PEERLOAD_INDEX), a
#    block asked for on each channel that is unchoked).  Prints VmRSS and
#    VmHWM from /proc/PID/status before the peers and with all of them
#    connected (aim: VmRSS <= 64 MB).
# 2. The same daemon restarted with its cache and nothing to do (no peers,
#    no downloads), traced for 20 s with strace -f -c: epoll_wait calls
#    per second, i.e. wakeups (aim <= 1), and every other system call seen.
# A few minutes (importing 10,000 files takes most of it).
#
#   MEM_PEERS=500 MEM_FILES=10000 MEM_ATTACH=5 IDLE_SECONDS=20
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

NPEERS=${MEM_PEERS:-500}
NFILES=${MEM_FILES:-10000}
# Strangers get 7/8 of max_connections (peermgr.c keeps the rest for our
# own dials): allow what the peers need, never less than the default.
MAXCONN=$(( NPEERS * 8 / 7 + 16 > 512 ? NPEERS * 8 / 7 + 16 : 512 ))
ATTACH=${MEM_ATTACH:-5}
IDLE=${IDLE_SECONDS:-20}
LOAD=$top_srcdir/tests/bench/peerload.py

[ -x "$APTBTD" ] || fail "$APTBTD is not built"
need_cmd strace
hosts_init norepo
ns_host d 1
ns_host p 2

# vm KEY: KEY (VmRSS, VmHWM) of the daemon, in kB.
vm()
{
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID_d/status"
}
mb()
{
	ratio "$1" 1024 1
}

mkdir -p "$T/files"
$PY - "$T/files" "$NFILES" <<'EOF'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
for i in range(n):
    with open(os.path.join(d, "f%04d" % i), "wb") as f:
        f.write(os.urandom(r.randrange(16384, 65537)))
EOF
daemon_up_on d "share = 192.0.2.0/24" "lsd = no" "max_connections = $MAXCONN"
# Only what apt verified is seeded: the files' hashes in a Packages index.
mkdir -p "$T/lists"
sha256sum "$T"/files/* | awk '{ print "SHA256: " $1 "\n" }' \
    >"$T/lists/bench_dists_x_Packages"
ctl_on d import --lists "$T/lists" --auth-conf /dev/null "$T/files" \
    >"$LOG/import" 2>&1 ||
	fail "aptbt-ctl import: $(cat "$LOG/import")"
echo "# $(tail -n 1 "$LOG/import")"
sleep 1
RSS0=$(vm VmRSS)
echo "daemon with $NFILES cached files, no peers: VmRSS $(mb "$RSS0") MB"

# --- 1. 200 peers ---------------------------------------------------------
# aptbtd takes 16 connections per host: the peers come from as many
# addresses of p as that needs (192.0.2.100 on).
SRCS=
i=0
while [ $((i * 16)) -lt "$NPEERS" ]; do
	ip -n "${NS_PREFIX}p" addr add "192.0.2.$((100 + i))/24" dev eth0
	SRCS="$SRCS 192.0.2.$((100 + i))"
	i=$((i + 1))
done
# shellcheck disable=SC2086	# a list of addresses
ip netns exec "${NS_PREFIX}p" env PEERLOAD_INDEX="$NFILES" "$PY" "$LOAD" "$(ns_ip d)" "$DAEMON_PORT" \
    "$NPEERS" "$ATTACH" 120 $SRCS >"$LOG/peerload" 2>&1 &
LPID=$!
track "$LPID"
wait_for_file_line "$LOG/peerload" '^ready' 90 || {
	cat "$LOG/peerload" >&2
	fail "the peers did not all get going in 90 s"
}
echo "# peerload: $(grep '^ready' "$LOG/peerload")"
n=$(grep -c '^error' "$LOG/peerload")
[ "$n" = 0 ] || echo "FAIL: $n peer connection(s) failed: $(grep '^error' "$LOG/peerload" | head -n 3)" >&2
# Let the choker run a round or two: unchoked channels move blocks.
sleep 12
connected=$(daemon_peers d)
RSS=$(vm VmRSS)
HWM=$(vm VmHWM)
ANON=$(vm RssAnon)
FILE=$(vm RssFile)
THREADS=$(awk '$1 == "Threads:" { print $2 }' "/proc/$DPID_d/status")
FDS=$(ls "/proc/$DPID_d/fd" | wc -l)
kill -TERM "$LPID"
wait "$LPID" 2>/dev/null
echo "# peerload: $(grep '^done' "$LOG/peerload")"
echo "with $connected daemon peers connected ($NPEERS asked): VmRSS $(mb "$RSS") MB, VmHWM $(mb "$HWM") MB, $THREADS threads, $FDS descriptors"
echo "of which anonymous $(mb "$ANON") MB, file pages (the cache, mapped) $(mb "$FILE") MB"
echo "per peer: $(ratio $((RSS - RSS0)) "$NPEERS" 1) kB above the no-peer VmRSS"
echo "VmRSS / 64 MB: $(ratio "$RSS" 65536) (aim <= 1)"
[ "$connected" -ge "$NPEERS" ] ||
	echo "FAIL: the daemon lists $connected daemon peers, not $NPEERS" >&2
daemon_down_on d

# --- 2. idle wakeups ------------------------------------------------------
KEEP_CACHE=1 daemon_up_on d "share = 192.0.2.0/24" "lsd = no"
# Let start-up work (cache scan, first timers) finish first.
sleep 3
timeout -s INT "$IDLE" strace -f -c -o "$LOG/strace" -p "$DPID_d" \
    >/dev/null 2>"$LOG/strace.err"
alive "$DPID_d" || fail "aptbtd died under strace: $(tail -n 5 "$LOG/aptbtd-d.log")"
# strace -c writes no table at all when the process made no system call.
grep -q "attached" "$LOG/strace.err" ||
	fail "strace did not attach: $(cat "$LOG/strace.err")"
touch "$LOG/strace"
WAKE=$(awk '$NF ~ /^epoll_(wait|pwait|pwait2)$/ { n += $4 }
    END { print n + 0 }' "$LOG/strace")
echo "idle for $IDLE s: $WAKE epoll_wait calls = $(ratio "$WAKE" "$IDLE") wakeups/s (aim <= 1)"
echo "# system calls of the idle daemon in $IDLE s (strace -f -c):"
sed -n '/^------/,$p' "$LOG/strace" | grep -v '^------' | grep -v ' total$' |
    awk '{ print "#   " $NF ": " $4 }'
daemon_down_on d
if grep -qE 'AddressSanitizer|runtime error' "$LOG/aptbtd-d.log"; then
	echo "FAIL: sanitizer reports in the daemon's log" >&2
	grep -E '^SUMMARY|runtime error' "$LOG/aptbtd-d.log" | head >&2
fi
exit 0
