#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-cluster.sh - three embedded trackers as one cluster: clients of
# different nodes see each other's peers within 2 s, a node killed costs
# a client one retry (with the connection id the dead node gave), and
# tampered, replayed, stale and foreign gossip is dropped and counted.
# Then two trackers of different sites as tracker peers: they exchange
# peers of a swarm both know, and private addresses only when told to.
#
# Network namespaces on one bridge, 192.0.2.0/24:
#   n1 (.11), n2 (.12), n3 (.13)   aptbtd, tracker = yes on 6969, gossip
#                                  on UDP 6970; n3's tracker_cluster
#                                  names only n1 and n2 (both forms work)
#   c1 (.21), c2 (.22), c3 (.23)   trk-announce.py: c1 UDP to n1, c2 HTTP
#                                  to n2, c3 UDP to n3; one info-hash
#   d1 (.51), d2 (.52)             aptbtd clients, trackers = n1 n2 as
#                                  one tier; they find each other
#                                  through the cluster, and the node d1
#                                  announced to is killed: its next
#                                  announce goes to the other at once
#   s1 (.31), s2 (.32)             aptbtd, tracker = yes, tracker peers
#                                  of each other (site A and site B)
#
# Figures printed: the convergence time (all three clients see all three
# peers, from the last first announce), and each node's gossip counters.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
# shellcheck disable=SC2154	# PID_HOST and DIR_HOST are set by eval
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd ip
ANN=$top_srcdir/tests/integration/trk-announce.py
GOSSIP=$top_srcdir/tests/integration/gossip-tool.py
IH=c1a5e0c1a5e0c1a5e0c1a5e0c1a5e0c1a5e0c1a5
IH2=5172e0005172e0005172e0005172e0005172e000

# shellcheck source=tests/integration/lib-tracker.sh
. "$top_srcdir/tests/integration/lib-tracker.sh"
chmod 755 "$T"
ns_init
trap trk_at_exit EXIT
for h in n1:11 n2:12 n3:13 c1:21 c2:22 c3:23 s1:31 s2:32 k:40 d1:51 d2:52; do
	ns_host "${h%:*}" "${h#*:}"
done

KEY=$T/cluster.key
head -c 32 /dev/urandom >"$KEY"
chmod 600 "$KEY"

# dlog and daemon_up: this test's own, instead of lib-tracker.sh's
# (whose daemon_down stops a daemon either way).
dlog() { eval "echo \$T/$1.log"; }
# tjson HOST EXPR: a Python expression over t, "aptbt-ctl --json tracker".
tjson()
{
	ctl "$1" --json tracker 2>/dev/null | $PY -c 'import json, sys
t = json.load(sys.stdin)
r = eval(sys.argv[1])
print(*r) if isinstance(r, tuple) else print(r)' "$2"
}
node_up()	# HOST CONF-LINES...: an embedded tracker
{
	local h=$1
	shift
	daemon_up "$h" "tracker = yes" "tracker_port = 6969" \
	    "tracker_interval = 60" "$@"
}
daemon_up()	# HOST CONF-LINES...
{
	local h=$1 dir=$T/$1 conf
	shift
	conf=$(write_conf "$dir" "log_level = debug" "$@")
	eval "DIR_$h=\$dir"
	ns_bg "$h" "$T/$h.log" "$APTBTD" -f -c "$conf"
	eval "PID_$h=\$NS_BG_PID"
	wait_for_socket "$dir/control.sock" ||
		{ show "$T/$h.log"; fail "$h: control socket did not appear"; }
}
# announce CLIENT PROTO NODE IH PORT [ARGS]: the peers the node gave.
announce()
{
	local c=$1 proto=$2 node=$3 ih=$4 port=$5
	shift 5
	ns_exec "$c" timeout 10 "$PY" "$ANN" "$proto" "$(ns_ip "$node"):6969" \
	    "$ih" "$port" "$@"
}
now_ms() { date +%s%3N; }

# --- the cluster ------------------------------------------------------------
CLUSTER="192.0.2.11:6970, 192.0.2.12:6970, 192.0.2.13:6970"
node_up n1 "tracker_cluster = $CLUSTER" "tracker_cluster_key = $KEY"
node_up n2 "tracker_cluster = $CLUSTER" "tracker_cluster_key = $KEY"
node_up n3 "tracker_cluster = 192.0.2.11:6970 192.0.2.12:6970" \
    "tracker_cluster_key = $KEY"

