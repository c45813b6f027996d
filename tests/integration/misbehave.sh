#!/bin/sh
# SPDX-License-Identifier: ISC
# misbehave.sh - a lying or babbling peer cannot harm an install.
#
# Network namespaces: "mirror" (192.0.2.1) serves a signed repository with
# nginx, "d" (192.0.2.2) runs aptbtd and apt-get through aptbt+http, "evil"
# (192.0.2.3) runs evil-peer.py, a fake daemon that speaks the real
# protocol, claims in its have-index to hold every package, and is d's
# static peer.  "other" (192.0.2.4) only probes d's listening port.  One
# case per mode of evil-peer.py, each with a fresh daemon and cache:
#
#   wrong-data        random bytes for every block it is asked for
#   wrong-hints       true data, false aptbt_hashes for multi-piece files
#   garbage-random    random messages after the handshakes
#   garbage-oversize  a length prefix far over the 1 MiB limit
#   garbage-badmux    a malformed aptbt_mux dictionary
#
# In each: apt gets only files with the signed SHA-256s and the install
# completes (from the mirror after the bad data); the evil peer was really
# asked (else the case proves nothing); aptbtd logs "banned", drops the
# peer from "aptbt-ctl --json peers", refuses its handshake afterwards
# (while "other" is still answered) and does not connect to it again; the
# daemon's cache holds only files with signed SHA-256s.
#
# And one more case, "want": the evil peer asks d to fetch two packages
# for it (aptbt_mux want), one on the mirror d uses, one on "other", where
# a listener logs every connection.  d fetches the first into its cache
# and announces it; it never connects to "other".
#
# MISBEHAVE_CASES="wrong-data ... want" runs a subset.  A check that fails
# because of the daemon says "daemon:" in its message.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
EVIL=$top_srcdir/tests/integration/evil-peer.py
CASES=${MISBEHAVE_CASES:-wrong-data wrong-hints garbage-random garbage-oversize garbage-badmux want}

# The control sockets must be reachable by _apt.
chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

at_exit()
{
	repo_keep_logs "$T"/case-*
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host d 2
ns_host evil 3
ns_host other 4
MIRROR=$(ns_ip mirror)
D=$(ns_ip d)
EV=$(ns_ip evil)

# --- the repository and its mirror ----------------------------------------
# Small packages (one piece: apt's SHA-256 is the piece hash) and two of
# 4 MiB (16 pieces of 256 KiB: piece hashes come as aptbt_hashes hints).
repo_init
LOG=$T/logs
mkdir -p "$LOG"
repo_build 6 2 4
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror d
REPO_HOST=$MIRROR
apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)

# .deb bytes nginx sent to ADDR after access-log line MARK.
ngx_mark() { wc -l <"$REPO_NGINX/access.log"; }
deb_bytes_to()
{
	awk -v m="$1" -v a="$2" 'NR > m && $1 == a && $4 == "GET" &&
	    $5 ~ /\.deb$/ { n += $3 } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}

packages_sha()
{
	awk -v p="$1" '/^Package: / { cur = $2 }
	    /^SHA256: / && cur == p { print $2 }' "$PACKAGES"
}
# archives_ok PKG...: each .deb in archives/ has its signed SHA-256.
archives_ok()
{
	local p f want got n=0
	for p in "$@"; do
		f=$ARCHIVES/$(basename "$(ls "$POOL/$p"_*.deb)")
		want=$(packages_sha "$p")
		got=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)
		if [ -z "$want" ] || [ "$got" != "$want" ]; then
			echo "  $p: got '${got:-no file}', Packages says $want" >&2
			n=$((n + 1))
		fi
	done
	return $n
}

