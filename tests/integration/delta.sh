#!/bin/sh
# SPDX-License-Identifier: ISC
# delta.sh - aptbtd builds a file from its older version and fetches only
# the ranges it lacks (doc/blocks.md, daemon/engine/delta.c).
#
# A mirror (nginx in its own namespace) with aptbt-mkmeta's metadata
# serves x_1.1.tar, 2 MiB: x_1.0.tar with 100 bytes inserted at 300000
# and 10 bytes changed at 1500000.  A daemon (namespace d) whose
# delta_dirs hold x_1.0.tar fetches x_1.1.tar with its SHA-256 and suite:
#
#   a. the delta: the file's SHA-256 matches; nginx sent the block list
#      and, of x_1.1.tar, only ranges (206) of at most 4 KiB in all, in
#      at most 4 requests; the daemon says what it built locally
#   b. the same fetch by a daemon without the old version: the whole
#      file comes from the mirror (the reference for a.)
#   c. a wrong list (another content's, of the same length) for y_2.0.tar
#      whose first 256 KiB differ from y_1.0.tar: every piece looks local,
#      the first fails the torrent's SHA-1 and is fetched; the file is
#      right and nginx sent that piece only
#   d. x_1.1.tar's list cut short: refused, the whole file fetched, right
#   e. the plain Packages, three stanzas given a new version, while the
#      old one is where apt keeps its lists: its list (the manifest does
#      not name indices) and only the changed ranges are fetched
#   f. a. again, with a site peer (aptbtd in namespace h) that holds
#      x_1.1.tar: the pieces found in part go through the one picker to
#      that peer, which sends only the 16 KiB blocks that lack a byte;
#      nginx sends no byte of x_1.1.tar, the daemon counts the peer's;
#      then w_2.0.tar, whose wrong list makes its first piece look local
#      but for one block: the peer sends that block, the piece fails its
#      SHA-1, nobody is blamed (the local bytes were the wrong ones), and
#      the piece comes whole from nginx: 256 KiB, the right file
#   g. the daemon's own cache as the candidate: a daemon whose delta_dirs
#      hold nothing fetches x_1.0.tar, is restarted, then fetches
#      x_1.1.tar: the name it kept of x_1.0.tar (names/x/x_1.0.tar, a
#      link into its cache) makes it a candidate, and nginx sends only
#      the missing ranges
#   h. e.'s index fetched by hash (dists/s/main/binary-amd64/by-hash/
#      SHA256/HEX): the list files of binary-amd64 are its candidates
#      (not a compressed one beside them), and only the changed ranges
#      are fetched
#   i. a package file (z_1.1_all.deb, 3 MiB, 5000 bytes inserted) gets a
#      compact list (version 2: 2 KiB blocks, 2-byte weak and 3-byte
#      strong sums): built from z_1.0_all.deb with only the missing
#      ranges fetched
#   j. f.'s w_2.0.tar with no peer: the mirror fetches the one missing
#      span of piece 0, the piece fails its SHA-1 and is fetched whole:
#      the right file, 256 KiB and the span from nginx
#   k. k_1.1.tar, 4 MiB, 10 bytes changed in each of 12 pieces: 12
#      pieces in part, their spans over four connections to the mirror;
#      the right file, 12 ranges of 512 bytes from nginx
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, nginx as www-data)"
need_cmd nginx curl xz sha256sum ip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
MKMETA=$top_builddir/client/aptbt-mkmeta
FETCH="$PY $top_srcdir/tests/integration/fetchclient.py"
CHECK="$PY $top_srcdir/tests/integration/blocks-check.py"
[ -x "$MKMETA" ] || fail "$MKMETA is not built"

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
at_exit()
{
	repo_keep_logs "$T"/d-*
	repo_cleanup
	ns_cleanup
	lib_cleanup
}
ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host d 2
ns_host h 3
MIRROR=$(ns_ip mirror)

