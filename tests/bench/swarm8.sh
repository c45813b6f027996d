#!/bin/sh
# SPDX-License-Identifier: ISC
# swarm8.sh - eight machines fetch the same packages at the same moment.
#
# Nine test hosts on one bridge: a mirror (nginx, egress capped at
# 50 mbit, a site's thin uplink) and eight clients (each capped at
# 100 mbit).  The repository holds 60 packages of mixed sizes, ~80 MiB.
# All eight clients start "apt-get install --download-only" of the whole
# set together, once per run:
#
#   a. http    apt's own http method, straight from the mirror;
#   b. acng    all eight through one apt-cacher-ng on client 1;
#   c. aptbt   aptbtd on every client (share = the site's /24, the other
#              seven as static peers, or LSD with SWARM8_LSD=1), sources
#              aptbt+http://MIRROR/...
#   d. proxy   the same daemons, but apt has plain http:// sources and
#              one Acquire::http::Proxy line for its own aptbtd's proxy
#              front end (proxy_listen = its address:3142): a container
#              or CI machine without aptbt (issue 10's benchmark).
#
# For each: the time until all eight have finished, the bytes the mirror
# sent and the mirror link's use second by second; then aptbt/http (aim
# <= 0.3), aptbt/acng and proxy/acng (aims <= 0.5) and mirror bytes / set
# size (aims <= 1.2).  Runs of about five minutes; every run has a time
# limit, so it ends within 15.
#
#   SWARM8_RUNS="http acng aptbt"   the runs to make (aptbt and proxy need
#                                   aptbtd; "proxy acng" for the proxy)
#   SWARM8_LSD=1                    LSD instead of static peers
#   SWARM8_ACTIVE=N                 only the first N clients install (the
#                                   others' daemons stay idle): with 1,
#                                   one machine alone must not be slower
#                                   for having site peers
#   KEEP_TMP=1                      keep the logs ($T/logs)
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

RUNS=${SWARM8_RUNS:-http acng aptbt}
NCLIENTS=8
RUN_LIMIT=300		# seconds for one run of eight
MIRROR_RATE=50mbit
CLIENT_RATE=100mbit
NACTIVE=${SWARM8_ACTIVE:-$NCLIENTS}
CLIENTS=
ACTIVE=
i=1
while [ "$i" -le "$NCLIENTS" ]; do
	CLIENTS="$CLIENTS c$i"
	[ "$i" -le "$NACTIVE" ] && ACTIVE="$ACTIVE c$i"
	i=$((i + 1))
done

case " $RUNS " in
*" acng "*)	need_cmd apt-cacher-ng ;;
esac
case " $RUNS " in
*" aptbt "* | *" proxy "*) [ -x "$APTBTD" ] || fail "$APTBTD is not built" ;;
esac

hosts_init
ns_host m 100
for c in $CLIENTS; do
	ns_host "$c" "${c#c}"
	ns_cap "$c" "$CLIENT_RATE"
done
ns_cap m "$MIRROR_RATE"

# --- the package set: 5 x 8 MiB, 15 of 1.2-3.6 MiB, 40 of 10-244 KiB ------
echo "# building the repository"
pkg_set swarm 5 15 40
mirror_up m
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
SET=$(pool_bytes)
echo "# set: $NPKG packages, $SET bytes ($(ratio "$SET" 1048576 1) MiB);" \
    "mirror $(ns_ip m) at $MIRROR_RATE, clients at $CLIENT_RATE"

for c in $CLIENTS; do
	client_tree "$c" http
done

# The untimed warm-up: pages for what the runs write, the pool in the page
# cache, apt's indexes on every client.
warm_pages 1024
cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb >/dev/null

# update_all SCHEME: sources with SCHEME and "apt-get update" on every
# client (untimed; at most one client a second, so nothing warms up early).
update_all()
{
	local c
	for c in $CLIENTS; do
		client_sources "$c" "$1"
		find "$REPO_T/apt-$c/state/lists" -maxdepth 1 -type f -delete
		client_apt "$c" apt-get update >"$LOG/update-$1-$c" 2>&1 ||
			fail "apt-get update on $c ($1): $(tail -n 3 "$LOG/update-$1-$c")"
	done
}

