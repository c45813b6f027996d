#!/bin/sh
# SPDX-License-Identifier: ISC
# two-mirrors.sh - one large file from two rate-capped mirrors at once
# against the same file from one of them.
#
# Three hosts in network namespaces (lib-netns.sh): m1 and m2 run nginx
# serving the same file, each with its egress capped by tc; c runs aptbtd
# and the apt method (driven by aptmethod.py).  First checks that the cap
# holds (curl from c to m1 takes about size/rate), then times the method
# through aptbtd configured with "mirrors = M1 M2" against aptbtd with M1
# alone.  The file leaves the daemon's cache before every run.
#
#   BENCH_RUNS (3)        timed runs per side, after one warm-up run
#   BENCH_SIZE_MIB (200)  size of the file
#   BENCH_RATE_MBIT (100) each mirror's egress cap
#   BENCH_LOG_LEVEL (notice), BENCH_SAVE_LOG (a file for aptbtd's log)
#
# Prints both medians and the speed-up (goal: >= 1.8).
# shellcheck shell=dash

: "${top_srcdir:?set top_srcdir (or run make bench)}"
: "${top_builddir:?set top_builddir (or run make bench)}"
BENCH_RUNS=${BENCH_RUNS:-3}
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/bench/lib-bench.sh"

bench_need
need_cmd ip tc
METHOD=$top_builddir/client/aptbt-method
DRIVER="$BENCH_PY $top_srcdir/tests/bench/aptmethod.py"
[ -x "$METHOD" ] && [ -x "$APTBTD" ] && [ -x "$APTBT_CTL" ] ||
	fail "build daemon/aptbtd, client/aptbt-method and client/aptbt-ctl first"
MIB=${BENCH_SIZE_MIB:-200}
RATE=${BENCH_RATE_MBIT:-100}
chmod 755 "$T"

ns_init
trap 'bench_cleanup; ns_cleanup; lib_cleanup' EXIT
bench_watchdog 570
ns_host m1 1
ns_host m2 2
ns_host c 3
ns_cap m1 "${RATE}mbit"
ns_cap m2 "${RATE}mbit"
M1=$(ns_ip m1)
M2=$(ns_ip m2)

mkdir -p "$T/www/debian"
head -c $((MIB * 1048576)) /dev/urandom >"$T/www/debian/big.bin" ||
	fail "cannot write the test file"
chmod -R a+rX "$T/www"
SHA=$(sha256sum "$T/www/debian/big.bin" | cut -d' ' -f1)
SIZE=$((MIB * 1048576))
bench_nginx m1 "$M1:80" "$T/www" m1
bench_nginx m2 "$M2:80" "$T/www" m2
URL=http://$M1/debian/big.bin
# Seconds the file takes at the cap, for the expectations below.
ideal=$(awk -v m="$MIB" -v r="$RATE" 'BEGIN { printf "%.1f", m * 8 * 1.048576 / r }')

echo "== two-mirrors: $MIB MiB, each mirror capped at $RATE mbit ($ideal s at the cap)"
# The cap: one untimed transfer, then one timed.
ns_exec c curl -sf -o /dev/null "$URL" || fail "curl from c to m1 failed"
t0=$(date +%s.%N)
ns_exec c curl -sf -o /dev/null "$URL" || fail "curl from c to m1 failed"
t1=$(date +%s.%N)
tcurl=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "two-mirrors: cap check: curl c<-m1 took $tcurl s," \
    "$(awk -v m="$MIB" -v t="$tcurl" 'BEGIN { printf "%.1f", m * 8 * 1.048576 / t }') mbit/s"
awk -v t="$tcurl" -v i="$ideal" 'BEGIN { exit !(t > i * 0.9 && t < i * 1.3) }' ||
	fail "the tc cap does not hold: $tcurl s instead of about $ideal s"

# run_daemon NAME MIRRORS: time the method through aptbtd configured so.
run_daemon()
{
	local name=$1 mirrors=$2 conf sock
	mkdir -p "$T/$name"
	conf=$(write_conf "$T/$name" "log_level = ${BENCH_LOG_LEVEL:-notice}" \
	    "cache_size = $((MIB * 2))M" "mirrors = $mirrors")
	sock=$T/$name/control.sock
	DAEMON_ENV= ns_exec c "$APTBTD" -f -c "$conf" >>"$T/aptbtd.log" 2>&1 &
	DAEMON_PID=$!
	track "$DAEMON_PID"
	wait_for_socket "$sock" || fail "aptbtd ($name) did not start"
	cat >"$T/prep-$name.sh" <<EOF
rm -f "$T/out"
for l in "$T"/ngx-m1/access.log "$T"/ngx-m2/access.log; do echo MARK >>"\$l"; done
"$APTBT_CTL" -s "$sock" cache --remove $SHA >/dev/null 2>&1
if "$APTBT_CTL" -s "$sock" --json cache | grep -q $SHA; then
	echo "the file is still in aptbtd's cache" >&2
	exit 1
fi
EOF
	: >"$T/ngx-m1/access.log"
	: >"$T/ngx-m2/access.log"
	bench_hyperfine "$T/$name.json" --prepare "sh '$T/prep-$name.sh'" \
	    -n "$name" "timeout 120 ip netns exec ${NS_PREFIX}c $DRIVER '$METHOD' '$sock' 'aptbt+$URL' '$T/out' $SHA $SIZE"
	cmp -s "$T/out" "$T/www/debian/big.bin" || fail "$name: the copy differs"
	stop_wait "$DAEMON_PID"
	[ -z "${BENCH_SAVE_LOG:-}" ] || cp "$T/aptbtd.log" "$BENCH_SAVE_LOG"
	set -- $(bench_log_counts "$T/ngx-m1/access.log")
	local r1=$1 b1=$3
	set -- $(bench_log_counts "$T/ngx-m2/access.log")
	echo "two-mirrors: $name: per run m1 served $r1 requests ($b1 bytes)," \
	    "m2 $1 requests ($3 bytes)"
}

run_daemon one "http://$M1/debian"
run_daemon two "http://$M1/debian http://$M2/debian"
t1=$(bench_median "$T/one.json")
t2=$(bench_median "$T/two.json")
echo "two-mirrors: one mirror  $t1 s ($(bench_div "$MIB" "$t1") MiB/s)"
echo "two-mirrors: two mirrors $t2 s ($(bench_div "$MIB" "$t2") MiB/s)"
echo "two-mirrors: speed-up two/one = $(bench_div "$t1" "$t2") (goal >= 1.8)"
exit 0
