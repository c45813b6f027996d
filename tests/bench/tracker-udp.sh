#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-udp.sh - announces answered per second (UDP, BEP 15, and HTTP)
# and instructions per announce: aptbtd's embedded tracker against
# opentracker, on this machine, in the same run.
#
# Hosts t (192.0.2.1, the tracker) and l (192.0.2.2 and 32 more
# addresses, tests/bench/trkload with 64 UDP sockets): trkload announces
# random info-hashes of a pool of POOL (1000, whitelisted for Debian's
# opentracker), random peer ids and ports, as fast as the tracker answers
# with WINDOW (512) announces outstanding, for DURATION (10) seconds
# after a 2 s warm-up; then HTTP announces, one connection each, 64 at
# once; then HTTP announces from wrk (tests/bench/trkwrk.lua: the same
# pool, random ports, a new peer id each) over WRK_CONNS (64) persistent
# connections, for DURATION seconds (a tracker that closes after each
# reply, as opentracker does, makes wrk connect again: "closed" counts
# those).  Then the tracker runs under valgrind --tool=callgrind twice,
# for CG_N1 (2000) and CG_N2 (12000) UDP announces at CG_RATE (2000) a
# second: instructions per announce = (Ir2 - Ir1) / (answered2 -
# answered1), start-up and shutdown cancelling out; and twice more for
# as many HTTP announces (trkload's, one connection each) at
# CG_HTTP_RATE (1000) a second.  Noise does not move
# that figure; the rates depend on the machine and on the load
# generator sharing its cores (the ratio is what counts).
#
# The embedded tracker is measured only when aptbtd has one ("tracker =
# yes" in etc/aptbtd.conf), with tracker_rate = 0 (no per-address
# limit); callgrind is skipped for a sanitizer build (ASan and valgrind
# do not mix: configure without --enable-sanitizers for the figure).
#
#   DURATION=10 WINDOW=512 POOL=1000 CG_N1=2000 CG_N2=12000 CG_RATE=2000
#   CG_HTTP_RATE=1000 WRK_CONNS=64
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"
. "$top_srcdir/tests/bench/lib-tracker.sh"

DURATION=${DURATION:-10}
WINDOW=${WINDOW:-512}
CG_N1=${CG_N1:-2000}
CG_N2=${CG_N2:-12000}
CG_RATE=${CG_RATE:-2000}
CG_HTTP_RATE=${CG_HTTP_RATE:-1000}
WRK_CONNS=${WRK_CONNS:-64}

need_cmd curl valgrind wrk
trk_hosts

# rates NAME UP: announces answered per second, UDP then HTTP.
rates()
{
	local line
	$2
	load -d 2 -w "$WINDOW" >/dev/null
	line=$(load -d "$DURATION" -w "$WINDOW")
	echo "# $1 UDP: $line"
	eval "UDP_$3=$(field "$line" rate)"
	line=$(load -m http -d "$DURATION" -w 64)
	echo "# $1 HTTP: $line"
	eval "HTTP_$3=$(field "$line" rate)"
	line=$(wrk_load "$DURATION" "$WRK_CONNS")
	echo "# $1 HTTP (wrk): $line"
	[ "$(field "$line" answered)" -gt 0 ] 2>/dev/null ||
		fail "$1: wrk had no announce answered: $line"
	eval "WRK_$3=$(field "$line" rate)"
	trk_down
}

# ipa NAME UP CHROOT [http]: instructions per announce under callgrind,
# UDP (or HTTP, one connection each, 16 at once, at CG_HTTP_RATE);
# CHROOT is the directory the tracker chroots into ("" for none).
ipa()
{
	local n line ir ans out i=1 ir1= ans1= proto=${5:-udp} var=IPA_$3
	for n in "$CG_N1" "$CG_N2"; do
		out=$T/cg-$3-$proto-$n.out
		# A tracker in a chroot writes the profile at the same path
		# inside it.
		[ -n "$4" ] && mkdir -p "$4$T" && chmod 777 "$4$T"
		$2 valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$out"
		if [ "$proto" = http ]; then
			line=$(load -m http -n "$n" -r "$CG_HTTP_RATE" -w 16)
		else
			line=$(load -n "$n" -r "$CG_RATE" -w 64 -s 16)
		fi
		trk_down
		[ -n "$4" ] && out=$4$out
		ir=$(sed -n 's/^summary: //p' "$out" 2>/dev/null)
		ans=$(field "$line" answered)
		[ -n "$ir" ] || { tail "$TRK_LOG" >&2; fail "$1: no callgrind profile"; }
		echo "# $1 under callgrind, $n announces: $line; $ir instructions"
		if [ $i -eq 1 ]; then
			ir1=$ir ans1=$ans
		fi
		i=2
	done
	[ "$proto" = http ] && var=IPH_$3
	eval "$var=$(awk -v a="$ir" -v b="$ir1" -v c="$ans" -v d="$ans1" \
	    'BEGIN { if (c > d) printf "%.0f", (a - b) / (c - d); else print 0 }')"
	echo "$1: $(eval "echo \$$var") instructions per $proto announce"
}

echo "=== opentracker"
rates opentracker ot_up ot
echo "opentracker: $UDP_ot UDP announces/s, $HTTP_ot HTTP announces/s," \
    "$WRK_ot HTTP announces/s with wrk"
ipa opentracker ot_up ot "$T/ot"
ipa opentracker ot_up ot "$T/ot" http

echo "=== aptbtd's embedded tracker"
if ! why=$(emb_supported); then
	echo "skipped: $why"
	exit 0
fi
sanitized "$APTBTD" && echo "# $APTBTD is a sanitizer build: rates are low, no callgrind"
rates "aptbtd's tracker" emb_up emb
echo "aptbtd's tracker: $UDP_emb UDP announces/s, $HTTP_emb HTTP announces/s," \
    "$WRK_emb HTTP announces/s with wrk"
echo "ratio (aptbtd / opentracker): UDP $(ratio "$UDP_emb" "$UDP_ot")," \
    "HTTP $(ratio "$HTTP_emb" "$HTTP_ot"), HTTP with wrk" \
    "$(ratio "$WRK_emb" "$WRK_ot") (aim >= 1.0)"
if sanitized "$APTBTD"; then
	echo "instructions per announce: skipped (sanitizer build)"
else
	ipa "aptbtd's tracker" emb_up emb ""
	ipa "aptbtd's tracker" emb_up emb "" http
	echo "instructions per announce, aptbtd / opentracker:" \
	    "UDP $(ratio "$IPA_emb" "$IPA_ot") (aim <= 1.0)," \
	    "HTTP $(ratio "$IPH_emb" "$IPH_ot")"
fi
grep -qE 'AddressSanitizer|runtime error' "$LOG/aptbtd-tracker.log" 2>/dev/null &&
	echo "FAIL: sanitizer reports in the tracker's log" >&2
exit 0
