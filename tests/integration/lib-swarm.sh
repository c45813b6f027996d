# SPDX-License-Identifier: ISC
# lib-swarm.sh - what redial.sh, stdclients.sh, lsd-swarms.sh and pex.sh
# share (sourced after lib.sh, lib-repo.sh and lib-netns.sh, once the
# test knows it can run): a mirror m (192.0.2.1) of a repository with
# aptbt metadata, a daemon's host d (.2) and the test's other hosts.
#
#   swarm_hosts [NAME N]...  namespaces m, d and each NAME at 192.0.2.N;
#                            sets MIRROR and D; on exit keeps the logs
#                            (*.log, *.out, *.json) and cleans up
#   swarm_mkmeta             aptbt-mkmeta over the built repository, its
#                            torrents' webseed the mirror
#   swarm_pkg N              DEB, DEBNAME, SHA, SIZE, TORRENT and IH (v1
#                            info-hash) of aptbt-largeN, after swarm_mkmeta
#
# ok, bad and show report; "$fails" counts the bad checks.
# shellcheck shell=dash
# shellcheck disable=SC2034	# MIRROR, D, FETCH and swarm_pkg's are for the tests

MKMETA=$top_builddir/client/aptbt-mkmeta
FETCH=$top_srcdir/tests/integration/fetchclient.py
[ -x "$MKMETA" ] || fail "$MKMETA is not built"

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }

swarm_at_exit()
{
	repo_keep_logs "$T"/*.log "$T"/*.out "$T"/*.json
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

swarm_hosts()	# [NAME N]...
{
	ns_init
	trap swarm_at_exit EXIT
	ns_host m 1
	ns_host d 2
	while [ $# -ge 2 ]; do
		ns_host "$1" "$2"
		shift 2
	done
	MIRROR=$(ns_ip m)
	D=$(ns_ip d)
}

swarm_mkmeta()
{
	"$MKMETA" --archive "$REPO_ROOT" --suite "$REPO_SUITE" --v1 \
	    --webseed-base "http://$MIRROR/debian" >"$T/mkmeta.out" 2>&1 ||
		fail "aptbt-mkmeta failed: $(cat "$T/mkmeta.out")"
}

swarm_pkg()	# N
{
	DEB=$(ls "$REPO_ROOT/pool/$REPO_COMP/aptbt-large$1"_*.deb)
	DEBNAME=$(basename "$DEB")
	SHA=$(sha256sum "$DEB" | cut -d' ' -f1)
	SIZE=$(stat -c %s "$DEB")
	TORRENT=$REPO_ROOT/aptbt/torrents/$(echo "$SHA" | cut -c1-2)/$SHA.torrent
	[ -s "$TORRENT" ] || fail "aptbt-mkmeta wrote no $TORRENT"
	# aptbt-mkmeta writes canonical bencode: the info value encodes back
	# to the same bytes.
	IH=$(PYTHONPATH=$top_srcdir/tests/integration $PY -c '
import hashlib, sys
from benc import decode, encode
t, _ = decode(open(sys.argv[1], "rb").read())
print(hashlib.sha1(encode(t[b"info"])).hexdigest())' "$TORRENT")
}