sha() { sha256sum <"$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# --- the mirror ---------------------------------------------------------------
repo_init
POOL=$REPO_ROOT/pool/main/x
OLD=$T/old
mkdir -p "$POOL" "$OLD" "$T/none"
$PY - "$OLD" "$POOL" <<'PYEOF' || fail "cannot make the files"
import random, sys
old, pool = sys.argv[1], sys.argv[2]
r = random.Random(13)
a = bytes(r.getrandbits(8) for _ in range(2 << 20))
b = a[:300000] + bytes(r.getrandbits(8) for _ in range(100)) + a[300000:]
b = b[:1500000] + b"0123456789" + b[1500010:]
open(old + "/x_1.0.tar", "wb").write(a)
open(pool + "/x_1.1.tar", "wb").write(b)
c = bytes(r.getrandbits(8) for _ in range(2 << 20))
open(old + "/y_1.0.tar", "wb").write(c)
open(pool + "/y_2.0.tar", "wb").write(
    bytes(r.getrandbits(8) for _ in range(256 << 10)) + c[256 << 10:])
# f.'s wrong list: w_2.0.tar is w_1.0.tar with its first 512 bytes
# changed; the list published is that of w_1.0.tar with block 195 changed
# instead, so piece 0 looks local but for block 195.
w = bytes(r.getrandbits(8) for _ in range(1 << 20))
open(old + "/w_1.0.tar", "wb").write(w)
open(pool + "/w_2.0.tar", "wb").write(
    bytes(r.getrandbits(8) for _ in range(512)) + w[512:])
fake = bytearray(w)
fake[195 * 512:196 * 512] = bytes(r.getrandbits(8) for _ in range(512))
open(old + "/w.fake", "wb").write(bytes(fake))
k = bytearray(r.getrandbits(8) for _ in range(4 << 20))
open(old + "/k_1.0.tar", "wb").write(k)
for p in range(12):
    k[p * (256 << 10) + 1000:p * (256 << 10) + 1010] = b"0123456789"
open(pool + "/k_1.1.tar", "wb").write(k)
z = bytes(r.getrandbits(8) for _ in range(3 << 20))
open(old + "/z_1.0_all.deb", "wb").write(z)
open(pool + "/z_1.1_all.deb", "wb").write(
    z[:1000000] + bytes(r.getrandbits(8) for _ in range(5000)) + z[1000000:])
PYEOF
D=$REPO_ROOT/dists/s/main/binary-amd64
LISTS=$T/lists
mkdir -p "$D" "$LISTS"
# Packages: the two files, then filler stanzas past the 64 KiB floor of
# block lists (e.'s index); $1 gives three of them a new version.
packages()
{
	for f in "$POOL"/x_1.1.tar "$POOL"/y_2.0.tar "$POOL"/z_1.1_all.deb \
	    "$POOL"/w_2.0.tar "$POOL"/k_1.1.tar; do
		b=$(basename "$f")
		printf 'Package: %s\nVersion: 1\nArchitecture: all\n' "${b%%_*}"
		printf 'Filename: pool/main/x/%s\nSize: %s\nSHA256: %s\n\n' "$b" \
		    "$(size "$f")" "$(sha "$f")"
	done
	xs=$(sha "$POOL/x_1.1.tar") xz=$(size "$POOL/x_1.1.tar")
	awk -v up="$1" -v s="$xs" -v z="$xz" 'BEGIN {
		for (i = 0; i < 700; i++) {
			v = "1." i
			if (up && (i == 100 || i == 350 || i == 600))
				v = v "+deb12u1"
			printf "Package: filler%d\nVersion: %s\nArchitecture: all\n", i, v
			printf "Filename: pool/main/x/x_1.1.tar\nSize: %s\nSHA256: %s\n", z, s
			printf "Description: filler stanza %d of the test index\n\n", i
		} }'
}
# e.'s old index, where apt keeps it (apt-pkg's URItoFileName).
packages 0 >"$LISTS/${MIRROR}_debian_dists_s_main_binary-amd64_Packages"
packages 1 >"$D/Packages"
{
	printf 'Suite: s\nCodename: s\nSHA256:\n'
	printf ' %s %s main/binary-amd64/Packages\n' "$(sha "$D/Packages")" \
	    "$(size "$D/Packages")"
} >"$REPO_ROOT/dists/s/Release"
"$MKMETA" --mirror "$REPO_ROOT" >"$T/mkmeta.log" 2>&1 ||
	fail "mkmeta: $(tail -n 3 "$T/mkmeta.log")"
list_of() { s=$(sha "$1"); echo "$REPO_ROOT/aptbt/blocks/$(echo "$s" | cut -c1-2)/$s.blocks"; }
[ -f "$(list_of "$POOL/x_1.1.tar")" ] || fail "mkmeta wrote no block list"
# c.'s wrong list: the old y's, which has the new y's length.
$CHECK --write "$(list_of "$POOL/y_2.0.tar")" "$OLD/y_1.0.tar" ||
	fail "cannot write the wrong list"
