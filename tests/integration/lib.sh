# SPDX-License-Identifier: ISC
# lib.sh - helpers shared by the integration tests (POSIX sh, sourced).
#
# make check runs each test with $top_srcdir and $top_builddir set (absolute
# paths).  Sourcing this file makes a private temporary directory $T and
# removes it, and stops every process started with daemon_start or track,
# when the test exits.
#
#   $T, $APTBTD, $APTBT_CTL       temp dir, the built daemon and client
#   fail MSG                      report a failure (with the daemon log) and exit 1
#   skip MSG                      exit 77: only for a tool that is truly missing
#   need_cmd CMD...               skip unless every CMD is on $PATH
#   track PID                     kill PID when the test exits
#   alive PID                     true while PID runs (a zombie is not alive)
#   write_conf DIR [LINE...]      write DIR/aptbtd.conf (control socket, cache
#                                 and state dirs under DIR, user empty; lsd
#                                 and share off, no proxy listener, unless
#                                 a LINE sets them) plus
#                                 LINEs, and print its path
#   wait_for_socket PATH [SECS]   wait until PATH is a socket (default 20 s)
#   wait_for_file_line FILE RE [SECS]  wait until a line of FILE matches RE
#   daemon_start CONF [ARG...]    run "aptbtd -f -c CONF ARG..." in the
#                                 background, with the VAR=VALUE words of
#                                 $DAEMON_ENV (no blanks in values) added to
#                                 its environment; sets $DAEMON_PID; its
#                                 output goes to $T/aptbtd.log
#   stop_wait PID [SECS]          SIGTERM PID (a child of this shell), wait for
#                                 it (SIGKILL after SECS, default 20); sets
#                                 $STOP_RC to its exit status
#   free_port                     print a TCP port free on 127.0.0.1 now
#   nginx_start DIR PORT          run nginx, tracked, with the http block
#                                 read from stdin (files in DIR, made if
#                                 need be); returns once it answers on
#                                 127.0.0.1:PORT
#   seed_files N                  N small files of their own bytes in
#                                 $T/files, public: their hashes in a
#                                 Packages list in $T/lists (for
#                                 "aptbt-ctl import --lists")
#
# The tests run under /bin/sh (dash), which has "local".
# shellcheck shell=dash
# shellcheck disable=SC2034	# variables used by the tests that source this

: "${top_srcdir:?run this test through make check}"
: "${top_builddir:?run this test through make check}"

APTBTD=$top_builddir/daemon/aptbtd
APTBT_CTL=$top_builddir/client/aptbt-ctl
LIB_PIDS=

T=$(mktemp -d "${TMPDIR:-/tmp}/aptbt-test.XXXXXX") || {
	echo "lib.sh: mktemp failed" >&2
	exit 99
}

lib_cleanup()
{
	local p i=0 left
	# SIGTERM first: nginx's master killed with SIGKILL leaves its workers
	# running, holding the port and the test's output pipe.
	for p in $LIB_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	while [ "$i" -lt 30 ]; do
		left=
		for p in $LIB_PIDS; do
			alive "$p" && left=1
		done
		[ -z "$left" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $LIB_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	# A daemon that forked into the background behind the test's back is
	# found by the private directory on its command line.
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != $$ ] && grep -qF "$T/" "$p/cmdline" 2>/dev/null &&
			kill -KILL "${p#/proc/}" 2>/dev/null
	done
	rm -rf "$T"
}
trap lib_cleanup EXIT
trap 'exit 1' HUP INT TERM

fail()
{
	echo "FAIL: $*" >&2
	if [ -s "$T/aptbtd.log" ]; then
		echo "--- last lines of aptbtd's log:" >&2
		tail -n 40 "$T/aptbtd.log" >&2
	fi
	exit 1
}

skip()
{
	echo "SKIP: $*" >&2
	exit 77
}

need_cmd()
{
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

track()
{
	LIB_PIDS="$LIB_PIDS $1"
}

alive()
{
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

write_conf()
{
	local dir=$1
	shift
	mkdir -p "$dir/cache" "$dir/state" || fail "cannot make $dir"
	{
		echo "control_socket = $dir/control.sock"
		echo "cache_dir = $dir/cache"
		echo "state_dir = $dir/state"
		echo "user ="
		# Unless the test says otherwise, keep the daemon to itself: no
		# discovery, no peer port (another daemon on this machine, or a
		# parallel test, may own 6881).
		for key in "lsd = no" "share = off" "proxy_listen = none"; do
			case " $* " in
			*" ${key%% =*} ="*) ;;
			*) echo "$key" ;;
			esac
		done
		for line in "$@"; do
			echo "$line"
		done
	} >"$dir/aptbtd.conf" || fail "cannot write $dir/aptbtd.conf"
	echo "$dir/aptbtd.conf"
}

# Poll rather than use inotify: these are short waits for processes the test
# just started.
wait_for_socket()
{
	local path=$1 tenths=$((${2:-20} * 10))
	while [ "$tenths" -gt 0 ]; do
		[ -S "$path" ] && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

wait_for_file_line()
{
	local file=$1 re=$2 tenths=$((${3:-20} * 10))
	while [ "$tenths" -gt 0 ]; do
		grep -q -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
		tenths=$((tenths - 1))
	done
	return 1
}

daemon_start()
{
	local conf=$1
	shift
	[ -x "$APTBTD" ] || fail "$APTBTD is not built"
	# $DAEMON_ENV is split into words on purpose: VAR=VALUE words for env(1).
	# shellcheck disable=SC2086
	env $DAEMON_ENV "$APTBTD" -f -c "$conf" "$@" >>"$T/aptbtd.log" 2>&1 &
	DAEMON_PID=$!
	track "$DAEMON_PID"
}

stop_wait()
{
	local pid=$1 tenths=$((${2:-20} * 10))
	kill -TERM "$pid" 2>/dev/null
	while alive "$pid" && [ "$tenths" -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	STOP_RC=$?
	return 0
}

free_port()
{
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

nginx_start()
{
	local dir=$1 port=$2 i=0
	mkdir -p "$dir" || fail "cannot make $dir"
	{
		printf 'daemon off;\nworker_processes 1;\npid %s/nginx.pid;\n' \
		    "$dir"
		printf 'events {}\nhttp {\n'
		cat
		printf '}\n'
	} >"$dir/nginx.conf" || fail "cannot write $dir/nginx.conf"
	nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
	NGINX_PID=$!
	# Tracked, so stopped with SIGTERM first: see lib_cleanup.
	track "$NGINX_PID"
	until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "nginx did not start"
		sleep 0.1
	done
}

seed_files()	# N
{
	mkdir -p "$T/files" "$T/lists"
	/usr/bin/python3 - "$T/files" "$1" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(b"%d " % i + os.urandom(32))
EOF
	chmod 644 "$T"/files/*
	# Only files apt verified are shared: their hashes in a Packages list.
	sha256sum "$T"/files/* | awk '{ print "SHA256: " $1 "\n" }' \
	    >"$T/lists/test_dists_x_Packages"
}