# A key file others can read stops the cluster with the reason, not the
# daemon; the tracker answers alone.
BADKEY=$T/bad.key
cp "$KEY" "$BADKEY" && chmod 644 "$BADKEY"
node_up k "tracker_cluster = $CLUSTER" "tracker_cluster_key = $BADKEY"
wait_for_file_line "$T/k.log" "tracker cluster off: .*chmod 600" 5 &&
	ok "a cluster key others can read is refused: $(grep -o 'tracker cluster off: .*' "$T/k.log" | head -1)" ||
	{ show "$T/k.log"; bad "a key of mode 0644 was not refused"; }
[ "$(tjson k 't["enabled"], t["cluster_self"] or "none"')" = "1 none" ] &&
	ok "k's tracker runs without the cluster" ||
	bad "k: $(tjson k 't["enabled"], t["cluster_self"]')"
daemon_down k

# Every node hears the two others (heartbeats every 2 s).
heard_all()
{
	[ "$(tjson "$1" 'sum(1 for n in t["nodes"] if n["heard_ms"] >= 0)')" = 2 ]
}
tenths=100
until heard_all n1 && heard_all n2 && heard_all n3; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
for n in n1 n2 n3; do
	heard_all "$n" && ok "$n hears the two other nodes" ||
		{ ctl "$n" tracker >&2; bad "$n does not hear every node"; }
done
[ "$(tjson n3 't["cluster_self"]')" = ":6970" ] &&
	ok "n3, not in its own list, gossips on the port the others share" ||
	bad "n3: cluster_self $(tjson n3 't["cluster_self"]')"

# Three clients, three nodes, one swarm: first measured in one process
# (announce all, then ask every 20 ms), on a swarm of its own.
conv=$(ns_exec c1 timeout 20 "$PY" "$ANN" converge "$IH2" udp,192.0.2.11:6969,7101 \
    http,192.0.2.12:6969,7102 udp,192.0.2.13:6969,7103 2>"$T/converge.out")
