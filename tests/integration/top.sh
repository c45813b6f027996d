#!/bin/sh
# SPDX-License-Identifier: ISC
# top.sh - "aptbt-ctl top" against a running daemon: batch mode prints the
# frames asked for with the daemon's numbers; on a terminal it redraws in
# place and quits on q, SIGINT or SIGTERM, the terminal restored
# (top-pty.py).
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
need_cmd sha256sum

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

conf=$(write_conf "$T/d" "listen_port = $(free_port)")
SOCK=$T/d/control.sock
daemon_start "$conf"
wait_for_socket "$SOCK" || fail "control socket did not appear"
ctl() { "$APTBT_CTL" -s "$SOCK" "$@"; }

# Three files in the cache, so the files table has rows to show.
mkdir -p "$T/import"
for i in 1 2 3; do
	head -c $((i * 100000)) /dev/urandom >"$T/import/f$i"
done
# Only files apt verified are shared (and listed): their hashes in a
# Packages list.
mkdir -p "$T/lists"
sha256sum "$T"/import/* | awk '{ print "SHA256: " $1 "\n" }' \
    >"$T/lists/test_dists_x_Packages"
ctl import --lists "$T/lists" --auth-conf /dev/null "$T/import" >/dev/null ||
	fail "import failed"

# --- batch mode ---------------------------------------------------------
ctl top -b -n 3 -d 0.2 >"$T/batch" 2>"$T/batch.err"
rc=$?
[ "$rc" = 0 ] && ok "batch: exit status 0" || bad "batch: exit status $rc"
n=$(grep -c '^aptbt-ctl top - ' "$T/batch")
[ "$n" = 3 ] && ok "batch: 3 frames for -n 3" || bad "batch: $n frames for -n 3"
grep -q "$(printf '\033')" "$T/batch" && bad "batch: terminal escapes in batch output"
version=$(ctl --json status | $PY -c 'import json, sys; print(json.load(sys.stdin)["version"])')
n=$(grep -c "aptbtd $version, up " "$T/batch")
[ "$n" = 3 ] && ok "batch: the daemon's version $version in each frame" ||
	bad "batch: version $version in $n frames"
n=$(grep -c '^files:  3 cached, 0 downloading' "$T/batch")
[ "$n" = 3 ] && ok "batch: 3 cached files in each frame" ||
	bad "batch: \"3 cached\" in $n frames"
for i in 1 2 3; do
	h=$(sha256sum "$T/import/f$i" | cut -c1-12)
	n=$(grep -c "^$h " "$T/batch")
	[ "$n" = 3 ] || bad "batch: file f$i ($h) in $n frames, not 3"
done
[ "$fails" = 0 ] && ok "batch: the 3 files' hashes in every frame"
n=$(grep -c '^no peers$' "$T/batch")
[ "$n" = 3 ] && ok "batch: no peers, said in each frame" || bad "batch: \"no peers\" $n times"
# The first frame has no rates yet; the later ones have, all 0 here.
first=$(grep -m1 '^rates:' "$T/batch")
[ "$first" = "rates:  mirrors -, peers -, to peers -, cache -" ] ||
	bad "batch: first rates line \"$first\""
n=$(grep -c '^rates:  mirrors 0 B/s, peers 0 B/s, to peers 0 B/s, cache 0 B/s$' "$T/batch")
[ "$n" = 2 ] && ok "batch: rates in frames 2 and 3" || bad "batch: $n frames with rates, not 2"

# Without a terminal and without -b: a usage error, not a garbled screen.
ctl top </dev/null >"$T/notty" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q 'not a terminal' "$T/notty" &&
	ok "no terminal: exit status 2 and a hint" || bad "no terminal: status $rc"

# --- on a terminal ----------------------------------------------------------
if $PY "$top_srcdir/tests/integration/top-pty.py" "$APTBT_CTL" "$SOCK"; then
	ok "pty: q, SIGINT and SIGTERM"
else
	bad "pty checks"
fi

# --- the daemon goes away -----------------------------------------------------
stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
ctl top -b -n 1 >/dev/null 2>"$T/gone"
rc=$?
[ "$rc" = 3 ] && ok "no daemon: exit status 3" || bad "no daemon: exit status $rc"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/aptbtd.log" "$T/batch.err" &&
	bad "a sanitizer report"

[ "$fails" = 0 ] || { echo "top.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
