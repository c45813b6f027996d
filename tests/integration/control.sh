#!/bin/sh
# SPDX-License-Identifier: ISC
# control.sh - drive a real aptbtd through aptbt-ctl: status, pause, resume,
# limit, --json, permissions, garbage on the socket, reload, shutdown.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

# Unprivileged callers must be able to reach the socket inside $T.
chmod 755 "$T"
CONF=$(write_conf "$T" "download_limit = 2M")
SOCK=$T/control.sock
ctl() { "$APTBT_CTL" -s "$SOCK" "$@"; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
json_get() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# No daemon yet: exit code 3 and a hint how to start it.
ctl status >"$T/out" 2>&1 && fail "status succeeded with no daemon"
[ $? -eq 3 ] || fail "no daemon: exit code $? instead of 3"
grep -q "systemctl start aptbtd" "$T/out" || fail "no hint to start the daemon"

daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "control socket did not appear"

# status, table and JSON with every documented key.
ctl status >"$T/out" || fail "status failed"
grep -q "^aptbtd " "$T/out" || fail "status table lacks the version line"
ctl --json status >"$T/status.json" || fail "status --json failed"
for k in version uptime_s paused download_limit upload_limit files peers \
    bytes_from_mirrors bytes_from_peers bytes_to_peers; do
	json_get "$k" <"$T/status.json" >/dev/null 2>&1 || fail "status --json lacks $k"
done
[ "$(json_get paused <"$T/status.json")" = False ] || fail "fresh daemon is paused"
[ "$(json_get download_limit <"$T/status.json")" = 2097152 ] ||
	fail "download_limit from the config is not 2M"

# pause / resume / limit are reflected in status.
ctl pause >/dev/null || fail "pause failed"
[ "$(ctl --json status | json_get paused)" = True ] || fail "pause not in status"
ctl resume >/dev/null || fail "resume failed"
[ "$(ctl --json status | json_get paused)" = False ] || fail "resume not in status"
ctl limit --down 500K --up 10M >/dev/null || fail "limit failed"
ctl --json status >"$T/status.json"
[ "$(json_get download_limit <"$T/status.json")" = 512000 ] || fail "down limit not 500K"
[ "$(json_get upload_limit <"$T/status.json")" = 10485760 ] || fail "up limit not 10M"
ctl limit --up 0 >/dev/null || fail "limit --up 0 failed"
[ "$(ctl --json status | json_get upload_limit)" = 0 ] || fail "up limit not cleared"
[ "$(ctl --json status | json_get download_limit)" = 512000 ] || fail "down limit changed by --up"

# Usage errors exit 2 and never reach the daemon.
ctl limit --down lots >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad rate: exit code not 2"
ctl frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown command: exit code not 2"
ctl >/dev/null 2>&1; [ $? -eq 2 ] || fail "no command: exit code not 2"
ctl help | grep -q "pause" || fail "help does not list pause"
for c in files peers cache; do
	ctl --json "$c" >/dev/null || fail "$c --json failed"
	ctl "$c" >/dev/null || fail "$c failed"
done

# Permissions: anyone may read, only root or the admin group may change state.
as_nobody "$APTBT_CTL" -s "$SOCK" --json status >/dev/null || fail "nobody cannot read status"
as_nobody "$APTBT_CTL" -s "$SOCK" limit >/dev/null || fail "nobody cannot read limits"
for cmd in pause resume "limit --down 1M"; do
	# shellcheck disable=SC2086
	as_nobody "$APTBT_CTL" -s "$SOCK" $cmd >"$T/out" 2>&1
	[ $? -eq 1 ] || fail "nobody: \"$cmd\" was not refused with exit code 1"
	grep -q "permission denied" "$T/out" || fail "nobody: \"$cmd\" refusal lacks a reason"
done
[ "$(ctl --json status | json_get download_limit)" = 512000 ] || fail "refused limit changed state"

# A member of the admin group may change state.
groupadd -f aptbt-test-admins 2>/dev/null
GID=$(getent group aptbt-test-admins | cut -d: -f3)
if [ -n "$GID" ]; then
	sed -i '/^admin_group/d' "$CONF"
	echo "admin_group = aptbt-test-admins" >>"$CONF"
	kill -HUP "$DAEMON_PID"
	wait_for_file_line "$T/aptbtd.log" "configuration reloaded" || fail "no reload after SIGHUP"
	setpriv --reuid=nobody --regid=nogroup --groups="$GID" \
		"$APTBT_CTL" -s "$SOCK" pause >/dev/null || fail "admin group member cannot pause"
	ctl resume >/dev/null
	groupdel aptbt-test-admins 2>/dev/null
fi

# Garbage: oversized length, malformed bencode, a non-dict, a truncated frame.
# send_raw PAYLOAD [LEN]: a frame of PAYLOAD (a Python bytes literal) with
# LEN (default: its true length) in the header; prints the reply payload.
send_raw() { /usr/bin/python3 - "$SOCK" "$1" "${2:-}" <<'PY'
import ast, socket, struct, sys
payload = ast.literal_eval(sys.argv[2])
n = int(sys.argv[3]) if sys.argv[3] else len(payload)
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
s.sendall(struct.pack(">I", n) + payload)
try:
    data = s.recv(65536)
except socket.timeout:
    data = b""
sys.stdout.write(data[4:].decode("latin1"))
PY
}
send_raw "b'ge\\n\\n'" 1735549298 | grep -q "request too large" ||
	fail "oversized frame got no error reply"
send_raw "b'i123e'" | grep -q "malformed request" || fail "non-dict got no error reply"
send_raw "b'd3:'" | grep -q "malformed request" || fail "truncated bencode got no error reply"
send_raw "b'd3:cmdi1ee'" | grep -q "request without an id" ||
	fail "request without id got no error reply"
send_raw "b'd3:cmd3:foo2:idi7ee'" | grep -q "unknown command" ||
	fail "unknown command got no error reply"
send_raw "b'd2:idi7e3:cmd6:statuse'" | grep -q "malformed request" ||
	fail "unsorted keys accepted in a control request"
dd if=/dev/urandom bs=1k count=64 2>/dev/null | /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"\0\0\0\x10" + sys.stdin.buffer.read())
' "$SOCK" 2>/dev/null
alive "$DAEMON_PID" || fail "daemon died from garbage on its socket"
ctl status >/dev/null || fail "daemon does not answer after garbage"

