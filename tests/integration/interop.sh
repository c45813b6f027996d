#!/bin/sh
# SPDX-License-Identifier: ISC
# interop.sh - aptbtd and standard BitTorrent clients share a package in
# metadata mode, both ways.
#
# Network namespaces on one bridge: m (192.0.2.1) serves a signed
# repository of one 8 MiB package with nginx, plus the metadata
# "aptbt-mkmeta --archive" wrote for it (torrents with m as webseed, and
# the suite's manifest); a (.2) runs aptbtd (share = 192.0.2.0/24,
# lsd = yes, port 6881) and apt-get with a private apt tree through
# aptbt+http; l, l2 (.3, .4) run python3-libtorrent (interop-lt.py: LSD
# on, DHT, UPnP, NAT-PMP, uTP and encryption off) and t (.5)
# transmission-cli 3.00 (DHT off, LPD on).  nginx refuses l, l2 and t,
# so their torrents' webseeds give them nothing.  Every process runs in
# a namespace.
#
#   a. libtorrent on l seeds the package under the torrent aptbt-mkmeta
#      made; m's link is capped at 2 Mbit/s (the package alone would take
#      some 35 s from it); apt-get on a fetches the package through aptbtd
#      within $LT_DEADLINE s, its SHA-256 is right, "aptbt-ctl --json
#      status" shows bytes_from_peers >= 50% of the package, and
#      "aptbt-ctl --json peers" showed a libtorrent peer meanwhile
#   b. l stopped; libtorrent on a fresh l2 downloads the package from
#      aptbtd alone (found by LSD, or, failing that after 10 s, told a's
#      address; the output says which) and it verifies
#   c. the same with transmission-cli on t (v1 only: Transmission 3.00
#      rejects hybrid torrents)
#
# a and b run for v1 torrents, then (fresh daemon, caches and sessions)
# for hybrid ones (--hybrid); c runs for v1.  INTEROP_FORMS="v1" runs one
# form.  A check that fails because of the daemon says "daemon:".
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] && $PY -c 'import libtorrent' 2>/dev/null ||
	skip "python3-libtorrent is not installed"
MKMETA=$top_builddir/client/aptbt-mkmeta
LTPY=$top_srcdir/tests/integration/interop-lt.py
[ -x "$MKMETA" ] || fail "$MKMETA is not built"
FORMS=${INTEROP_FORMS:-v1 hybrid}
PKG=aptbt-large1
PKG_MIB=8
# a: the package's time limit with m's link at 2 Mbit/s.
LT_DEADLINE=25
# b, c: a standard client's time limit to fetch the package from aptbtd.
GET_DEADLINE=40

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }

