#!/bin/sh
# SPDX-License-Identifier: ISC
# redial.sh - a libtorrent peer with default settings (uTP first) and
# aptbtd find each other by LSD; libtorrent closes aptbtd's TCP dial as a
# duplicate of its own uTP attempt, and aptbtd must dial it again.
#
# Network namespaces on one bridge: m (192.0.2.1) serves a signed
# repository of one 4 MiB package and its v1 metadata, its link capped
# at 2 Mbit/s (the package alone would take some 17 s from it); d (.2)
# runs aptbtd (lsd = yes, share = 192.0.2.0/24); l (.3) runs utp-lt.py:
# python3-libtorrent with its default connection settings (uTP, then
# TCP; encryption allowed) and LSD, seeding the package; r (.4) runs
# rawpeer.py.  nginx refuses l.
#
#   1. d fetches the package in metadata mode.  Measured: seconds from
#      the fetch's start to d's first bytes from l and from the mirror
#      (sampled every 0.2 s from "aptbt-ctl --json status" and "peers").
#      Checked: the fetch is right; at least half the package came from
#      l; and if l closed one of d's dials right after connecting (which
#      side's connection libtorrent keeps is a race), d's log shows the
#      redial.
#   2. The same hang-up made certain: r announces the package's
#      info-hash (LSD) and hangs up on every connection as soon as it has
#      the handshake.  d dials r, and again 1 to 3.5 s later; not a third
#      time within 6 s more.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] && $PY -c 'import libtorrent' 2>/dev/null ||
	skip "python3-libtorrent is not installed"
LTPY=$top_srcdir/tests/integration/utp-lt.py
RAW=$top_srcdir/tests/integration/rawpeer.py

# shellcheck source=tests/integration/lib-swarm.sh
. "$top_srcdir/tests/integration/lib-swarm.sh"
swarm_hosts l 3 r 4
L=$(ns_ip l)

repo_init
repo_build 0 1 4
swarm_mkmeta
swarm_pkg 1
cp "$TORRENT" "$T/v1.torrent"
chmod -R a+rX "$REPO_WWW"
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" m d "deny $L;"

conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881" \
    "share = 192.0.2.0/24" "lsd = yes")
ns_bg d "$T/d.log" "$APTBTD" -f -c "$conf"
PID_D=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d.log"; fail "aptbtd did not start"; }
ctl() { ns_exec d "$APTBT_CTL" -s "$T/d/control.sock" "$@"; }

mkdir -p "$T/l"
cp "$DEB" "$T/l/$DEBNAME"
ns_bg l "$T/lt.out" "$PY" "$LTPY" "$L" "$T/v1.torrent" "$T/l" 90
PID_L=$NS_BG_PID
wait_for_file_line "$T/lt.out" '^ready' 20 || { show "$T/lt.out"; fail "libtorrent on l did not start seeding"; }
ns_cap m 2mbit

# Every 0.2 s: seconds since the start, bytes from l, bytes from mirrors.
sample()
{
	local t0=$1
	while [ ! -e "$T/stop-sample" ]; do
		{ ctl --json peers; echo; ctl --json status; } 2>/dev/null |
		    $PY -c '
import json, sys, time
text, dec, i, l, m = sys.stdin.read(), json.JSONDecoder(), 0, 0, 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    doc, i = dec.raw_decode(text, i)
    peers = doc.get("peers")
    for p in peers if isinstance(peers, list) else []:
        if p.get("address", "").startswith(sys.argv[2] + ":"):
            l = max(l, p.get("bytes_in", 0))
    m = max(m, doc.get("bytes_from_mirrors", 0))
print("%.1f %d %d" % ((time.time_ns() - int(sys.argv[1])) / 1e9, l, m))
' "$t0" "$L"
		sleep 0.2
	done >"$T/samples.out"
}
echo "=== 1. libtorrent with default settings on l seeds, d fetches"
rm -f "$T/stop-sample"
t0=$(date +%s%N)
sample "$t0" &
SAMPLER=$!
ns_exec d timeout 60 "$PY" "$FETCH" "$T/d/control.sock" \
    "http://$MIRROR/debian/pool/$REPO_COMP/$DEBNAME" "$T/got.deb" \
    --sha256 "$SHA" --size "$SIZE" \
    --base "http://$MIRROR/debian/dists/$REPO_SUITE/" >"$T/fetch.out" 2>&1
