#!/bin/sh
# SPDX-License-Identifier: ISC
# apt-install.sh - "apt-get install --download-only" of a few hundred
# packages through aptbt+http (aptbtd running) against apt's own http
# method.
#
# A local signed repository (lib-repo.sh) of $BENCH_SMALL packages of
# 5-50 KiB and $BENCH_LARGE of 5-20 MiB, random contents (dpkg-deb -Znone),
# is downloaded with a fresh apt archives cache every run:
#   (a) nginx on loopback, unshaped: http, then aptbt+http with the file
#       gone from aptbtd's cache (cold);
#   (b) nginx on a namespace host whose egress is capped at
#       $BENCH_RATE_MBIT, apt-get, aptbtd and the method on a second host:
#       http, then aptbt+http cold;
#   (c) aptbt+http again with aptbtd's cache warm, on both.
# For each it prints the median time, the ratio to http, and the HTTP
# requests and TCP connections the mirror saw per run (from nginx's
# access log: one line per request, connections = distinct $connection).
#
#   BENCH_RUNS (3), BENCH_SMALL (300), BENCH_LARGE (5), BENCH_RATE_MBIT (50)
#
# Goals: cold <= 1.10 x http, warm much less.
# shellcheck shell=dash

: "${top_srcdir:?set top_srcdir (or run make bench)}"
: "${top_builddir:?set top_builddir (or run make bench)}"
BENCH_RUNS=${BENCH_RUNS:-3}
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/bench/lib-bench.sh"

bench_need
need_cmd ip tc apt-get apt-ftparchive dpkg-deb gpg
[ -x "$top_builddir/client/aptbt-method" ] && [ -x "$APTBTD" ] &&
    [ -x "$APTBT_CTL" ] ||
	fail "build daemon/aptbtd, client/aptbt-method and client/aptbt-ctl first"
NSMALL=${BENCH_SMALL:-300}
NLARGE=${BENCH_LARGE:-5}
RATE=${BENCH_RATE_MBIT:-50}
chmod 755 "$T"	# _apt reaches the daemon's socket through it

ns_init
trap 'bench_cleanup; ns_cleanup; repo_cleanup; lib_cleanup' EXIT
bench_watchdog 570
ns_host m 1
ns_host c 2
ns_cap m "${RATE}mbit"

# The repository: small packages of 5-50 KiB spread by a fixed stride,
# large ones from 5 to 20 MiB.
echo "== apt-install: building $NSMALL + $NLARGE packages"
repo_init
repo_build 0 0
i=1
while [ "$i" -le "$NSMALL" ]; do
	repo_make_deb "aptbt-small$i" 1.0 $((5120 + (i * 7919) % 46080)) random
	i=$((i + 1))
done
i=1
while [ "$i" -le "$NLARGE" ]; do
	repo_make_deb "aptbt-large$i" 1.0 \
	    $(((5 + (i - 1) * 15 / (NLARGE > 1 ? NLARGE - 1 : 1)) * 1048576)) random
	i=$((i + 1))
done
repo_sign
PKGS=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
TOTAL=$(cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb | wc -c)
awk '/^SHA256:/ { print $2 }' \
    "$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages" \
    >"$T/hashes"
echo "apt-install: $NPKG packages, $TOTAL bytes"

LO_PORT=$(bench_free_port)
bench_nginx lo "127.0.0.1:$LO_PORT" "$REPO_WWW"
bench_nginx m "$(ns_ip m):80" "$REPO_WWW" m
REPO_HOST=127.0.0.1:$LO_PORT
apt_tree_init http
ARCHIVES=$REPO_APT/cache/archives

# use_mirror SCHEME HOST [NSHOST]: point apt at HOST and update its lists.
use_mirror()
{
	echo "deb [signed-by=$REPO_T/archive-key.gpg] $1://$2/debian $REPO_SUITE $REPO_COMP" \
	    >"$REPO_APT/etc/sources.list"
	if [ -n "${3:-}" ]; then
		ns_exec "$3" sh "$T/apt.sh" update
	else
		sh "$T/apt.sh" update
	fi >>"$T/apt.log" 2>&1 || fail "apt-get update from $1://$2 failed"
}

# start_aptbtd NAME [NSHOST]: a daemon with an empty cache.
start_aptbtd()
{
	mkdir -p "$T/$1"
	CONF=$(write_conf "$T/$1" "log_level = notice" "cache_size = 1G")
	SOCK=$T/$1/control.sock
	if [ -n "${2:-}" ]; then
		ns_exec "$2" "$APTBTD" -f -c "$CONF" >>"$T/aptbtd.log" 2>&1 &
	else
		"$APTBTD" -f -c "$CONF" >>"$T/aptbtd.log" 2>&1 &
	fi
	DAEMON_PID=$!
	track "$DAEMON_PID"
	wait_for_socket "$SOCK" || fail "aptbtd $1 did not start"
	cat >"$T/apt.sh" <<EOF
exec apt-get -q -o Acquire::aptbt::Socket=$SOCK "\$@"
EOF
}

