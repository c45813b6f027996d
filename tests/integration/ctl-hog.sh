#!/bin/sh
# SPDX-License-Identifier: ISC
# ctl-hog.sh - no local user can take the control socket from root or apt.
#
# ctl-hog.py plays local users (uids 10000 and up, no accounts needed: the
# daemon sees SO_PEERCRED's numbers) that open control connections and
# send nothing.  Checked, with the limits of daemon/ctl/control.c:
#   - one uid holds at most 16 connections (it asks for 40);
#   - unprivileged users together hold at most 256 - 64 = 192 (13 uids
#     ask for 16 + 12 x 16 = 208);
#   - while they do, root's "aptbt-ctl status" answers within 2 s, and so
#     does _apt's;
#   - their idle connections are closed 30 s after they went quiet (and
#     not before 25 s);
#   - a uid that sends 20,000 "status" requests on each of 16 connections
#     and reads no reply grows the daemon by less than 32 MiB (it is not
#     read past 256 KiB of unread replies), and root is still answered.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (other uids)"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
HOG=$top_srcdir/tests/integration/ctl-hog.py
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# Other uids must reach the socket.
chmod 755 "$T"
conf=$(write_conf "$T" "log_level = debug")
SOCK=$T/control.sock
# The RSS check below counts what the daemon keeps, not what ASan's
# quarantine holds back after it was freed.
DAEMON_ENV="$DAEMON_ENV ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=0"
daemon_start "$conf"
wait_for_socket "$SOCK" || fail "no control socket"

sum_held() { awk '$1 == "held" { n += $3 } END { print n + 0 }' "$@"; }

# One user, 40 connections.
$PY "$HOG" "$SOCK" 10000 1 40 45 >"$T/hog1.log" 2>&1 &
H1=$!
track "$H1"
wait_for_file_line "$T/hog1.log" '^held' 20 || fail "ctl-hog.py did not report"
n=$(sum_held "$T/hog1.log")
[ "$n" = 16 ] && ok "one uid holds $n of the 40 connections it opened" ||
	bad "one uid holds $n connections (want 16)"

# Twelve more, 16 each, side by side.
# The file exists before the loop reads it (the child opens it later).
: >"$T/hog2.log"
$PY "$HOG" "$SOCK" 10001 12 16 45 >>"$T/hog2.log" 2>&1 &
H2=$!
track "$H2"
i=0
# Twelve processes, each opening its connections: slow on a loaded machine.
while [ "$(grep -c '^held' "$T/hog2.log")" -lt 12 ] && [ "$i" -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_full=$(date +%s)
n=$(($(sum_held "$T/hog1.log") + $(sum_held "$T/hog2.log")))
[ "$n" = 192 ] && ok "13 uids hold $n connections together (asked for 208)" ||
	{ bad "13 uids hold $n connections together (want 192)"; cat "$T/hog2.log" >&2
	  grep -E 'refusing|closing|cannot accept' "$T/aptbtd.log" | sort | uniq -c | sort -rn | head >&2; }
grep -c 'refusing uid' "$T/aptbtd.log" | sed 's/^/daemon refusals logged: /'

# Root and _apt are still served, at once.
for who in root _apt; do
	t0=$(date +%s%N)
	if [ "$who" = root ]; then
		timeout 5 "$APTBT_CTL" -s "$SOCK" status >"$T/status-$who.log" 2>&1
	else
		id _apt >/dev/null 2>&1 || { echo "no _apt user: skipped"; continue; }
		timeout 5 setpriv --reuid=_apt --regid=nogroup --clear-groups \
		    "$APTBT_CTL" -s "$SOCK" status >"$T/status-$who.log" 2>&1
	fi
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$rc" = 0 ] && [ "$ms" -lt 2000 ]; then
		ok "$who's aptbt-ctl status answered in $ms ms while the socket is hogged"
	else
		bad "$who's aptbt-ctl status: exit $rc after $ms ms"
		cat "$T/status-$who.log" >&2
	fi
done

# Idle connections go after 30 s.
wait "$H1" "$H2"
left=$(awk '$1 == "end" { n += $3 } END { print n + 0 }' "$T/hog1.log" "$T/hog2.log")
first=$(awk '$1 == "open" { print $4 }' "$T/hog1.log" "$T/hog2.log" | sort -n | head -n 1)
[ "$left" = 0 ] && ok "every idle connection was closed (the first after ${first:-?} s)" ||
	bad "$left idle connection(s) still open after 45 s"
[ -n "$first" ] && [ "$first" -ge 25 ] && ok "none closed before 25 s of idleness" ||
	bad "idle connections closed after ${first:-?} s (want about 30)"
: "$t_full"

# A user that asks and never reads: the daemon stops reading it.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
before=$(rss)
$PY "$HOG" --flood "$SOCK" 10100 16 20000 5 >"$T/flood.log" 2>&1 &
H3=$!
track "$H3"
wait_for_file_line "$T/flood.log" '^flood' 20 || bad "the flood did not report"
sleep 1
after=$(rss)
sent=$(awk '$1 == "flood" { print $3 }' "$T/flood.log")
grown=$(((after - before) / 1024))
echo "flood: the daemon took $sent request bytes on 16 connections; RSS ${before} -> ${after} KiB"
[ "$grown" -lt 32 ] && ok "a user that never reads its replies grew the daemon by $grown MiB (bound 32)" ||
	bad "a user that never reads its replies grew the daemon by $grown MiB"
t0=$(date +%s%N)
timeout 5 "$APTBT_CTL" -s "$SOCK" status >/dev/null 2>&1 && [ $((($(date +%s%N) - t0) / 1000000)) -lt 2000 ] &&
	ok "root's status still answers during the flood" ||
	bad "root's status does not answer during the flood"
wait "$H3"

grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/aptbtd.log" &&
	bad "sanitizer report in aptbtd's log"
stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
[ "$fails" = 0 ] || { tail -n 30 "$T/aptbtd.log" >&2; exit 1; }
exit 0
