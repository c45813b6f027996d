#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-udp.sh - announces answered per second (UDP, BEP 15, and HTTP)
# and instructions per UDP announce: aptbtd's embedded tracker against
# opentracker, on this machine, in the same run.
#
# Hosts t (192.0.2.1, the tracker) and l (192.0.2.2 and 32 more
# addresses, tests/bench/trkload with 64 UDP sockets): trkload announces
# random info-hashes of a pool of POOL (1000, whitelisted for Debian's
# opentracker), random peer ids and ports, as fast as the tracker answers
# with WINDOW (512) announces outstanding, for DURATION (10) seconds
# after a 2 s warm-up; then HTTP announces, one connection each, 64 at
# once.  Then the tracker runs under valgrind --tool=callgrind twice,
# for CG_N1 (2000) and CG_N2 (12000) announces at CG_RATE (2000) a
# second: instructions per announce = (Ir2 - Ir1) / (answered2 -
# answered1), start-up and shutdown cancelling out.  Noise does not move
# that figure; the rates depend on the machine and on the load
# generator sharing its cores (the ratio is what counts).
#
# The embedded tracker is measured only when aptbtd has one ("tracker =
# yes" in etc/aptbtd.conf), with tracker_rate = 0 (no per-address
# limit); callgrind is skipped for a sanitizer build (ASan and valgrind
# do not mix: configure without --enable-sanitizers for the figure).
#
#   DURATION=10 WINDOW=512 POOL=1000 CG_N1=2000 CG_N2=12000 CG_RATE=2000
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"
. "$top_srcdir/tests/bench/lib-tracker.sh"

DURATION=${DURATION:-10}
WINDOW=${WINDOW:-512}
CG_N1=${CG_N1:-2000}
CG_N2=${CG_N2:-12000}
CG_RATE=${CG_RATE:-2000}

need_cmd curl valgrind
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
	trk_down
}

# ipa NAME UP CHROOT: instructions per announce under callgrind; CHROOT
# is the directory the tracker chroots into ("" for none).
ipa()
{
	local n line ir ans out i=1 ir1= ans1=
	for n in "$CG_N1" "$CG_N2"; do
		out=$T/cg-$3-$n.out
		# A tracker in a chroot writes the profile at the same path
		# inside it.
		[ -n "$4" ] && mkdir -p "$4$T" && chmod 777 "$4$T"
		$2 valgrind --tool=callgrind --vgdb=no --callgrind-out-file="$out"
		line=$(load -n "$n" -r "$CG_RATE" -w 64 -s 16)
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
	eval "IPA_$3=$(awk -v a="$ir" -v b="$ir1" -v c="$ans" -v d="$ans1" \
	    'BEGIN { if (c > d) printf "%.0f", (a - b) / (c - d); else print 0 }')"
	echo "$1: $(eval "echo \$IPA_$3") instructions per UDP announce"
}

echo "=== opentracker"
rates opentracker ot_up ot
echo "opentracker: $UDP_ot UDP announces/s, $HTTP_ot HTTP announces/s"
ipa opentracker ot_up ot "$T/ot"

echo "=== aptbtd's embedded tracker"
if ! why=$(emb_supported); then
	echo "skipped: $why"
	exit 0
fi
sanitized "$APTBTD" && echo "# $APTBTD is a sanitizer build: rates are low, no callgrind"
rates "aptbtd's tracker" emb_up emb
echo "aptbtd's tracker: $UDP_emb UDP announces/s, $HTTP_emb HTTP announces/s"
echo "ratio (aptbtd / opentracker): UDP $(ratio "$UDP_emb" "$UDP_ot")," \
    "HTTP $(ratio "$HTTP_emb" "$HTTP_ot") (aim >= 1.0)"
if sanitized "$APTBTD"; then
	echo "instructions per announce: skipped (sanitizer build)"
else
	ipa "aptbtd's tracker" emb_up emb ""
	echo "instructions per announce, aptbtd / opentracker:" \
	    "$(ratio "$IPA_emb" "$IPA_ot") (aim <= 1.0)"
fi
grep -qE 'AddressSanitizer|runtime error' "$LOG/aptbtd-tracker.log" 2>/dev/null &&
	echo "FAIL: sanitizer reports in the tracker's log" >&2
exit 0
