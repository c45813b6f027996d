#!/bin/sh
# SPDX-License-Identifier: ISC
# sites3.sh - three sites, no multicast between them, fetch one set at once.
#
# Three sites, each a bridge in its own namespace with four machines
# (s1h1-s1h4, s2h1-..., s3h4; 100 mbit each on the LAN), joined by a
# router namespace; each site's link to the router is capped both ways
# (50 mbit), and so is the mirror's own link to the router (50 mbit: the
# mirror is reachable only across the router).  The router forwards no
# multicast, so LSD finds only a site's own machines (tests/bench/
# lib-sites.sh; a 10 ms delay is added where the kernel has netem).  The
# mirror is nginx serving a signed repository of 44 packages, 55 MiB.
# Two runs in one invocation, every machine starting "apt-get install
# --download-only" of the whole set at the same moment:
#
#   acng   the reference: each site behind its own apt-cacher-ng on its
#          first machine (Acquire::http::Proxy), so the set crosses the
#          mirror's link once per site;
#   aptbt  aptbtd on every machine, apt's sources aptbt+http://MIRROR/...
#          (the method path, as swarm8.sh's aptbt run: apt hands the
#          method each package's SHA-256 and size, so the daemon joins
#          the file's swarm before its first byte, with no index parsing
#          or keyrings in a proxy; swarm8.sh's proxy run measures that
#          path); share = the sites' 198.18.0.0/16, lsd = yes (a site's
#          own machines) and "trackers" for the other sites:
#            cluster  the first machine of each site also runs the
#                     embedded tracker (tracker = yes) as a node of one
#                     cluster (tracker_cluster = the three nodes' gossip
#                     ports, a shared key file); every daemon's trackers
#                     = its site's node first, the other two after it,
#                     one tier (a cluster's nodes all answer with every
#                     node's peers, nearest the asker first, so tracker
#                     peers would add nothing here);
#            peers    the same three trackers, not a cluster: each names
#                     the other two in tracker_peers (with
#                     tracker_peers_share_private = yes);
#            standin  one opentracker (Debian's, whitelisting the set's
#                     keys and the daemons' presence key) on s1h1 as the
#                     tracker for all: for a daemon without an embedded
#                     tracker.  "auto" (the default) starts aptbtd once
#                     with a cluster node's configuration, then with a
#                     tracker peer's, and takes the first it accepts,
#                     else the stand-in, and says which.
#
# For each run: the time until all twelve have finished (and each site's
# last), the bytes that crossed the mirror's link (its interface's
# counter, headers included) and the bytes nginx sent (its log, which
# also counts what a client's abort threw away), each as a multiple of
# the set, and the bytes the sites sent to the router; then the ratios:
# time aptbt/acng (aim <= 0.5) and the aptbt run's mirror link bytes /
# set (aim <= 1.3), printed as met or not met.  Exits non-zero
# when a run does not complete (a machine without every package, apt
# failing, a method that fell back to fetching alone).  About five
# minutes; every run has a time limit.
#
#   SITES3_RUNS="acng aptbt"      the runs to make
#   SITES3_TRACKER=auto           cluster | peers | standin | auto
#   SITES3_TRACKER_PROTO=udp      udp or http announces
#   SITES3_SITE_RATE=50mbit       each site's link to the router
#   SITES3_MIRROR_RATE=50mbit     the mirror's link to the router
#   SITES3_LAN_RATE=100mbit       each machine on its site's bridge
#   SITES3_DELAY=10ms             netem delay on the router links, if any
#   SITES3_LIMIT=300              seconds for one run of twelve
#   KEEP_TMP=1                    keep the logs
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"
. "$top_srcdir/tests/bench/lib-sites.sh"
. "$top_srcdir/tests/bench/lib-opentracker.sh"

