#!/bin/sh
# SPDX-License-Identifier: ISC
# systemd.sh - aptbtd under systemd, without needing systemd as PID 1.
#
#  1. The shipped files agree with each other: unit, socket, sysusers file,
#     sample configuration, aptbtd.conf(5) and daemon/base/conf.c name the same
#     socket, user, directories and keys; and the sample, uncommented, is
#     what the daemon runs with in part 3.
#  2. systemd-analyze verify accepts both units (and rejects a broken copy,
#     so we know it really checks), and systemd-sysusers creates the user.
#  3. sd_notify: with a stub NOTIFY_SOCKET the daemon sends READY=1, STATUS=,
#     WATCHDOG=1 well within WATCHDOG_USEC, RELOADING=1 then READY=1 on
#     SIGHUP (good or bad file), and STOPPING=1 on SIGTERM, all from the
#     process systemd started (NotifyAccess=main); without -f it still
#     stays in the foreground.
#  4. Socket activation: systemd-socket-activate passes the control socket;
#     the first client's connection waits in the backlog and is answered.
# shellcheck shell=dash
# shellcheck disable=SC2086	# $fflag is empty or one word
# shellcheck disable=SC1091,SC2154	# lib.sh, and variables from make check

. "$top_srcdir/tests/integration/lib.sh"

need_cmd systemd-analyze systemd-sysusers systemd-socket-activate
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || skip "$PYTHON is not installed"
[ -x "$APTBTD" ] || fail "$APTBTD is not built"
[ -x "$APTBT_CTL" ] || fail "$APTBT_CTL is not built"

SERVICE=$top_builddir/systemd/aptbtd.service
SOCKET=$top_srcdir/systemd/aptbtd.socket
SYSUSERS=$top_srcdir/systemd/aptbtd-sysusers.conf
SAMPLE=$top_srcdir/etc/aptbtd.conf
CONFMAN=$top_srcdir/doc/aptbtd.conf.5
[ -f "$SERVICE" ] || fail "$SERVICE is not built (make)"

# The value of KEY= in a unit file (the last one wins, as in systemd).
unit_value()
{
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

#
# 1. Consistency of the shipped files.
#
echo "# shipped files agree"
grep -q '@[a-z]*@' "$SERVICE" && fail "unsubstituted @...@ in $SERVICE"
execstart=$(unit_value "$SERVICE" ExecStart)
case $execstart in
/*/aptbtd\ -f|/*/aptbtd\ -f\ *) ;;
*)	fail "ExecStart is \"$execstart\", not an absolute aptbtd -f" ;;
esac
[ "$(unit_value "$SERVICE" Type)" = notify ] || fail "service is not Type=notify"
listen=$(unit_value "$SOCKET" ListenStream)
grep -q "^#control_socket = $listen\$" "$SAMPLE" ||
	fail "socket unit listens on $listen, not the default control_socket"
unit_user=$(unit_value "$SERVICE" User)
sysusers_user=$(awk '$1 == "u" { print $2 }' "$SYSUSERS")
if [ -z "$unit_user" ] || [ "$unit_user" != "$sysusers_user" ]; then
	fail "User=$unit_user but sysusers creates \"$sysusers_user\""
fi
grep -q "^#user = $unit_user\$" "$SAMPLE" ||
	fail "default user in $SAMPLE is not $unit_user"