$CHECK --write "$(list_of "$POOL/w_2.0.tar")" "$OLD/w.fake" ||
	fail "cannot write f.'s wrong list"
chmod -R a+rX "$REPO_WWW"
# shellcheck disable=SC2016	# nginx's variables
repo_nginx "$MIRROR:80" '$request $status $body_bytes_sent' mirror d
BASE=http://$MIRROR/debian/dists/s/

# A daemon in d with delta_dirs DIRS; fetches FILE (at PATH under the
# mirror's debian/, by default pool/main/x/) into $T/NAME.out.
run()
{
	local name=$1 dirs=$2 f=$3 path=${4:-pool/main/x/$(basename "$3")}
	local dir=$T/d-$1 conf
	conf=$(write_conf "$dir" "delta_dirs = \"$dirs\"" "log_level = debug")
	: >"$REPO_NGINX/access.log"
	ns_bg d "$dir/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	wait_for_socket "$dir/control.sock" 20 || fail "$name: no daemon"
	ns_exec d $FETCH "$dir/control.sock" \
	    "http://$MIRROR/debian/$path" \
	    "$T/$name.out" --sha256 "$(sha "$f")" --size "$(size "$f")" \
	    --base "$BASE" >"$dir/fetch.log" 2>&1 ||
		bad "$name: fetch failed: $(cat "$dir/fetch.log")"
	kill "$NS_BG_PID" 2>/dev/null
	wait "$NS_BG_PID" 2>/dev/null
	! grep -q "Sanitizer\|runtime error" "$dir/aptbtd.log" ||
		bad "$name: the daemon's log has a sanitizer report"
}
# Body bytes and requests of lines whose path matches PAT, by status.
served() { awk -v p="$1" '$2 ~ p { n += $5 } END { print n + 0 }' "$REPO_NGINX/access.log"; }
requests() { awk -v p="$1" -v s="$2" '$2 ~ p && $4 ~ s { n++ } END { print n + 0 }' "$REPO_NGINX/access.log"; }

# --- a. the delta -------------------------------------------------------------
X=$POOL/x_1.1.tar
run a "$OLD" "$X"
cp "$REPO_NGINX/access.log" "$T/d-a/access.log"
xb=$(served 'x_1\.1\.tar$'); xr=$(requests 'x_1\.1\.tar$' .); x206=$(requests 'x_1\.1\.tar$' 206)
lb=$(requests '\.blocks$' 200)
echo "a: x_1.1.tar: $(size "$X") bytes, $xb sent by nginx in $xr requests ($x206 ranges); list fetched $lb time(s)"
[ "$(sha "$T/a.out")" = "$(sha "$X")" ] && ok "a: the SHA-256 matches" ||
	bad "a: wrong file delivered"
[ "$lb" = 1 ] && [ "$xr" -ge 1 ] && [ "$xr" -le 4 ] && [ "$xr" = "$x206" ] &&
    [ "$xb" -gt 0 ] && [ "$xb" -le 4096 ] &&
	ok "a: only the missing ranges: $xb of $(size "$X") bytes in $xr ranges" ||
	bad "a: $xb bytes in $xr requests ($x206 ranges), list $lb"
grep -q "delta: [0-9]* bytes from local files" "$T/d-a/aptbtd.log" &&
	ok "a: $(grep -o 'delta: .*' "$T/d-a/aptbtd.log" | head -n 1)" ||
	bad "a: the daemon did not say what it built"

# --- b. the same without the old version ------------------------------------
run b "$T/none" "$X"
bb=$(served 'x_1\.1\.tar$')
[ "$(sha "$T/b.out")" = "$(sha "$X")" ] && [ "$bb" -ge "$(size "$X")" ] &&
	ok "b: without it, $bb bytes from the mirror (delta: $xb)" ||
	bad "b: $bb bytes, or a wrong file"

# --- c. a wrong list is a hint, never a wrong file ----------------------------
Y=$POOL/y_2.0.tar
run c "$OLD" "$Y"
yb=$(served 'y_2\.0\.tar$')
[ "$(sha "$T/c.out")" = "$(sha "$Y")" ] && ok "c: the SHA-256 matches" ||
	bad "c: wrong file delivered"
[ "$yb" = $((256 * 1024)) ] &&
    grep -q "delta: .*(1 failed their hash)" "$T/d-c/aptbtd.log" &&
	ok "c: the piece that failed its SHA-1 fetched, $yb bytes" ||
	bad "c: $yb bytes sent, $(grep -o 'delta: .*' "$T/d-c/aptbtd.log")"