echo "figure: $conv ms (3 clients announcing to 3 nodes, until each is given the 2 others)"
ms=${conv#converged }
[ -n "$conv" ] && [ "$ms" -le 2000 ] &&
	ok "three clients on three nodes see each other within 2 s ($ms ms)" ||
	{ show "$T/converge.out"; bad "no convergence within 2 s ($conv)"; }
# Then the clients from their own hosts, for the rest of the test.
announce c1 udp n1 "$IH" 7001 >/dev/null || bad "c1: no answer from n1"
announce c2 http n2 "$IH" 7002 >/dev/null || bad "c2: no answer from n2"
announce c3 udp n3 "$IH" 7003 --cid-file "$T/c3.cid" >/dev/null ||
	bad "c3: no answer from n3"
t1=$(now_ms)
sees_all()	# CLIENT PROTO NODE PORT [ARGS]: it sees the two others
{
	local c=$1 proto=$2 node=$3 port=$4 out
	shift 4
	out=$(announce "$c" "$proto" "$node" "$IH" "$port" "$@")
	for p in 7001 7002 7003; do
		[ "$p" = "$port" ] && continue
		echo "$out" | grep -q ":$p\$" || return 1
	done
}
converged=
while [ $(($(now_ms) - t1)) -lt 5000 ]; do
	if sees_all c1 udp n1 7001 && sees_all c2 http n2 7002 &&
	    sees_all c3 udp n3 7003 --cid-file "$T/c3.cid"; then
		converged=$(($(now_ms) - t1))
		break
	fi
	sleep 0.05
done
[ -n "$converged" ] && [ "$converged" -le 2000 ] &&
	ok "c1, c2, c3 from their own hosts see each other ($converged ms, python start-ups included)" ||
	{ for n in n1 n2 n3; do ctl "$n" tracker >&2; done; bad "no convergence within 2 s (${converged:-never})"; }

# --- a node dies ---------------------------------------------------------------
kill -KILL "$PID_n3"
wait "$PID_n3" 2>/dev/null
# c3 keeps the connection id n3 gave and its tier: n3, n1, n2.
out=$(ns_exec c3 timeout 20 "$PY" "$ANN" tier "$IH" 7003 --cid-file "$T/c3.cid" \
    192.0.2.13:6969 192.0.2.11:6969 192.0.2.12:6969 2>"$T/c3-tier.out")
echo "$out" >>"$T/c3-tier.out"
echo "$out" | grep -q "^tracker 192.0.2.11:6969 retries 1$" &&
	ok "c3's node is dead: one retry, to n1, with the connection id n3 gave" ||
	{ show "$T/c3-tier.out"; bad "c3 did not fail over to n1 after one retry"; }
echo "$out" | grep -q ":7001$" && echo "$out" | grep -q ":7002$" &&
	ok "c3 still finds c1 and c2" || { show "$T/c3-tier.out"; bad "c3 lost peers"; }
# The others still find c3 (announced to n1 now), and each other.
sees_all c1 udp n1 7001 && ok "c1 still finds every peer" || bad "c1 lost a peer"
tenths=20
until sees_all c2 http n2 7002; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
sees_all c2 http n2 7002 && ok "c2 still finds every peer" || bad "c2 lost a peer"

# --- forged, replayed, stale, foreign gossip --------------------------------
# The test speaks as n3 (dead now): its address and gossip port, the key.
before=$(tjson n1 't["gossip_accepted"], t["gossip_forged"], t["gossip_replayed"], t["gossip_stale"], t["gossip_unknown"]')
ns_exec n3 "$PY" "$GOSSIP" send "$KEY" 192.0.2.11:6970 --bind 192.0.2.13:6970 \
    --peer "$IH,192.0.2.99,7099" --replay --tamper --stale >"$T/gossip.out" 2>&1 ||
	{ show "$T/gossip.out"; bad "gossip-tool failed"; }
# And the same good packet from an address that is no node.
ns_exec c1 "$PY" "$GOSSIP" send "$KEY" 192.0.2.11:6970 --bind 192.0.2.21:6970 \
    >>"$T/gossip.out" 2>&1
sleep 0.3
after=$(tjson n1 't["gossip_accepted"], t["gossip_forged"], t["gossip_replayed"], t["gossip_stale"], t["gossip_unknown"]')
echo "figure: n1 gossip (accepted forged replayed stale unknown) before: $before, after: $after"
# shellcheck disable=SC2086	# split into the five counters
set -- $before
a0=$1 f0=$2 r0=$3 s0=$4 u0=$5
# shellcheck disable=SC2086
set -- $after
[ $(($2 - f0)) = 1 ] && ok "a tampered packet is dropped and counted (forged $f0 -> $2)" ||
	bad "forged: $f0 -> $2"
[ $(($3 - r0)) = 1 ] && ok "a replayed packet is dropped and counted (replayed $r0 -> $3)" ||
	bad "replayed: $r0 -> $3"
[ $(($4 - s0)) = 1 ] && ok "a stale packet is dropped and counted (stale $s0 -> $4)" ||
	bad "stale: $s0 -> $4"
[ $(($5 - u0)) = 1 ] && ok "a packet from no node is dropped and counted (unknown $u0 -> $5)" ||
	bad "unknown: $u0 -> $5"
[ $(($1 - a0)) -ge 1 ] && announce c1 udp n1 "$IH" 7001 | grep -q "^192.0.2.99:7099$" &&
	ok "the one good packet was taken: c1 sees the peer it carried" ||
	bad "the good packet's peer is not on n1"
n1rej=$(tjson n1 '[n["rejected"] for n in t["nodes"] if n["name"] == "192.0.2.13:6970"][0]')
[ "$n1rej" -ge 3 ] && ok "n1 counts $n1rej rejected packets from n3's address" ||
	bad "n1's node n3: rejected $n1rej"
if command -v curl >/dev/null 2>&1; then
	ns_exec n1 curl -s http://127.0.0.1:9977/metrics >"$T/n1-metrics.out"
	grep -q '^aptbt_tracker_gossip_packets_total{verdict="forged"} 1$' "$T/n1-metrics.out" &&
	    grep -q '^aptbt_tracker_gossip_packets_total{verdict="replayed"} 1$' "$T/n1-metrics.out" &&
		ok "/metrics counts the forged and the replayed packet" ||
		{ grep gossip "$T/n1-metrics.out" >&2; bad "/metrics: no gossip counters"; }
fi
ctl n1 tracker >"$T/n1-tracker.out" 2>&1
grep -q "forged" "$T/n1-tracker.out" && grep -q "^192.0.2.12:6970" "$T/n1-tracker.out" &&
	ok "aptbt-ctl tracker shows the gossip state per node" ||
	{ show "$T/n1-tracker.out"; bad "aptbt-ctl tracker shows no nodes"; }
cat "$T/n1-tracker.out"

# --- aptbtd as the clients: one tier of two nodes ----------------------------
TIER="udp://192.0.2.11:6969/announce udp://192.0.2.12:6969/announce | http://192.0.2.99:6969/announce"
for d in d1 d2; do
	daemon_up "$d" "listen_port = 6881" "share = 192.0.2.0/24" \
	    "trackers = $TIER"
done
# Which node each daemon announced to (the first tier, shuffled).
used()	# DAEMON: the node (n1 or n2) its presence announces went to last
{
	grep -oE "tracker udp://192\.0\.2\.1[12]:6969/announce: [0-9]+ peers" \
	    "$T/$1.log" | tail -n 1 | sed 's/.*192\.0\.2\.1\([12]\).*/n\1/'
}
tenths=300
until peer_addrs d1 | grep -q "^192.0.2.52:6881 " ||
    peer_addrs d2 | grep -q "^192.0.2.51:6881 "; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
u1=$(used d1) u2=$(used d2)
echo "d1 announced to $u1, d2 to $u2"
peer_addrs d1 | grep -q "^192.0.2.52:6881 tracker" ||
    peer_addrs d2 | grep -q "^192.0.2.51:6881 tracker" &&
	ok "d1 and d2 (aptbtd) found each other through the cluster (nodes $u1 and $u2)" ||
	{ show "$T/d1.log"; bad "d1 and d2 did not find each other"; }
# Met through a tracker, not LSD, a daemon of our /24 is near all the same.
peer_addrs d1 | grep -q "^192.0.2.52:[0-9]* [a-z]* near$" &&
    peer_addrs d2 | grep -q "^192.0.2.51:[0-9]* [a-z]* near$" &&
	ok "d1 and d2, of one /24, count each other as near" ||
	bad "d1 and d2 count each other as far: $(peer_addrs d1 | tr '\n' ' ')/ $(peer_addrs d2 | tr '\n' ' ')"

# Kill d1's node: its next announce (interval 60 s) fails at once (the
# port is closed: ICMP) and goes to the other node of the tier.
[ -n "$u1" ] || u1=n1
case $u1 in n1) other=n2 ;; *) other=n1 ;; esac
mark=$(wc -l <"$T/d1.log")
kill -KILL "$(eval "echo \$PID_$u1")"
wait "$(eval "echo \$PID_$u1")" 2>/dev/null
ip=$(ns_ip "$other")
tenths=900
until tail -n +"$mark" "$T/d1.log" | grep -q "tracker udp://$ip:6969/announce: [0-9]* peers"; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
dead=$(tail -n +"$mark" "$T/d1.log" | grep -c "tracker udp://$(ns_ip "$u1"):6969/announce: not there")
tail -n +"$mark" "$T/d1.log" | grep -q "tracker udp://$ip:6969/announce: [0-9]* peers" &&
	[ "$dead" = 1 ] && ! tail -n +"$mark" "$T/d1.log" | grep -q "192.0.2.99" &&
	ok "d1's node ($u1) killed: one failed announce, then $other answered (the next tier untouched)" ||
	{ tail -n +"$mark" "$T/d1.log" | grep "tracker " >&2; bad "d1 did not fail over from $u1 to $other ($dead failures)"; }
