#!/bin/sh
# SPDX-License-Identifier: ISC
# reload.sh - SIGHUP applies "peers" and listen_port to a running daemon.
#
# Two daemons on loopback (share = 127.0.0.0/8, no LSD); a lists b in
# "peers".
#   1. a connects to b; "aptbt-ctl peers" shows the connection with
#      source "config" and flag S
#   2. b removed from a's "peers", a reloaded: a drops the connection and
#      does not dial b again; b added back with "aptbt-ctl peers add"
#      (source "ctl") survives a further reload
#   3. a's listen_port changed, a reloaded: the new port accepts
#      connections, the old one refuses them
#   4. a's listen_port changed to a port another program holds, a
#      reloaded: a says so and keeps listening on its old port
#   5. a's "share" narrowed to leave b out, a reloaded: a closes its
#      connection to b and does not dial b again
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || fail": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"

PA=$(repo_free_port); PB=$(repo_free_port); PA2=$(repo_free_port)
conf_a()	# PORT LINE...
{
	local port=$1
	shift
	write_conf "$T/a" "listen_port = $port" "share = ${SHARE_A:-127.0.0.0/8}" \
	    "log_level = debug" "$@"
}
CA=$(conf_a "$PA" "peers = 127.0.0.1:$PB")
CB=$(write_conf "$T/b" "listen_port = $PB" "share = 127.0.0.0/8")
"$APTBTD" -f -c "$CA" >"$T/aptbtd.log" 2>&1 & A=$!; track $A
"$APTBTD" -f -c "$CB" >"$T/b.log" 2>&1 & B=$!; track $B
wait_for_socket "$T/a/control.sock" && wait_for_socket "$T/b/control.sock" ||
	fail "daemons did not start"
ctl() { local d=$1; shift; "$APTBT_CTL" -s "$T/$d/control.sock" "$@"; }
ndaemons() { ctl "$1" --json status | $PY -c 'import json, sys
print(json.load(sys.stdin)["daemons"])'; }
# "SOURCE FLAGS" of d's first daemon connection, or "none".
daemon_conn()
{
	ctl "$1" --json peers | $PY -c 'import json, sys
ps = [p for p in json.load(sys.stdin)["peers"] if p["daemon"]]
print("%s %s" % (ps[0]["source"], ps[0]["flags"]) if ps else "none")'
}
wait_daemons()	# HOST N WHAT
{
	local i=0
	until [ "$(ndaemons "$1")" = "$2" ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "$3"
		sleep 0.1
	done
}
reload_a()	# PORT CONF-LINE...
{
	local n
	n=$(grep -c "configuration reloaded" "$T/aptbtd.log")
	conf_a "$@" >/dev/null
	kill -HUP "$A"
	i=0
	until [ "$(grep -c "configuration reloaded" "$T/aptbtd.log")" -gt "$n" ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || fail "a did not reload"
		sleep 0.1
	done
}
can_connect()	# PORT
{
	$PY -c 'import socket, sys
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# 1.
wait_daemons a 1 "a never connected to b"
# shellcheck disable=SC2046	# split on purpose
set -- $(daemon_conn a)
[ "$1" = config ] && case $2 in *O*S*) true ;; *) false ;; esac ||
	fail "a's connection to b: source $1, flags $2 (want config, O and S)"
echo "ok: a connected to b from \"peers\" (flags $2)"

# 2.
reload_a "$PA"
wait_daemons a 0 "a kept its connection to b after b left \"peers\""
wait_daemons b 0 "b still sees a's connection"
grep -q "no longer in \"peers\"" "$T/aptbtd.log" || fail "a did not say why it dropped b"
sleep 3		# a's retry timer would have dialled b again by now
[ "$(ndaemons a)" = 0 ] || fail "a dialled b again after b left \"peers\""
echo "ok: b removed from \"peers\": a disconnected and stays so"
ctl a peers add "127.0.0.1:$PB" >/dev/null || fail "aptbt-ctl peers add failed"
wait_daemons a 1 "a did not connect to b added by aptbt-ctl"
reload_a "$PA"
sleep 1
[ "$(ndaemons a)" = 1 ] || fail "a reload dropped a peer added by aptbt-ctl"
# shellcheck disable=SC2046	# split on purpose
set -- $(daemon_conn a)
[ "$1" = ctl ] || fail "a's connection to b: source $1, want ctl"
echo "ok: a peer added by aptbt-ctl survives a reload (flags $2)"

# 3.
can_connect "$PA" || fail "a does not accept on $PA"
reload_a "$PA2" "peers = 127.0.0.1:$PB"
grep -q "listening on port $PA2 instead of $PA" "$T/aptbtd.log" ||
	fail "a did not move to port $PA2"
can_connect "$PA2" || fail "a does not accept on its new port $PA2"
can_connect "$PA" && fail "a still accepts on its old port $PA"
echo "ok: listen_port $PA -> $PA2 on reload"

# 4.
PX=$(repo_free_port)
$PY -c 'import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen()
print("ready", flush=True)
time.sleep(60)' "$PX" >"$T/holder.out" 2>&1 &
H=$!; track $H
wait_for_file_line "$T/holder.out" "^ready" 10 || fail "cannot hold port $PX"
reload_a "$PX"
grep -q "cannot listen on port $PX.*still listening on port $PA2" "$T/aptbtd.log" ||
	fail "a did not say it keeps port $PA2: $(grep "port $PX" "$T/aptbtd.log")"
can_connect "$PA2" || fail "a stopped listening on $PA2"
alive "$A" || fail "a died"
echo "ok: port $PX taken: a keeps listening on $PA2 and says so"

# 5.
reload_a "$PA2" "peers = 127.0.0.1:$PB"
wait_daemons a 1 "a did not connect to b again"
SHARE_A=10.0.0.0/8 reload_a "$PA2" "peers = 127.0.0.1:$PB"
wait_daemons a 0 "a kept its connection to b outside the new share scope"
grep -q "outside the share scope" "$T/aptbtd.log" ||
	fail "a did not say why it closed b's connection"
sleep 3
[ "$(ndaemons a)" = 0 ] || fail "a dialled b outside its share scope"
echo "ok: share narrowed on reload: a closed its connection to b and stays so"

stop_wait "$A"
[ "$STOP_RC" = 0 ] || fail "a exited with status $STOP_RC"
stop_wait "$B"
[ "$STOP_RC" = 0 ] || fail "b exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/aptbtd.log" "$T/b.log" &&
	fail "sanitizer report"
echo "ok: reload"