# --- one case -----------------------------------------------------------------
ctl() { ns_exec d "$APTBT_CTL" -s "$SOCK" "$@"; }
# Addresses in "aptbt-ctl --json peers", one a line.
peer_addrs()
{
	ctl --json peers 2>/dev/null | $PY -c 'import json, sys
for p in json.load(sys.stdin).get("peers", []):
    print(p.get("address", "?"))'
}
# As 192.0.2.3:6881, or IPv4-mapped: [::ffff:192.0.2.3]:40000.
EV_RE="(^|[^0-9.])$(echo "$EV" | sed 's/\./\\./g')([^0-9.]|\$)"
lists_evil() { peer_addrs | grep -qE "$EV_RE"; }
apt_get()	# NAME ARGS...
{
	local name=$1 rc
	shift
	ns_exec d env APT_CONFIG="$APT_CONFIG" timeout 300 apt-get \
	    -o Acquire::aptbt::Socket="$SOCK" \
	    -o Acquire::aptbt::Daemon-Timeout=5 "$@" >>"$CASE/$name.log" 2>&1
	rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' \
	    "$CASE/$name.log"; then
		bad "$MODE: sanitizer report in apt's output"
		grep -E -A5 'AddressSanitizer|LeakSanitizer|runtime error:' \
		    "$CASE/$name.log" | head -20 >&2
	fi
	return $rc
}
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }
# Lines of FILE matching RE.
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

