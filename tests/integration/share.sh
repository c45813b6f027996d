#!/bin/sh
# SPDX-License-Identifier: ISC
# share.sh - machines of one site share packages with each other.
#
# Network namespaces: "mirror" (192.0.2.1) serves a signed repository of
# 40 packages (37 small, 3 of 6 MiB) with nginx, its link capped at
# 50 Mbit/s; hosts a, b and c (192.0.2.2-4) each run aptbtd (port 6881,
# share = 192.0.2.0/24) and apt-get with a private apt tree through
# aptbt+http.  Every process runs in a namespace.
#
#   1. a, b and c find each other: "aptbt-ctl --json peers" on a lists b
#      and c
#   2. a installs the whole set from the mirror (update, install
#      --download-only)
#   3. b and c then install it together: every file has its signed
#      SHA-256, and at least 90% of the package bytes came from peers, by
#      nginx's access log (.deb bytes per client address) and by
#      "aptbt-ctl --json status" (bytes_from_peers against
#      bytes_from_mirrors); "aptbt-ctl --json files" lists files
#   4. a and b paused: c, with a fresh cache and archives, still installs
#      everything (from the mirror, in bounded time) and a and b send no
#      byte to peers: pausing never hangs apt
#   5. a and b resumed: the three connect again; each daemon then stops
#      cleanly (exit status 0) with its peers connected
#   6. fresh daemons (empty caches) on a, b and c all install the set at
#      the same moment: everything verified, and the mirror sent at most
#      1.05 times the set's .deb bytes in all: one daemon fetches each
#      file (the others ask it to, a "want"), the others stream it from
#      that one.  (Daemons that each started on the mirror and gave way
#      when they heard of each other sent 1.07-1.34 times here.)
#
# Two variants, each with fresh daemons: "static" (peers = the other two
# hosts, lsd = no) and "lsd" (lsd = yes, no static peers).
# SHARE_VARIANTS="static" runs one.  A check that fails because of the
# daemon says "daemon:" in its message.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
VARIANTS=${SHARE_VARIANTS:-static lsd}
HOSTS="a b c"
# How long an install may take before it counts as hung.
APT_TIMEOUT=300

# The control sockets must be reachable by _apt.
chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

