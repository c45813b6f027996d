#!/bin/sh
# SPDX-License-Identifier: ISC
# hostile.sh - a hostile host on the LAN cannot freeze aptbtd, make it
# eat memory, or make it dial where it should not (doc/threat-model.md,
# "Peer wire and discovery").
#
# Network namespaces on one bridge: m (192.0.2.1) serves two plain files
# with nginx; d (.2) runs the aptbtd under attack (share covers the LAN,
# loopback and link-local, so the scope is not what stops a dial); e (.3,
# and .101-.107 for the cases that need several source addresses) runs
# hostile-peer.py; h (.4) runs an honest aptbtd; o (.5) only listens.
# Each case starts d afresh and asserts with numbers:
#
#   index    10 MB of have-index entries: "aptbt-ctl status" answers
#            within 2 s throughout, d's RSS grows by at most 48 MB, the
#            flood under the cap is kept (a full index replaces the
#            last), the one past 65,536 entries is cut and its host
#            banned (its next handshake is refused).
#   hashes   200,000 aptbt_hashes requests (12 MB) for a 32 MiB file
#            (128 piece hashes, 4 KiB an answer: 800 MB of answers)
#            without reading: d's RSS grows by at most 48 MB; one answer
#            is queued at a time, the rest rejected, and once the rejects
#            pass the output bound d stops reading.
#   slow     100 connections from two addresses of e sending keep-alives
#            and never the extended handshake, to a d with
#            max_connections = 24: at most 16 answered from one address,
#            at most 21 in all (3 slots kept for known hosts and our
#            dials), each cut within the 10 s deadline (+2 s); while they
#            hold the slots, h (a daemon d has in "peers") connects, and
#            then fetches the small file from d (its mirror unreachable).
#   partial  100 connections (7 source addresses) each holding a 1 MiB
#            message one byte short: d's RSS grows by at most 48 MB and
#            at most 24 of them (the 16 MiB budget) stay open.
#   pex      a PEX message listing 127.0.0.1-.20, d's own address,
#            169.254.1.1 and o: zero dials to listeners on 127.0.0.1 and
#            on d's address, at least one to o's.
#   lsd      300 unicast announces to d:6771 from e: zero dials to e;
#            300 multicast announces from e: at most 10 of its addresses
#            dialled (the per-source rate); then h announces: d connects to h.
#
# HOSTILE_CASES="index ..." runs a subset.  A check that fails because of
# the daemon says "daemon:" in its message.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd nginx curl sha256sum ip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
HPY=$top_srcdir/tests/integration/hostile-peer.py
FETCH=$top_srcdir/tests/integration/fetchclient.py
CASES=${HOSTILE_CASES:-index hashes slow partial pex lsd}
RSS_GROWTH_KB=$((48 * 1024))

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }

at_exit()
{
	repo_keep_logs "$T"/case-*
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host m 1
ns_host d 2
ns_host e 3
ns_host h 4
ns_host o 5
for n in 101 102 103 104 105 106 107; do
	ip -n "${NS_PREFIX}e" addr add "192.0.2.$n/24" dev eth0
done
EXTRA="192.0.2.101 192.0.2.102 192.0.2.103 192.0.2.104 192.0.2.105 192.0.2.106 192.0.2.107"
M=$(ns_ip m)
D=$(ns_ip d)
H=$(ns_ip h)
O=$(ns_ip o)

# --- the mirror -----------------------------------------------------------
repo_init
head -c $((32 * 1024 * 1024)) /dev/urandom >"$REPO_WWW/big.bin"
head -c $((100 * 1024)) /dev/urandom >"$REPO_WWW/small.bin"
chmod 644 "$REPO_WWW"/*.bin
BIG_SHA=$(sha256sum "$REPO_WWW/big.bin" | cut -d' ' -f1)
SMALL_SHA=$(sha256sum "$REPO_WWW/small.bin" | cut -d' ' -f1)
# shellcheck disable=SC2016	# nginx's variables, for nginx
repo_nginx "$M:80" '$remote_addr $request $status' m m

# d_start CASE [LINE...]: a fresh aptbtd in d; sets DPID, SOCK, CASE.
d_start()
{
	CASE=$T/case-$1
	shift
	mkdir -p "$CASE"
	conf=$(write_conf "$CASE" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24 127.0.0.0/8 169.254.0.0/16" "$@")
	SOCK=$CASE/control.sock
	# RSS is measured: ASan must not keep freed memory in quarantine.
	# shellcheck disable=SC2086	# VAR=VALUE words
	ns_bg d "$CASE/aptbtd.log" env $DAEMON_ENV \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" \
	    "$APTBTD" -f -c "$conf"
	DPID=$NS_BG_PID
	wait_for_socket "$SOCK" ||
		{ show "$CASE/aptbtd.log"; fail "no control socket"; }
}
# d_stop: stop d; a sanitizer report in its log is a failure.
d_stop()
{
	stop_wait "$DPID"
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' \
	    "$CASE/aptbtd.log" "$CASE"/h/aptbtd.log 2>/dev/null &&
		bad "daemon: ${CASE##*/}: a sanitizer report in the log"
	return 0
}
ctl() { ns_exec d "$APTBT_CTL" -s "$SOCK" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# fetch_into NS SOCK FILE SHA: the daemon fetches FILE from the mirror.
fetch_into()
{
	local size
	size=$(stat -c %s "$REPO_WWW/$3")
	ns_exec "$1" timeout 60 "$PY" "$FETCH" "$2" "http://$M/$3" \
	    "$CASE/$3.out" --sha256 "$4" --size "$size" --no-copy \
	    >"$CASE/fetch-$3-$1.out" 2>&1
}

# watch_rss PID OUT: the largest RSS seen (kB) into OUT until watch_end.
watch_rss()
{
	rm -f "$T/stop-rss"
	(
		max=0
		while [ ! -e "$T/stop-rss" ]; do
			r=$(rss_kb "$1")
			[ "${r:-0}" -gt "$max" ] && max=$r
			echo "$max" >"$2"
			sleep 0.1
		done
	) &
	RSS_WATCH=$!
}
watch_end() { touch "$T/stop-rss"; wait "$RSS_WATCH"; }

# --- index: have-index flood ----------------------------------------------
case_index()
{
	local base max lat worst=0 slow=0 n=0
	d_start index
	base=$(rss_kb "$DPID")
	watch_rss "$DPID" "$CASE/rss"
	ns_bg e "$CASE/attack.log" "$PY" "$HPY" index-flood "$D" 6881 10
	APID=$NS_BG_PID
	# The control socket, asked again and again while the flood runs.
	while alive "$APID"; do
		t0=$(date +%s%N)
		ctl status >/dev/null 2>&1 || slow=$((slow + 1))
		lat=$((($(date +%s%N) - t0) / 1000000))
		[ "$lat" -gt "$worst" ] && worst=$lat
		n=$((n + 1))
		sleep 0.1
	done
	watch_end
	max=$(cat "$CASE/rss")
	echo "index: status asked $n times, slowest ${worst} ms;" \
	    "RSS ${base} kB -> at most ${max} kB"
	[ "$n" -ge 5 ] && [ "$worst" -lt 2000 ] && [ "$slow" = 0 ] &&
		ok "index: aptbt-ctl status answered within 2 s throughout (slowest $worst ms, $n asks)" ||
		bad "daemon: index: status slowest $worst ms, $slow failed, $n asks"
	[ $((max - base)) -le "$RSS_GROWTH_KB" ] &&
		ok "index: RSS grew by $(((max - base) / 1024)) MB (bound $((RSS_GROWTH_KB / 1024)) MB)" ||
		bad "daemon: index: RSS grew by $(((max - base) / 1024)) MB"
	grep -q '^phase1-open 1' "$CASE/attack.log" &&
		ok "index: a flood kept under the cap is taken ($(awk '/^phase1-bytes/ { print $2 }' "$CASE/attack.log") bytes)" ||
		{ bad "daemon: index: the connection was cut below the cap"; show "$CASE/attack.log"; }
	e=$(awk '/^phase2-entries/ { print $2 }' "$CASE/attack.log")
	[ -n "$e" ] && [ "$e" -le $((65536 + 1024)) ] &&
		! grep -q 'still-open' "$CASE/attack.log" &&
		ok "index: cut after $e entries past a full index (cap 65536)" ||
		{ bad "daemon: index: not cut at the cap (entries ${e:-?})"; show "$CASE/attack.log"; }
	grep -q '^reconnect 0' "$CASE/attack.log" &&
		grep -q 'have-index over its limit' "$CASE/aptbtd.log" &&
		ok "index: the flooder's host is banned" ||
		bad "daemon: index: the flooder was not banned"
	d_stop
}

# --- hashes: answers the peer does not read --------------------------------
case_hashes()
{
	local base max attempt n
	d_start hashes
	fetch_into d "$SOCK" big.bin "$BIG_SHA" ||
		{ show "$CASE/fetch-big.bin-d.out"; fail "hashes: d could not fetch big.bin"; }
	sleep 1
	base=$(rss_kb "$DPID")
	watch_rss "$DPID" "$CASE/rss"
	# The attack must reach the daemon in earnest to prove anything: on a
	# loaded machine a first attempt may stall early (its requests are
	# counted); then it is made once more.
	for attempt in 1 2; do
		ns_bg e "$CASE/attack.log" env HOLD=8 "$PY" "$HPY" hash-noread \
		    "$D" 6881 "$BIG_SHA" 200000
		APID=$NS_BG_PID
		i=0
		while alive "$APID" && [ "$i" -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
		n=$(sed -n 's/^requests //p' "$CASE/attack.log")
		[ "${n:-0}" -ge 10000 ] && break
		echo "hashes: attempt $attempt sent only ${n:-0} requests; the daemon's log says:"
		tail -n 5 "$CASE/aptbtd.log"
	done
	watch_end
	max=$(cat "$CASE/rss")
	grep -q '^attach ok' "$CASE/attack.log" ||
		{ show "$CASE/attack.log"; bad "hashes: the attacker could not attach the swarm (proves nothing)"; }
	echo "hashes: $(grep -E '^(requests|sent-bytes)' "$CASE/attack.log" | tr '\n' ' ');" \
	    "RSS ${base} kB -> at most ${max} kB"
	[ $((max - base)) -le "$RSS_GROWTH_KB" ] &&
		ok "hashes: RSS grew by $(((max - base) / 1024)) MB (bound $((RSS_GROWTH_KB / 1024)) MB)" ||
		bad "daemon: hashes: RSS grew by $(((max - base) / 1024)) MB"
	grep -q 'reading paused' "$CASE/aptbtd.log" &&
		ok "hashes: the daemon stopped reading from the peer" ||
		bad "daemon: hashes: no 'reading paused' in the log"
	d_stop
}

# --- slow: keep-alives instead of a handshake -------------------------------
case_slow()
{
	local a longest hconf hsock
	d_start slow "peers = $H:6881" "max_connections = 24"
	t0=$(date +%s)
	ns_bg e "$CASE/attack.log" env SLOW_SECS=20 "$PY" "$HPY" slow "$D" 6881 \
	    100 192.0.2.3 192.0.2.101
	APID=$NS_BG_PID
	sleep 2
	# The honest daemon, while the slots are under attack.
	mkdir -p "$CASE/h"
	hconf=$(write_conf "$CASE/h" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "peers = $D:6881")
	hsock=$CASE/h/control.sock
	# shellcheck disable=SC2086
	ns_bg h "$CASE/h/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$hconf"
	HPID=$NS_BG_PID
	wait_for_socket "$hsock" || fail "slow: h has no control socket"
	fetch_into d "$SOCK" small.bin "$SMALL_SHA" ||
		bad "slow: d could not fetch small.bin"
	i=0
	until ctl --json peers 2>/dev/null | grep -q "\"$H:"; do
		i=$((i + 1)); [ "$i" -lt 100 ] || break; sleep 0.2
	done
	t1=$(date +%s)
	ctl --json peers 2>/dev/null | grep -q "\"$H:" && [ $((t1 - t0)) -lt 10 ] &&
		ok "slow: the honest daemon h is connected to d $((t1 - t0)) s into the attack" ||
		bad "daemon: slow: h is not among d's peers ($((t1 - t0)) s into the attack)"
	# Block the mirror from h: the file can only come from d.
	ip -n "${NS_PREFIX}h" route add unreachable "$M/32"
	fetch_into h "$hsock" small.bin "$SMALL_SHA" &&
		ok "slow: h fetched small.bin (from d: the mirror is unreachable for h)" ||
		{ bad "daemon: slow: h could not fetch from d"; show "$CASE/fetch-small.bin-h.out"; }
	ip -n "${NS_PREFIX}h" route del unreachable "$M/32"
	while alive "$APID"; do sleep 0.2; done
	a=$(awk '/^answered/ { print $2 }' "$CASE/attack.log")
	one=$(awk '/^most-from-one-host/ { print $2 }' "$CASE/attack.log")
	longest=$(awk '/^longest/ { print $2 }' "$CASE/attack.log")
	echo "slow: answered ${a:-?} of 100, ${one:-?} from one address, longest held ${longest:-?} s"
	[ -n "$one" ] && [ "$one" -le 16 ] && [ "$one" -ge 1 ] &&
		ok "slow: one host got $one connections (cap 16)" ||
		bad "daemon: slow: one host got ${one:-?} connections"
	[ -n "$a" ] && [ "$a" -le 21 ] &&
		ok "slow: strangers got $a of 24 slots (3 kept)" ||
		bad "daemon: slow: strangers got ${a:-?} of 24 slots"
	[ -n "$longest" ] && awk "BEGIN { exit !($longest <= 12) }" &&
		ok "slow: cut at the handshake deadline (longest ${longest} s, deadline 10 s)" ||
		bad "daemon: slow: a connection lived ${longest:-?} s without the extended handshake"
	stop_wait "$HPID"
	d_stop
}

# --- partial: a megabyte one byte short, many times --------------------------
case_partial()
{
	local base max held
	d_start partial
	sleep 1
	base=$(rss_kb "$DPID")
	watch_rss "$DPID" "$CASE/rss"
	# shellcheck disable=SC2086	# a list of addresses
	ns_bg e "$CASE/attack.log" env HOLD=5 "$PY" "$HPY" partial "$D" 6881 100 $EXTRA
	APID=$NS_BG_PID
	while alive "$APID"; do sleep 0.2; done
	watch_end
	max=$(cat "$CASE/rss")
	held=$(awk '/^held/ { print $2 }' "$CASE/attack.log")
	echo "partial: $(grep -E '^(opened|sent-bytes|held)' "$CASE/attack.log" | tr '\n' ' ');" \
	    "RSS ${base} kB -> at most ${max} kB"
	[ $((max - base)) -le "$RSS_GROWTH_KB" ] &&
		ok "partial: RSS grew by $(((max - base) / 1024)) MB (bound $((RSS_GROWTH_KB / 1024)) MB)" ||
		bad "daemon: partial: RSS grew by $(((max - base) / 1024)) MB"
	[ -n "$held" ] && [ "$held" -le 24 ] &&
		ok "partial: $held connections kept their partial message (budget 16 MiB)" ||
		bad "daemon: partial: ${held:-?} connections hold a partial megabyte"
	d_stop
}

# --- pex: loopback, ourselves, link-local ------------------------------------
case_pex()
{
	local list i lo self other
	d_start pex
	fetch_into d "$SOCK" small.bin "$SMALL_SHA" || {
		show "$CASE/fetch-small.bin-d.out"
		show "$CASE/aptbtd.log"
		fail "pex: d could not fetch small.bin"
	}
	ns_bg d "$CASE/listen-lo.log" "$PY" "$HPY" listen 127.0.0.1 7100 1 25
	LPID1=$NS_BG_PID
	ns_bg d "$CASE/listen-self.log" "$PY" "$HPY" listen "$D" 7200 1 25
	LPID2=$NS_BG_PID
	ns_bg o "$CASE/listen-o.log" "$PY" "$HPY" listen "$O" 7300 1 25
	LPID3=$NS_BG_PID
	wait_for_file_line "$CASE/listen-o.log" '^listening' 10
	list=
	for i in $(seq 1 20); do list="$list 127.0.0.$i:7100"; done
	# shellcheck disable=SC2086
	ns_exec e env HOLD=8 "$PY" "$HPY" pex "$D" 6881 "$SMALL_SHA" $list \
	    "$D:7200" 169.254.1.1:7100 "$O:7300" >"$CASE/attack.log" 2>&1
	for p in $LPID1 $LPID2 $LPID3; do
		while alive "$p"; do sleep 0.2; done
	done
	lo=$(awk '/^accepts/ { print $2 }' "$CASE/listen-lo.log")
	self=$(awk '/^accepts/ { print $2 }' "$CASE/listen-self.log")
	other=$(awk '/^accepts/ { print $2 }' "$CASE/listen-o.log")
	echo "pex: $(tr '\n' ' ' <"$CASE/attack.log"); dials: loopback ${lo:-?}, own address ${self:-?}, o ${other:-?}"
	grep -q '^pex-sent 23' "$CASE/attack.log" ||
		bad "pex: the PEX message was not sent (proves nothing)"
	[ "$lo" = 0 ] && ok "pex: zero dials to loopback" ||
		bad "daemon: pex: ${lo:-?} dials to 127.0.0.1"
	[ "$self" = 0 ] && ok "pex: zero dials to d's own address" ||
		bad "daemon: pex: ${self:-?} dials to d's own address"
	[ -n "$other" ] && [ "$other" -ge 1 ] &&
		ok "pex: the LAN address from the same message was dialled ($other)" ||
		bad "daemon: pex: o was not dialled (PEX itself is broken)"
	d_stop
}

# --- lsd: unicast spoofs, a multicast flood, then a real daemon ---------------
case_lsd()
{
	local uni multi hconf hsock
	d_start lsd "lsd = yes"
	sleep 1
	ns_bg e "$CASE/listen-uni.log" "$PY" "$HPY" listen 192.0.2.3 8000 300 8
	LPID=$NS_BG_PID
	wait_for_file_line "$CASE/listen-uni.log" '^listening' 10
	ns_exec e "$PY" "$HPY" lsd-unicast "$D" 300 8000 >"$CASE/attack-uni.log" 2>&1
	while alive "$LPID"; do sleep 0.2; done
	uni=$(awk '/^accepts/ { print $2 }' "$CASE/listen-uni.log")
	[ "$uni" = 0 ] && grep -q 'not sent to 239.192.152.143' "$CASE/aptbtd.log" &&
		ok "lsd: 300 unicast announces, zero dials" ||
		bad "daemon: lsd: ${uni:-?} dials after unicast announces"
	ns_bg e "$CASE/listen-multi.log" "$PY" "$HPY" listen 192.0.2.3 9000 300 10
	LPID=$NS_BG_PID
	wait_for_file_line "$CASE/listen-multi.log" '^listening' 10
	ns_exec e "$PY" "$HPY" lsd-multicast 300 9000 >"$CASE/attack-multi.log" 2>&1
	while alive "$LPID"; do sleep 0.2; done
	# Ports: d retries a daemon it heard, so count addresses, not dials.
	multi=$(awk '/^ports/ { print $2 }' "$CASE/listen-multi.log")
	echo "lsd: dials after 300 unicast announces: ${uni:-?}; after 300 multicast: ${multi:-?}"
	[ -n "$multi" ] && [ "$multi" -ge 1 ] && [ "$multi" -le 10 ] &&
		ok "lsd: 300 multicast announces from one host, $multi dials (10 a minute)" ||
		bad "daemon: lsd: ${multi:-?} dials after 300 multicast announces"
	# A real daemon announcing now is still heard and dialled.
	mkdir -p "$CASE/h"
	hconf=$(write_conf "$CASE/h" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "lsd = yes")
	hsock=$CASE/h/control.sock
	# shellcheck disable=SC2086
	ns_bg h "$CASE/h/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$hconf"
	HPID=$NS_BG_PID
	i=0
	until ctl --json peers 2>/dev/null | grep -q "\"$H:"; do
		i=$((i + 1)); [ "$i" -lt 100 ] || break; sleep 0.2
	done
	ctl --json peers 2>/dev/null | grep -q "\"$H:" &&
		ok "lsd: the honest daemon announcing afterwards is connected" ||
		bad "daemon: lsd: h was never connected"
	stop_wait "$HPID"
	d_stop
}

for c in $CASES; do
	echo "=== $c"
	"case_$c"
done
[ "$fails" = 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "ok: hostile"