# The mirror link's use during a run: its transmitted bytes sampled
# every 0.25 s, then summed per second against the cap.  Says where the
# time over the physical limit (the set at the mirror's rate) goes.
MIRROR_BPS=$(echo "$MIRROR_RATE" | awk '/mbit$/ { print $0 * 125000 }')
timeline_start()
{
	(
		while :; do
			echo "$(now) $(ns_exec m cat /sys/class/net/eth0/statistics/tx_bytes)"
			sleep 0.25
		done
	) >"$T/timeline-$1" 2>/dev/null &
	TLPID=$!
}
# timeline_report NAME T0: one digit a second (tenths of the cap used,
# 9 for 90% or more, . for idle), then the totals.
timeline_report()
{
	kill "$TLPID" 2>/dev/null
	wait "$TLPID" 2>/dev/null
	awk -v t0="$2" -v cap="$MIRROR_BPS" -v set="$SET" -v name="$1" '
	    NR == 1 { b0 = $2 }
	    { s = int($1 - t0); if (s < 0) next; by[s] = $2 - b0; if (s > last) last = s }
	    END {
		prev = 0; bar = ""; full = 0; part = 0; idle = 0; first = -1; lastb = 0
		for (i = 0; i <= last; i++) {
			if (!(i in by)) by[i] = prev
			d = by[i] - prev; prev = by[i]
			u = d / cap
			if (d > 1500 && first < 0) first = i
			if (d > 1500) lastb = i
			if (u >= 0.9) { full++; c = 9 } else if (d > 1500) { part++; c = int(u * 10) } else { idle++; c = "." }
			bar = bar c
		}
		printf "%s: mirror link per second: %s\n", name, bar
		printf "%s: first mirror byte in second %d, last in second %d; %d s at >= 90%% of the cap, %d s partly used, %d s idle; the set alone needs %.2f s at the cap\n", \
		    name, first, lastb, full, part, idle, set / cap
	    }' "$T/timeline-$1"
}

