#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-local.sh - tracker localization: which trackers hear of a file.
#
# Network namespaces on one bridge:
#   h  (192.0.2.1)  a mirror that publishes aptbt metadata (manifest and
#                   torrents by aptbt-mkmeta; the manifest names the
#                   pattern udp://:6969/announce, a tracker on its own
#                   host) and runs that tracker (fake-tracker.py, UDP)
#   h2 (192.0.2.4)  the same metadata, but its tracker swallows every
#                   packet (fake-tracker.py --silent): a tracker that is
#                   not there
#   p  (192.0.2.2)  a public mirror of the same files that publishes no
#                   metadata; listeners on its tracker ports count
#                   whatever reaches them
#   t  (192.0.2.3)  the torrents' own tracker (announce-list: first
#                   http://127.0.0.1:6970/announce, then
#                   http://192.0.2.3:6969/announce); a listener on d's own
#                   127.0.0.1:6970 counts whatever reaches it
#   d  (192.0.2.10) aptbtd, "trackers_on_metadata_hosts =
#                   http://:7070/announce" and no "trackers"
#
#   1. d fetches a package from h (metadata mode): the tracker on h gets
#      its announce ("started" and "completed"), the torrent's own tracker
#      none: the first tier that answers is the one used.
#   2. d fetches packages from p: p publishes nothing, so nothing at all
#      reaches p's tracker ports (UDP 6969, TCP 7070), and, with no
#      "trackers" configured, no zero-metadata key goes anywhere: t and h
#      hear nothing new.
#   3. d fetches three packages from h2, one after the other: h2's
#      tracker gets exactly one packet (one connect, one timeout), and
#      then every announce goes to the torrent's tracker t: a missing
#      tracker costs one timeout, not one per file.  The torrent's first
#      tracker, on loopback, is never contacted: a tracker named by a
#      torrent is not reached on a local address.
#   4. d restarts: the file from h, now only seeded, is announced to h's
#      tracker again (its host trackers were saved with its torrent), and
#      still not to the torrent's own.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip
FAKE=$top_srcdir/tests/integration/fake-tracker.py
MKMETA=$top_builddir/client/aptbt-mkmeta
[ -x "$MKMETA" ] || fail "$MKMETA is not built"

# shellcheck source=tests/integration/lib-tracker.sh
. "$top_srcdir/tests/integration/lib-tracker.sh"
chmod 755 "$T"
ns_init
trap trk_at_exit EXIT
ns_host h 1
ns_host p 2
ns_host t 3
ns_host h2 4
ns_host d 10

# --- the repository, its metadata, three mirrors -----------------------------
repo_init
repo_build 7 0
"$MKMETA" --archive "$REPO_ROOT" --suite "$REPO_SUITE" --v1 \
    --tracker "udp://:6969/announce" \
    --tracker "http://127.0.0.1:6970/announce" \
    --tracker "http://192.0.2.3:6969/announce" >"$T/mkmeta.out" 2>&1 ||
	fail "aptbt-mkmeta failed: $(cat "$T/mkmeta.out")"
chmod -R a+rX "$REPO_WWW"
# Keep the built tree under $T: the test needs nothing else of $REPO_T.
mv "$REPO_WWW" "$T/repo-www" || fail "cannot move the repository"
REPO_WWW=$T/repo-www
REPO_ROOT=$REPO_WWW/debian
set -- $(ls "$REPO_ROOT/pool/$REPO_COMP/" | grep '\.deb$')
[ $# -ge 7 ] || fail "expected 7 packages, got $#"
DEBS="$*"

# nginx_in HOST [LINES]: nginx serving $REPO_WWW on HOST's address.
nginx_in()
{
	local h=$1 dir=$T/nginx-$1 i=0
	mkdir -p "$dir/tmp"
	cat >"$dir/nginx.conf" <<EOF
user www-data;
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
	log_format t '\$remote_addr \$status \$body_bytes_sent \$request_method \$uri';
	access_log $dir/access.log t;
	client_body_temp_path $dir/tmp;
	proxy_temp_path $dir/tmp;
	fastcgi_temp_path $dir/tmp;
	uwsgi_temp_path $dir/tmp;
	scgi_temp_path $dir/tmp;
	default_type application/octet-stream;
	server { listen $(ns_ip "$1"):80; root $REPO_WWW; ${2:-} }
}
EOF
	ns_bg "$h" "$T/nginx-$h.out" nginx -p "$dir" -c "$dir/nginx.conf"
	until ns_exec d curl -s -o /dev/null "http://$(ns_ip "$1")/"; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "nginx on $h does not answer"
		sleep 0.1
	done
}
nginx_in h
nginx_in h2
# A mirror that publishes no metadata.
nginx_in p "location ~ /aptbt/ { return 404; }"
ns_exec d curl -sf -o /dev/null "http://192.0.2.2/debian/dists/$REPO_SUITE/aptbt/manifest" &&
	fail "p serves a manifest"

