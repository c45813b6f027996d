#!/bin/sh
# SPDX-License-Identifier: ISC
# peer-1g.sh - one 1 GiB file from one seeder to one downloader on
# loopback: aptbtd to aptbtd against python3-libtorrent to libtorrent.
#
# The mirror (nginx on 127.0.0.1) serves three copies of a one-package
# archive, /zero, /v1 and /hybrid, none of which has the file itself (its
# URL answers 404): /zero publishes nothing else (zero-metadata mode), /v1
# and /hybrid publish what "aptbt-mkmeta --archive" wrote for them (the
# suite's aptbt/manifest and the file's torrent, v1 or hybrid).  Every
# byte therefore comes from the seeder.
#
#   aptbt runs   seeder aptbtd holds the file ("aptbt-ctl import");
#                downloader aptbtd ("peers = seeder") is asked for it by
#                the build's apt method, driven with the apt method
#                protocol (aptmethod.py, with the Target-Base-URI apt
#                sends); the time is from the request to "201 URI Done"
#                plus "sync" of the method's copy (aptbtd fsyncs its
#                cache file before it is done).  Each run has a fresh
#                downloader (cache and state), linked to the seeder
#                before the clock starts.
#   lt runs      python3-libtorrent seeds the same torrents (lt-peer.py,
#                settings tuned for speed there); a fresh libtorrent
#                session downloads the file, told the seeder's address;
#                the time is from adding the torrent to the finished
#                alert plus an fsync of the file.
#
#   aptbtd runs  the same, but the request comes from a control-protocol
#                client that copies nothing (fetchclient.py --no-copy):
#                the daemon's own work alone (pieces checked, the whole
#                file's SHA-256, written and fsynced), to set beside
#                libtorrent's; apt is only ever served by the aptbt runs.
#
# Each timed run also prints the CPU time the whole machine spent while it
# ran (busy time from /proc/stat: both daemons and the method, or both
# libtorrent sessions; a libtorrent run's window also holds its Python
# start-up), since on a machine with few cores the work done decides.
#
# Runs: aptbt-zero, aptbt-v1, aptbt-hybrid, aptbtd-zero, aptbtd-v1,
# lt-v1, lt-hybrid, and ltcp-v1, ltcp-hybrid (libtorrent, then
# sha256sum and cp of its file, as the method hashes and copies).  Each
# gets one untimed warm-up run, then BENCH_RUNS timed runs, interleaved.
# Both sides keep everything on one filesystem, tmpfs (/dev/shm) unless
# BENCH_TMPDIR names another.  Prints each time, the medians and the
# throughput ratios: ltcp/aptbt (the method's runs, aim >= 1.0) and
# lt/aptbtd (daemon to daemon, aim >= 1.25).  Checks that
# each aptbt run got the whole file from the peer (bytes_from_peers) and
# that nginx served no byte of it.
#
#   BENCH_RUNS (3)          timed runs of each
#   BENCH_SIZE_MIB (1024)   size of the file
#   BENCH_PEER_RUNS         the runs to make (default all nine)
#   BENCH_LIMIT (570)       seconds before the script stops itself
#   BENCH_LOG_LEVEL         the daemons' log_level (notice)
#   BENCH_SAVE_LOG=DIR      copy the daemons' and libtorrent's logs to DIR
# shellcheck shell=dash

: "${top_srcdir:?set top_srcdir (or run make bench)}"
: "${top_builddir:?set top_builddir (or run make bench)}"
TMPDIR=${BENCH_TMPDIR:-/dev/shm}
export TMPDIR
BENCH_RUNS=${BENCH_RUNS:-3}
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/lib-bench.sh"