RUNS=${SITES3_RUNS:-acng aptbt}
NSITES=3
PER_SITE=4
SITE_RATE=${SITES3_SITE_RATE:-50mbit}
MIRROR_RATE=${SITES3_MIRROR_RATE:-50mbit}
LAN_RATE=${SITES3_LAN_RATE:-100mbit}
SITES_DELAY=${SITES3_DELAY-10ms}
RUN_LIMIT=${SITES3_LIMIT:-300}
PROTO=${SITES3_TRACKER_PROTO:-udp}
TRACKER_PORT=6969	# the embedded tracker's HTTP and UDP
GOSSIP_PORT=6970	# the cluster's gossip (UDP)
fails=0
# Set by run_all through eval: T_NAME, B_NAME, L_NAME, OK_NAME.
T_acng='' T_aptbt='' B_acng='' B_aptbt='' L_acng='' L_aptbt=''
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

SITES=
HOSTS=
k=1
while [ "$k" -le "$NSITES" ]; do
	SITES="$SITES $k"
	n=1
	while [ "$n" -le "$PER_SITE" ]; do
		HOSTS="$HOSTS s${k}h$n"
		n=$((n + 1))
	done
	k=$((k + 1))
done
NHOSTS=$((NSITES * PER_SITE))
site_hosts()	# K
{
	local n=1
	while [ "$n" -le "$PER_SITE" ]; do
		echo "s${1}h$n"
		n=$((n + 1))
	done
}
node_of() { echo "s${1}h1"; }	# the site's cache or tracker machine

case $PROTO in
udp | http) ;;
*) fail "SITES3_TRACKER_PROTO must be udp or http" ;;
esac
case " $RUNS " in
*" acng "*) need_cmd apt-cacher-ng ;;
esac
case " $RUNS " in
*" aptbt "*) [ -x "$APTBTD" ] || fail "$APTBTD is not built" ;;
esac

# The tracker setup of the aptbt run: checked once the hosts are up
# (tracker_choose), by starting aptbtd with a node's configuration.
TRACKER=${SITES3_TRACKER:-auto}
case $TRACKER in
auto | cluster | peers | standin) ;;
*) fail "SITES3_TRACKER must be cluster, peers, standin or auto" ;;
esac

# --- the network -------------------------------------------------------------
hosts_init
sites_router
for k in $SITES; do
	site_add "$k" "$SITE_RATE"
	n=1
	for h in $(site_hosts "$k"); do
		site_host "$h" "$k" "$n"
		ns_cap "$h" "$LAN_RATE"
		n=$((n + 1))
	done
done
site_mirror m "$MIRROR_RATE"

# --- the package set: 4 x 8 MiB, 10 of 1.2-2.8 MiB, 30 of 10-184 KiB ------
echo "# building the repository"
pkg_set sites 4 10 30
mirror_up m
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
SET=$(pool_bytes)
bps() { echo "$1" | awk '/mbit$/ { print $0 * 125000; next } { print 0 }'; }
SITE_BPS=$(bps "$SITE_RATE")
MIRROR_BPS=$(bps "$MIRROR_RATE")
echo "# set: $NPKG packages, $SET bytes ($(ratio "$SET" 1048576 1) MiB);" \
    "$NSITES sites of $PER_SITE machines ($LAN_RATE each), each site's" \
    "link to the router $SITE_RATE, the mirror's $MIRROR_RATE;" \
    "delay ${SITES_DELAY:-none}${SITES_NETEM:+ (netem: $SITES_NETEM)}"
if [ "$SITE_BPS" -gt 0 ] && [ "$MIRROR_BPS" -gt 0 ]; then
	echo "# floors: the set once through the mirror's link" \
	    "$(ratio "$SET" "$MIRROR_BPS") s, once per site" \
	    "$(ratio $((SET * NSITES)) "$MIRROR_BPS") s; once into a site" \
	    "$(ratio "$SET" "$SITE_BPS") s"
fi

for h in $HOSTS; do
	ns_exec "$h" curl -s -o /dev/null "http://$(ns_ip m)/" ||
		fail "$h cannot reach the mirror across the router"
	client_tree "$h" http
done

# The untimed warm-up: pages for what the runs write, the pool in the
# page cache.
warm_pages 1024
cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb >/dev/null

