#!/bin/sh
# SPDX-License-Identifier: ISC
# identity.sh - no host can pass for another daemon, or hold a daemon's
# mirror with words alone (doc/peer-extensions.md, "Identity").
#
# Network namespaces: "mirror" (192.0.2.1, nginx, capped at 8 Mbit/s), a
# and b (192.0.2.2-3, aptbtd, each the other's static peer), and one
# attacker host per attempt (192.0.2.4-7, impostor.py), since a failed
# proof bans the host.
#
#   1. a and b connect and list each other.
#   2. The attacker learns b's peer id and key from b's own handshakes,
#      then connects to a as b three ways: with b's key and a signature
#      of its own, with its own key beside b's id, and with no proof at
#      all.  Each time a closes the connection without sending its index,
#      logs why, and keeps its link to b: no "duplicate connection", b is
#      never disconnected, and both still list each other.
#   3. A claim to be fetching is not a way to hold the mirror: a fetches
#      one 4 MiB file from the mirror alone (the baseline), then another
#      while an attacker with an identity of its own, chosen to outrank a
#      for that file, says every 0.5 s that it is fetching it and sends
#      nothing.  The second fetch takes at most the baseline plus the
#      3 s grace plus 3 s of slack (before, each claim held the mirror
#      for 15 s again).  a runs alone for this, as a fresh daemon.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd apt-ftparchive dpkg-deb gpg nginx sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
IMP=$top_srcdir/tests/integration/impostor.py
FETCH=$top_srcdir/tests/integration/fetchclient.py

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }

