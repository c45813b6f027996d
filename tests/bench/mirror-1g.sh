#!/bin/sh
# SPDX-License-Identifier: ISC
# mirror-1g.sh - one 1 GiB file from nginx on loopback: the apt method
# through aptbtd against curl and against apt's own http method.
#
# References: "curl -s -o OUT URL && sync OUT", which only writes; and
# apt's http method (/usr/lib/apt/methods/http) driven like ours, which
# writes and hashes as ours must, then "sync OUT".  Measured: the build's
# apt method, driven with the apt method protocol (aptmethod.py), fetching
# aptbt+http://URL through a running aptbtd, then "sync OUT" as well.  The
# file is removed from the daemon's cache before every run so each run
# downloads it.  The mirror's file, the outputs and the daemon's cache
# share one filesystem: tmpfs (/dev/shm) unless BENCH_TMPDIR names another.
#
#   BENCH_RUNS (5)        timed runs per side, after one warm-up run
#   BENCH_SIZE_MIB (1024) size of the file
#
# Prints the medians and the throughput ratios aptbt/curl (goal: >= 0.9)
# and aptbt/apt-http.
# shellcheck shell=dash

: "${top_srcdir:?set top_srcdir (or run make bench)}"
: "${top_builddir:?set top_builddir (or run make bench)}"
TMPDIR=${BENCH_TMPDIR:-/dev/shm}
export TMPDIR
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/lib-bench.sh"

bench_need
bench_watchdog 570
METHOD=$top_builddir/client/aptbt-method
DRIVER="$BENCH_PY $top_srcdir/tests/bench/aptmethod.py"
[ -x "$METHOD" ] && [ -x "$APTBTD" ] && [ -x "$APTBT_CTL" ] ||
	fail "build daemon/aptbtd, client/aptbt-method and client/aptbt-ctl first"
MIB=${BENCH_SIZE_MIB:-1024}
chmod 755 "$T"

# The mirror.
mkdir -p "$T/www/debian"
head -c $((MIB * 1048576)) /dev/urandom >"$T/www/debian/big.bin" ||
	fail "cannot write the test file"
chmod -R a+rX "$T/www"
SHA=$(sha256sum "$T/www/debian/big.bin" | cut -d' ' -f1)
SIZE=$((MIB * 1048576))
PORT=$(bench_free_port)
URL=http://127.0.0.1:$PORT/debian/big.bin
LOG=$T/ngx-m/access.log
bench_nginx m "127.0.0.1:$PORT" "$T/www"

# The daemon: nothing but the mirror apt asks for.
mkdir -p "$T/d"
CONF=$(write_conf "$T/d" "log_level = notice" "cache_size = $((MIB * 2))M")
SOCK=$T/d/control.sock
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "aptbtd's control socket did not appear"

# Before each aptbt run: no output file, no cached copy.
cat >"$T/prep-aptbt.sh" <<EOF
rm -f "$T/out.aptbt"
echo MARK >>"$LOG"
"$APTBT_CTL" -s "$SOCK" cache --remove $SHA >/dev/null 2>&1
if "$APTBT_CTL" -s "$SOCK" --json cache | grep -q $SHA; then
	echo "the file is still in aptbtd's cache" >&2
	exit 1
fi
EOF

echo "== mirror-1g: $MIB MiB from $URL, $BENCH_RUNS runs each"
bench_hyperfine "$T/curl.json" \
    --prepare "rm -f '$T/out.curl'" \
    -n curl "timeout 300 curl -sf -o '$T/out.curl' '$URL' && sync '$T/out.curl'"
cmp -s "$T/out.curl" "$T/www/debian/big.bin" || fail "curl's copy differs"
: >"$LOG"
bench_hyperfine "$T/aptbt.json" \
    --prepare "sh '$T/prep-aptbt.sh'" \
    -n aptbt "timeout 300 $DRIVER '$METHOD' '$SOCK' 'aptbt+$URL' '$T/out.aptbt' $SHA $SIZE && sync '$T/out.aptbt'"
cmp -s "$T/out.aptbt" "$T/www/debian/big.bin" || fail "the method's copy differs"

set -- $(bench_log_counts "$LOG")
[ "$3" -ge $((MIB * 1048576)) ] ||
	fail "a run fetched only $3 bytes from the mirror: not a real download"

# apt's http method drops to APT::Sandbox::User (_apt) itself.
APT_HTTP=/usr/lib/apt/methods/http
th=
if [ -x "$APT_HTTP" ]; then
	mkdir -p "$T/apt"
	chmod 1777 "$T/apt"
	bench_hyperfine "$T/http.json" \
	    --prepare "rm -f '$T/apt/out.http'" \
	    -n apt-http "timeout 300 $DRIVER '$APT_HTTP' none '$URL' '$T/apt/out.http' $SHA $SIZE && sync '$T/apt/out.http'"
	cmp -s "$T/apt/out.http" "$T/www/debian/big.bin" ||
		fail "apt's http method's copy differs"
	th=$(bench_median "$T/http.json")
fi

tc=$(bench_median "$T/curl.json")
ta=$(bench_median "$T/aptbt.json")
echo "mirror-1g: per aptbt run the mirror served $1 requests on $2 connections"
echo "mirror-1g: curl  $tc s  ($(bench_div "$MIB" "$tc") MiB/s)"
echo "mirror-1g: aptbt $ta s  ($(bench_div "$MIB" "$ta") MiB/s," \
    "method's CPU $(bench_cpu "$T/aptbt.json") s)"
echo "mirror-1g: throughput ratio aptbt/curl = $(bench_div "$tc" "$ta") (goal >= 0.9)"
if [ -n "$th" ]; then
	echo "mirror-1g: apt-http $th s  ($(bench_div "$MIB" "$th") MiB/s," \
	    "method's CPU $(bench_cpu "$T/http.json") s)"
	echo "mirror-1g: throughput ratio aptbt/apt-http = $(bench_div "$th" "$ta")"
fi
stop_wait "$DAEMON_PID"
exit 0