bench_need
save_logs()
{
	[ -n "${BENCH_SAVE_LOG:-}" ] || return 0
	mkdir -p "$BENCH_SAVE_LOG" &&
		cp "$T"/*.log "$T"/*.out "$T/ngx-m/access.log" "$BENCH_SAVE_LOG/" \
		    2>/dev/null
}
trap 'save_logs; bench_cleanup; lib_cleanup' EXIT
"$BENCH_PY" -c 'import libtorrent' 2>/dev/null ||
	skip "python3-libtorrent is not installed"
bench_watchdog "${BENCH_LIMIT:-570}"
METHOD=$top_builddir/client/aptbt-method
MKMETA=$top_builddir/client/aptbt-mkmeta
DRIVER="$BENCH_PY $top_srcdir/tests/bench/aptmethod.py"
CLIENT="$BENCH_PY $top_srcdir/tests/integration/fetchclient.py"
LTPEER="$BENCH_PY $top_srcdir/tests/bench/lt-peer.py"
for p in "$METHOD" "$MKMETA" "$APTBTD" "$APTBT_CTL"; do
	[ -x "$p" ] || fail "build $p first"
done
MIB=${BENCH_SIZE_MIB:-1024}
SIZE=$((MIB * 1048576))
RUNS=${BENCH_PEER_RUNS:-aptbt-zero aptbt-v1 aptbt-hybrid aptbtd-zero aptbtd-v1 lt-v1 lt-hybrid ltcp-v1 ltcp-hybrid}
RUN_LIMIT=120
LEVEL=${BENCH_LOG_LEVEL:-notice}
SUITE=bench
DEB=big_1_amd64.deb
POOLDIR=pool/main/b/big
chmod 755 "$T"

# The file, and the archives that do not serve it.
mkdir -p "$T/data"
head -c "$SIZE" /dev/urandom >"$T/data/$DEB" || fail "cannot write the file"
SHA=$(sha256sum "$T/data/$DEB" | cut -d' ' -f1)
PORT=$(bench_free_port)
MIRROR=http://127.0.0.1:$PORT
for form in zero v1 hybrid; do
	root=$T/www/$form/debian
	mkdir -p "$root/dists/$SUITE/main/binary-amd64" "$root/$POOLDIR"
	printf 'Package: big\nVersion: 1\nArchitecture: amd64\nFilename: %s\nSize: %s\nSHA256: %s\n\n' \
	    "$POOLDIR/$DEB" "$SIZE" "$SHA" \
	    >"$root/dists/$SUITE/main/binary-amd64/Packages"
	[ "$form" = zero ] && continue
	ln "$T/data/$DEB" "$root/$POOLDIR/$DEB"
	"$MKMETA" --archive "$root" --suite "$SUITE" "--$form" \
	    >"$T/mkmeta-$form.out" 2>&1 ||
		fail "aptbt-mkmeta --$form: $(cat "$T/mkmeta-$form.out")"
	rm "$root/$POOLDIR/$DEB"
	cp "$root/aptbt/torrents/$(echo "$SHA" | cut -c1-2)/$SHA.torrent" \
	    "$T/$form.torrent" || fail "aptbt-mkmeta --$form wrote no torrent"
done
chmod -R a+rX "$T/www"
LOG=$T/ngx-m/access.log
bench_nginx m "127.0.0.1:$PORT" "$T/www"
code=$(curl -s -o /dev/null -w '%{http_code}' "$MIRROR/v1/debian/$POOLDIR/$DEB")
[ "$code" = 404 ] || fail "the mirror answers $code for the file, not 404"

# Two daemons: the seeder holds the file, the downloader knows the seeder.
SPORT=$(bench_free_port)
DPORT=$(bench_free_port)
conf_s=$(write_conf "$T/s" "log_level = $LEVEL" "share = lan" \
    "listen_port = $SPORT" "cache_size = $((MIB * 2))M")
"$APTBTD" -f -c "$conf_s" >"$T/aptbtd-s.log" 2>&1 &
SPID=$!
track $SPID
wait_for_socket "$T/s/control.sock" || fail "the seeder's socket did not appear"
ctl_s() { "$APTBT_CTL" -s "$T/s/control.sock" "$@"; }
ctl_d() { "$APTBT_CTL" -s "$T/d/control.sock" "$@"; }
# Only what apt verified is seeded: the file's hash in a Packages index.
mkdir -p "$T/lists"
sha256sum "$T"/data/* | awk '{ print "SHA256: " $1 "\n" }' \
    >"$T/lists/bench_dists_x_Packages"
ctl_s import --lists "$T/lists" --auth-conf /dev/null "$T/data" \
    >"$T/import.out" 2>&1 ||
	fail "aptbt-ctl import: $(cat "$T/import.out")"
field()	# KEY: one number of the downloader's "aptbt-ctl --json status"
{
	ctl_d --json status | "$BENCH_PY" -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], 0))' "$1"
}
daemon_links()
{
	ctl_d --json peers 2>/dev/null |
	    "$BENCH_PY" "$top_srcdir/tests/bench/daemon-links.py"
}
# downloader_up: a fresh downloader (new cache and state, so that what one
# run learnt of the file cannot serve the next, of another form), linked
# to the seeder before the clock starts.
DPID=
downloader_up()
{
	local i=0 conf
	[ -n "$DPID" ] && stop_wait "$DPID"
	rm -rf "$T/d"
	conf=$(write_conf "$T/d" "log_level = $LEVEL" "share = lan" \
	    "listen_port = $DPORT" "cache_size = $((MIB * 2))M" \
	    "peers = 127.0.0.1:$SPORT")
	"$APTBTD" -f -c "$conf" >>"$T/aptbtd-d.log" 2>&1 &
	DPID=$!
	track $DPID
	wait_for_socket "$T/d/control.sock" ||
		fail "the downloader's socket did not appear"
	while [ "$(daemon_links)" -lt 1 ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] ||
			fail "the downloader did not connect to the seeder"
		sleep 0.1
	done
}

# libtorrent's seeder: both torrents over a link to the same file.
mkdir -p "$T/lt-seed"
ln "$T/data/$DEB" "$T/lt-seed/$DEB"
LTPORT=$(bench_free_port)
# shellcheck disable=SC2086	# "python3 lt-peer.py"
$LTPEER seed "$LTPORT" "$T/lt-seed" "$T/v1.torrent" "$T/hybrid.torrent" \
    >"$T/lt-seed.out" 2>&1 &
LTSPID=$!
track $LTSPID
wait_for_file_line "$T/lt-seed.out" '^ready' 30 ||
	fail "libtorrent's seeder did not start: $(cat "$T/lt-seed.out")"

now() { date +%s%N; }
# busy: the machine's CPU time so far, in clock ticks (user, nice, system,
# irq, softirq, steal; not idle or iowait).
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
TICKS=$(getconf CLK_TCK)
cpu_since() { awk -v a="$(busy)" -v b="$1" -v hz="$TICKS" 'BEGIN { printf "%.2f", (a - b) / hz }'; }
# $1 - $2 nanoseconds, in seconds.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (a - b) / 1e9 }'; }

# run_aptbt FORM [daemon]: one fetch through the downloader, by the
# method (or, with "daemon", by a client that copies nothing); sets $DT
# and $cpu.
run_aptbt()
{
	local form=$1 how=${2:-method} out=$T/out.aptbt url p0 p1 t0 t1 rc
	url=$MIRROR/$form/debian/$POOLDIR/$DEB
	rm -f "$out"
	downloader_up
	p0=$(field bytes_from_peers)
	echo MARK >>"$LOG"
	c0=$(busy)
	t0=$(now)
	if [ "$how" = daemon ]; then
		# shellcheck disable=SC2086	# "python3 fetchclient.py"
		timeout "$RUN_LIMIT" $CLIENT --no-copy --sha256 "$SHA" \
		    --size "$SIZE" --base "$MIRROR/$form/debian/dists/$SUITE/" \
		    "$T/d/control.sock" "$url" "$out" >/dev/null
	else
		# $DRIVER is "python3 aptmethod.py", two words on purpose.
		# shellcheck disable=SC2086
		APTMETHOD_SUITE="$MIRROR/$form/debian/ $SUITE" \
		    timeout "$RUN_LIMIT" $DRIVER "$METHOD" "$T/d/control.sock" \
		    "aptbt+$url" "$out" "$SHA" "$SIZE" && sync "$out"
	fi
	rc=$?
	t1=$(now)
	cpu=$(cpu_since "$c0")
	[ "$rc" = 0 ] || fail "aptbt-$form: the fetch failed (status $rc)"
	DT=$(secs "$t1" "$t0")
	[ "$how" = daemon ] || cmp -s "$out" "$T/data/$DEB" ||
		fail "aptbt-$form: the copy differs"
	p1=$(field bytes_from_peers)
	[ $((p1 - p0)) -ge "$SIZE" ] ||
		fail "aptbt-$form: only $((p1 - p0)) of $SIZE bytes came from the seeder"
	awk -v f="/$DEB" 'f == "" { next } /^MARK/ { n = 0; next }
	    $3 == f && ($4 == 200 || $4 == 206) { n += $5 }
	    END { exit n > 0 }' "$LOG" ||
		fail "aptbt-$form: the mirror served bytes of the file"
	rm -f "$out"
}

# run_lt FORM [copy]: one download by a fresh libtorrent session; with
# "copy", then what the apt method does on top (sha256sum of the file, a
# copy to another file, sync), timed too: the honest reference for the
# method's runs.  Sets $DT and $cpu.
run_lt()
{
	local form=$1 how=${2:-} d=$T/lt-get t0 t1
	rm -rf "$d"
	mkdir -p "$d"
	c0=$(busy)
	# shellcheck disable=SC2086	# "python3 lt-peer.py"
	$LTPEER get "$(bench_free_port)" "$d" "$T/$form.torrent" "$LTPORT" \
	    "$RUN_LIMIT" >"$T/lt-get.out" 2>&1 ||
		fail "lt-$form: $(cat "$T/lt-get.out")"
	DT=$(sed -n 's/^done //p' "$T/lt-get.out")
	if [ "$how" = copy ]; then
		t0=$(now)
		sha256sum "$d/$DEB" | grep -q "^$SHA " ||
			fail "ltcp-$form: the SHA-256 differs"
		cp "$d/$DEB" "$T/out.lt" && sync "$T/out.lt"
		t1=$(now)
		DT=$(awk -v a="$DT" -v b="$(secs "$t1" "$t0")" \
		    'BEGIN { printf "%.3f", a + b }')
		rm -f "$T/out.lt"
	fi
	cpu=$(cpu_since "$c0")
	cmp -s "$d/$DEB" "$T/data/$DEB" || fail "lt-$form: the copy differs"
	rm -rf "$d"
}

one()	# RUN
{
	case $1 in
	aptbt-*)	run_aptbt "${1#aptbt-}" ;;
	aptbtd-*)	run_aptbt "${1#aptbtd-}" daemon ;;
	lt-*)		run_lt "${1#lt-}" ;;
	ltcp-*)		run_lt "${1#ltcp-}" copy ;;
	*)		fail "unknown run $1" ;;
	esac
}

median()
{
	tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== peer-1g: $MIB MiB over loopback, seeder to downloader; $BENCH_RUNS runs each"
for r in $RUNS; do
	one "$r"
	echo "$r warm-up: $DT s"
done
i=1
while [ "$i" -le "$BENCH_RUNS" ]; do
	for r in $RUNS; do
		one "$r"
		echo "$r run $i: $DT s, $cpu CPU-seconds"
		v=$(echo "$r" | tr - _)
		eval "TIMES_$v=\"\${TIMES_$v:-} $DT\""
		eval "CPU_$v=\"\${CPU_$v:-} $cpu\""
	done
	i=$((i + 1))
done

# The metadata runs must have found the suite's manifest and the torrent.
for form in v1 hybrid; do
	case " $RUNS " in *" aptbt-$form "*) ;; *) continue ;; esac
	for f in "/$form/debian/dists/$SUITE/aptbt/manifest" \
	    "/$form/debian/aptbt/torrents/$(echo "$SHA" | cut -c1-2)/$SHA.torrent"; do
		awk -v f="$f" '$3 == f && $4 == 200 { n++ } END { exit n == 0 }' \
		    "$LOG" || fail "aptbt-$form: aptbtd never fetched $f"
	done
done

for r in $RUNS; do
	v=$(echo "$r" | tr - _)
	eval "m=\$(echo \"\$TIMES_$v\" | median)"
	eval "MED_$v=$m"
	eval "c=\$(echo \"\$CPU_$v\" | median)"
	echo "peer-1g: $r median $m s ($(bench_div "$MIB" "$m") MiB/s), $c CPU-seconds"
done
for a in zero v1 hybrid; do
	for l in v1 hybrid; do
		eval "ta=\${MED_aptbt_$a:-}; tl=\${MED_lt_$l:-}"
		[ -n "$ta" ] && [ -n "$tl" ] || continue
		# zero-metadata against both; metadata forms against their own.
		[ "$a" = zero ] || [ "$a" = "$l" ] || continue
		echo "peer-1g: throughput ratio lt-$l/aptbt-$a = $(bench_div "$tl" "$ta")"
		eval "tc=\${MED_ltcp_$l:-}"
		[ -n "$tc" ] &&
			echo "peer-1g: throughput ratio ltcp-$l/aptbt-$a = $(bench_div "$tc" "$ta") (the same work as the method; aim >= 1.0)"
		eval "td=\${MED_aptbtd_$a:-}"
		[ -n "$td" ] &&
			echo "peer-1g: throughput ratio lt-$l/aptbtd-$a = $(bench_div "$tl" "$td") (daemon to daemon; aim >= 1.25)"
	done
done
stop_wait "$LTSPID"
[ -n "$DPID" ] && stop_wait "$DPID"
stop_wait "$SPID"
exit 0