# run_all NAME: the timed part.  Every client waits for one go file, then
# runs apt-get; each writes its exit status and end time.
# Sets $ELAPSED (all eight done), $FIRST (the first done), $MBYTES, $OKS.
run_all()
{
	local name=$1 c go=$T/go-$1 mark t0 end rc last=0 first= pids=
	for c in $ACTIVE; do
		client_clear "$c"
		rm -f "$T/end-$name-$c" "$T/rc-$name-$c"
	done
	mark=$(mirror_mark)
	for c in $ACTIVE; do
		(
			while [ ! -e "$go" ]; do sleep 0.005; done
			# $ALL: one word per package.
			# shellcheck disable=SC2086
			APT_TIMEOUT=$RUN_LIMIT client_apt "$c" \
			    apt-get install --download-only -y $ALL \
			    >"$LOG/install-$name-$c" 2>&1
			echo $? >"$T/rc-$name-$c"
			now >"$T/end-$name-$c"
		) &
		pids="$pids $!"
	done
	sleep 0.2
	timeline_start "$name"
	t0=$(now)
	: >"$go"
	# Not a bare wait: apt-cacher-ng and the daemons are children too.
	# shellcheck disable=SC2086
	wait $pids
	# nginx logs a request when it has sent it all.
	sleep 0.5
	MBYTES=$(mirror_bytes_since "$mark")
	OKS=0
	for c in $ACTIVE; do
		rc=$(cat "$T/rc-$name-$c")
		end=$(cat "$T/end-$name-$c")
		if [ "$rc" = 0 ] && [ "$(client_debs "$c")" = "$NPKG" ]; then
			OKS=$((OKS + 1))
		else
			echo "FAIL: $name: $c: apt-get status $rc, $(client_debs "$c") of $NPKG packages" >&2
			tail -n 5 "$LOG/install-$name-$c" >&2
		fi
		last=$(awk -v a="$last" -v b="$end" 'BEGIN { print (b > a) ? b : a }')
		first=$(awk -v a="${first:-$end}" -v b="$end" 'BEGIN { print (b < a) ? b : a }')
	done
	ELAPSED=$(awk -v a="$last" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	FIRST=$(awk -v a="$first" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
	printf '%-6s all %d done in %7s s (first %6s s); mirror sent %10s bytes = %5s x the set; %d/%d complete\n' \
	    "$name" "$NACTIVE" "$ELAPSED" "$FIRST" "$MBYTES" \
	    "$(ratio "$MBYTES" "$SET")" "$OKS" "$NACTIVE"
	timeline_report "$name" "$t0"
	eval "T_$name=$ELAPSED B_$name=$MBYTES OK_$name=$OKS"
}

# --- a. apt's http method ------------------------------------------------
run_http()
{
	update_all http
	run_all http
}

# --- b. one apt-cacher-ng on client 1 ------------------------------------
run_acng()
{
	local c ip
	ip=$(ns_ip c1)
	acng_up c1
	for c in $CLIENTS; do
		echo "Acquire::http::Proxy \"http://$ip:$ACNG_PORT/\";" \
		    >"$REPO_T/apt-$c/etc/apt.conf.d/50proxy"
	done
	update_all http
	run_all acng
	for c in $CLIENTS; do
		rm -f "$REPO_T/apt-$c/etc/apt.conf.d/50proxy"
	done
	acng_down c1
}

# --- c. aptbtd on every client -------------------------------------------
# daemons_up [proxy]: aptbtd on every client, the others as static peers
# (or LSD); with "proxy", each also an apt proxy on its own address.
daemons_up()
{
	local c o peers ip mode
	for c in $CLIENTS; do
		ip=$(ns_ip "$c")
		set -- "${1:-}" "share = 192.0.2.0/24"
		if [ -n "${SWARM8_LSD:-}" ]; then
			set -- "$@" "lsd = yes"
		else
			peers="peers ="
			for o in $CLIENTS; do
				[ "$o" = "$c" ] && continue
				peers="$peers $(ns_ip "$o"):$DAEMON_PORT"
			done
			set -- "$@" "lsd = no" "$peers"
		fi
		if [ "$1" = proxy ]; then
			set -- "$@" "proxy_listen = $ip:$ACNG_PORT" \
			    "proxy_allow = $ip" \
			    "proxy_keyrings = $REPO_T/archive-key.gpg"
		fi
		mode=$1
		shift
		daemon_up_on "$c" "$@"
		set -- "$mode"
	done
	for c in $CLIENTS; do
		wait_daemon_peers "$c" $((NCLIENTS - 1)) 30 ||
			echo "warning: $c has $(daemon_peers "$c") of $((NCLIENTS - 1)) daemon peers after 30 s" >&2
	done
}

# daemons_down NAME: their byte counts, then stop them.
daemons_down()
{
	local c from_peers=0 from_mirrors=0 to_peers=0 preq=0
	for c in $CLIENTS; do
		from_peers=$((from_peers + $(status_field "$c" bytes_from_peers)))
		from_mirrors=$((from_mirrors + $(status_field "$c" bytes_from_mirrors)))
		to_peers=$((to_peers + $(status_field "$c" bytes_to_peers)))
		preq=$((preq + $(status_field "$c" proxy_requests)))
	done
	echo "# $1 daemons: $from_mirrors bytes from the mirror (indexes included), $from_peers from peers, $to_peers to peers, $preq proxy requests"
	if [ "$1" = proxy ] && [ "$preq" -lt $((NACTIVE * NPKG)) ]; then
		echo "FAIL: proxy: $preq proxy requests, want >= $((NACTIVE * NPKG))" >&2
	fi
	for c in $CLIENTS; do
		daemon_down_on "$c"
	done
	if grep -lE 'AddressSanitizer|runtime error' "$LOG"/aptbtd-*.log; then
		echo "FAIL: sanitizer reports in the daemons' logs" >&2
	fi
}

run_aptbt()
{
	local n
	daemons_up
	update_all aptbt+http
	run_all aptbt
	n=$(cat "$LOG"/install-aptbt-* | grep -c 'aptbtd is not running')
	[ "$n" = 0 ] || echo "FAIL: aptbt: $n method(s) fell back to fetching directly" >&2
	daemons_down aptbt
}

# --- d. the same daemons as apt proxies -----------------------------------
run_proxy()
{
	local c
	daemons_up proxy
	for c in $CLIENTS; do
		echo "Acquire::http::Proxy \"http://$(ns_ip "$c"):$ACNG_PORT/\";" \
		    >"$REPO_T/apt-$c/etc/apt.conf.d/50proxy"
	done
	update_all http
	run_all proxy
	for c in $CLIENTS; do
		rm -f "$REPO_T/apt-$c/etc/apt.conf.d/50proxy"
	done
	daemons_down proxy
}

for r in $RUNS; do
	echo "# run $r"
	"run_$r"
done

echo "# results"
if [ -n "${T_aptbt:-}" ]; then
	aim=0.3
	[ "$NACTIVE" = 1 ] && aim="1.1, one machine alone"
	[ -n "${T_http:-}" ] &&
		echo "aptbt/http time ratio:  $(ratio "$T_aptbt" "$T_http") (aim <= $aim)"
	[ -n "${T_acng:-}" ] &&
		echo "aptbt/acng time ratio:  $(ratio "$T_aptbt" "$T_acng") (aim <= 0.5)"
	echo "aptbt mirror bytes / set: $(ratio "$B_aptbt" "$SET") (aim <= 1.2)"
fi
if [ -n "${T_proxy:-}" ]; then
	[ -n "${T_acng:-}" ] &&
		echo "proxy/acng time ratio:  $(ratio "$T_proxy" "$T_acng") (aim <= 0.5)"
	echo "proxy mirror bytes / set: $(ratio "$B_proxy" "$SET") (aim <= 1.2)"
fi
[ -n "${T_acng:-}" ] && [ -n "${T_http:-}" ] &&
	echo "acng/http time ratio:   $(ratio "$T_acng" "$T_http")"
exit 0
