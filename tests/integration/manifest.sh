#!/bin/sh
# SPDX-License-Identifier: ISC
# manifest.sh - metadata mode end to end: aptbt-mkmeta --archive writes the
# torrents and the manifest of a small signed repository (Packages plain
# and .xz), nginx serves it, and daemon/meta/metadata.c (through
# manifest-probe) finds every file with one GET of the manifest for many
# lookups, torrents that python3-libtorrent agrees with, a suite without
# a manifest asked once (404) however often it is looked up, a broken
# manifest treated as none, and the disk cache reused and revalidated.
# Also: reruns rewrite nothing, and a file whose SHA-256 does not match
# its Packages entry is left out with an error.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_builddir

. "$top_srcdir/tests/integration/lib-repo.sh"

repo_need "nginx as www-data" apt-ftparchive dpkg-deb gpg nginx curl xz

MKMETA=$top_builddir/client/aptbt-mkmeta
PROBE=$top_builddir/tests/integration/manifest-probe
fails=0
ok()
{
	echo "ok: $*"
}
bad()
{
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
trap repo_cleanup EXIT
trap 'exit 1' HUP INT TERM

repo_init
repo_build 6 1 3 >/dev/null 2>&1 || { echo "FAIL: repo_build" >&2; exit 1; }
repo_serve
BASE=http://$REPO_HOST/debian
PKGS=$REPO_ROOT/dists/stable/main/binary-amd64/Packages
SHAS=$(sed -n 's/^SHA256: //p' "$PKGS")
NPKG=$(echo "$SHAS" | wc -l)

# A second suite published as Packages.xz only, with one wrong SHA-256.
XZ=$REPO_ROOT/dists/xzsuite/main/binary-amd64
mkdir -p "$XZ"
awk 'BEGIN { n = 0 } /^SHA256: / && n++ == 0 {
	print "SHA256: " substr("0000000000000000000000000000000000000000000000000000000000000000", 1, 64); next } { print }' \
    "$PKGS" | xz -c >"$XZ/Packages.xz"
# One that is there but unreadable as a manifest.
mkdir -p "$REPO_ROOT/dists/broken/aptbt"
echo "not a manifest" >"$REPO_ROOT/dists/broken/aptbt/manifest"

mk()
{
	"$MKMETA" --archive "$REPO_ROOT" --webseed-base "$BASE" \
	    --tracker /announce --tracker udp://:6969/announce \
	    --tracker udp://tracker.example:6969/announce "$@" \
	    2>"$REPO_T/mk.err"
}

if mk --suite stable; then
	ok "mkmeta --archive stable"
else
	bad "mkmeta --archive stable failed: $(cat "$REPO_T/mk.err")"
fi
MAN=$REPO_ROOT/dists/stable/aptbt/manifest
[ -s "$MAN" ] || bad "no manifest at $MAN"
n=$(find "$REPO_ROOT/aptbt/torrents" -name '*.torrent' | wc -l)
[ "$n" -eq "$NPKG" ] && ok "$n torrents" || bad "$n torrents for $NPKG files"
before=$(stat -c %Y.%s "$MAN")
sleep 1.1
mk --suite stable
if grep -q "0 torrents written, $NPKG unchanged" "$REPO_T/mk.err" &&
    [ "$(stat -c %Y.%s "$MAN")" = "$before" ]; then
	ok "rerun rewrites nothing"
else
	bad "rerun: $(cat "$REPO_T/mk.err")"
fi

mk --suite xzsuite
rc=$?
if [ "$rc" = 1 ] && grep -q "SHA-256 differs" "$REPO_T/mk.err" &&
    grep -q "$((NPKG - 1)) files" "$REPO_T/mk.err"; then
	ok "Packages.xz read; a wrong SHA-256 is an error, the rest go on"
else
	bad "xzsuite (rc $rc): $(cat "$REPO_T/mk.err")"
fi
chmod -R a+rX "$REPO_WWW"

gets()
{
	grep -c "^GET /debian/dists/$1/aptbt/manifest " "$REPO_NGINX/access.log"
}

# Every file, looked up three times over: one GET of the manifest.
# shellcheck disable=SC2086
"$PROBE" -r 3 "$BASE/dists/stable/" $SHAS >"$REPO_T/p1.out" 2>"$REPO_T/p1.err"
nf=$(grep -c '^found ' "$REPO_T/p1.out")
[ "$nf" -eq $((3 * NPKG)) ] && ok "all $NPKG files found, 3 rounds" ||
	bad "found $nf of $((3 * NPKG)): $(cat "$REPO_T/p1.err")"
[ "$(gets stable)" = 1 ] && ok "one GET of the manifest" ||
	bad "$(gets stable) GETs of the stable manifest"

