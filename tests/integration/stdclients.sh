#!/bin/sh
# SPDX-License-Identifier: ISC
# stdclients.sh - what standard clients out on the internet need of
# aptbtd: BEP 9 ut_metadata and the peer's "reqq".
#
# Network namespaces on one bridge: m (192.0.2.1) serves a signed
# repository of two 4 MiB packages and their v1 metadata with nginx; d
# (.2) runs aptbtd (share = 192.0.2.0/24, lsd = no); l (.3) runs
# python3-libtorrent (magnet-lt.py), r (.4) rawpeer.py.  nginx refuses l
# and r, so they get package bytes from aptbtd or not at all.
#
#   1. d fetches aptbt-large1 in metadata mode.  libtorrent on l, given
#      only the torrent's info-hash and d's address, gets the torrent from
#      d (BEP 9) and then the package; its SHA-256 is right.
#   2. rawpeer.py asks d for the info dictionary 6 times on one
#      connection: d's extended handshake names ut_metadata with the
#      dictionary's size, 2 answers come (UTMETA_PASSES for a one-piece
#      dictionary) whose SHA-1 is the info-hash, and 4 rejects.  On the
#      same file's zero-metadata key there is no dictionary a peer could
#      check: no ut_metadata, no metadata_size, and requests are rejected.
#   3. d fetches aptbt-large2 with m's link capped at 1 Mbit/s while
#      rawpeer.py serves it, advertising reqq 8 and answering a block
#      every 20 ms: d's pipeline would be 16 blocks or more, but at most
#      8 requests are ever outstanding, and the peer served some.
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
LTPY=$top_srcdir/tests/integration/magnet-lt.py
RAW=$top_srcdir/tests/integration/rawpeer.py

# shellcheck source=tests/integration/lib-swarm.sh
. "$top_srcdir/tests/integration/lib-swarm.sh"
swarm_hosts l 3 r 4

# --- the repository, its metadata and its mirror ---------------------------
repo_init
repo_build 0 2 4
swarm_mkmeta
chmod -R a+rX "$REPO_WWW"
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" m d \
    "deny $(ns_ip l); deny $(ns_ip r);"