# --- d. a list cut short is refused -----------------------------------------
XL=$(list_of "$X")
head -c 1000 "$XL" >"$T/short" && cat "$T/short" >"$XL"
run d "$OLD" "$X"
db=$(served 'x_1\.1\.tar$')
[ "$(sha "$T/d.out")" = "$(sha "$X")" ] && [ "$db" -ge "$(size "$X")" ] &&
    grep -q "block list ignored" "$T/d-d/aptbtd.log" &&
	ok "d: a list cut short ignored, the whole file fetched ($db bytes)" ||
	bad "d: $db bytes, $(grep -o 'block list.*' "$T/d-d/aptbtd.log")"

# --- e. an index from its previous version ------------------------------------
P=$D/Packages
run e "$OLD $LISTS" "$P" dists/s/main/binary-amd64/Packages
pb=$(served 'binary-amd64/Packages$'); pr=$(requests 'binary-amd64/Packages$' 206)
echo "e: Packages: $(size "$P") bytes, $pb sent by nginx in $pr ranges"
[ "$(sha "$T/e.out")" = "$(sha "$P")" ] && [ "$pr" -ge 1 ] &&
    [ "$(requests 'binary-amd64/Packages$' .)" = "$pr" ] &&
    [ "$pb" -gt 0 ] && [ "$pb" -le 8192 ] &&
    [ "$(requests '\.blocks$' 200)" = 1 ] &&
	ok "e: the index from its old version: $pb of $(size "$P") bytes in $pr ranges" ||
	bad "e: $pb bytes in $pr ranges: $(grep -o 'delta: .*' "$T/d-e/aptbtd.log")"

# --- f. the ranges from a peer, through the picker ---------------------------
# The pieces whole are local; of the two in part the peer is asked for
# the 16 KiB blocks that lack a byte: 2 here.
XL=$(list_of "$X")
$CHECK --write "$XL" "$X" || fail "cannot write x_1.1.tar's list again"
CTL=$top_builddir/client/aptbt-ctl
share_conf() { write_conf "$T/d-$1" "delta_dirs = \"$2\"" "log_level = debug" \
    "listen_port = 6881" "share = 192.0.2.0/24" "$3"; }
ns_bg h "$T/d-fh/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c \
    "$(share_conf fh "$T/none" "lsd = no")"
FH=$NS_BG_PID
wait_for_socket "$T/d-fh/control.sock" 20 || fail "f: no holder daemon"
W=$POOL/w_2.0.tar
for f in "$X" "$W"; do
	ns_exec h $FETCH "$T/d-fh/control.sock" \
	    "http://$MIRROR/debian/pool/main/x/$(basename "$f")" "$T/fh.out" \
	    --sha256 "$(sha "$f")" --size "$(size "$f")" --base "$BASE" \
	    >"$T/d-fh/fetch.log" 2>&1 || fail "f: the holder's fetch failed"
done
ns_bg d "$T/d-f/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c \
    "$(share_conf f "$OLD" "peers = $(ns_ip h):6881")"
FD=$NS_BG_PID
wait_for_socket "$T/d-f/control.sock" 20 || fail "f: no daemon"
linked=0
for _ in $(seq 100); do
	ns_exec d "$CTL" -s "$T/d-f/control.sock" --json peers 2>/dev/null |
	    grep -q "$(ns_ip h)" && { linked=1; break; }
	sleep 0.2
done
[ $linked = 1 ] || bad "f: the daemons did not connect"
sleep 1		# the holder's have-index
: >"$REPO_NGINX/access.log"
ns_exec d $FETCH "$T/d-f/control.sock" "http://$MIRROR/debian/pool/main/x/x_1.1.tar" \
    "$T/f.out" --sha256 "$(sha "$X")" --size "$(size "$X")" --base "$BASE" \
    >"$T/d-f/fetch.log" 2>&1 || bad "f: fetch failed: $(cat "$T/d-f/fetch.log")"
fromp=$(ns_exec d "$CTL" -s "$T/d-f/control.sock" --json status |
    $PY -c 'import json, sys; print(json.load(sys.stdin).get("bytes_from_peers", -1))')