at_exit()
{
	repo_keep_logs "$T"/*.log
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host a 2
ns_host b 3
ns_host c 4
ns_cap mirror 50mbit
MIRROR=$(ns_ip mirror)

# --- the repository and its mirror ----------------------------------------
repo_init
repo_build 37 3 6
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror a
REPO_HOST=$MIRROR
# One private apt tree per host.
for h in $HOSTS; do
	REPO_APT=$REPO_T/apt-$h
	apt_tree_init aptbt+http
done
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
DEB_BYTES=$(cat "$POOL"/*.deb | wc -c)
echo "repository: $NPKG packages, $DEB_BYTES bytes of .deb"

# .deb bytes nginx sent to HOST after access-log line MARK.
ngx_mark() { wc -l <"$REPO_NGINX/access.log"; }
deb_bytes_to()	# MARK HOST
{
	awk -v m="$1" -v a="$(ns_ip "$2")" 'NR > m && $1 == a &&
	    $4 == "GET" && $5 ~ /\.deb$/ { n += $3 } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}

packages_sha()
{
	awk -v p="$1" '/^Package: / { cur = $2 }
	    /^SHA256: / && cur == p { print $2 }' "$PACKAGES"
}
# archives_ok HOST: every package is in HOST's archives with its signed
# SHA-256.
archives_ok()
{
	local p f want got n=0
	for p in $ALL; do
		f=$REPO_T/apt-$1/cache/archives/$(basename "$(ls "$POOL/$p"_*.deb)")
		want=$(packages_sha "$p")
		got=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)
		if [ -z "$want" ] || [ "$got" != "$want" ]; then
			echo "  $1: $p: got '${got:-no file}', Packages says $want" >&2
			n=$((n + 1))
		fi
	done
	return $n
}
fresh_archives()	# HOST
{
	rm -f "$REPO_T/apt-$1/cache/archives"/*.deb \
	    "$REPO_T/apt-$1/cache/archives/partial"/*
}

# --- daemons ------------------------------------------------------------------
# Each host's daemon lives in $T/$VARIANT-$HOST[-N]; $DIR_x is the current
# one, $PID_x its pid.
sock() { eval "echo \$DIR_$1/control.sock"; }
dlog() { eval "echo \$T/\$(basename \$DIR_$1).log"; }
ctl() { local h=$1; shift; ns_exec "$h" "$APTBT_CTL" -s "$(sock "$h")" "$@"; }
ctl_field()	# HOST KEY [COMMAND]
{
	ctl "$1" --json "${3:-status}" | $PY -c 'import json, sys
v = json.load(sys.stdin).get(sys.argv[1], -1)
print(int(v) if isinstance(v, bool) else v)' "$2"
}
# Addresses of the daemons HOST is connected to, handshakes done (by
# "aptbt-ctl --json peers"), one a line.
peer_addrs()
{
	ctl "$1" --json peers 2>/dev/null | $PY -c 'import json, sys
for p in json.load(sys.stdin).get("peers", []):
    if p.get("daemon") and "H" not in p.get("flags", "H"):
        print(p.get("address", "?"))'
}
lists()	# HOST PEER: does HOST list PEER's address?
{
	local ip
	ip=$(ns_ip "$2")
	# As 192.0.2.3:6881, or IPv4-mapped: [::ffff:192.0.2.3]:40000.
	peer_addrs "$1" | grep -qE "(^|[^0-9.])$(echo "$ip" | sed 's/\./\\./g')([^0-9.]|\$)"
}
# daemon_up HOST DIRNAME CONF-LINE...
daemon_up()
{
	local h=$1 dir=$T/$2 conf
	shift 2
	conf=$(write_conf "$dir" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "$@")
	eval "DIR_$h=\$dir"
	# $DAEMON_ENV is VAR=VALUE words on purpose.
	# shellcheck disable=SC2086
	ns_bg "$h" "$T/$(basename "$dir").log" env $DAEMON_ENV "$APTBTD" \
	    -f -c "$conf"
	eval "PID_$h=\$NS_BG_PID"
	wait_for_socket "$dir/control.sock" ||
		{ tail -n 20 "$T/$(basename "$dir").log" >&2;
		  fail "$h: control socket did not appear"; }
}
daemon_down()	# HOST
{
	local log
	log=$(dlog "$1")
	stop_wait "$(eval "echo \$PID_$1")"
	[ "$STOP_RC" = 0 ] ||
		bad "daemon: $1: aptbtd exited with status $STOP_RC ($log)"
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$log" &&
		bad "daemon: $1: sanitizer report in $log"
}
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }

# --- apt ----------------------------------------------------------------------
# apt_get HOST NAME ARGS...: apt-get in HOST through its daemon, output to
# $T/NAME.log.
apt_get()
{
	local h=$1 log=$T/$2.log rc
	shift 2
	ns_exec "$h" env APT_CONFIG="$REPO_T/apt-$h/apt.conf" \
	    timeout "$APT_TIMEOUT" apt-get \
	    -o Acquire::aptbt::Socket="$(sock "$h")" \
	    -o Acquire::aptbt::Daemon-Timeout=5 "$@" >>"$log" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "$h: apt-get $* did not end in ${APT_TIMEOUT}s" >>"$log"
	return $rc
}
# apt_log_check HOST NAME: what apt's output says beyond its status (in
# this shell: installs run in the background).
apt_log_check()
{
	local log=$T/$2.log
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log"; then
		bad "$1: sanitizer report in $log"
		grep -E -A5 'AddressSanitizer|LeakSanitizer|runtime error:' \
		    "$log" | head -20 >&2
	fi
	grep -q 'aptbtd is not running\|no answer from aptbtd' "$log" &&
		bad "daemon: $1: the method fell back to direct fetching ($log)"
	grep -q 'did not end in' "$log" && bad "$1: apt-get hung ($log)"
	return 0
}
# install_all HOST NAME: update and install every package; verified.
install_all()
{
	local h=$1 name=$2
	find "$REPO_T/apt-$h/state/lists" -maxdepth 1 -type f -delete
	# Word splitting wanted: the package list.
	# shellcheck disable=SC2086
	apt_get "$h" "$name" update && apt_get "$h" "$name" install \
	    --download-only -y $ALL && archives_ok "$h"
}

# percent PART WHOLE
percent() { echo $((${2:-0} > 0 ? $1 * 100 / $2 : 0)); }

# daemon_up_variant VARIANT HOST DIRNAME: static peers or LSD.
daemon_up_variant()
{
	local v=$1 h=$2 other peers=
	if [ "$v" = static ]; then
		for other in $HOSTS; do
			[ "$other" = "$h" ] ||
				peers="$peers${peers:+, }$(ns_ip "$other"):6881"
		done
		daemon_up "$h" "$3" "lsd = no" "peers = $peers"
	else
		daemon_up "$h" "$3" "lsd = yes"
	fi
}
# wait_listed WHAT: until a lists b and c, and b lists c (30 s at most).
wait_listed()
{
	local n=0
	until lists a b && lists a c && lists b c; do
		n=$((n + 1))
		[ "$n" -lt 150 ] || break
		sleep 0.2
	done
	if lists a b && lists a c && lists b c; then
		ok "$1: a lists b and c as peers, b lists c, after $((n / 5))s"
	else
		bad "daemon: $1: a does not list both b and c as peers"
		ctl a --json peers >&2
	fi
}

# --- one variant --------------------------------------------------------------
run_variant()
{
	local v=$1 h mark t0 rc rc_b rc_c pb pc m p pct s0a s0b dt n
	echo "=== variant $v"
	for h in $HOSTS; do
		fresh_archives "$h"
		daemon_up_variant "$v" "$h" "$v-$h"
	done

	# 1. a finds b and c.
	wait_listed "$v"
	ctl a --json peers >"$T/$v-peers-a.json"

	# 2. a from the mirror.
	mark=$(ngx_mark)
	t0=$(date +%s)
	install_all a "$v-install-a"
	rc=$?
	apt_log_check a "$v-install-a"
	if [ "$rc" = 0 ]; then
		ok "$v: a installed $NPKG packages ($(($(date +%s) - t0))s)"
	else
		bad "$v: a's install"
		show "$T/$v-install-a.log"
	fi
	echo "$v: a: mirror sent $(deb_bytes_to "$mark" a) .deb bytes;" \
	    "status: from_mirrors $(ctl_field a bytes_from_mirrors)," \
	    "from_peers $(ctl_field a bytes_from_peers)"

	# 3. b and c together, from a (and each other).
	mark=$(ngx_mark)
	t0=$(date +%s)
	install_all b "$v-install-b" &
	pb=$!
	install_all c "$v-install-c" &
	pc=$!
	wait "$pb"
	rc_b=$?
	wait "$pc"
	rc_c=$?
	dt=$(($(date +%s) - t0))
	for h in b c; do
		apt_log_check "$h" "$v-install-$h"
		if [ "$(eval "echo \$rc_$h")" = 0 ]; then
			ok "$v: $h installed $NPKG packages, all verified (${dt}s for b and c)"
		else
			bad "$v: $h's install"
			show "$T/$v-install-$h.log"
		fi
		# From the mirror's side.
		m=$(deb_bytes_to "$mark" "$h")
		pct=$(percent $((DEB_BYTES - m)) "$DEB_BYTES")
		echo "$v: $h: nginx sent $m of $DEB_BYTES .deb bytes: ${pct}% from peers"
		[ "$pct" -ge 90 ] &&
			ok "$v: $h: ${pct}% of the package bytes did not come from the mirror" ||
			bad "daemon: $v: $h: only ${pct}% of the package bytes came from peers (nginx: $m bytes to $h)"
		# From the daemon's side.
		p=$(ctl_field "$h" bytes_from_peers)
		m=$(ctl_field "$h" bytes_from_mirrors)
		pct=$(percent "$p" $((p + m)))
		echo "$v: $h: status: bytes_from_peers $p, bytes_from_mirrors $m: ${pct}% from peers"
		[ "$pct" -ge 90 ] && [ "$p" -ge $((DEB_BYTES * 9 / 10)) ] &&
			ok "$v: $h: aptbt-ctl status says ${pct}% from peers" ||
			bad "daemon: $v: $h: aptbt-ctl status says $p bytes from peers, $m from mirrors"
	done
	n=0
	for h in a b c; do
		p=$(ctl_field "$h" bytes_to_peers)
		echo "$v: $h: bytes_to_peers $p"
		n=$((n + p))
	done
	p=$(($(ctl_field b bytes_from_peers) + $(ctl_field c bytes_from_peers)))
	echo "$v: peers sent $n bytes in all, b and c received $p from peers"

	# Still connected; files are listed.
	lists a b && lists a c && ok "$v: a still lists b and c" ||
		bad "daemon: $v: a no longer lists b and c: $(peer_addrs a | tr '\n' ' ')"
	for h in a b; do
		ctl "$h" --json files >"$T/$v-files-$h.json"
		n=$($PY -c 'import json, sys
good = set(l.split()[1] for l in open(sys.argv[2]) if l.startswith("SHA256: "))
files = json.load(open(sys.argv[1])).get("files", [])
print(len(files), len([f for f in files if f.get("sha256") in good]))' \
		    "$T/$v-files-$h.json" "$PACKAGES")
		echo "$v: $h: aptbt-ctl files: $n (entries, of them packages)"
		[ "${n#* }" -gt 0 ] && ok "$v: $h: aptbt-ctl files lists packages" ||
			bad "daemon: $v: $h: aptbt-ctl files lists no package ($T/$v-files-$h.json)"
	done

	# 4. a and b paused; c with a fresh cache and archives.
	for h in a b; do
		ctl "$h" pause >/dev/null || bad "$v: aptbt-ctl pause on $h failed"
		[ "$(ctl_field "$h" paused)" = 1 ] ||
			bad "daemon: $v: $h does not say paused after pause"
	done
	daemon_down c
	if [ "$v" = static ]; then
		daemon_up c "$v-c-fresh" "lsd = no" \
		    "peers = $(ns_ip a):6881, $(ns_ip b):6881"
	else
		daemon_up c "$v-c-fresh" "lsd = yes"
	fi
	fresh_archives c
	s0a=$(ctl_field a bytes_to_peers)
	s0b=$(ctl_field b bytes_to_peers)
	mark=$(ngx_mark)
	t0=$(date +%s)
	install_all c "$v-paused-c"
	rc=$?
	apt_log_check c "$v-paused-c"
	if [ "$rc" = 0 ]; then
		ok "$v: a and b paused: c installed $NPKG packages ($(($(date +%s) - t0))s)"
	else
		bad "daemon: $v: a and b paused: c's install failed after $(($(date +%s) - t0))s"
		show "$T/$v-paused-c.log"
	fi
	m=$(deb_bytes_to "$mark" c)
	echo "$v: paused: nginx sent $m .deb bytes to c;" \
	    "c's status: from_mirrors $(ctl_field c bytes_from_mirrors)," \
	    "from_peers $(ctl_field c bytes_from_peers)"
	[ "$m" -ge $((DEB_BYTES * 9 / 10)) ] ||
		bad "daemon: $v: paused peers, yet the mirror sent c only $m of $DEB_BYTES bytes"
	[ "$(ctl_field a bytes_to_peers)" = "$s0a" ] &&
	    [ "$(ctl_field b bytes_to_peers)" = "$s0b" ] &&
		ok "$v: paused a and b sent nothing to peers" ||
		bad "daemon: $v: paused a or b still uploaded ($s0a -> $(ctl_field a bytes_to_peers), $s0b -> $(ctl_field b bytes_to_peers))"

	# 5. resumed: a, b and c connect again (and stop cleanly while
	# connected).
	for h in a b; do
		ctl "$h" resume >/dev/null || bad "$v: aptbt-ctl resume on $h failed"
		[ "$(ctl_field "$h" paused)" = 0 ] ||
			bad "daemon: $v: $h still says paused after resume"
	done
	n=0
	until lists a b && lists a c; do
		n=$((n + 1))
		[ "$n" -lt 150 ] || break
		sleep 0.2
	done
	lists a b && lists a c && ok "$v: resumed: a lists b and c again" ||
		bad "daemon: $v: resumed: a lists only: $(peer_addrs a | tr '\n' ' ')"
	for h in $HOSTS; do
		daemon_down "$h"
	done

	# 6. fresh daemons, all three at once.
	for h in $HOSTS; do
		fresh_archives "$h"
		daemon_up_variant "$v" "$h" "$v-$h-together"
	done
	wait_listed "$v: together"
	mark=$(ngx_mark)
	t0=$(date +%s)
	for h in $HOSTS; do
		install_all "$h" "$v-together-$h" &
		eval "pid_$h=\$!"
	done
	for h in $HOSTS; do
		wait "$(eval "echo \$pid_$h")"
		rc=$?
		apt_log_check "$h" "$v-together-$h"
		[ "$rc" = 0 ] || { bad "$v: together: $h's install";
		    show "$T/$v-together-$h.log"; }
	done
	dt=$(($(date +%s) - t0))
	m=0
	for h in $HOSTS; do
		m=$((m + $(deb_bytes_to "$mark" "$h")))
	done
	echo "$v: together: a, b and c installed in ${dt}s; nginx sent $m .deb bytes for a $DEB_BYTES-byte set"
	[ "$m" -le $((DEB_BYTES * 105 / 100)) ] &&
		ok "$v: together: the mirror sent $((m * 100 / DEB_BYTES))% of the set once for three hosts" ||
		bad "daemon: $v: together: the mirror sent $m .deb bytes, more than 1.05 x the set ($DEB_BYTES)"
	for h in $HOSTS; do
		daemon_down "$h"
	done
}

for v in $VARIANTS; do
	before=$fails
	run_variant "$v"
	if [ "$fails" != "$before" ]; then
		echo "--- variant $v: $((fails - before)) failure(s)" >&2
		for f in "$T/$v"-?.log "$T/$v"-c-fresh.log \
		    "$T/$v"-?-together.log; do
			show "$f" 20
		done
	fi
done

[ "$fails" = 0 ] || { echo "share.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