for d in StateDirectory:state_dir:/var/lib CacheDirectory:cache_dir:/var/cache; do
	key=${d%%:*}; rest=${d#*:}; conf_key=${rest%%:*}; base=${rest#*:}
	v=$(unit_value "$SERVICE" "$key")
	grep -q "^#$conf_key = $base/$v\$" "$SAMPLE" ||
		fail "$key=$v does not match the default $conf_key"
done
[ "$(dirname "$listen")" = "/run/$(unit_value "$SERVICE" RuntimeDirectory)" ] ||
	fail "RuntimeDirectory does not hold $listen"
# Every key of the sample configuration is documented, and vice versa.
sample_keys=$(sed -n 's/^#\([a-z_]*\) =.*/\1/p' "$SAMPLE" | sort)
man_keys=$(sed -n 's/^\.It Cm \([a-z_]*\) No = .*/\1/p' "$CONFMAN" | sort)
[ -n "$sample_keys" ] || fail "no keys found in $SAMPLE"
[ "$sample_keys" = "$man_keys" ] ||
	fail "keys differ: $SAMPLE has" $sample_keys "; aptbtd.conf(5) has" $man_keys
# ... and is the daemon's table (daemon/base/conf.c: KEY(name, ...) or { "name", ...).
code_keys=$(sed -n -e 's/^[[:space:]]*KEY(\([a-z_]*\),.*/\1/p' \
    -e 's/^[[:space:]]*{ "\([a-z_]*\)", CONF_.*/\1/p' \
    "$top_srcdir/daemon/base/conf.c" | sort)
[ "$sample_keys" = "$code_keys" ] ||
	fail "keys differ: $SAMPLE has" $sample_keys "; daemon/base/conf.c has" $code_keys

#
# 2. systemd-analyze verify and systemd-sysusers, offline.
#
echo "# systemd-analyze verify"
U=$T/units
mkdir -p "$U"
# verify insists that ExecStart= exists: point it at the build.
sed "s|^ExecStart=[^ ]*|ExecStart=$APTBTD|" "$SERVICE" >"$U/aptbtd.service"
cp "$SOCKET" "$U/aptbtd.socket"

# Check the Documentation= pages too when man(1) is there to look them up.
man_opt=--man=no
if command -v man >/dev/null 2>&1; then
	for page in aptbtd.8 aptbtd.conf.5 aptbt-ctl.1; do
		sec=man${page##*.}
		mkdir -p "$T/man/$sec"
		cp "$top_srcdir/doc/$page" "$T/man/$sec/"
	done
	man_opt=--man=yes
fi

verify()
{
	MANPATH=$T/man systemd-analyze verify "$man_opt" --recursive-errors=no \
	    "$U/aptbtd.service" "$U/aptbtd.socket" >"$T/verify.out" 2>&1
}
verify || { cat "$T/verify.out" >&2; fail "systemd-analyze verify failed"; }
# Unknown keys and bad values are only warnings: treat any word about our
# units as a failure.
if grep -q aptbtd "$T/verify.out"; then
	cat "$T/verify.out" >&2
	fail "systemd-analyze verify complained about the units"
fi
# The same check must catch a broken unit, or it proves nothing here.
cp "$U/aptbtd.service" "$T/aptbtd.service.good"
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/aptbtd|' "$T/aptbtd.service.good" \
    >"$U/aptbtd.service"
if verify && ! grep -q aptbtd "$T/verify.out"; then
	fail "systemd-analyze verify accepted a unit with a missing binary"
fi
cp "$T/aptbtd.service.good" "$U/aptbtd.service"

echo "# systemd-sysusers"
mkdir -p "$T/root/etc"
systemd-sysusers --root="$T/root" "$SYSUSERS" >"$T/sysusers.out" 2>&1 ||
	{ cat "$T/sysusers.out" >&2; fail "systemd-sysusers failed"; }
grep -q "^$unit_user:x:[0-9]*:[0-9]*:[^:]*:/var/lib/aptbtd:/usr/sbin/nologin\$" \
    "$T/root/etc/passwd" || fail "sysusers did not create user $unit_user as expected"
grep -q "^$unit_user:x:[0-9]*:" "$T/root/etc/group" ||
	fail "sysusers did not create group $unit_user"

#
# 3. sd_notify through a stub NOTIFY_SOCKET.
#
# The stub logs each datagram as "TIME PID LINE" for every line in it, with
# the sender's pid from SCM_CREDENTIALS, as systemd checks NotifyAccess=main.
cat >"$T/notify.py" <<'EOF'
import socket, struct, sys, time
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
with open(log, "a") as out:
    while True:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", cdata[:12])[0]
        for line in data.decode("utf-8", "replace").split("\n"):
            if line:
                out.write("%.3f %d %s\n" % (time.monotonic(), pid, line))
        out.flush()
EOF

# notify_run NAME FOREGROUND-FLAG [sample]: run the daemon against a fresh
# stub; with "sample", its configuration is the shipped one with every
# setting uncommented (so each documented key and default must parse) and
# only the paths and user changed.
notify_run()
{
	local name=$1 fflag=$2 dir=$T/$1 conf log stub pid n0 n1
	mkdir -p "$dir"
	conf=$(write_conf "$dir") || exit 1
	if [ "${3:-}" = sample ]; then
		sed -e 's/^#\([a-z_]* =\)/\1/' \
		    -e "s|^control_socket = .*|control_socket = $dir/control.sock|" \
		    -e "s|^cache_dir = .*|cache_dir = $dir/cache|" \
		    -e "s|^state_dir = .*|state_dir = $dir/state|" \
		    -e "s|^user = .*|user =|" "$SAMPLE" >"$conf"
		[ "$(grep -c '^[a-z]' "$conf")" -ge 8 ] ||
			fail "$name: could not uncomment the settings in $SAMPLE"
	fi
	log=$dir/notify.log
	: >"$log"
	"$PYTHON" "$T/notify.py" "$dir/notify.sock" "$log" &
	stub=$!
	track "$stub"
	wait_for_socket "$dir/notify.sock" || fail "$name: notify stub did not start"

	env NOTIFY_SOCKET="$dir/notify.sock" WATCHDOG_USEC=2000000 \
	    "$APTBTD" $fflag -c "$conf" >>"$T/aptbtd.log" 2>&1 &
	pid=$!
	track "$pid"
	wait_for_file_line "$log" ' READY=1$' 30 || fail "$name: no READY=1"
	grep -q ' STATUS=.' "$log" || fail "$name: no STATUS= line"
	alive "$pid" || fail "$name: the process systemd started is gone"
	[ -S "$dir/control.sock" ] ||
		fail "$name: READY=1 before the control socket exists"

	n0=$(grep -c ' WATCHDOG=1$' "$log")
	sleep 3
	n1=$(grep -c ' WATCHDOG=1$' "$log")
	[ $((n1 - n0)) -ge 2 ] ||
		fail "$name: $((n1 - n0)) WATCHDOG=1 in 3 s with WATCHDOG_USEC=2 s"
	# systemd kills a service whose pings are a full interval apart; allow
	# some scheduling delay but not that.
	awk '$3 == "WATCHDOG=1" { if (last && $1 - last > 1.8) bad = 1; last = $1 }
	    END { exit bad }' "$log" ||
		fail "$name: WATCHDOG=1 pings more than 1.8 s apart"
	awk -v pid="$pid" '$2 != pid { exit 1 }' "$log" ||
		fail "$name: notifications not sent by the main process $pid"

	# Reload (ExecReload sends SIGHUP): a RELOADING=1 must be followed by
	# READY=1, or systemd waits for the reload to end; a bad file must not
	# change that, nor stop the daemon.
	for bad in no yes; do
		[ "$bad" = yes ] && echo "no_such_key = 1" >>"$conf"
		n0=$(grep -c ' READY=1$' "$log")
		kill -HUP "$pid"
		n1=$n0
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			n1=$(grep -c ' READY=1$' "$log")
			[ "$n1" -gt "$n0" ] && break
			sleep 0.5
		done
		[ "$n1" -gt "$n0" ] || fail "$name: no READY=1 after SIGHUP (bad file: $bad)"
		awk '$3 == "RELOADING=1" { r = 1 } r && $3 == "READY=1" { ok = 1 }
		    END { exit !ok }' "$log" ||
			fail "$name: no RELOADING=1 before READY=1 on reload"
		alive "$pid" || fail "$name: died on SIGHUP (bad file: $bad)"
	done

	stop_wait "$pid"
	[ "$STOP_RC" -eq 0 ] || fail "$name: exit status $STOP_RC after SIGTERM"
	wait_for_file_line "$log" ' STOPPING=1$' 5 || fail "$name: no STOPPING=1"
	[ -s "$dir/state/state" ] || fail "$name: no state file after SIGTERM"
	kill "$stub" 2>/dev/null
	echo "ok: $name ($(wc -l <"$log") notifications)"
}

echo "# sd_notify, foreground, the shipped configuration"
notify_run notify-f -f sample
echo "# sd_notify, no -f: must stay in the foreground under systemd"
notify_run notify-nof ""

#
# 4. Socket activation.  systemd-socket-activate binds the socket, waits for
# the first connection and only then runs the daemon, which must take the
# socket it is given.
#
# activate NAME CONTROL_SOCKET-LINE FOREGROUND-FLAG
activate()
{
	local name=$1 line=$2 fflag=$3 dir=$T/$1 conf pid out
	mkdir -p "$dir"
	conf=$(write_conf "$dir") || exit 1
	# write_conf names $dir/control.sock; replace it.
	sed -i "s|^control_socket = .*|$line|" "$conf"
	systemd-socket-activate -l "$dir/ctl.sock" \
	    "$APTBTD" $fflag -c "$conf" >>"$T/aptbtd.log" 2>&1 &
	pid=$!
	track "$pid"
	wait_for_socket "$dir/ctl.sock" || fail "$name: socket not created"
	out=$("$APTBT_CTL" -s "$dir/ctl.sock" status 2>&1) ||
		fail "$name: aptbt-ctl status failed: $out"
	[ -n "$out" ] || fail "$name: aptbt-ctl status printed nothing"
	"$APTBT_CTL" -s "$dir/ctl.sock" --json status >"$dir/status.json" ||
		fail "$name: aptbt-ctl --json status failed"
	"$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if isinstance(d.get("uptime_s"), int) and d.get("paused") in (True, False) else 1)' \
	    "$dir/status.json" || fail "$name: bad status JSON: $(cat "$dir/status.json")"
	alive "$pid" || fail "$name: the activated process is gone"
	stop_wait "$pid"
	[ "$STOP_RC" -eq 0 ] || fail "$name: exit status $STOP_RC after SIGTERM"
	[ -S "$dir/ctl.sock" ] || fail "$name: the passed socket was removed"
	echo "ok: $name"
}

echo "# socket activation, control_socket = the passed path"
activate activate-same "control_socket = $T/activate-same/ctl.sock" -f
echo "# socket activation, another control_socket path, no -f"
activate activate-other "control_socket = $T/activate-other/unused.sock" ""
[ -e "$T/activate-other/unused.sock" ] &&
	fail "the daemon bound control_socket although systemd passed a socket"

echo "PASS"
exit 0