# status_num KEY: one number from aptbtd's status.
status_num()
{
	"$APTBT_CTL" -s "$SOCK" --json status | "$BENCH_PY" -c \
	    'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# measure NAME LOG [NSHOST] [cold]: time the download; prints nothing.
measure()
{
	local name=$1 log=$2 host=${3:-} cold=${4:-} run
	cat >"$T/prep-$name.sh" <<EOF
rm -f "$ARCHIVES"/*.deb "$ARCHIVES"/partial/*
echo MARK >>"$log"
EOF
	[ -n "$cold" ] && cat >>"$T/prep-$name.sh" <<EOF
while read -r h; do
	"$APTBT_CTL" -s "$SOCK" cache --remove \$h >/dev/null 2>&1
done <"$T/hashes"
"$APTBT_CTL" -s "$SOCK" --json cache | "$BENCH_PY" -c 'import json, sys
left = {e["sha256"] for e in json.load(sys.stdin)["entries"]}
left &= set(open(sys.argv[1]).read().split())
if left:
    sys.exit("aptbtd still caches %d of the packages" % len(left))' "$T/hashes"
EOF
	run="sh $T/apt.sh install --download-only -y $PKGS"
	[ -n "$host" ] && run="ip netns exec ${NS_PREFIX}$host $run"
	: >"$log"
	echo "-- $name"
	bench_hyperfine "$T/$name.json" --prepare "sh '$T/prep-$name.sh'" \
	    -n "$name" "timeout 300 $run >>'$T/apt.log' 2>&1"
	for deb in "$REPO_ROOT/pool/$REPO_COMP"/*.deb; do
		cmp -s "$deb" "$ARCHIVES/${deb##*/}" ||
			fail "$name: ${deb##*/} differs or is missing"
	done
	eval "T_$name=\$(bench_median '$T/$name.json')"
	eval "N_$name=\"\$(bench_log_counts '$log')\""
}

# report NAME REFERENCE: one line of results.
report()
{
	local t r n
	eval "t=\$T_$1; r=\$T_$2; n=\$N_$1"
	set -- "$1" $n
	printf 'apt-install: %-16s %7.3f s  x%s of http  %5d requests  %4d connections\n' \
	    "$1" "$t" "$(bench_div "$t" "$r")" "$2" "$3"
}

# (a) and (c) on loopback.
start_aptbtd lo
use_mirror http "$REPO_HOST"
measure lo_http "$T/ngx-lo/access.log"
use_mirror aptbt+http "$REPO_HOST"
m0=$(status_num bytes_from_mirrors)
measure lo_aptbt_cold "$T/ngx-lo/access.log" "" cold
m1=$(status_num bytes_from_mirrors)
[ $((m1 - m0)) -ge $(((BENCH_RUNS + 1) * TOTAL)) ] ||
	fail "aptbtd fetched $((m1 - m0)) bytes in $((BENCH_RUNS + 1)) cold runs of $TOTAL"
c0=$(status_num bytes_from_cache)
measure lo_aptbt_warm "$T/ngx-lo/access.log"
c1=$(status_num bytes_from_cache)
[ $((c1 - c0)) -ge $(((BENCH_RUNS + 1) * TOTAL)) ] ||
	fail "aptbtd served $((c1 - c0)) bytes from its cache in $((BENCH_RUNS + 1)) warm runs of $TOTAL"
stop_wait "$DAEMON_PID"

# (b) and (c) with the mirror capped.
REPO_HOST=$(ns_ip m):80
start_aptbtd capped c
use_mirror http "$REPO_HOST" c
measure cap_http "$T/ngx-m/access.log" c
use_mirror aptbt+http "$REPO_HOST" c
measure cap_aptbt_cold "$T/ngx-m/access.log" c cold
measure cap_aptbt_warm "$T/ngx-m/access.log" c
stop_wait "$DAEMON_PID"

echo "== apt-install: $NPKG packages, $TOTAL bytes, medians of $BENCH_RUNS runs"
echo "apt-install: (a) loopback, unshaped"
report lo_http lo_http
report lo_aptbt_cold lo_http
echo "apt-install: (b) mirror capped at $RATE mbit"
report cap_http cap_http
report cap_aptbt_cold cap_http
echo "apt-install: (c) aptbtd's cache warm"
report lo_aptbt_warm lo_http
report cap_aptbt_warm cap_http
echo "apt-install: goals: cold <= 1.10 x http, warm much less"
exit 0
