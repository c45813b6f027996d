#!/bin/sh
# SPDX-License-Identifier: ISC
# memory.sh - aptbtd's memory with many peers, and its idle wakeups.
#
# 1. One aptbtd seeding 1,000 cached files (16-64 KiB of random bytes,
#    imported with "aptbt-ctl import") with 200 daemon-protocol peers
#    connected from another test host (peerload.py: the daemon handshake,
#    aptbt_mux, 5 channels per connection spread over all 1,000 files, a
#    block asked for on each channel that is unchoked).  Prints VmRSS and
#    VmHWM from /proc/PID/status before the peers and with all of them
#    connected (aim: VmRSS <= 64 MB).
# 2. The same daemon restarted with its cache and nothing to do (no peers,
#    no downloads), traced for 20 s with strace -f -c: epoll_wait calls
#    per second, i.e. wakeups (aim <= 1), and every other system call seen.
# About a minute.
#
#   MEM_PEERS=200 MEM_FILES=1000 MEM_ATTACH=5 IDLE_SECONDS=20
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

NPEERS=${MEM_PEERS:-200}
NFILES=${MEM_FILES:-1000}
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
daemon_up_on d "share = 192.0.2.0/24" "lsd = no"
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
ip netns exec "${NS_PREFIX}p" "$PY" "$LOAD" "$(ns_ip d)" "$DAEMON_PORT" \
    "$NPEERS" "$ATTACH" 120 >"$LOG/peerload" 2>&1 &
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
THREADS=$(awk '$1 == "Threads:" { print $2 }' "/proc/$DPID_d/status")
FDS=$(ls "/proc/$DPID_d/fd" | wc -l)
kill -TERM "$LPID"
wait "$LPID" 2>/dev/null
echo "# peerload: $(grep '^done' "$LOG/peerload")"
echo "with $connected daemon peers connected ($NPEERS asked): VmRSS $(mb "$RSS") MB, VmHWM $(mb "$HWM") MB, $THREADS threads, $FDS descriptors"
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