at_exit()
{
	repo_keep_logs "$T"/*.log "$T"/*.out "$T"/*.json "$T"/*.pcap
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host m 1
ns_host a 2
ns_host l 3
ns_host l2 4
ns_host t 5
MIRROR=$(ns_ip m)

# --- the repository, its metadata and its mirror --------------------------
repo_init
repo_build 0 1 "$PKG_MIB"
POOL=$REPO_ROOT/pool/$REPO_COMP
DEB=$(ls "$POOL/${PKG}"_*.deb)
DEBNAME=$(basename "$DEB")
DEB_SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
DEB_SIZE=$(stat -c %s "$DEB")
TORRENT=$REPO_ROOT/aptbt/torrents/$(echo "$DEB_SHA" | cut -c1-2)/$DEB_SHA.torrent
MANIFEST=$REPO_ROOT/dists/$REPO_SUITE/aptbt/manifest
echo "package $DEBNAME: $DEB_SIZE bytes, sha256 $DEB_SHA"

# mkmeta FORM: the suite's metadata in FORM (v1 or hybrid).
mkmeta()
{
	"$MKMETA" --archive "$REPO_ROOT" --suite "$REPO_SUITE" "--$1" \
	    --webseed-base "http://$MIRROR/debian" >"$T/mkmeta-$1.out" 2>&1 ||
		fail "aptbt-mkmeta --$1 failed: $(cat "$T/mkmeta-$1.out")"
	[ -s "$TORRENT" ] && [ -s "$MANIFEST" ] ||
		fail "aptbt-mkmeta --$1 wrote no $TORRENT or $MANIFEST"
	chmod -R a+rX "$REPO_WWW"
	cp "$TORRENT" "$T/$1.torrent"
}

# The other clients get the package from aptbtd or not at all.
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" m a \
    "deny $(ns_ip l); deny $(ns_ip l2); deny $(ns_ip t);"
REPO_HOST=$MIRROR
# For a diagnosis: INTEROP_PCAP=1 records a's traffic in $T/a.pcap (kept
# with the logs when a check fails).
if [ -n "${INTEROP_PCAP:-}" ] && command -v tcpdump >/dev/null 2>&1; then
	ns_bg a "$T/tcpdump.log" tcpdump -U -s 256 -i eth0 -w "$T/a.pcap"
fi
REPO_APT=$REPO_T/apt-a
apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives

# .deb bytes nginx sent to HOST after access-log line MARK.
ngx_mark() { wc -l <"$REPO_NGINX/access.log"; }
deb_bytes_to()	# MARK HOST
{
	awk -v m="$1" -v a="$(ns_ip "$2")" 'NR > m && $1 == a &&
	    ($2 == 200 || $2 == 206) && $4 == "GET" && $5 ~ /\.deb$/ {
	    n += $3 } END { print n + 0 }' "$REPO_NGINX/access.log"
}
# Requests from HOST nginx answered with a body, after line MARK.
served_to()	# MARK HOST PATTERN
{
	awk -v m="$1" -v a="$(ns_ip "$2")" -v p="$3" 'NR > m && $1 == a &&
	    $2 == 200 && $5 ~ p { n++ } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}

# --- aptbtd on a ---------------------------------------------------------------
ctl() { ns_exec a "$APTBT_CTL" -s "$DIR_A/control.sock" "$@"; }
ctl_field()	# KEY
{
	ctl --json status | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"
}
daemon_up()	# NAME
{
	DIR_A=$T/$1
	LOG_A=$T/$1.log
	conf=$(write_conf "$DIR_A" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "lsd = yes")
	# $DAEMON_ENV is VAR=VALUE words on purpose.
	# shellcheck disable=SC2086
	ns_bg a "$LOG_A" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	PID_A=$NS_BG_PID
	wait_for_socket "$DIR_A/control.sock" ||
		{ show "$LOG_A" 20; fail "a: control socket did not appear"; }
}
daemon_down()
{
	stop_wait "$PID_A"
	[ "$STOP_RC" = 0 ] ||
		bad "daemon: aptbtd exited with status $STOP_RC ($LOG_A)"
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$LOG_A" &&
		bad "daemon: sanitizer report in $LOG_A"
	return 0
}

# apt_get NAME SECS ARGS...: apt-get on a through aptbtd, output to
# $T/NAME.log.
apt_get()
{
	local log=$T/$1.log secs=$2 rc
	shift 2
	ns_exec a env APT_CONFIG="$REPO_APT/apt.conf" timeout "$secs" \
	    apt-get -o Acquire::aptbt::Socket="$DIR_A/control.sock" \
	    -o Acquire::aptbt::Daemon-Timeout=5 "$@" >>"$log" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "apt-get $* did not end in ${secs}s" >>"$log"
	grep -q 'aptbtd is not running\|no answer from aptbtd' "$log" &&
		bad "daemon: the method fell back to direct fetching ($log)"
	grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log" &&
		bad "sanitizer report in $log"
	return $rc
}

# Distinct "ADDRESS CLIENT" pairs of the samples in FILE.
peers_seen()
{
	peers_samples "$1" | cut -f1,2 | tr '\t' ' ' | LC_ALL=C sort -u
}

# Seconds since T0 (date +%s%N), to a tenth.
secs_since()
{
	local ms=$((($(date +%s%N) - $1) / 1000000))
	echo "$((ms / 1000)).$((ms % 1000 / 100))"
}
percent() { echo $((${2:-0} > 0 ? $1 * 100 / $2 : 0)); }

# lt_start HOST MODE FORM NAME [ARGS...]: interop-lt.py on HOST with the
# FORM torrent in $T/NAME; sets $LT_PID, output in $T/NAME.out.
lt_start()
{
	local h=$1 mode=$2 form=$3 name=$4
	shift 4
	mkdir -p "$T/$name"
	[ "$mode" = seed ] && cp "$DEB" "$T/$name/$DEBNAME"
	ns_bg "$h" "$T/$name.out" "$PY" "$LTPY" "$mode" "$(ns_ip "$h")" \
	    "$T/$form.torrent" "$T/$name" "$@"
	LT_PID=$NS_BG_PID
}
lt_stop()	# PID
{
	stop_wait "$1" 10
}

# --- a. libtorrent seeds, aptbtd fetches ----------------------------------
part_a()
{
	local form=$1 mark t0 dt rc p m pct got
	echo "=== $form a: libtorrent on l seeds, aptbtd on a fetches"
	A_DONE=
	daemon_up "a-$form"
	rm -f "$ARCHIVES"/*.deb "$ARCHIVES/partial"/*
	tc -n "${NS_PREFIX}m" qdisc del dev eth0 root 2>/dev/null
	find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
	apt_get "$form-update" 60 update ||
		{ show "$T/$form-update.log"; fail "$form: apt-get update on a failed"; }
	lt_start l seed "$form" "lt-$form-seed" 120
	wait_for_file_line "$T/lt-$form-seed.out" '^ready' 20 ||
		{ show "$T/lt-$form-seed.out"; fail "$form: libtorrent on l did not start seeding"; }
	ns_cap m 2mbit
	mark=$(ngx_mark)
	peers_watch "$T/$form-peers-a.json"
	t0=$(date +%s%N)
	apt_get "$form-install" "$LT_DEADLINE" install --download-only -y "$PKG"
	rc=$?
	dt=$(secs_since "$t0")
	peers_watch_end
	got=$(sha256sum "$ARCHIVES/$DEBNAME" 2>/dev/null | cut -d' ' -f1)
	if [ "$rc" = 0 ] && [ "$got" = "$DEB_SHA" ]; then
		ok "$form a: apt-get fetched $DEBNAME through aptbtd in ${dt}s, SHA-256 right"
		A_DONE=1
	else
		bad "daemon: $form a: apt-get did not fetch $DEBNAME within ${LT_DEADLINE}s (status $rc, sha256 ${got:-none})"
		show "$T/$form-install.log" 10
	fi
	p=$(ctl_field bytes_from_peers)
	m=$(ctl_field bytes_from_mirrors)
	pct=$(percent "$p" "$DEB_SIZE")
	echo "$form a: bytes_from_peers $p, bytes_from_mirrors $m," \
	    "nginx sent a $(deb_bytes_to "$mark" a) .deb bytes:" \
	    "${pct}% of the package from peers"
	[ "$pct" -ge 50 ] &&
		ok "$form a: ${pct}% of the package came from libtorrent" ||
		bad "daemon: $form a: only $p of $DEB_SIZE bytes came from peers"
	[ "$(served_to "$mark" a '/aptbt/manifest$')" -ge 1 ] ||
	    [ "$(served_to 0 a '/aptbt/manifest$')" -ge 1 ] ||
		bad "daemon: $form a: aptbtd never fetched the suite's manifest"
	# apt's Target-Base-URI names the suite's directory for indexes but
	# the archive's top for packages: the method must make the suite's
	# base of it, else aptbtd looks for a manifest where there is none.
	awk -v a="$(ns_ip a)" '$1 == a && $5 ~ /\/aptbt\/manifest$/ &&
	    $5 !~ /\/dists\/[^\/]+\/aptbt\/manifest$/ { print $5 }' \
	    "$REPO_NGINX/access.log" | sort -u >"$T/wrong-manifests"
	[ -s "$T/wrong-manifests" ] &&
		bad "method: $form a: aptbtd was sent to look for a manifest outside dists/$REPO_SUITE/: $(tr '\n' ' ' <"$T/wrong-manifests")(the package's base should be the suite's directory)"
	[ "$(served_to 0 a '\.torrent$')" -ge 1 ] || {
		bad "daemon: $form a: aptbtd never fetched the package's torrent"
		A_DONE=
	}
	peers_seen "$T/$form-peers-a.json" >"$T/$form-peers-a.out"
	echo "$form a: aptbt-ctl peers showed: $(tr '\n' ';' <"$T/$form-peers-a.out")"
	grep -qi "^$(ns_ip l):[0-9]* .*libtorrent" "$T/$form-peers-a.out" &&
		ok "$form a: aptbt-ctl peers listed libtorrent on l" ||
		bad "daemon: $form a: aptbt-ctl peers never listed a libtorrent peer at $(ns_ip l)"
	tc -n "${NS_PREFIX}m" qdisc del dev eth0 root 2>/dev/null
	lt_stop "$LT_PID"
	echo "$form a: libtorrent on l saw: $(grep -E '^(peer|total) ' \
	    "$T/lt-$form-seed.out" | tr '\n' ';')"
}

# --- b. aptbtd seeds, libtorrent fetches ------------------------------------
part_b()
{
	local form=$1 name mark rc got how
	name=lt-$form-get
	echo "=== $form b: aptbtd on a seeds, libtorrent on l2 fetches"
	mark=$(ngx_mark)
	lt_start l2 get "$form" "$name" "$GET_DEADLINE" "$(ns_ip a):6881" 10
	wait "$LT_PID"
	rc=$?
	got=$(sha256sum "$T/$name/$DEBNAME" 2>/dev/null | cut -d' ' -f1)
	how=$(grep -E '^(peer|fallback) ' "$T/$name.out" | tr '\n' ';')
	if [ "$rc" = 0 ] && [ "$got" = "$DEB_SHA" ]; then
		ok "$form b: libtorrent fetched $DEBNAME from aptbtd in $(sed -n 's/^done //p' "$T/$name.out")s, SHA-256 right ($how)"
	else
		bad "daemon: $form b: libtorrent did not fetch $DEBNAME from aptbtd (status $rc, sha256 ${got:-none}; $how)"
		show "$T/$name.out" 10
	fi
	# Not a failure: whether and when libtorrent announces is its own
	# business; but say so, the LSD path is the one meant to work.
	grep -q '^fallback ' "$T/$name.out" &&
		echo "warning: $form b: libtorrent was told aptbtd's address after 10 s: LSD did not bring them together"
	echo "$form b: aptbtd bytes_to_peers $(ctl_field bytes_to_peers)"
	[ "$(deb_bytes_to "$mark" l2)" = 0 ] ||
		bad "$form b: nginx sent l2 package bytes"
}

# --- c. aptbtd seeds, Transmission fetches ----------------------------------
part_c()
{
	local d=$T/tr tenths got t0 dt
	echo "=== v1 c: aptbtd on a seeds, transmission-cli on t fetches"
	if ! command -v transmission-cli >/dev/null 2>&1; then
		echo "SKIP: v1 c: transmission-cli is not installed"
		return 0
	fi
	mkdir -p "$d/conf" "$d/dl"
	cat >"$d/conf/settings.json" <<EOF
{
    "bind-address-ipv4": "$(ns_ip t)",
    "dht-enabled": false,
    "download-dir": "$d/dl",
    "encryption": 0,
    "incomplete-dir-enabled": false,
    "lpd-enabled": true,
    "peer-port": 51413,
    "pex-enabled": false,
    "port-forwarding-enabled": false,
    "rpc-enabled": false,
    "utp-enabled": false
}
EOF
	printf '#!/bin/sh\ntouch %s/finished\n' "$d" >"$d/finish.sh"
	chmod 755 "$d/finish.sh"
	t0=$(date +%s)
	ns_bg t "$T/transmission.out" transmission-cli -g "$d/conf" -w "$d/dl" \
	    -f "$d/finish.sh" -et -M "$T/v1.torrent"
	TR_PID=$NS_BG_PID
	tenths=$((GET_DEADLINE * 10))
	while [ ! -e "$d/finished" ] && [ "$tenths" -gt 0 ] && alive "$TR_PID"; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
	dt=$(($(date +%s) - t0))
	stop_wait "$TR_PID" 10
	got=$(sha256sum "$d/dl/$DEBNAME" 2>/dev/null | cut -d' ' -f1)
	if [ -e "$d/finished" ] && [ "$got" = "$DEB_SHA" ]; then
		ok "v1 c: Transmission fetched $DEBNAME from aptbtd in ${dt}s, SHA-256 right"
	else
		bad "daemon: v1 c: Transmission did not fetch $DEBNAME from aptbtd in ${GET_DEADLINE}s (sha256 ${got:-none})"
		tr '\r' '\n' <"$T/transmission.out" | tail -n 5 >&2
	fi
	echo "v1 c: aptbtd bytes_to_peers $(ctl_field bytes_to_peers)"
}

for form in $FORMS; do
	before=$fails
	mkmeta "$form"
	part_a "$form"
	# b and c need the package and its torrent on a.
	if [ -n "$A_DONE" ]; then
		part_b "$form"
		[ "$form" = v1 ] && part_c
	else
		echo "$form: b and c not run: a has no package under a torrent"
	fi
	daemon_down
	if [ "$fails" != "$before" ]; then
		echo "--- $form: $((fails - before)) failure(s); aptbtd's log:" >&2
		grep -iE 'warn|error|torrent|manifest|lsd|peer' "$LOG_A" |
		    tail -n 30 >&2
	fi
done

[ "$fails" = 0 ] || { echo "interop.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