rc=$?
dt=$((($(date +%s%N) - t0) / 100000000))
touch "$T/stop-sample"
wait "$SAMPLER"
tc -n "${NS_PREFIX}m" qdisc del dev eth0 root 2>/dev/null
got=$(sha256sum "$T/got.deb" 2>/dev/null | cut -d' ' -f1)
[ "$rc" = 0 ] && [ "$got" = "$SHA" ] &&
	ok "d fetched $DEBNAME in $((dt / 10)).$((dt % 10)) s, SHA-256 right" ||
	{ bad "d did not fetch $DEBNAME (status $rc, sha256 ${got:-none})"; show "$T/fetch.out"; }
first_l=$(awk '$2 > 0 { print $1; exit }' "$T/samples.out")
first_m=$(awk '$3 > 0 { print $1; exit }' "$T/samples.out")
from_l=$(awk '$2 > n { n = $2 } END { print n + 0 }' "$T/samples.out")
echo "first bytes from libtorrent after ${first_l:-never} s, from the mirror after ${first_m:-never} s; $from_l bytes from libtorrent"
[ "${from_l:-0}" -ge $((SIZE / 2)) ] &&
	ok "libtorrent delivered $from_l of $SIZE bytes" ||
	bad "libtorrent delivered only ${from_l:-0} of $SIZE bytes"

early=$(grep -c "peer $L:6881: .*closed right after connecting" "$T/d.log")
redials=$(grep -c "peers: redialling $L:6881" "$T/d.log")
echo "d's log: $early dial(s) of l closed right after connecting, $redials redial(s)"
grep "peer $L:6881\|redialling $L" "$T/d.log" | head -n 20
echo "libtorrent on l saw:"
grep '^event' "$T/lt.out" | cut -c1-160
[ "$redials" -ge "$early" ] ||
	bad "l closed $early of d's dials right after connecting, but d redialled $redials times"
stop_wait "$PID_L" 10

# --- 2. a peer that always hangs up ----------------------------------------
echo "=== 2. r hangs up on every connection at once"
R=$(ns_ip r)
ns_bg r "$T/accept.out" "$PY" "$RAW" accept "$R" 6881 12
PID_A=$NS_BG_PID
wait_for_file_line "$T/accept.out" "^listening" 10 || fail "rawpeer.py accept did not start"
ns_exec r "$PY" "$RAW" lsdsend "$IH" 6881 >"$T/lsdsend.out" 2>&1 ||
	fail "rawpeer.py lsdsend failed: $(cat "$T/lsdsend.out")"
wait "$PID_A"
grep "^handshake" "$T/accept.out"
n=$(grep -c "^handshake $IH $D " "$T/accept.out")
gap=$(awk '$1 == "handshake" { t[n++] = $4 } END {
    if (n >= 2) printf "%d", (t[1] - t[0]) * 1000; else printf "-1" }' "$T/accept.out")
[ "$n" = 2 ] && [ "$gap" -ge 1000 ] && [ "$gap" -le 3500 ] &&
	ok "d dialled r twice, the second ${gap} ms after the first, then no more" ||
	{ bad "d dialled r $n times (want 2), ${gap} ms apart (want 1000..3500)"; show "$T/accept.out"; }
grep -q "peers: redialling $R:6881: dialled" "$T/d.log" ||
	bad "d's log does not show the redial of r"

stop_wait "$PID_D"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/d.log" &&
	bad "sanitizer report in $T/d.log"
[ "$fails" = 0 ] || { echo "redial.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
