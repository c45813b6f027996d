#!/bin/sh
# SPDX-License-Identifier: ISC
# faults-fd.sh - the daemon runs out of file descriptors (EMFILE).
#
# aptbtd runs with a low RLIMIT_NOFILE (prlimit); a hog holds hundreds of
# connections to its control socket and to its peer port while a download
# from a slow mirror is in progress.  ENFILE (the system's table full)
# cannot be caused here without starving every process on the machine:
# the daemon's answer is the same for both errors, and the per-process
# limit stands in for it.
#
# While the descriptors are gone: the daemon does not spin (its CPU time
# over 3 s is measured) nor flood its log, and the download in progress
# ends with the right bytes or a clean error.  Once the hog lets go:
# status answers within 2 s, the cache holds only verified files, a fresh
# fetch succeeds, and the listeners accept again.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-faults.sh"

need_cmd prlimit
HOG=$top_srcdir/tests/integration/fd-hog.py
faults_init
PORT=6881
faults_conf "share = 192.0.2.0/24" "listen_port = $PORT"

# The daemon's own descriptors first, then a limit a little above them.
daemon_up
base=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
stop_wait "$DAEMON_PID"
LIMIT=$((base + 24))
echo "aptbtd uses $base descriptors at rest; its limit: $LIMIT"
DAEMON_WRAP="prlimit --nofile=$LIMIT:$LIMIT"
daemon_up
[ "$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")" = "$LIMIT" ] ||
	fail "prlimit did not apply"

mkfile slow.bin 120000
mkfile after.bin 2000000
$CLIENT "$SOCK" "$BAD/slow/slow.bin" "$T/got.slow" --sha256 "$(sha slow.bin)" \
    --size "$(size slow.bin)" >"$T/reply.slow" 2>&1 &
SLOW_PID=$!
sleep 1

lines0=$(wc -l <"$T/aptbtd.log")
rm -f "$T/stop"
"$PY" "$HOG" 300 "$SOCK" "$T/stop" >"$T/hog.ctl" &
HOG1=$!
ns_exec m "$PY" "$HOG" 300 "$(ns_ip d):$PORT" "$T/stop" >"$T/hog.peer" &
HOG2=$!
i=0
until [ -s "$T/hog.ctl" ] && [ -s "$T/hog.peer" ]; do
	i=$((i + 1)); [ $i -lt 300 ] || fail "the hogs did not start"; sleep 0.1
done
nfd=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
echo "hogs hold $(cat "$T/hog.ctl") control and $(cat "$T/hog.peer") peer connections; aptbtd has $nfd of $LIMIT descriptors"
[ "$nfd" -ge $((LIMIT - 2)) ] || fail "the daemon did not run out of descriptors ($nfd of $LIMIT)"
alive "$DAEMON_PID" || fail "aptbtd died out of descriptors"
t0=$(cpu_ticks)
sleep 3
t1=$(cpu_ticks)
lines1=$(wc -l <"$T/aptbtd.log")
echo "out of descriptors: $((t1 - t0)) CPU ticks in 3 s, $((lines1 - lines0)) log lines"
[ $((t1 - t0)) -le 60 ] || fail "the daemon spins out of descriptors ($((t1 - t0)) ticks in 3 s)"
[ $((lines1 - lines0)) -le 200 ] || fail "the daemon floods its log ($((lines1 - lines0)) lines)"
grep -q "control: cannot accept: Too many open files; pausing" "$T/aptbtd.log" ||
	fail "no word of the control socket's shortage"
grep -q "peers: cannot accept: Too many open files; pausing" "$T/aptbtd.log" ||
	fail "no word of the peer port's shortage"

if wait "$SLOW_PID"; then
	cmp -s "$T/got.slow" "$W/debian/slow.bin" || fail "slow: success with wrong bytes"
	echo "the download in progress: the right bytes"
else
	grep -q '^reason=.' "$T/reply.slow" || fail "slow: no clean error: $(cat "$T/reply.slow")"
	echo "the download in progress: $(sed -n 's/^reason=//p' "$T/reply.slow")"
fi

touch "$T/stop"
wait "$HOG1"
wait "$HOG2"
sleep 1
check_serving "after EMFILE"
check_cache "after EMFILE"
fetch_file "$GOOD/debian/after.bin" after.bin || fail "after.bin: $(cat "$T/reply")"
# The peer port accepts again: a connection held open adds a descriptor.
n0=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
ns_exec m "$PY" -c "
import socket, time
s = socket.create_connection(('$(ns_ip d)', $PORT), timeout=2)
time.sleep(2)
" &
PROBE=$!
sleep 1
n1=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
wait "$PROBE" || fail "cannot connect to the peer port after EMFILE"
[ "$n1" -gt "$n0" ] || fail "the peer port does not accept after EMFILE ($n0, $n1 descriptors)"
check_alive "after EMFILE"

stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T/aptbtd.log" && fail "sanitizer report"
exit 0