# The entries lead to torrents that libtorrent reads with the same hashes
# and the mirror's own file as webseed.
if /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
	grep '^found ' "$REPO_T/p1.out" | sort -u | while read -r _ sha size v1 v2 url trackers; do
		curl -sf -o "$REPO_T/t.torrent" "$url" || { echo "no $url"; continue; }
		/usr/bin/python3 - "$REPO_T/t.torrent" "$v1" "$size" "$BASE" "$PKGS" "$sha" <<'PY' || echo "mismatch $sha"
import sys, libtorrent as lt
path, v1, size, base, pkgs, sha = sys.argv[1:]
ti = lt.torrent_info(path)
fn = None
for st in open(pkgs).read().split('\n\n'):
    f = dict(l.split(': ', 1) for l in st.splitlines() if ': ' in l)
    if f.get('SHA256') == sha:
        fn = f['Filename']
ws = [w['url'] for w in ti.web_seeds()]
ok = (str(ti.info_hashes().v1) == v1 and ti.total_size() == int(size)
      and ws == [base + '/' + fn])
sys.exit(0 if ok else 1)
PY
	done >"$REPO_T/lt.out"
	[ ! -s "$REPO_T/lt.out" ] && ok "libtorrent agrees with the manifest" ||
		bad "libtorrent: $(cat "$REPO_T/lt.out")"
fi
line=$(grep -m1 '^found ' "$REPO_T/p1.out")
case $line in
*" http://$REPO_HOST/announce udp://127.0.0.1:6969/announce udp://tracker.example:6969/announce")
	ok "trackers localized to the mirror's host, local first" ;;
*)	bad "trackers: $line" ;;
esac

# Unknown file: none, and still no second GET.
"$PROBE" "$BASE/dists/stable/" \
    0000000000000000000000000000000000000000000000000000000000000000 \
    >"$REPO_T/p2.out" 2>&1
grep -q '^none ' "$REPO_T/p2.out" && ok "unknown file: none" ||
	bad "unknown file: $(cat "$REPO_T/p2.out")"

# No manifest: one 404, then the miss is remembered.
one=$(echo "$SHAS" | head -n 1)
# shellcheck disable=SC2086
"$PROBE" -r 5 "$BASE/dists/nometa/" $SHAS >"$REPO_T/p3.out" 2>&1
nn=$(grep -c '^none ' "$REPO_T/p3.out")
[ "$nn" -eq $((5 * NPKG)) ] && ok "no manifest: every lookup none" ||
	bad "no manifest: $nn none: $(cat "$REPO_T/p3.out")"
[ "$(gets nometa)" = 1 ] &&
    grep -q "^GET /debian/dists/nometa/aptbt/manifest HTTP/1.1 404" "$REPO_NGINX/access.log" &&
    ok "no manifest: one 404, no more requests" ||
	bad "$(gets nometa) requests for the missing manifest"

"$PROBE" -r 4 "$BASE/dists/broken/" "$one" >"$REPO_T/p4.out" 2>&1
[ "$(grep -c '^none ' "$REPO_T/p4.out")" = 4 ] && [ "$(gets broken)" = 1 ] &&
    ok "broken manifest: none, asked once" ||
	bad "broken manifest: $(gets broken) GETs: $(cat "$REPO_T/p4.out")"

# Disk cache: a second process reuses the copy without asking; once it
# is stale, one conditional GET answered 304.
ST=$REPO_T/state
mkdir -p "$ST"
"$PROBE" -s "$ST" "$BASE/dists/xzsuite/" "$one" >"$REPO_T/p5.out" 2>&1
"$PROBE" -s "$ST" "$BASE/dists/xzsuite/" "$one" >"$REPO_T/p6.out" 2>&1
if [ "$(gets xzsuite)" = 1 ] && grep -q 'loaded=1' "$REPO_T/p6.out" &&
    grep -q 'fetches=0' "$REPO_T/p6.out"; then
	ok "disk cache reused after a restart"
else
	bad "disk cache: $(gets xzsuite) GETs; $(cat "$REPO_T/p6.out")"
fi
"$PROBE" -s "$ST" -f 0 "$BASE/dists/xzsuite/" "$one" >"$REPO_T/p7.out" 2>&1
if [ "$(gets xzsuite)" = 2 ] && grep -q 'not_modified=1' "$REPO_T/p7.out" &&
    grep -q "^GET /debian/dists/xzsuite/aptbt/manifest HTTP/1.1 304" "$REPO_NGINX/access.log"; then
	ok "stale copy revalidated: 304"
else
	bad "revalidation: $(gets xzsuite) GETs; $(cat "$REPO_T/p7.out")"
fi
# The wrong-SHA-256 file of xzsuite was left out.
grep -q "^none $one" "$REPO_T/p5.out" ||
	bad "xzsuite lookup: $(cat "$REPO_T/p5.out")"

grep -q 'runtime error\|AddressSanitizer\|LeakSanitizer' "$REPO_T"/p*.out "$REPO_T"/p1.err &&
	bad "sanitizer report: $(grep -l 'runtime error\|Sanitizer' "$REPO_T"/p*)"

[ "$fails" -eq 0 ] || exit 1
echo "manifest.sh: all passed"