daemon_down d1
daemon_down d2
if [ "$u1" = n1 ]; then daemon_down n2; else daemon_down n1; fi

# --- tracker peers ---------------------------------------------------------------
# Site A: s1, and c1 on a private address (10.9.0.0/24 beside the bridge's);
# site B: s2, c2 and c3 on public ones.  IH is known to both sites, IH3 to
# B only.
IH3=3333e0003333e0003333e0003333e0003333e000
ip -n "${NS_PREFIX}c1" addr add 10.9.0.21/24 dev eth0
ip -n "${NS_PREFIX}s1" addr add 10.9.0.31/24 dev eth0
XA=http://192.0.2.32:6969/aptbt/exchange
XB=http://192.0.2.31:6969/aptbt/exchange
node_up s1 "tracker_peers = $XA" "tracker_peers_interval = 1"
node_up s2 "tracker_peers = $XB" "tracker_peers_interval = 1"
ns_exec c1 timeout 10 "$PY" "$ANN" udp 10.9.0.31:6969 "$IH" 8001 >/dev/null ||
	bad "c1: no answer from s1"
announce c2 udp s2 "$IH" 8002 >/dev/null || bad "c2: no answer from s2"
announce c3 http s2 "$IH3" 8003 >/dev/null || bad "c3: no answer from s2"
# Rounds every second (plus or minus a fifth): wait for two of them.
tenths=50
until ns_exec c1 timeout 10 "$PY" "$ANN" udp 10.9.0.31:6969 "$IH" 8001 |
    grep -q "^192.0.2.22:8002$"; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
