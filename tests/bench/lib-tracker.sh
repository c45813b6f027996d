# SPDX-License-Identifier: ISC
# lib-tracker.sh - trackers under load, for tracker-udp.sh and
# tracker-mem.sh (sourced after lib-hosts.sh).
#
# Hosts: t (192.0.2.1) runs the tracker, l (192.0.2.2, and the 32
# addresses 192.0.2.100 to .131) runs tests/bench/trkload.  One tracker
# at a time listens on 192.0.2.1:6969, UDP and HTTP:
#
#   trk_hosts                   the namespaces and l's addresses
#   ot_up [VALGRIND ARGS...]    opentracker (Debian's build, whitelisting
#                               trkload's pool of $POOL info-hashes)
#   emb_supported               does this aptbtd have the embedded tracker
#                               ("tracker = yes")?  prints why not, else 0
#   emb_up [VALGRIND ARGS...]   aptbtd with only its embedded tracker on
#   trk_down                    stop the tracker started last
#   trk_pid                     the tracker's own pid (not valgrind's
#                               wrapper: valgrind runs in the same process)
#   load ARGS...                trkload from l against the tracker; prints
#                               its summary line
#   wrk_load SECONDS CONNS      wrk from l (tests/bench/trkwrk.lua: HTTP
#                               announces of the same pool over CONNS
#                               persistent connections); prints a summary
#                               line like trkload's
#   field LINE NAME             one number of a summary line
#   sanitized FILE              is FILE built with the sanitizers?
# shellcheck shell=dash
# shellcheck disable=SC2034	# variables used by the scripts

TRKLOAD=${TRKLOAD:-$top_builddir/tests/bench/trkload}
POOL=${POOL:-1000}
TRK_ADDR=192.0.2.1
TRK_PORT=6969
SRC_ADDRS=$(seq -s, -f '192.0.2.%g' 100 131)

trk_hosts()
{
	local i
	[ -x "$TRKLOAD" ] || fail "$TRKLOAD is not built (make tests/bench/trkload)"
	hosts_init norepo
	ns_host t 1
	ns_host l 2
	for i in $(seq 100 131); do
		ip -n "${NS_PREFIX}l" addr add "192.0.2.$i/24" dev eth0 ||
			fail "cannot add 192.0.2.$i to l"
	done
	# The pool for wrk's script, as opentracker's whitelist has it.
	TRK_POOLFILE=$T/pool
	"$TRKLOAD" -p "$POOL" -l >"$TRK_POOLFILE" && chmod 644 "$TRK_POOLFILE" ||
		fail "trkload -l failed"
}

# wait_tracker: until the tracker answers HTTP (any status) on its port.
wait_tracker()
{
	local i=0
	until ns_exec l curl -s -o /dev/null --max-time 2 \
	    "http://$TRK_ADDR:$TRK_PORT/scrape"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { tail "$TRK_LOG" >&2; fail "the tracker does not answer"; }
		sleep 0.2
	done
}

ot_up()
{
	need_cmd opentracker
	OT=$T/ot
	mkdir -p "$OT"
	"$TRKLOAD" -p "$POOL" -l >"$OT/whitelist"
	cat >"$OT/opentracker.conf" <<EOF
listen.tcp_udp $TRK_ADDR:$TRK_PORT
tracker.rootdir $OT
tracker.user _opentracker
access.whitelist /whitelist
access.stats 192.0.2.2
EOF
	# It drops to _opentracker inside its chroot: callgrind writes there.
	chmod 777 "$OT" && chmod 644 "$OT/whitelist" "$OT/opentracker.conf"
	TRK_LOG=$LOG/opentracker.log
	ns_bg t "$TRK_LOG" "$@" opentracker -f "$OT/opentracker.conf"
	TRK_PID=$NS_BG_PID
	TRK_NAME=opentracker
	wait_tracker
}

# TRACKER_APTBTD names another aptbtd binary to measure.
APTBTD=${TRACKER_APTBTD:-$APTBTD}

emb_supported()
{
	[ -x "$APTBTD" ] || { echo "$APTBTD is not built"; return 1; }
	# Its configuration keys are in the binary's table of settings.
	if ! grep -aq 'tracker_max_memory' "$APTBTD"; then
		echo "$APTBTD has no embedded tracker (no \"tracker = yes\" setting)"
		return 1
	fi
	return 0
}

emb_up()
{
	local conf dir=$T/emb
	rm -rf "$dir"
	conf=$(write_conf "$dir" "log_level = info" "share = 192.0.2.0/24" \
	    "listen_port = 6881" "tracker = yes" "tracker_port = $TRK_PORT" \
	    "tracker_rate = 0" "tracker_max_memory = 512M")
	TRK_LOG=$LOG/aptbtd-tracker.log
	ns_bg t "$TRK_LOG" "$@" "$APTBTD" -f -c "$conf"
	TRK_PID=$NS_BG_PID
	TRK_NAME="aptbtd's tracker"
	TRK_SOCK=$dir/control.sock
	wait_tracker
}

trk_down()
{
	stop_wait "$TRK_PID" 120
}

trk_pid()
{
	echo "$TRK_PID"
}

load()
{
	ns_exec l "$TRKLOAD" -b "$SRC_ADDRS" -p "$POOL" "$@" \
	    "$TRK_ADDR:$TRK_PORT" 2>>"$LOG/trkload.err"
}

wrk_load()	# SECONDS CONNS
{
	ns_exec l wrk -t1 -c "$2" -d "${1}s" \
	    -s "$top_srcdir/tests/bench/trkwrk.lua" \
	    "http://$TRK_ADDR:$TRK_PORT/" -- "$TRK_POOLFILE" \
	    2>>"$LOG/wrk.err" | tail -n 1
}

field()	# LINE NAME
{
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

sanitized()
{
	grep -q __asan_init "$1" 2>/dev/null
}

rss_kib()	# PID
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