run_case()
{
	local what lies asked i mark before t0 bytes
	MODE=$1
	CASE=$T/case-$MODE
	mkdir -p "$CASE"
	echo "=== $MODE"

	# The evil peer first, so that the daemon's first connection finds it.
	# Word splitting wanted: a list of files.
	# shellcheck disable=SC2086
	ns_bg evil "$CASE/evil.log" $PY "$EVIL" serve "$MODE" 6881 "$POOL"/*.deb
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil.log" '^listening' 10 ||
		{ show "$CASE/evil.log"; fail "$MODE: evil-peer.py did not start"; }

	conf=$(write_conf "$CASE" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "peers = $EV:6881" "lsd = no")
	SOCK=$CASE/control.sock
	# $DAEMON_ENV is VAR=VALUE words on purpose.
	# shellcheck disable=SC2086
	ns_bg d "$CASE/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	DPID=$NS_BG_PID
	wait_for_socket "$SOCK" ||
		{ show "$CASE/aptbtd.log"; fail "$MODE: no control socket"; }

	# The static peer is connected and listed (a babbling one is cut off
	# at once: then the handshakes it completed must do).
	i=0
	case $MODE in
	garbage*)
		wait_for_file_line "$CASE/evil.log" '^ext-handshake' 20 &&
			ok "$MODE: the daemon connected to the evil peer" ||
			bad "daemon: $MODE: no handshake with the static peer $EV:6881"
		;;
	*)
		until lists_evil; do
			i=$((i + 1))
			[ "$i" -lt 100 ] || break
			sleep 0.2
		done
		if lists_evil; then
			ok "$MODE: aptbt-ctl peers lists the evil peer $EV"
		else
			bad "daemon: $MODE: the static peer $EV:6881 is not in aptbt-ctl peers"
			ctl --json peers >&2
			show "$CASE/evil.log" 10
		fi
		;;
	esac

	# The install: only good files, and it completes.
	find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
	rm -f "$ARCHIVES"/*.deb "$ARCHIVES"/partial/*
	mark=$(ngx_mark)
	t0=$(date +%s)
	# shellcheck disable=SC2086
	if apt_get install update && apt_get install install --download-only \
	    -y $ALL; then
		ok "$MODE: update and install of $NPKG packages ($(($(date +%s) - t0))s)"
	else
		bad "$MODE: the install failed"
		show "$CASE/install.log"
	fi
	# shellcheck disable=SC2086
	archives_ok $ALL && ok "$MODE: every .deb has its signed SHA-256" ||
		bad "$MODE: apt holds files with wrong SHA-256s"
	grep -q 'aptbtd is not running\|no answer from aptbtd' \
	    "$CASE/install.log" && bad "daemon: $MODE: the method fell back to direct fetching"
	bytes=$(deb_bytes_to "$mark" "$D")
	echo "$MODE: the mirror sent $bytes .deb bytes to $D"

	# The evil peer was asked for something to lie about.
	case $MODE in
	wrong-data)	what='^wrong-block' ;;
	wrong-hints)	what='^wrong-hints' ;;
	garbage*)	what='^garbage [a-z]* [0-9.:]*$' ;;
	esac
	lies=$(count "$CASE/evil.log" "$what")
	echo "$MODE: the daemon connected to the evil peer $(count "$CASE/evil.log" '^accept') time(s)"
	asked=$(count "$CASE/evil.log" '^attach')
	if [ "$lies" -gt 0 ]; then
		ok "$MODE: the evil peer lied $lies time(s) ($asked attach(es))"
	else
		bad "daemon: $MODE: the evil peer was never asked ($asked attaches, no \"$what\" in its log)"
		show "$CASE/evil.log" 15
	fi

	# Banned: logged, no longer listed, refused, not called again.
	if wait_for_file_line "$CASE/aptbtd.log" 'banned' 15; then
		ok "$MODE: aptbtd logged: $(grep -m1 banned "$CASE/aptbtd.log")"
	else
		bad "daemon: $MODE: no \"banned\" in aptbtd's log"
		grep -iE 'peer|penal|hint|mismatch' "$CASE/aptbtd.log" | tail -n 15 >&2
	fi
	i=0
	while lists_evil && [ "$i" -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	lists_evil && bad "daemon: $MODE: aptbt-ctl peers still lists $EV" ||
		ok "$MODE: aptbt-ctl peers no longer lists $EV"
	before=$(count "$CASE/evil.log" '^accept')
	if ns_exec evil $PY "$EVIL" probe "$D" 6881 >"$CASE/probe-evil.log" 2>&1; then
		bad "daemon: $MODE: the banned address can still handshake: $(cat "$CASE/probe-evil.log")"
	else
		ok "$MODE: the banned address is refused: $(cat "$CASE/probe-evil.log")"
	fi
	if ns_exec other $PY "$EVIL" probe "$D" 6881 >"$CASE/probe-other.log" 2>&1; then
		ok "$MODE: another address is still answered"
	else
		bad "daemon: $MODE: the daemon refuses everyone: $(cat "$CASE/probe-other.log")"
	fi
	sleep 5
	i=$(($(count "$CASE/evil.log" '^accept') - before))
	[ "$i" = 0 ] && ok "$MODE: no new connection to the banned peer in 5 s" ||
		bad "daemon: $MODE: $i new connection(s) to the banned peer"

	# Nothing wrong in the cache: every entry is a package (SHA-256 in
	# Packages) or an index (SHA-256 in Release) or InRelease itself.
	ctl --json cache >"$CASE/cache.json"
	what=$($PY -c 'import hashlib, json, re, sys
good = set(l.split()[1] for l in open(sys.argv[2]) if l.startswith("SHA256: "))
good |= set(re.findall(r"\b[0-9a-f]{64}\b", open(sys.argv[3]).read()))
good.add(hashlib.sha256(open(sys.argv[4], "rb").read()).hexdigest())
n = 0
for e in json.load(open(sys.argv[1])).get("entries", []):
    if e.get("sha256") not in good:
        print("  not a signed SHA-256:", e.get("sha256"), e.get("size"),
              file=sys.stderr)
        n += 1
print(n)' "$CASE/cache.json" "$PACKAGES" \
	    "$REPO_ROOT/dists/$REPO_SUITE/Release" \
	    "$REPO_ROOT/dists/$REPO_SUITE/InRelease" | tail -n 1)
	[ "$what" = 0 ] && ok "$MODE: the cache holds only signed files" ||
		bad "daemon: $MODE: $what cache entries with unsigned SHA-256s"

	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$CASE/aptbtd.log" &&
		bad "daemon: $MODE: sanitizer report in aptbtd's log"
	stop_wait "$DPID"
	[ "$STOP_RC" = 0 ] || bad "daemon: $MODE: aptbtd exited with status $STOP_RC on SIGTERM"
	kill "$EVIL_PID" 2>/dev/null
	wait "$EVIL_PID" 2>/dev/null
}

# The want case: d fetches for a peer only from a mirror it uses.
run_want_case()
{
	local p1 p2 f1 f2 sha1 i mark
	MODE=want
	CASE=$T/case-want
	mkdir -p "$CASE"
	echo "=== want"
	# Anyone connecting to "other" is logged.
	ns_bg other "$CASE/other.log" $PY -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80))
s.listen(16)
print("listening", flush=True)
while True:
    c, a = s.accept()
    print("accept", a[0], flush=True)
    c.close()'
	OTHER_PID=$NS_BG_PID
	wait_for_file_line "$CASE/other.log" '^listening' 10 ||
		fail "want: the listener on other did not start"

	conf=$(write_conf "$CASE" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "lsd = no")
	SOCK=$CASE/control.sock
	# shellcheck disable=SC2086
	ns_bg d "$CASE/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	DPID=$NS_BG_PID
	wait_for_socket "$SOCK" || { show "$CASE/aptbtd.log"; fail "want: no control socket"; }
	# d's apt uses the mirror: it is a mirror d uses from now on.
	find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
	apt_get update update || bad "want: apt-get update through d failed"

	# shellcheck disable=SC2086	# one word per package
	set -- $ALL
	p1=$1 p2=$2
	f1=$(ls "$POOL/$p1"_*.deb)
	f2=$(ls "$POOL/$p2"_*.deb)
	sha1=$(sha256sum "$f1" | cut -d' ' -f1)
	mark=$(ngx_mark)
	ns_bg evil "$CASE/evil.log" $PY "$EVIL" serve want 6881 \
	    "$f1@http://$MIRROR/debian/pool/$REPO_COMP/$(basename "$f1")" \
	    "$f2@http://$(ns_ip other)/debian/pool/$REPO_COMP/$(basename "$f2")"
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil.log" '^listening' 10 ||
		fail "want: evil-peer.py did not start"
	ctl peers add "$EV:6881" >/dev/null || bad "want: aptbt-ctl peers add failed"
	if wait_for_file_line "$CASE/evil.log" "^their-index .* have $sha1" 30; then
		ok "want: d fetched $p1 for the peer from its mirror and announced it"
	else
		bad "daemon: want: d did not announce $p1 after the peer's want"
		show "$CASE/evil.log" 15
	fi
	[ "$(awk -v m="$mark" -v a="$D" -v f="$(basename "$f1")" 'NR > m &&
	    $1 == a && $5 ~ f' "$REPO_NGINX/access.log" | wc -l)" -ge 1 ] &&
		ok "want: nginx served $p1 to d" ||
		bad "daemon: want: nginx has no request from d for $p1"
	ctl --json cache | grep -q "$sha1" &&
		ok "want: $p1 is in d's cache" ||
		bad "daemon: want: $p1 is not in d's cache"
	sleep 2
	i=$(count "$CASE/other.log" '^accept')
	[ "$i" = 0 ] && ok "want: d never connected to $(ns_ip other) (a host it does not use)" ||
		bad "daemon: want: a peer's want made d connect to $(ns_ip other) $i time(s)"
	grep -q 'from a mirror we do not use' "$CASE/aptbtd.log" &&
		ok "want: d logged the refused want" ||
		bad "daemon: want: no log line for the refused want"
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$CASE/aptbtd.log" &&
		bad "daemon: want: sanitizer report in aptbtd's log"
	stop_wait "$DPID"
	[ "$STOP_RC" = 0 ] || bad "daemon: want: aptbtd exited with status $STOP_RC on SIGTERM"
	kill "$EVIL_PID" "$OTHER_PID" 2>/dev/null
	wait "$EVIL_PID" "$OTHER_PID" 2>/dev/null
}

for c in $CASES; do
	before=$fails
	if [ "$c" = want ]; then
		run_want_case
	else
		run_case "$c"
	fi
	if [ "$fails" != "$before" ]; then
		echo "--- case $c: $((fails - before)) failure(s)" >&2
		show "$CASE/aptbtd.log" 30
	fi
done

[ "$fails" = 0 ] || { echo "misbehave.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