at_exit()
{
	repo_keep_logs "$T"/*.log "$T/a/aptbtd.log"
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host a 2
ns_host b 3
ns_host e1 4
ns_host e2 5
ns_host e3 6
ns_host e4 7
ns_cap mirror 8mbit
MIRROR=$(ns_ip mirror)
A=$(ns_ip a)
B=$(ns_ip b)

repo_init
repo_build 0 2 4
POOL=$REPO_ROOT/pool/$REPO_COMP
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror a

start_daemon()	# HOST [PEER]
{
	local conf
	conf=$(write_conf "$T/$1" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" ${2:+"peers = $2:6881"} "lsd = no")
	# shellcheck disable=SC2086	# VAR=VALUE words
	ns_bg "$1" "$T/$1/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	eval "PID_$1=\$NS_BG_PID"
	wait_for_socket "$T/$1/control.sock" ||
		{ show "$T/$1/aptbtd.log"; fail "$1: no control socket"; }
}
ctl() { local h=$1; shift; ns_exec "$h" "$APTBT_CTL" -s "$T/$h/control.sock" "$@"; }
# Does HOST list a peer at ADDRESS?
lists() { ctl "$1" --json peers 2>/dev/null | grep -q "\"$2:\\|\\[::ffff:$2\\]"; }
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# --- 1. a and b -------------------------------------------------------------
echo "=== 1. a and b connect"
start_daemon a "$B"
start_daemon b "$A"
i=0
until lists a "$B" && lists b "$A"; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || break
	sleep 0.2
done
lists a "$B" && lists b "$A" && ok "a and b list each other" ||
	{ bad "daemon: a and b did not connect"; show "$T/a/aptbtd.log"; }
# The key pair is made once, private.
[ "$(stat -c %a:%s "$T/a/state/identity" 2>/dev/null)" = 600:64 ] &&
	ok "a keeps its key in state/identity (0600, 64 bytes)" ||
	bad "daemon: state/identity is $(stat -c %a:%s "$T/a/state/identity" 2>&1)"
sleep 1

# --- 2. passing for b ---------------------------------------------------------
echo "=== 2. an attacker connects to a as b"
ns_exec e1 "$PY" "$IMP" learn "$B" 6881 >"$T/learn.log" 2>&1 ||
	{ show "$T/learn.log"; fail "cannot learn b's id"; }
read -r _ BID _ BPK <"$T/learn.log"
echo "b is $BID, key $BPK"
a_log=$T/a/aptbtd.log
dis_before=$(count "$a_log" "daemon .*disconnected")
n=2
for how in forged-sig own-key no-proof; do
	case $how in
	forged-sig)	why='identity proof failed' ;;
	own-key)	why="peer id not its key's" ;;
	no-proof)	why='aptbt_mux before its identity proof' ;;
	esac
	if ns_exec "e$n" "$PY" "$IMP" steal "$A" 6881 "$BID" "$BPK" "$how" \
	    >"$T/steal-$how.log" 2>&1; then
		ok "$how: a closed the impostor and told it nothing"
	else
		bad "daemon: $how: $(tr '\n' ' ' <"$T/steal-$how.log")"
	fi
	wait_for_file_line "$a_log" "$why" 5 &&
		ok "$how: a logged \"$why\"" ||
		bad "daemon: $how: no \"$why\" in a's log"
	n=$((n + 1))
done
[ "$(count "$a_log" 'duplicate connection')" = 0 ] &&
	ok "a dropped no connection as a duplicate" ||
	bad "daemon: a dropped a connection as a duplicate"
[ "$(count "$a_log" "daemon .*disconnected")" = "$dis_before" ] &&
	ok "a's link to b was never dropped" ||
	{ bad "daemon: a lost a daemon link"; grep 'disconnected' "$a_log" >&2; }
lists a "$B" && lists b "$A" && ok "a and b still list each other" ||
	bad "daemon: a and b no longer list each other"

# --- 3. claims without bytes ------------------------------------------------
echo "=== 3. claims to be fetching a file"
# a alone from here: no static peer to redial while it stops.
for h in a b; do
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/$h/aptbtd.log" &&
		bad "daemon: sanitizer report in $h's log"
	eval "stop_wait \$PID_$h"
	[ "$STOP_RC" = 0 ] || bad "daemon: $h exited with status $STOP_RC on SIGTERM"
	cp "$T/$h/aptbtd.log" "$T/$h-part12.log"
done
rm -f "$T/a/aptbtd.log"
start_daemon a
F1=$(ls "$POOL"/aptbt-large1_*.deb)
F2=$(ls "$POOL"/aptbt-large2_*.deb)
fetch()	# FILE OUT: prints the seconds it took
{
	local t0 t1
	t0=$(date +%s%N)
	ns_exec a timeout 120 "$PY" "$FETCH" "$T/a/control.sock" \
	    "http://$MIRROR/debian/pool/$REPO_COMP/$(basename "$1")" "$2" \
	    --sha256 "$(sha256sum "$1" | cut -d' ' -f1)" \
	    --size "$(stat -c %s "$1")" >"$2.log" 2>&1 || return 1
	t1=$(date +%s%N)
	cmp -s "$1" "$2" || return 1
	echo $(((t1 - t0) / 1000000))
}
base=$(fetch "$F1" "$T/got1") || { show "$T/got1.log"; fail "the baseline fetch failed"; }
echo "baseline: $base ms for 4 MiB at 8 Mbit/s"
SHA2=$(sha256sum "$F2" | cut -d' ' -f1)
ns_bg e4 "$T/claim.log" "$PY" "$IMP" claim "$A" 6881 "$SHA2" 60
PID_CLAIM=$NS_BG_PID
wait_for_file_line "$T/claim.log" '^proven' 20 ||
	{ show "$T/claim.log"; fail "the claimant was not accepted"; }
sleep 1
took=$(fetch "$F2" "$T/got2") || { show "$T/got2.log"; bad "the fetch under claims failed"; took=999999; }
limit=$((base + 6000))
[ "$took" -le "$limit" ] &&
	ok "under claims: $took ms (baseline $base ms, at most $limit)" ||
	bad "daemon: under claims the fetch took $took ms (baseline $base ms, limit $limit)"
kill "$PID_CLAIM" 2>/dev/null
grep -q '^claims' "$T/claim.log" || sleep 1

grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$a_log" &&
	bad "daemon: sanitizer report in a daemon's log"
stop_wait "$PID_a"
[ "$STOP_RC" = 0 ] || bad "daemon: a exited with status $STOP_RC on SIGTERM"
[ "$fails" = 0 ] || { echo "identity.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
