#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-mem.sh - memory per 100,000 IPv4 peers: aptbtd's embedded
# tracker against opentracker, in the same run.
#
# Hosts as tracker-udp.sh (lib-tracker.sh).  The tracker starts; its RSS
# is read; tests/bench/trkload announces PEERS (100000) distinct peers
# once each over UDP ("-S": POOL (1000) swarms of PEERS / POOL peers,
# each peer its own port); the RSS is read again, and the tracker's own
# count of the peers it holds (opentracker's /stats?mode=peer, aptbt-ctl
# --json tracker).  Bytes per peer = RSS growth / peers held.  RSS counts
# pages, so small runs are coarse; the embedded tracker's own count of
# the bytes it allocated is printed beside it.  The embedded tracker is
# measured only when aptbtd has one; a sanitizer build's figures include
# the sanitizers' own overhead and are marked.
#
#   PEERS=100000 POOL=1000 (TRACKER_APTBTD, TRACKER_APTBT_CTL: other
#   binaries to measure)
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"
. "$top_srcdir/tests/bench/lib-tracker.sh"

PEERS=${PEERS:-100000}
APTBT_CTL=${TRACKER_APTBT_CTL:-$APTBT_CTL}

need_cmd curl
trk_hosts

ot_peers()
{
	ns_exec l curl -s "http://$TRK_ADDR:$TRK_PORT/stats?mode=peer" | head -n 1
}

emb_json()	# KEY
{
	ns_exec t "$APTBT_CTL" -s "$TRK_SOCK" --json tracker 2>/dev/null |
	    $PY -c 'import json, sys
d = json.load(sys.stdin)
print(d.get(sys.argv[1], ""))' "$1"
}

# mem NAME UP HELD: RSS growth per peer held.
mem()
{
	local before after line held pid
	$2
	pid=$(trk_pid)
	sleep 2
	before=$(rss_kib "$pid")
	line=$(load -S -n "$PEERS" -w 256)
	sleep 2
	after=$(rss_kib "$pid")
	held=$($3)
	echo "# $1: $line"
	echo "# $1: RSS $before KiB before, $after KiB after; holds $held peers"
	[ -n "$held" ] && [ "$held" -gt 0 ] || fail "$1 holds no peers"
	eval "BPP_$4=$(awk -v a="$after" -v b="$before" -v n="$held" \
	    'BEGIN { printf "%.1f", (a - b) * 1024 / n }')"
	echo "$1: $(eval "echo \$BPP_$4") bytes of RSS per IPv4 peer" \
	    "($(awk -v a="$after" -v b="$before" -v n="$held" -v p="$PEERS" \
	    'BEGIN { printf "%.1f", (a - b) / 1024 * p / n }') MiB per $PEERS peers)"
	if [ "$4" = emb ]; then
		EMB_USED=$(emb_json memory_used)
		[ -n "$EMB_USED" ] && echo "$1: its own count: $EMB_USED bytes" \
		    "allocated, $(ratio "$EMB_USED" "$held" 1) bytes per peer"
	fi
	trk_down
}

echo "=== opentracker, $PEERS peers in $POOL swarms"
mem opentracker ot_up ot_peers ot

echo "=== aptbtd's embedded tracker, $PEERS peers in $POOL swarms"
if ! why=$(emb_supported); then
	echo "skipped: $why"
	exit 0
fi
sanitized "$APTBTD" && echo "# $APTBTD is a sanitizer build: its RSS includes the sanitizers' own"
mem "aptbtd's tracker" emb_up "emb_json peers4" emb
echo "bytes per peer, aptbtd / opentracker: $(ratio "$BPP_emb" "$BPP_ot")" \
    "(aim: at most 64 bytes per IPv4 peer)"
exit 0