# pkg N: swarm_pkg's variables, ZKEY (zero-metadata key) and INFO_LEN
# (the info dictionary's size) of aptbt-largeN.
pkg()
{
	swarm_pkg "$1"
	ZKEY=$($PY -c 'import hashlib, sys
print(hashlib.sha256(b"aptbt-v1" + bytes.fromhex(sys.argv[1])).hexdigest()[:40])' "$SHA")
	INFO_LEN=$(PYTHONPATH=$top_srcdir/tests/integration $PY -c '
import sys
from benc import decode, encode
t, _ = decode(open(sys.argv[1], "rb").read())
print(len(encode(t[b"info"])))' "$TORRENT")
}

# --- aptbtd on d ------------------------------------------------------------
conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881" \
    "share = 192.0.2.0/24" "lsd = no")
ns_bg d "$T/d.log" "$APTBTD" -f -c "$conf"
PID_D=$NS_BG_PID
wait_for_socket "$T/d/control.sock" || { show "$T/d.log"; fail "aptbtd did not start"; }

# fetch NAME: d fetches the current package in metadata mode.
fetch()
{
	ns_bg d "$T/fetch-$1.out" timeout 90 "$PY" "$FETCH" "$T/d/control.sock" \
	    "http://$MIRROR/debian/pool/$REPO_COMP/$DEBNAME" "$T/$1.deb" \
	    --sha256 "$SHA" --size "$SIZE" \
	    --base "http://$MIRROR/debian/dists/$REPO_SUITE/"
	PID_F=$NS_BG_PID
}
fetched()	# NAME
{
	local got
	got=$(sha256sum "$T/$1.deb" 2>/dev/null | cut -d' ' -f1)
	[ "$got" = "$SHA" ]
}

# --- 1. a magnet link's worth: libtorrent gets the torrent from d --------
echo "=== 1. libtorrent on l knows only the info-hash and d's address"
pkg 1
fetch large1
wait "$PID_F" && fetched large1 ||
	{ show "$T/fetch-large1.out"; fail "d did not fetch $DEBNAME"; }
echo "package $DEBNAME: $SIZE bytes, info-hash $IH, info dictionary $INFO_LEN bytes"
mkdir -p "$T/l"
ns_bg l "$T/magnet.out" \
    "$PY" "$LTPY" "$(ns_ip l)" "$IH" "$T/l" 60 "$D:6881"
wait "$NS_BG_PID"
rc=$?
got=$(sha256sum "$T/l/$DEBNAME" 2>/dev/null | cut -d' ' -f1)
grep -q "^metadata [0-9.]* $DEBNAME [0-9]*$" "$T/magnet.out" &&
	ok "libtorrent got the torrent from d: $(grep '^metadata' "$T/magnet.out")" ||
	{ bad "libtorrent did not get the torrent's info dictionary from d"; show "$T/magnet.out"; }
[ "$rc" = 0 ] && [ "$got" = "$SHA" ] &&
	ok "libtorrent then fetched $DEBNAME from d, SHA-256 right ($(grep '^done' "$T/magnet.out"))" ||
	{ bad "libtorrent did not fetch $DEBNAME (status $rc, sha256 ${got:-none})"; show "$T/magnet.out"; }

# --- 2. the answers, counted; none on a zero-metadata key -----------------
echo "=== 2. ut_metadata answers and rejects, counted"
ns_exec r "$PY" "$RAW" meta \
    "$D" 6881 "$IH" 6 >"$T/meta-ih.out" 2>&1 ||
	{ bad "rawpeer.py meta failed"; show "$T/meta-ih.out"; }
echo "info-hash: $(tr '\n' ';' <"$T/meta-ih.out")"
grep -q "^ext ut_metadata [1-9][0-9]* metadata_size $INFO_LEN$" "$T/meta-ih.out" &&
	ok "d's extended handshake offers ut_metadata, metadata_size $INFO_LEN" ||
	bad "d's extended handshake does not offer ut_metadata with metadata_size $INFO_LEN"
grep -q "^meta 2 4 $INFO_LEN $IH$" "$T/meta-ih.out" &&
	ok "6 requests on one connection: 2 answers with the info dictionary, 4 rejects" ||
	bad "6 requests for piece 0 should give 2 answers (SHA-1 $IH) and 4 rejects"
ns_exec r "$PY" "$RAW" meta \
    "$D" 6881 "$ZKEY" 2 >"$T/meta-zero.out" 2>&1 ||
	{ bad "rawpeer.py meta (zero-metadata) failed"; show "$T/meta-zero.out"; }
echo "zero-metadata key: $(tr '\n' ';' <"$T/meta-zero.out")"
grep -q "^ext ut_metadata 0 metadata_size -1$" "$T/meta-zero.out" &&
	ok "no ut_metadata offered on the zero-metadata key" ||
	bad "d offers ut_metadata on a zero-metadata key"
grep -q "^meta 0 2 0 -$" "$T/meta-zero.out" &&
	ok "requests on the zero-metadata key are rejected" ||
	bad "requests on the zero-metadata key should be rejected (2 rejects, no data)"

# --- 3. reqq 8 is honoured --------------------------------------------------
echo "=== 3. a peer that keeps 8 requests (reqq 8)"
pkg 2
ns_cap m 1mbit
mark=$(wc -l <"$REPO_NGINX/access.log")
fetch large2
# The peer dials d once d's swarm has the torrent's info-hash.
tenths=200
until awk -v m="$mark" -v d="$D" 'NR > m && $1 == d && $2 == 200 &&
    $5 ~ /\.torrent$/ { f = 1 } END { exit !f }' "$REPO_NGINX/access.log"; do
	tenths=$((tenths - 1))
	[ "$tenths" -gt 0 ] || fail "d never fetched the torrent of $DEBNAME"
	sleep 0.1
done
sleep 0.3
ns_bg r "$T/reqq.out" \
    "$PY" "$RAW" seed "$D" 6881 "$IH" "$DEB" 8 60
PID_R=$NS_BG_PID
wait "$PID_F" && fetched large2 &&
	ok "d fetched $DEBNAME, SHA-256 right" ||
	{ bad "d did not fetch $DEBNAME"; show "$T/fetch-large2.out"; }
stop_wait "$PID_R" 10
tc -n "${NS_PREFIX}m" qdisc del dev eth0 root 2>/dev/null
# shellcheck disable=SC2046	# split on purpose
set -- $(sed -n 's/^outstanding //p' "$T/reqq.out")
echo "reqq 8: at most ${1:-?} requests outstanding, ${2:-?} blocks served"
[ -n "${1:-}" ] && [ "$1" -le 8 ] && [ "$1" -ge 4 ] &&
	ok "d kept at most $1 requests outstanding to a peer with reqq 8" ||
	{ bad "d kept ${1:-?} requests outstanding to a peer with reqq 8 (want 4..8)"; show "$T/reqq.out"; }
[ "${2:-0}" -ge 16 ] ||
	bad "the reqq 8 peer served only ${2:-0} blocks: the check above means little"

stop_wait "$PID_D"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/d.log" &&
	bad "sanitizer report in $T/d.log"
[ "$fails" = 0 ] || { echo "stdclients.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
