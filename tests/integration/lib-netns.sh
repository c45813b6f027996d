# SPDX-License-Identifier: ISC
# lib-netns.sh - test hosts in network namespaces (sourced after lib.sh).
#
# Each test host is a namespace with one interface, eth0, on a private
# bridge that lives in a namespace of its own, so nothing a test sends can
# reach the machine's real network.  Addresses come from TEST-NET-1
# (192.0.2.0/24, RFC 5737), which is never routed.  Every process of a
# test must run inside a host namespace: ns_exec HOST CMD...
#
#   ns_init                 create the bridge namespace (needs root, ip)
#   ns_host NAME N          host NAME with address 192.0.2.N/24
#   ns_ip NAME              print NAME's address
#   ns_exec NAME CMD...     run CMD in NAME's namespace
#   ns_bg NAME LOG CMD...   CMD in NAME's namespace in the background
#   ns_cap NAME RATE        shape NAME's egress to RATE (tc tbf, e.g. 50mbit)
#   ns_cleanup              delete every namespace made (also at exit)
#   peers_watch OUT         sample the test's "ctl --json peers" into OUT
#   peers_watch_end         ...until this
#   peers_samples FILE      each peer of each sample, a line:
#                           ADDRESS CLIENT BYTES_IN SOURCE FLAGS (tabs)
#
# shellcheck shell=dash

NS_PREFIX="abt$$"
NS_BRIDGE="${NS_PREFIX}br"
NS_HOSTS=

ns_init()
{
	command -v ip >/dev/null 2>&1 || skip "iproute2 (ip) is not installed"
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	ip netns add "$NS_BRIDGE" || skip "cannot create network namespaces here"
	ip -n "$NS_BRIDGE" link add br0 type bridge || fail "cannot create a bridge"
	ip -n "$NS_BRIDGE" link set br0 up
	ip -n "$NS_BRIDGE" link set lo up
	# Run ns_cleanup before lib.sh's own cleanup.
	trap 'ns_cleanup; lib_cleanup' EXIT
}

ns_host()
{
	local name=$1 n=$2 ns="${NS_PREFIX}$1"
	ip netns add "$ns" || fail "cannot create namespace $ns"
	NS_HOSTS="$NS_HOSTS $name"
	ip link add "v$$$n" type veth peer name eth0 netns "$ns" ||
		fail "cannot create veth for $name"
	ip link set "v$$$n" netns "$NS_BRIDGE"
	ip -n "$NS_BRIDGE" link set "v$$$n" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "192.0.2.$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	# Multicast (LSD, BEP 14) needs a route inside the namespace.
	ip -n "$ns" route add 224.0.0.0/4 dev eth0 2>/dev/null
	eval "NS_IP_$name=192.0.2.$n"
}

ns_ip()
{
	eval "echo \$NS_IP_$1"
}

ns_exec()
{
	local name=$1
	shift
	ip netns exec "${NS_PREFIX}$name" "$@"
}

# ns_bg NAME LOG CMD...: CMD in NAME's namespace in the background, output
# to LOG; $NS_BG_PID is CMD's own pid (ns_exec is a function: "ns_exec ... &"
# would give the pid of a subshell, which a SIGTERM kills instead).
ns_bg()
{
	local name=$1 log=$2
	shift 2
	ip netns exec "${NS_PREFIX}$name" "$@" >"$log" 2>&1 &
	NS_BG_PID=$!
	track "$NS_BG_PID"
}

ns_cap()
{
	# tbf: burst of a few packets at the rate, latency bound so the queue
	# stays short.
	ip -n "${NS_PREFIX}$1" link set eth0 txqueuelen 1000
	tc -n "${NS_PREFIX}$1" qdisc del dev eth0 root 2>/dev/null
	tc -n "${NS_PREFIX}$1" qdisc add dev eth0 root tbf rate "$2" \
		burst 64kb latency 50ms || fail "tc failed on $1"
}

ns_cleanup()
{
	local h
	for h in $NS_HOSTS; do
		# Processes still inside die with the namespace's last reference
		# only if we kill them: find them by their netns.
		for p in $(ip netns pids "${NS_PREFIX}$h" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "${NS_PREFIX}$h" 2>/dev/null
	done
	NS_HOSTS=
	ip netns del "$NS_BRIDGE" 2>/dev/null
}

# peers_watch OUT: sample "ctl --json peers" (ctl is the test's own
# function for its daemon) every 0.2 s into OUT until peers_watch_end: a
# standard client may close its connection as soon as both sides seed,
# before a single look would see it.
peers_watch()
{
	rm -f "$T/stop-peers"
	(
		while [ ! -e "$T/stop-peers" ]; do
			ctl --json peers 2>/dev/null
			echo
			sleep 0.2
		done
	) >"$1" &
	WATCH_PID=$!
}
peers_watch_end()
{
	touch "$T/stop-peers"
	wait "$WATCH_PID"
}

peers_samples()
{
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder()
i = 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    try:
        doc, i = dec.raw_decode(text, i)
    except ValueError:
        break
    for p in doc.get('peers', []):
        print('\t'.join(str(p.get(k) or d) for k, d in (
            ('address', '?'), ('client', '?'), ('bytes_in', 0),
            ('source', '-'), ('flags', '-'))))
EOF
}