ns_exec c1 timeout 10 "$PY" "$ANN" udp 10.9.0.31:6969 "$IH" 8001 >"$T/x-c1.out"
grep -q "^192.0.2.22:8002$" "$T/x-c1.out" &&
	ok "site A's client is given site B's peer of the swarm both know" ||
	{ show "$T/x-c1.out"; ctl s1 tracker >&2; bad "s1 did not learn c2 from s2"; }
sleep 2.5
announce c2 udp s2 "$IH" 8002 >"$T/x-c2.out"
grep -q "^10\.9\." "$T/x-c2.out" &&
	{ show "$T/x-c2.out"; bad "site A's private address reached site B"; } ||
	ok "site A's private address is not sent to site B (share_private = no)"
learned1=$(tjson s1 't["learned"]')
[ "$learned1" = 1 ] && ok "s1 learned 1 peer: c2, and nothing of the swarm only B knows" ||
	{ ctl s1 tracker >&2; bad "s1 learned $learned1 peers"; }
# Only a tracker peer may ask: c3 is refused.
code=$(ns_exec c3 "$PY" -c 'import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=b"aptx\x01\x00\x00\x00",
    method="POST")
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)' "$XB")
[ "$code" = 403 ] && [ "$(tjson s1 't["xchg_refused"]')" = 1 ] &&
	ok "an exchange from no tracker peer is refused (403) and counted" ||
	bad "an exchange from c3: $code, refused $(tjson s1 't["xchg_refused"]')"
[ "$(tjson s1 't["xchg_served"]')" -ge 1 ] && [ "$(tjson s2 't["xchg_served"]')" -ge 1 ] &&
	ok "both directions served ($(tjson s1 't["xchg_served"]') and $(tjson s2 't["xchg_served"]') exchanges)" ||
	bad "served: $(tjson s1 't["xchg_served"]') $(tjson s2 't["xchg_served"]')"
# Now site A shares its private addresses (a reload).
write_conf "$T/s1" "log_level = debug" "tracker = yes" "tracker_port = 6969" \
    "tracker_interval = 60" "tracker_peers = $XA" "tracker_peers_interval = 1" \
    "tracker_peers_share_private = yes" >/dev/null
kill -HUP "$PID_s1"
wait_for_file_line "$T/s1.log" "private addresses shared" 5 ||
	{ show "$T/s1.log"; bad "s1 did not reload tracker_peers"; }
ns_exec c1 timeout 10 "$PY" "$ANN" udp 10.9.0.31:6969 "$IH" 8001 >/dev/null
tenths=50
until announce c2 udp s2 "$IH" 8002 | grep -q "^10.9.0.21:8001$"; do
	tenths=$((tenths - 1))
	[ $tenths -gt 0 ] || break
	sleep 0.1
done
announce c2 udp s2 "$IH" 8002 | grep -q "^10.9.0.21:8001$" &&
	ok "with tracker_peers_share_private = yes, site B is given site A's private peer" ||
	{ ctl s2 tracker >&2; bad "s2 never learned 10.9.0.21:8001"; }
ctl s1 tracker | sed -n '/TRACKER PEER/,$p'
daemon_down s1
daemon_down s2

[ "$fails" -eq 0 ] || exit 1
echo "PASS"