fb=$(served 'x_1\.1\.tar$')
: >"$REPO_NGINX/access.log"
ns_exec d $FETCH "$T/d-f/control.sock" "http://$MIRROR/debian/pool/main/x/w_2.0.tar" \
    "$T/fw.out" --sha256 "$(sha "$W")" --size "$(size "$W")" --base "$BASE" \
    >"$T/d-f/fetch-w.log" 2>&1 || bad "f: w: fetch failed: $(cat "$T/d-f/fetch-w.log")"
kill "$FD" "$FH" 2>/dev/null
wait "$FD" "$FH" 2>/dev/null
echo "f: x_1.1.tar: $fb bytes from nginx, $fromp counted from peers"
[ "$(sha "$T/f.out")" = "$(sha "$X")" ] && ok "f: the SHA-256 matches" ||
	bad "f: wrong file delivered"
[ "$fb" = 0 ] && [ "$fromp" -gt 0 ] && [ "$fromp" -le $((4 * 16384)) ] &&
    grep -q "delta: .* 2 in part" "$T/d-f/aptbtd.log" &&
	ok "f: the pieces in part from the peer, none of x_1.1.tar from nginx" ||
	bad "f: $fb bytes from nginx, $fromp from peers: $(grep -o 'delta: .*' "$T/d-f/aptbtd.log")"
wb=$(served 'w_2\.0\.tar$')
echo "f: w_2.0.tar: $wb bytes from nginx"
[ "$(sha "$T/fw.out")" = "$(sha "$W")" ] && [ "$wb" = $((256 * 1024)) ] &&
    grep -q "piece 0 of .* was in part local: nobody blamed" "$T/d-f/aptbtd.log" &&
    ! grep -q "penalty" "$T/d-f/aptbtd.log" &&
	ok "f: a piece in part that fails: nobody blamed, $wb bytes from nginx, the right file" ||
	bad "f: w: $wb bytes from nginx: $(grep -E 'in part local|penalty|delta:.*w_2' "$T/d-f/aptbtd.log")"
! grep -q "Sanitizer\|runtime error" "$T/d-f/aptbtd.log" "$T/d-fh/aptbtd.log" ||
	bad "f: a daemon's log has a sanitizer report"

# --- g. an older version from the daemon's own cache --------------------------
cp "$OLD/x_1.0.tar" "$POOL/" && chmod a+r "$POOL/x_1.0.tar"
run g "$T/none" "$POOL/x_1.0.tar"
[ "$(sha "$T/g.out")" = "$(sha "$OLD/x_1.0.tar")" ] || bad "g: x_1.0.tar is wrong"
link=$(readlink "$T/d-g/cache/names/x/x_1.0.tar")
[ "$link" = "../../sha256/$(sha "$OLD/x_1.0.tar" | cut -c1-2)/$(sha "$OLD/x_1.0.tar")" ] &&
	ok "g: the cache keeps the name x_1.0.tar -> $link" ||
	bad "g: no name kept for x_1.0.tar: '$link'"
run g "$T/none" "$X"
gb=$(served 'x_1\.1\.tar$'); gr=$(requests 'x_1\.1\.tar$' .); g206=$(requests 'x_1\.1\.tar$' 206)
echo "g: x_1.1.tar: $gb bytes from nginx in $gr requests ($g206 ranges)"
[ "$(sha "$T/g.out")" = "$(sha "$X")" ] && [ "$gr" -ge 1 ] && [ "$gr" = "$g206" ] &&
    [ "$gb" -gt 0 ] && [ "$gb" -le 4096 ] &&
    grep -q "delta candidate .*/names/x/x_1.0.tar" "$T/d-g/aptbtd.log" &&
	ok "g: built from the cache's own x_1.0.tar: $gb bytes in $gr ranges" ||
	bad "g: $gb bytes in $gr requests ($g206 ranges): $(grep -o 'delta.*' "$T/d-g/aptbtd.log" | tail -n 2)"
[ -L "$T/d-g/cache/names/x/x_1.1.tar" ] && ok "g: and the name x_1.1.tar" ||
	bad "g: no name kept for x_1.1.tar"

# --- h. an index fetched by hash ---------------------------------------------
BH=dists/s/main/binary-amd64/by-hash/SHA256/$(sha "$P")
mkdir -p "$REPO_ROOT/$(dirname "$BH")" && cp "$P" "$REPO_ROOT/$BH" &&
    chmod -R a+rX "$REPO_ROOT/dists" || fail "h: cannot publish by hash"
xz -c "$LISTS/${MIRROR}_debian_dists_s_main_binary-amd64_Packages" \
    >"$LISTS/${MIRROR}_debian_dists_s_main_binary-amd64_Packages.xz"