# update_all SCHEME: sources with SCHEME and "apt-get update" on every
# machine (untimed, one after the other).  apt-get update says only "W:"
# for an index it could not fetch: that is retried a few times, then
# fatal (apt-cacher-ng answers 500 while it waits for a name server, as
# it did when the hosts had a default route into the router).
update_all()
{
	local h i
	for h in $HOSTS; do
		client_sources "$h" "$1"
		i=0
		while :; do
			find "$REPO_T/apt-$h/state/lists" -maxdepth 1 -type f -delete
			APT_TIMEOUT=120 client_apt "$h" apt-get update \
			    >"$LOG/update-$1-$h" 2>&1 ||
				fail "apt-get update on $h ($1): $(tail -n 3 "$LOG/update-$1-$h")"
			grep -q '^[WE]: ' "$LOG/update-$1-$h" || break
			i=$((i + 1))
			[ "$i" -lt 5 ] ||
				fail "apt-get update on $h ($1): $(grep '^[WE]: ' "$LOG/update-$1-$h" | head -n 3)"
			echo "# apt-get update on $h ($1) again: $(grep -m 1 '^[WE]: ' "$LOG/update-$1-$h")"
			sleep 1
		done
	done
}

# run_all NAME: the timed part.  Every machine waits for one go file,
# then runs apt-get; each writes its exit status and end time.  Sets
# T_NAME (all twelve done), B_NAME (nginx's bytes), L_NAME (the mirror
# link's), OK_NAME (machines complete).
run_all()
{
	local name=$1 h k go=$T/go-$1 mark t0 end rc last=0 first='' pids='' \
	    link0 x0=0 x1=0 mc0=0 mc1=0 slast oks=0 line
	for h in $HOSTS; do
		client_clear "$h"
		rm -f "$T/end-$name-$h" "$T/rc-$name-$h"
	done
	mark=$(mirror_mark)
	link0=$(mirror_tx)
	for k in $SITES; do
		x0=$((x0 + $(site_rx "$k")))
		mc0=$((mc0 + $(site_mcast_in "$k")))
	done
	for h in $HOSTS; do
		(
			while [ ! -e "$go" ]; do sleep 0.005; done
			# $ALL: one word per package.
			# shellcheck disable=SC2086
			APT_TIMEOUT=$RUN_LIMIT client_apt "$h" \
			    apt-get install --download-only -y $ALL \
			    >"$LOG/install-$name-$h" 2>&1
			echo $? >"$T/rc-$name-$h"
			now >"$T/end-$name-$h"
		) &
		pids="$pids $!"
	done
	sleep 0.2
	t0=$(now)
	: >"$go"
	# Not a bare wait: apt-cacher-ng and the daemons are children too.
	# shellcheck disable=SC2086
	wait $pids
	# nginx logs a request when it has sent it all.
	sleep 0.5
	MBYTES=$(mirror_bytes_since "$mark")
	LBYTES=$(($(mirror_tx) - link0))
	for k in $SITES; do
		x1=$((x1 + $(site_rx "$k")))
		mc1=$((mc1 + $(site_mcast_in "$k")))
	done
	line=
	for k in $SITES; do
		slast=0
		for h in $(site_hosts "$k"); do
			rc=$(cat "$T/rc-$name-$h")
			end=$(cat "$T/end-$name-$h")
			if [ "$rc" = 0 ] && [ "$(client_debs "$h")" = "$NPKG" ]; then
				oks=$((oks + 1))
			else
				bad "$name: $h: apt-get status $rc, $(client_debs "$h") of $NPKG packages"
				tail -n 5 "$LOG/install-$name-$h" >&2
			fi
			slast=$(awk -v a="$slast" -v b="$end" 'BEGIN { print (b > a) ? b : a }')
			first=$(awk -v a="${first:-$end}" -v b="$end" 'BEGIN { print (b < a) ? b : a }')
		done
		last=$(awk -v a="$last" -v b="$slast" 'BEGIN { print (b > a) ? b : a }')
		line="$line site $k $(awk -v a="$slast" -v b="$t0" 'BEGIN { printf "%.2f", a - b }') s;"
	done
	ELAPSED=$(awk -v a="$last" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	FIRST=$(awk -v a="$first" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	printf '%-6s all %d done in %7s s (first %s s;%s)\n' \
	    "$name" "$NHOSTS" "$ELAPSED" "$FIRST" "$line"
	printf '%-6s mirror: nginx sent %s bytes = %s x the set; its link carried %s bytes = %s x; the sites sent %s bytes to the router; %d multicast packets came into a site from it; %d/%d complete\n' \
	    "$name" "$MBYTES" "$(ratio "$MBYTES" "$SET")" "$LBYTES" \
	    "$(ratio "$LBYTES" "$SET")" $((x1 - x0)) $((mc1 - mc0)) "$oks" "$NHOSTS"
	[ $((mc1 - mc0)) = 0 ] || bad "$name: multicast crossed the router"
	# Which site took what from the mirror, and how many sites asked it
	# for each package: where a surplus over the set comes from.
	awk -v m="$mark" -v name="$name" -v n="$NSITES" 'NR > m && $3 ~ /\/pool\// {
		split($1, ip, "."); by[ip[3]] += $NF
		f = $3; if (!((f, ip[3]) in seen)) { seen[f, ip[3]] = 1; sites[f]++ }
	    } END {
		line = ""
		for (k = 1; k <= n; k++) line = line sprintf(" site %d %d bytes;", k, by[k])
		for (f in sites) hist[sites[f]]++
		line = line " packages asked for by 1.." n " sites:"
		for (k = 1; k <= n; k++) line = line " " hist[k] + 0
		printf "%-6s from the mirror (nginx):%s\n", name, line
	    }' "$REPO_NGINX/access.log"
	eval "T_$name=$ELAPSED B_$name=$MBYTES L_$name=$LBYTES OK_$name=$oks"
}

# --- acng: each site behind its own apt-cacher-ng ----------------------------
run_acng()
{
	local k h node
	for k in $SITES; do
		node=$(node_of "$k")
		acng_up "$node"
		for h in $(site_hosts "$k"); do
			echo "Acquire::http::Proxy \"http://$(ns_ip "$node"):$ACNG_PORT/\";" \
			    >"$REPO_T/apt-$h/etc/apt.conf.d/50proxy"
		done
	done
	update_all http
	run_all acng
	for h in $HOSTS; do
		rm -f "$REPO_T/apt-$h/etc/apt.conf.d/50proxy"
	done
	for k in $SITES; do
		acng_down "$(node_of "$k")"
	done
}

# --- aptbt: aptbtd everywhere, trackers between the sites --------------------
tracker_url() { echo "$PROTO://$(ns_ip "$(node_of "$1")"):$TRACKER_PORT/announce"; }

# trackers_for K: site K's "trackers" line, its own first.
trackers_for()
{
	local k=$1 j list
	if [ "$TRACKER" = standin ]; then
		echo "trackers = $(tracker_url 1)"
		return 0
	fi
	list=$(tracker_url "$k")
	for j in $SITES; do
		[ "$j" = "$k" ] || list="$list, $(tracker_url "$j")"
	done
	echo "trackers = $list"
}

# node_lines K [MODE]: what makes site K's first machine a tracker node
# in MODE ($TRACKER), one line of aptbtd.conf a line.
node_lines()
{
	local k=$1 j list=''
	echo "tracker = yes"
	echo "tracker_port = $TRACKER_PORT"
	case ${2:-$TRACKER} in
	cluster)
		for j in $SITES; do
			list="${list:+$list, }$(ns_ip "$(node_of "$j")"):$GOSSIP_PORT"
		done
		echo "tracker_cluster = $list"
		echo "tracker_cluster_key = $T/cluster.key"
		# A daemon that announced before the gossip of one started a
		# moment earlier elsewhere learns of it on its next announce:
		# at the shortest interval, so the run starts with all met.
		echo "tracker_interval = 30"
		;;
	peers)
		for j in $SITES; do
			[ "$j" = "$k" ] && continue
			list="${list:+$list, }http://$(ns_ip "$(node_of "$j")"):$TRACKER_PORT/aptbt/exchange"
		done
		echo "tracker_peers = $list"
		# A daemon learns the other sites only on its next announce
		# after an exchange round: both at their shortest.
		echo "tracker_interval = 30"
		echo "tracker_peers_interval = 10"
		# 198.18/15 is no LAN range, but say so anyway: the sites'
		# addresses are what the other sites must learn.
		echo "tracker_peers_share_private = yes"
		;;
	esac
}

