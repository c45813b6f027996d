# SPDX-License-Identifier: ISC
# lib-sites.sh - routed sites for the benchmarks (sourced after lib-hosts.sh).
#
# Several sites, each a bridge in a namespace of its own with its hosts
# on it, joined by one router namespace; a mirror host on a link of its
# own to the router.  The router forwards unicast only (no multicast
# routing, and it sends nothing of its own: IPv6 is off there), so LSD
# stays inside a site.  Addresses come from 198.18.0.0/15 (RFC 2544,
# benchmarking), which is never routed:
#
#   198.18.0.1          the mirror host; .254 the router's leg
#   198.18.K.N          host N of site K; 198.18.K.254 the router's leg
#
# Hosts made here work with lib-netns.sh's ns_exec, ns_ip, ns_cap and
# ns_cleanup and with lib-hosts.sh's client and daemon helpers.  Every
# link to the router is capped both ways with tc tbf; with $SITES_DELAY
# (e.g. 10ms) a netem delay is added under each cap when the kernel has
# netem ($SITES_NETEM says whether it had).
#
#   sites_router                  the router namespace
#   site_add K RATE               site K's bridge and its capped uplink
#   site_host NAME K N            host NAME, 198.18.K.N, on site K
#   site_mirror NAME RATE         host NAME, 198.18.0.1, on its own capped
#                                 link to the router
#   link_cap NS DEV RATE          tbf (+ netem) on DEV's egress in NS
#   site_tx K                     bytes the router sent into site K
#   site_rx K                     bytes the router took from site K
#   site_mcast_in K               multicast packets that came into site K
#                                 from the router (0 when none crossed)
#   mirror_tx                     bytes the mirror host's link sent
# shellcheck shell=dash

SITES_ROUTER=${NS_PREFIX}r
SITES_NETEM=

sites_router()
{
	ip netns add "$SITES_ROUTER" || fail "cannot create the router namespace"
	NS_HOSTS="$NS_HOSTS r"
	ip -n "$SITES_ROUTER" link set lo up
	ns_exec r sysctl -q -w net.ipv4.ip_forward=1 || fail "no forwarding in the router"
	ns_exec r sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
	ns_exec r sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
}

link_cap()	# NS DEV RATE
{
	local ns=$1 dev=$2
	ip -n "$ns" link set dev "$dev" txqueuelen 1000
	tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null
	tc -n "$ns" qdisc add dev "$dev" root handle 1: tbf rate "$3" \
	    burst 64kb latency 50ms || fail "tc tbf failed on $dev in $ns"
	[ -n "${SITES_DELAY:-}" ] || return 0
	[ "$SITES_NETEM" = no ] && return 0
	if tc -n "$ns" qdisc add dev "$dev" parent 1:1 handle 10: netem \
	    delay "$SITES_DELAY" 2>/dev/null; then
		SITES_NETEM=yes
	else
		SITES_NETEM=no
		echo "# no netem in this kernel: the links get no $SITES_DELAY delay" \
		    "(latency is not emulated; rates are)" >&2
	fi
}

# site_add K RATE: bridge namespace ${NS_PREFIX}sK with br0, a leg "uplink"
# to the router's "sK" (198.18.K.254/24); both directions at RATE.
site_add()
{
	local k=$1 br=${NS_PREFIX}s$1
	ip netns add "$br" || fail "cannot create site $k's namespace"
	NS_HOSTS="$NS_HOSTS s$k"
	ip -n "$br" link set lo up
	ip -n "$br" link add br0 type bridge || fail "cannot create site $k's bridge"
	ip -n "$br" link set br0 up
	ip -n "$br" link add uplink type veth peer name "s$k" netns "$SITES_ROUTER" ||
		fail "cannot link site $k to the router"
	ip -n "$br" link set dev uplink master br0 up
	ip -n "$SITES_ROUTER" addr add "198.18.$k.254/24" dev "s$k"
	ip -n "$SITES_ROUTER" link set dev "s$k" up
	link_cap "$br" uplink "$2"
	link_cap "$SITES_ROUTER" "s$k" "$2"
}

# site_host NAME K N: a veth from site K's bridge ("hN") to eth0 in the
# new namespace; default route via the router, multicast on eth0 (LSD).
site_host()
{
	local name=$1 k=$2 n=$3 ns=${NS_PREFIX}$1 br=${NS_PREFIX}s$2
	ip netns add "$ns" || fail "cannot create namespace $ns"
	NS_HOSTS="$NS_HOSTS $name"
	ip -n "$br" link add "h$n" type veth peer name eth0 netns "$ns" ||
		fail "cannot create the link of $name"
	ip -n "$br" link set dev "h$n" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "198.18.$k.$n/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add 198.18.0.0/16 via "198.18.$k.254"
	ip -n "$ns" route add 224.0.0.0/4 dev eth0 2>/dev/null
	eval "NS_IP_$name=198.18.$k.$n"
}

site_mirror()	# NAME RATE
{
	local name=$1 ns=${NS_PREFIX}$1
	ip netns add "$ns" || fail "cannot create namespace $ns"
	NS_HOSTS="$NS_HOSTS $name"
	ip -n "$ns" link add eth0 type veth peer name mirror netns "$SITES_ROUTER" ||
		fail "cannot link the mirror to the router"
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add 198.18.0.1/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add 198.18.0.0/16 via 198.18.0.254
	ip -n "$SITES_ROUTER" addr add 198.18.0.254/24 dev mirror
	ip -n "$SITES_ROUTER" link set dev mirror up
	link_cap "$ns" eth0 "$2"
	link_cap "$SITES_ROUTER" mirror "$2"
	eval "NS_IP_$name=198.18.0.1"
	SITES_MIRROR=$name
}

sites_stat()	# NS DEV COUNTER
{
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

site_tx() { sites_stat "$SITES_ROUTER" "s$1" tx_bytes; }
site_rx() { sites_stat "$SITES_ROUTER" "s$1" rx_bytes; }
site_mcast_in() { sites_stat "${NS_PREFIX}s$1" uplink multicast; }
mirror_tx() { sites_stat "${NS_PREFIX}$SITES_MIRROR" eth0 tx_bytes; }