run h "$LISTS" "$P" "$BH"
hb=$(served 'SHA256/'); hr=$(requests 'SHA256/' 206)
echo "h: by hash: $hb bytes from nginx in $hr ranges"
[ "$(sha "$T/h.out")" = "$(sha "$P")" ] && [ "$hr" -ge 1 ] &&
    [ "$(requests 'SHA256/' .)" = "$hr" ] && [ "$hb" -gt 0 ] && [ "$hb" -le 8192 ] &&
    grep -q "delta candidate .*binary-amd64_Packages$" "$T/d-h/aptbtd.log" &&
	ok "h: the index by hash from its old version: $hb of $(size "$P") bytes in $hr ranges" ||
	bad "h: $hb bytes in $hr ranges: $(grep -o 'delta.*' "$T/d-h/aptbtd.log" | head -n 3)"

# --- i. a package file's compact list ----------------------------------------
Z=$POOL/z_1.1_all.deb
ZL=$(list_of "$Z")
[ -f "$ZL" ] && grep -q "7:versioni2e" "$ZL" && grep -q "4:wleni2e" "$ZL" &&
	ok "i: a compact list, $(size "$ZL") bytes for $(size "$Z")" ||
	bad "i: no compact list for z_1.1_all.deb"
run i "$OLD" "$Z"
zb=$(served 'z_1\.1_all\.deb$'); zr=$(requests 'z_1\.1_all\.deb$' 206)
echo "i: z_1.1_all.deb: $zb bytes from nginx in $zr ranges"
[ "$(sha "$T/i.out")" = "$(sha "$Z")" ] && [ "$zr" -ge 1 ] &&
    [ "$(requests 'z_1\.1_all\.deb$' .)" = "$zr" ] &&
    [ "$zb" -ge 5000 ] && [ "$zb" -le 12288 ] &&
	ok "i: the package from its old version: $zb of $(size "$Z") bytes in $zr ranges" ||
	bad "i: $zb bytes in $zr ranges: $(grep -o 'delta.*' "$T/d-i/aptbtd.log" | head -n 3)"

# --- j. a piece in part from the mirror that fails its check ---------------
run j "$OLD" "$W"
jb=$(served 'w_2\.0\.tar$'); jr=$(requests 'w_2\.0\.tar$' 206)
echo "j: w_2.0.tar: $jb bytes from nginx in $jr ranges"
[ "$(sha "$T/j.out")" = "$(sha "$W")" ] && [ "$jb" -gt $((256 * 1024)) ] &&
    [ "$jb" -le $((256 * 1024 + 4096)) ] &&
    grep -q "piece 0, in part local, failed its hash" "$T/d-j/aptbtd.log" &&
	ok "j: the piece fetched whole after its span, $jb bytes, the right file" ||
	bad "j: $jb bytes in $jr ranges: $(grep -o 'delta:.*\|piece 0.*' "$T/d-j/aptbtd.log")"

# --- k. many pieces in part, over several connections --------------------------
K=$POOL/k_1.1.tar
run k "$OLD" "$K"
kb=$(served 'k_1\.1\.tar$'); kr=$(requests 'k_1\.1\.tar$' 206)
# One connection would take the pieces in order: the first four spans
# asked for reach piece 6 or beyond only over several.
kmax=$(grep -o 'k_1\.1\.tar bytes [0-9]*' "$T/d-k/aptbtd.log" | head -n 4 |
    awk '{ if ($3 > m) m = $3 } END { print m + 0 }')
echo "k: k_1.1.tar: $kb bytes from nginx in $kr ranges; the first four spans reach byte $kmax"
[ "$(sha "$T/k.out")" = "$(sha "$K")" ] && [ "$kr" = 12 ] &&
    [ "$(requests 'k_1\.1\.tar$' .)" = 12 ] && [ "$kb" = $((12 * 512)) ] &&
    grep -q "delta: .* 12 in part" "$T/d-k/aptbtd.log" &&
    grep -q "delta: its spans over 4 connections" "$T/d-k/aptbtd.log" &&
    [ "$kmax" -ge $((6 * 256 * 1024)) ] &&
	ok "k: 12 pieces in part over 4 connections: $kb bytes in $kr ranges" ||
	bad "k: $kb bytes in $kr ranges: $(grep -o 'delta:.*' "$T/d-k/aptbtd.log")"

[ $fails = 0 ] || fail "$fails checks failed"
echo "PASS: delta"