# tracker_try MODE: true when aptbtd starts with site 1's node lines of
# MODE; else false, with the daemon's complaint in $TRACKER_WHY.
tracker_try()
{
	local h dir=$T/probe-$1 line pid i=0
	h=$(node_of 1)
	set --
	while IFS= read -r line; do
		set -- "$@" "$line"
	done <<EOF
$(node_lines 1 "$1")
EOF
	rm -rf "$dir"
	write_conf "$dir" "$@" >/dev/null
	ip netns exec "${NS_PREFIX}$h" "$APTBTD" -f -c "$dir/aptbtd.conf" \
	    >"$LOG/probe-$1.log" 2>&1 &
	pid=$!
	track "$pid"
	while [ ! -S "$dir/control.sock" ] && alive "$pid" && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ -S "$dir/control.sock" ] && alive "$pid"; then
		stop_wait "$pid" 5
		return 0
	fi
	stop_wait "$pid" 5
	TRACKER_WHY=$(grep -m 1 -v '^$' "$LOG/probe-$1.log")
	return 1
}

# tracker_choose: settle $TRACKER.  auto: the cluster if this aptbtd takes
# its configuration, else tracker peers, else the opentracker stand-in.
tracker_choose()
{
	head -c 32 /dev/urandom >"$T/cluster.key"
	chmod 600 "$T/cluster.key"
	case $TRACKER in
	auto)
		if tracker_try cluster; then
			TRACKER=cluster
		elif tracker_try peers; then
			TRACKER=peers
		else
			TRACKER=standin
			echo "# aptbtd has no embedded tracker ($TRACKER_WHY):" \
			    "the opentracker stand-in"
		fi
		;;
	cluster | peers)
		tracker_try "$TRACKER" ||
			fail "aptbtd does not take the $TRACKER configuration: $TRACKER_WHY"
		;;
	esac
	[ "$TRACKER" != standin ] || ot_need
}

