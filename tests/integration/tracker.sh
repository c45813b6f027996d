#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker.sh - two daemons on different subnets find each other through
# opentracker, over HTTP and over UDP, and one fetches from the other.
#
# Network namespaces, two bridges joined by a router (no multicast, no
# LSD reach between them; LSD is off anyway):
#
#   192.0.2.0/24       m (.1) the mirror (nginx), t (.2) opentracker
#                      (Debian's build: run as _opentracker in a chroot,
#                      info-hashes whitelisted), a (.10) aptbtd, r (.254)
#   198.51.100.0/24    b (.10) aptbtd, r (.254)
#
# Both daemons name the tracker in "trackers" and nothing else: no "peers",
# no LSD.  For each of http:// and udp:// (fresh daemons and a fresh file
# each time):
#   1. a fetches the file from the mirror; opentracker then lists a as a
#      seed of the file's zero-metadata key (scrape: complete >= 1) -- a
#      announced "started" and "completed" for it; tracker-probe, the
#      client's own scrape over the same protocol, says so too.
#   2. b starts; through the tracker (the daemons' presence key) it learns
#      of a and connects: "aptbt-ctl peers" on b lists a with source
#      "tracker".
#   3. b fetches the file: every byte from a (bytes_from_peers = size,
#      bytes_from_mirrors = 0), and nginx's log shows no request for it
#      from b.
# Then interop: the mirror also publishes aptbt metadata (aptbt-mkmeta,
# torrents announcing to the same opentracker).  A fresh daemon on a with
# no "trackers" at all fetches a package in metadata mode, and so
# announces it under the torrent's info-hash to the torrent's tracker;
# python3-libtorrent on c (192.0.2.11), with only the .torrent (no DHT,
# LSD or PEX help), finds a through opentracker and downloads the whole
# package from it (the torrents' webseed refuses c).
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd nginx opentracker curl ip apt-ftparchive dpkg-deb gpg
id _opentracker >/dev/null 2>&1 || skip "no _opentracker user (package opentracker)"
# shellcheck source=tests/integration/lib-tracker.sh
. "$top_srcdir/tests/integration/lib-tracker.sh"
PRES=29b47237d15f21234c22dd97f3efc5073bd5a3ca	# daemons' presence key

trk_net
trk_mirror

# --- opentracker ----------------------------------------------------------------
OT=$T/ot
mkdir -p "$OT"
{
	echo "$PRES"
	for f in http udp; do zkey "$(sha_of "$WWW/$f.bin")"; done
	echo "$IH"
} >"$OT/whitelist"
cat >"$OT/opentracker.conf" <<EOF
listen.tcp_udp 192.0.2.2:6969
tracker.rootdir $OT
tracker.user _opentracker
access.whitelist /whitelist
EOF
chmod 755 "$OT" && chmod 644 "$OT"/*
ns_bg t "$T/opentracker.log" opentracker -f "$OT/opentracker.conf"
PID_OT=$NS_BG_PID
i=0
until ns_exec a curl -s -o /dev/null "http://192.0.2.2:6969/stats"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { show "$T/opentracker.log"; fail "opentracker does not answer"; }
	sleep 0.1
done

trk_rounds opentracker
trk_lt opentracker

[ "$fails" -eq 0 ] || fail "$fails check(s) failed"
echo "ok: tracker"