# --- trackers and listeners ------------------------------------------------------
fake()	# HOST NAME ARGS...
{
	local h=$1 n=$2
	shift 2
	: >"$T/$n.log"
	ns_bg "$h" "$T/$n.out" "$PY" "$FAKE" "$@" "$T/$n.log"
	wait_for_file_line "$T/$n.out" '^ready' 10 || { show "$T/$n.out"; fail "$n did not start"; }
}
fake h trk-h --udp 192.0.2.1:6969
fake h2 trk-h2 --silent --udp 192.0.2.4:6969
fake p trk-p --silent --udp 192.0.2.2:6969 --http 192.0.2.2:7070
fake t trk-t --http 192.0.2.3:6969
fake d trk-lo --silent --http 127.0.0.1:6970
count() { grep -c "${2:-.}" "$T/$1.log"; }	# LISTENER [RE]

# --- the daemon ---------------------------------------------------------------------
conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881" \
    "share = 192.0.2.0/24" "trackers_on_metadata_hosts = http://:7070/announce")
ns_bg d "$T/d.log" "$APTBTD" -f -c "$conf"
DPID=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d.log"; fail "aptbtd did not start"; }
# fetch MIRROR-ADDRESS DEB [--base]: this test's own, instead of lib-tracker.sh's.
fetch()
{
	local f=$REPO_ROOT/pool/$REPO_COMP/$2 base=
	[ "${3:-}" = --base ] && base="--base http://$1/debian/dists/$REPO_SUITE/"
	# shellcheck disable=SC2086
	ns_exec d timeout 60 "$PY" "$FETCH" "$T/d/control.sock" \
	    "http://$1/debian/pool/$REPO_COMP/$2" "$T/got" \
	    --sha256 "$(sha256sum "$f" | cut -d' ' -f1)" \
	    --size "$(stat -c %s "$f")" $base >"$T/fetch.out" 2>&1 ||
		{ show "$T/fetch.out"; show "$T/d.log"; fail "fetch of $2 from $1 failed"; }
}
ih_of()	# DEB: its torrent's info-hash, from the torrent
{
	local sha
	sha=$(sha256sum "$REPO_ROOT/pool/$REPO_COMP/$1" | cut -d' ' -f1)
	torrent_ih \
	    "$REPO_ROOT/aptbt/torrents/$(echo "$sha" | cut -c1-2)/$sha.torrent"
}
wait_count()	# LISTENER RE N SECS
{
	local tenths=$(($4 * 10))
	while [ "$(count "$1" "$2")" -lt "$3" ] && [ $tenths -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
}

set -- $DEBS
# --- 1. the tracker on the metadata host first ------------------------------------
echo "=== 1. metadata from h: h's tracker"
IH1=$(ih_of "$1")
fetch 192.0.2.1 "$1" --base
wait_count trk-h "announce $IH1 completed" 1 60
n_h=$(count trk-h "announce $IH1")
n_t=$(count trk-t "$IH1")
echo "h's tracker: $n_h announces of the file ($(grep "$IH1" "$T/trk-h.log" |
    awk '{ print $5 }' | tr '\n' ' ')); the torrent's tracker: $n_t"