trackers_up()
{
	case $TRACKER in
	standin)
		find "$REPO_ROOT/pool" "$REPO_ROOT/dists" -type f >"$T/repo-files"
		# Word-split on purpose: file names have no blanks.
		# shellcheck disable=SC2046
		ot_keys $(cat "$T/repo-files") >"$T/keys"
		ot_up "$(node_of 1)" "$(ns_ip "$(node_of 1)"):$TRACKER_PORT" "$T/keys"
		echo "# tracker: STAND-IN: one opentracker on $(node_of 1) for all" \
		    "three sites (this aptbtd has no embedded tracker;" \
		    "SITES3_TRACKER=cluster once it has)"
		;;
	cluster)
		echo "# tracker: a cluster of three embedded trackers," \
		    "$(node_of 1), $(node_of 2), $(node_of 3), $PROTO announces"
		;;
	peers)
		echo "# tracker: three embedded trackers, tracker peers of each" \
		    "other, $PROTO announces"
		;;
	esac
}

daemons_up()
{
	local k h line want=$((NHOSTS - 1)) t0 wait
	for k in $SITES; do
		for h in $(site_hosts "$k"); do
			set -- "share = 198.18.0.0/16" "lsd = yes" "$(trackers_for "$k")"
			if [ "$TRACKER" != standin ] && [ "$h" = "$(node_of "$k")" ]; then
				while IFS= read -r line; do
					set -- "$@" "$line"
				done <<EOF
$(node_lines "$k")
EOF
			fi
			daemon_up_on "$h" "$@"
		done
	done
	# One deadline for all, from the last start: a daemon may learn of
	# the other sites only on a re-announce (after a gossip or an
	# exchange round); the runs time fetching, not meeting.
	t0=$(date +%s)
	wait=60
	[ "$TRACKER" = standin ] || wait=150
	for h in $HOSTS; do
		wait_daemon_peers "$h" "$want" \
		    $((t0 + wait - $(date +%s) > 1 ? t0 + wait - $(date +%s) : 1)) ||
			echo "warning: $h has $(daemon_peers "$h") of $want daemon peers after $(($(date +%s) - t0)) s" >&2
	done
	for h in $HOSTS; do
		printf ' %s:%s' "$h" "$(daemon_peers "$h")"
	done | sed 's/^/# daemon peers:/'
	echo
}

