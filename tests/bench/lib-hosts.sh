# SPDX-License-Identifier: ISC
# lib-hosts.sh - test hosts for the sharing benchmarks (sourced).
#
# A mirror host running nginx and client hosts with their own apt trees
# (and aptbtd, where a run needs it), each in a network namespace on one
# bridge (tests/integration/lib-netns.sh), over a signed local repository
# (tests/integration/lib-repo.sh).  Everything made lives under $T and
# $REPO_T and goes when the script exits, with every process started in a
# test host.
#
#   hosts_init [norepo]           namespaces, repository dir, exit trap
#   pkg_add NAME BYTES            one package of BYTES random payload
#   pkg_set PREFIX L M S          L packages PREFIX-largeN of 8 MiB, M
#                                 PREFIX-mediumN of 1 MiB + N x 180 KiB, S
#                                 PREFIX-smallN of 4 KiB + N x 6 KiB
#   mirror_up HOST                sign the repository, nginx on HOST:80
#   mirror_mark                   print a mark in nginx's log
#   mirror_bytes_since MARK       bytes nginx sent after MARK
#   client_tree HOST SCHEME       apt tree for HOST, sources using SCHEME
#   client_apt HOST CMD ARGS...   run CMD (apt-get, ...) in HOST's tree,
#                                 through HOST's daemon if it has one; at
#                                 most $APT_TIMEOUT seconds if set
#   client_debs HOST              how many .debs HOST's archives hold
#   client_clear HOST             empty HOST's archives
#   daemon_up_on HOST [LINE...]   aptbtd on HOST with a new cache ($KEEP_CACHE=1:
#                                 the last one); sets $SOCK_<HOST>, $DPID_<HOST>
#   daemon_down_on HOST           stop it
#   ctl_on HOST ARGS...           aptbt-ctl on HOST's daemon
#   status_field HOST KEY         one number of "aptbt-ctl --json status"
#   daemon_peers HOST             connected, handshaken daemons
#   wait_daemon_peers HOST N SECS wait until HOST has N daemon peers
#   now                           seconds since the epoch, with decimals
#   ratio A B [DIGITS]            A / B
#   acng_up HOST                  apt-cacher-ng on HOST:$ACNG_PORT (3142)
#   acng_down HOST                stop it, print the bytes it cached
#
# Run by "make bench" (which sets top_srcdir and top_builddir) or by hand
# from a build directory: sh /path/to/tests/bench/NAME.sh.
# shellcheck shell=dash
# shellcheck disable=SC2034	# variables used by the scripts

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir

. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"

PY=/usr/bin/python3
DAEMON_PORT=6881