grep -q "announce $IH1 started" "$T/trk-h.log" && [ "$n_t" -eq 0 ] &&
	ok "the tracker on h had started, the torrent's none" ||
	{ show "$T/d.log"; bad "h's tracker: $n_h, the torrent's: $n_t"; }
# "completed" follows "started" there, also when the torrent became known
# only as the fetch ended (while the file was checked and stored).
grep -q "announce $IH1 completed" "$T/trk-h.log" &&
	ok "h's tracker had completed after started" ||
	{ show "$T/d.log"; bad "h's tracker got no \"completed\" for the file"; }

# --- 2. a mirror without metadata gets no probe -------------------------------------
echo "=== 2. files from p (no metadata)"
h_before=$(count trk-h)
t_before=$(count trk-t)
fetch 192.0.2.2 "$2" --base
fetch 192.0.2.2 "$3"
sleep 2
n_p=$(count trk-p)
echo "p's tracker ports: $n_p requests; h: +$(($(count trk-h) - h_before)); t: +$(($(count trk-t) - t_before))"
[ "$n_p" -eq 0 ] && ok "p's tracker ports saw nothing" || bad "p got $n_p tracker requests"
[ "$(count trk-h)" -eq "$h_before" ] && [ "$(count trk-t)" -eq "$t_before" ] &&
	ok "no zero-metadata key announced without configured trackers" ||
	bad "a zero-metadata key went to a tracker nobody configured"

# --- 3. a tracker that is not there: one timeout ------------------------------------
echo "=== 3. metadata from h2, whose tracker never answers"
t0=$(date +%s)
for deb in "$4" "$5" "$6"; do
	ih=$(ih_of "$deb")
	fetch 192.0.2.4 "$deb" --base
	wait_count trk-t "announce $ih started" 1 60
	grep -q "announce $ih started" "$T/trk-t.log" ||
		{ show "$T/d.log"; bad "the torrent's tracker never heard of $deb"; }
done
dt=$(($(date +%s) - t0))
n_h2=$(count trk-h2)
echo "h2's tracker: $n_h2 packets ($(awk '{ print $3 }' "$T/trk-h2.log" | tr '\n' ' '))" \
    "for 3 files in ${dt}s; the torrent's tracker: $(count trk-t announce) announces"
[ "$n_h2" -eq 1 ] && ok "the missing tracker cost one probe for three files" ||
	bad "h2's tracker got $n_h2 packets for three files"
grep -q "192.0.2.4:6969/announce: not there" "$T/d.log" ||
	bad "the daemon did not say h2's tracker is not there"
[ "$(count trk-h)" -eq "$h_before" ] || bad "h's tracker heard of h2's files"
n_lo=$(count trk-lo)
[ "$n_lo" -eq 0 ] && grep -q "127.0.0.1:6970/announce: " "$T/d.log" &&
	ok "the torrent's tracker on loopback was never contacted" ||
	bad "the torrent's loopback tracker got $n_lo requests"

# --- 4. after a restart ----------------------------------------------------------------
echo "=== 4. d restarts: the seed from h goes to h's tracker again"
stop_wait "$DPID"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
before=$(count trk-h "announce $IH1")
ns_bg d "$T/d2.log" "$APTBTD" -f -c "$conf"
DPID=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d2.log"; fail "aptbtd did not restart"; }
# Seeds are spread over the first minute after start-up.
wait_count trk-h "announce $IH1" $((before + 1)) 75
n=$(($(count trk-h "announce $IH1") - before))
[ "$n" -ge 1 ] && [ "$(count trk-t "$IH1")" -eq 0 ] &&
	ok "after the restart h's tracker heard of the seed ($n), the torrent's did not" ||
	{ show "$T/d2.log"; bad "after the restart h's tracker got $n announces of the seed"; }
stop_wait "$DPID"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/d.log" "$T/d2.log" &&
	bad "sanitizer report in the daemon's log"

[ "$fails" -eq 0 ] || { show "$T/d.log" 60; fail "$fails check(s) failed"; }
echo "ok: tracker-local"