# trackers_report: what each embedded tracker node holds and did
# ("aptbt-ctl --json tracker", kept whole in the log directory).
trackers_report()
{
	local k h
	for k in $SITES; do
		h=$(node_of "$k")
		ctl_on "$h" --json tracker >"$LOG/tracker-$h.json" 2>&1
		$PY - "$LOG/tracker-$h.json" "$h" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError:
    print("# tracker on %s: no answer" % sys.argv[2])
    sys.exit(0)
def find(d, key):
    if isinstance(d, dict):
        if key in d and not isinstance(d[key], (dict, list)):
            return d[key]
        for v in d.values():
            r = find(v, key)
            if r is not None:
                return r
    return None
keys = ("swarms", "peers", "learned", "announces", "udp_requests",
        "http_requests", "gossip_accepted", "gossip_forged",
        "gossip_replayed", "rounds")
print("# tracker on %s: " % sys.argv[2] + ", ".join(
    "%s %s" % (k, find(doc, k)) for k in keys if find(doc, k) is not None))
EOF
	done
}

daemons_down()
{
	local h from_peers=0 from_mirrors=0 to_peers=0
	for h in $HOSTS; do
		from_peers=$((from_peers + $(status_field "$h" bytes_from_peers)))
		from_mirrors=$((from_mirrors + $(status_field "$h" bytes_from_mirrors)))
		to_peers=$((to_peers + $(status_field "$h" bytes_to_peers)))
	done
	echo "# aptbt daemons: $from_mirrors bytes from the mirror (indexes" \
	    "included), $from_peers from peers, $to_peers to peers"
	[ "$TRACKER" = standin ] || trackers_report
	for h in $HOSTS; do
		daemon_down_on "$h"
	done
	if grep -lE 'AddressSanitizer|runtime error' "$LOG"/aptbtd-*.log; then
		bad "sanitizer reports in the daemons' logs"
	fi
}

run_aptbt()
{
	local n
	trackers_up
	daemons_up
	update_all aptbt+http
	run_all aptbt
	n=$(cat "$LOG"/install-aptbt-* | grep -c 'aptbtd is not running')
	[ "$n" = 0 ] || bad "aptbt: $n method(s) fell back to fetching directly"
	daemons_down
}

case " $RUNS " in
*" aptbt "*) tracker_choose ;;
esac
for r in $RUNS; do
	echo "# run $r"
	"run_$r"
done

# met VALUE AIM: "met" when VALUE <= AIM.
met() { awk -v v="$1" -v a="$2" 'BEGIN { print (v != "inf" && v + 0 <= a + 0) ? "met" : "not met" }'; }

echo "# results"
if [ -n "${T_aptbt:-}" ]; then
	[ "$TRACKER" = standin ] &&
		echo "aptbt's tracker: the opentracker STAND-IN, not the embedded cluster"
	if [ -n "${T_acng:-}" ]; then
		r=$(ratio "$T_aptbt" "$T_acng")
		echo "aptbt/acng time ratio:    $r (aim <= 0.5: $(met "$r" 0.5))"
	fi
	r=$(ratio "$L_aptbt" "$SET")
	echo "aptbt mirror link bytes / set: $r (aim <= 1.3: $(met "$r" 1.3));" \
	    "nginx's count $(ratio "$B_aptbt" "$SET")"
fi
[ -n "${T_acng:-}" ] &&
	echo "acng mirror link bytes / set:  $(ratio "$L_acng" "$SET");" \
	    "nginx's count $(ratio "$B_acng" "$SET")"
[ "$fails" -eq 0 ] || fail "$fails run check(s) failed"
exit 0