hosts_init()
{
	[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
	[ -x "$PY" ] || skip "$PY is missing"
	# The control sockets under $T must be reachable by _apt.
	chmod 755 "$T"
	if [ "${1:-}" = norepo ]; then
		ns_init
		trap 'hosts_cleanup' EXIT
		LOG=$T/logs
		mkdir -p "$LOG"
		return 0
	fi
	need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl tc
	[ -x "$top_builddir/client/aptbt-method" ] ||
		fail "no $top_builddir/client/aptbt-method: run from a build directory"
	ns_init
	trap 'hosts_cleanup' EXIT
	repo_init
	repo_gpg --passphrase '' --quick-gen-key 'aptbt test <aptbt@localhost>' \
	    ed25519 sign never || fail "gpg key generation failed"
	repo_gpg --export >"$REPO_T/archive-key.gpg" || fail "gpg --export failed"
	chmod 644 "$REPO_T/archive-key.gpg"
	# Under $REPO_T, which KEEP_TMP=1 keeps.
	LOG=$REPO_T/logs
	mkdir -p "$LOG"
}

hosts_cleanup()
{
	# nginx first, gracefully (its pid file), then whatever is left in
	# the namespaces, then lib.sh's own.
	if [ -n "${KEEP_TMP:-}" ] && [ -n "${REPO_T:-}" ]; then
		echo "# logs kept in $LOG" >&2
	fi
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

pkg_add()
{
	repo_make_deb "$1" 1.0 "$2" random
}

pkg_set()	# PREFIX NLARGE NMEDIUM NSMALL
{
	local i=1
	while [ "$i" -le "$2" ]; do
		pkg_add "$1-large$i" $((8 * 1024 * 1024))
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$3" ]; do
		pkg_add "$1-medium$i" $((1024 * 1024 + i * 180 * 1024))
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$4" ]; do
		pkg_add "$1-small$i" $((4 * 1024 + i * 6 * 1024))
		i=$((i + 1))
	done
}

mirror_up()
{
	local ip
	ip=$(ns_ip "$1")
	repo_sign
	# shellcheck disable=SC2016	# nginx's variables, not the shell's
	REPO_NGINX_WORKERS=2 REPO_NGINX_CONNS=1024 repo_nginx "$ip:80" \
	    '$remote_addr $request $status $msec $request_time $http_range $bytes_sent' "$1"
	REPO_HOST=$ip
	MIRROR_HOST=$1
}

mirror_mark()
{
	wc -l <"$REPO_NGINX/access.log"
}

mirror_bytes_since()
{
	awk -v m="$1" 'NR > m { n += $NF } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}

# The set's size: every .deb in the pool.
pool_bytes()
{
	cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb | wc -c
}

client_tree()
{
	REPO_APT=$REPO_T/apt-$1
	apt_tree_init "$2"
}

client_sources()	# HOST SCHEME
{
	echo "deb [signed-by=$REPO_T/archive-key.gpg] $2://$REPO_HOST/debian $REPO_SUITE $REPO_COMP" \
	    >"$REPO_T/apt-$1/etc/sources.list"
}

client_apt()
{
	local h=$1 sock
	shift
	eval "sock=\${SOCK_$h:-$REPO_T/no-daemon.sock}"
	# Split on purpose: "timeout N" or nothing.
	# shellcheck disable=SC2086
	${APT_TIMEOUT:+timeout $APT_TIMEOUT} ip netns exec "${NS_PREFIX}$h" \
	    env APT_CONFIG="$REPO_T/apt-$h/apt.conf" "$@" \
	    -o Acquire::aptbt::Socket="$sock"
}

client_debs()
{
	find "$REPO_T/apt-$1/cache/archives" -maxdepth 1 -name '*.deb' |
	    wc -l
}

client_clear()
{
	rm -f "$REPO_T/apt-$1/cache/archives"/*.deb \
	    "$REPO_T/apt-$1/cache/archives/partial"/*
}

daemon_up_on()
{
	local h=$1 dir=$T/d-$1 pid
	shift
	[ -n "${KEEP_CACHE:-}" ] || rm -rf "$dir"
	write_conf "$dir" "listen_port = $DAEMON_PORT" \
	    "log_level = ${DAEMON_LOG_LEVEL:-info}" "$@" >/dev/null
	# Not ns_exec: a function run with & is a subshell, and $! must be
	# the daemon (ip netns exec execs its command).
	ip netns exec "${NS_PREFIX}$h" "$APTBTD" -f -c "$dir/aptbtd.conf" \
	    >>"$LOG/aptbtd-$h.log" 2>&1 &
	pid=$!
	track "$pid"
	eval "DPID_$h=$pid SOCK_$h=$dir/control.sock"
	wait_for_socket "$dir/control.sock" ||
		fail "aptbtd on $h did not start: $(tail -n 5 "$LOG/aptbtd-$h.log")"
}

daemon_down_on()
{
	local pid
	eval "pid=\${DPID_$1:-}"
	[ -n "$pid" ] || return 0
	stop_wait "$pid"
	[ "$STOP_RC" = 0 ] ||
		echo "warning: aptbtd on $1 exited with status $STOP_RC" >&2
	eval "DPID_$1= SOCK_$1="
}

ctl_on()
{
	local h=$1 sock
	shift
	eval "sock=\$SOCK_$h"
	"$APTBT_CTL" -s "$sock" "$@"
}

status_field()
{
	ctl_on "$1" --json status 2>/dev/null | $PY -c 'import json, sys
try:
    print(json.load(sys.stdin).get(sys.argv[1], 0))
except ValueError:
    print(0)' "$2"
}

daemon_peers()
{
	ctl_on "$1" --json peers 2>/dev/null |
	    $PY "$top_srcdir/tests/bench/daemon-links.py"
}

wait_daemon_peers()
{
	local h=$1 n=$2 tenths=$(($3 * 10))
	while [ "$(daemon_peers "$h")" -lt "$n" ]; do
		tenths=$((tenths - 1))
		[ "$tenths" -gt 0 ] || return 1
		sleep 0.1
	done
}

now()
{
	date +%s.%N
}

ratio()
{
	awk -v a="$1" -v b="$2" -v d="${3:-2}" \
	    'BEGIN { if (b > 0) printf "%.*f\n", d, a / b; else print "inf" }'
}

# Fill and free some fresh pages, so the first timed run does not pay for
# pages this VM has never handed out (TESTING.md: fresh pages are slow).
warm_pages()	# MIB
{
	dd if=/dev/zero of="$T/warm" bs=1M count="$1" status=none
	rm -f "$T/warm"
}

# acng_up HOST: Debian's apt-cacher-ng on HOST's address, port
# $ACNG_PORT (3142), in the foreground with a private configuration and
# cache under $T/acng-HOST; sets $ACNG_PID_<HOST>.  acng_down HOST stops it
# and prints the bytes in its cache.
ACNG_PORT=3142
acng_up()
{
	local h=$1 d=$T/acng-$1 ip i=0 pid
	ip=$(ns_ip "$h")
	mkdir -p "$d/conf" "$d/cache" "$d/log"
	cat >"$d/conf/acng.conf" <<EOC
CacheDir: $d/cache
LogDir: $d/log
SupportDir: /usr/lib/apt-cacher-ng
Port: $ACNG_PORT
BindAddress: $ip
PidFile: $d/acng.pid
ForeGround: 1
ExThreshold: 4
VerboseLog: 1
EOC
	ip netns exec "${NS_PREFIX}$h" apt-cacher-ng -c "$d/conf" \
	    >"$LOG/acng-$h.out" 2>&1 &
	pid=$!
	track "$pid"
	eval "ACNG_PID_$h=$pid"
	until ns_exec "$h" curl -s -o /dev/null "http://$ip:$ACNG_PORT/acng-report.html"; do
		i=$((i + 1))
		[ "$i" -lt 100 ] ||
			fail "apt-cacher-ng on $h does not answer: $(tail -n 5 "$LOG/acng-$h.out")"
		sleep 0.1
	done
}

acng_down()
{
	local pid
	eval "pid=\${ACNG_PID_$1:-}"
	[ -n "$pid" ] || return 0
	stop_wait "$pid" 5
	du -sb "$T/acng-$1/cache" | awk -v h="$1" '{ print "# acng on " h ": " $1 " bytes in its cache" }'
	eval "ACNG_PID_$1="
}