# Reload: a bad file is refused and the running configuration kept.
cp "$CONF" "$T/good.conf"
echo "no_such_key = 1" >>"$CONF"
kill -HUP "$DAEMON_PID"
wait_for_file_line "$T/aptbtd.log" "reload failed.*no_such_key" || fail "bad reload not reported with file:line"
grep -q "aptbtd.conf:[0-9]*: unknown key" "$T/aptbtd.log" || fail "bad reload message lacks file:line"
alive "$DAEMON_PID" || fail "daemon died on a bad reload"
ctl status >/dev/null || fail "daemon does not answer after a bad reload"

# State survives a restart; SIGTERM exits 0 and leaves no temporary file.
ctl pause >/dev/null
stop_wait "$DAEMON_PID"
[ "$STOP_RC" -eq 0 ] || fail "SIGTERM: exit status $STOP_RC"
[ ! -e "$SOCK" ] || fail "socket left behind after shutdown"
ls "$T/state" | grep -q tmp && fail "temporary state file left behind"
cp "$T/good.conf" "$CONF"
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "socket did not appear after restart"
ctl --json status >"$T/status.json"
[ "$(json_get paused <"$T/status.json")" = True ] || fail "pause lost across restart"
[ "$(json_get download_limit <"$T/status.json")" = 512000 ] || fail "limit lost across restart"

# A bad configuration stops start-up with file:line.
printf 'listen_port = 70000\n' >"$T/bad.conf"
"$APTBTD" -f -c "$T/bad.conf" >"$T/out" 2>&1 && fail "started with listen_port = 70000"
grep -q "bad.conf:1:" "$T/out" || fail "bad config error lacks file:line"
"$APTBTD" -f -c "$T/missing.conf" >"$T/out" 2>&1 && fail "started with a missing -c file"
grep -q "missing.conf" "$T/out" || fail "missing config error does not name the file"
# A second daemon on the same socket refuses to start.
"$APTBTD" -f -c "$CONF" >"$T/out" 2>&1 && fail "second daemon started on a live socket"
grep -q "already running" "$T/out" || fail "second daemon: no clear message"
ctl status >/dev/null || fail "first daemon harmed by a second one"
"$APTBTD" --version | grep -q "^aptbtd " || fail "--version"
"$APTBTD" --help | grep -q -- "--foreground" || fail "--help"

echo "control: all checks passed"
