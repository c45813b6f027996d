#!/bin/sh
# SPDX-License-Identifier: ISC
# mkmeta-mirror.sh - aptbt-mkmeta --mirror over a local signed repository
# of two suites: "stable" (lib-repo.sh: Packages and Packages.gz, Release
# and InRelease) and "unstable" (InRelease only, its Packages.xz only
# under by-hash/SHA256/, and a Sources index).
#
#   a. one run writes a torrent for every pool file (length, name and
#      every SHA-1 piece checked against the file by mkmeta-check.py) and
#      a manifest per suite listing exactly its files
#   b. a rerun hashes nothing and rewrites no manifest
#   c. a package removed: --dry-run lists its torrent and writes nothing;
#      the run drops it and its manifest entry
#   d. kill -9 while new packages are hashed: the previous manifests are
#      intact, and every torrent they name is there; a rerun completes
#   e. apt-get through aptbtd fetches packages in metadata mode: the
#      daemon asks for the manifest and torrents mkmeta wrote, and every
#      .deb has its Packages SHA-256
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"

[ "$(id -u)" = 0 ] || skip "needs root (apt's sandbox, nginx as www-data)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl xz sha256sum
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
MKMETA=$top_builddir/client/aptbt-mkmeta
CHECK="$PY $top_srcdir/tests/integration/mkmeta-check.py"
[ -x "$MKMETA" ] || fail "$MKMETA is not built"

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
at_exit()
{
	repo_keep_logs "$T/aptbtd.log"
	repo_cleanup
	lib_cleanup
}
trap at_exit EXIT

repo_init
LOG=$REPO_T/logs
mkdir -p "$LOG"
repo_build 8 1 6 >"$LOG/build" 2>&1 || fail "repo_build: $(tail -n 5 "$LOG/build")"
repo_serve
BASE=http://$REPO_HOST/debian
GONE=aptbt-small2

# --- unstable: InRelease only, Packages.xz by hash only, Sources ----------
U=$REPO_ROOT/dists/unstable
SRC=$REPO_ROOT/pool/main/s/srcpkg
mkdir -p "$U/main/binary-amd64" "$U/main/source" "$SRC"
head -c 5000 /dev/urandom >"$SRC/srcpkg_1.0.dsc"
head -c 300000 /dev/urandom >"$SRC/srcpkg_1.0.orig.tar.gz"
{
	printf 'Package: srcpkg\nVersion: 1.0\nDirectory: pool/main/s/srcpkg\n'
	printf 'Checksums-Sha256:\n'
	for f in "$SRC"/*; do
		printf ' %s %s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" \
		    "$(stat -c %s "$f")" "${f##*/}"
	done
} >"$U/main/source/Sources"
gzip -9nk "$U/main/source/Sources"
# Every stable package but the one removed in c.
awk -v RS= -v ORS='\n\n' -v p="$GONE" '$0 !~ "Package: " p "\n"' \
    "$REPO_ROOT/dists/stable/main/binary-amd64/Packages" \
    >"$U/main/binary-amd64/Packages"
xz -k "$U/main/binary-amd64/Packages"
apt-ftparchive -o APT::FTPArchive::Release::Suite=unstable \
    release "$U" >"$REPO_T/Release.u" || fail "apt-ftparchive release"
mv "$REPO_T/Release.u" "$U/Release"
repo_gpg --clearsign -o "$U/InRelease" "$U/Release" || fail "clearsign"
rm "$U/Release" "$U/main/binary-amd64/Packages"
XZSHA=$(sha256sum <"$U/main/binary-amd64/Packages.xz" | cut -d' ' -f1)
mkdir -p "$U/main/binary-amd64/by-hash/SHA256"
mv "$U/main/binary-amd64/Packages.xz" \
    "$U/main/binary-amd64/by-hash/SHA256/$XZSHA"
chmod -R a+rX "$REPO_WWW"

mk()	# NAME ARGS...: the run, its stderr in $LOG/NAME
{
	local name=$1
	shift
	"$MKMETA" --mirror "$REPO_ROOT" --webseed "$BASE" \
	    --tracker /announce "$@" 2>"$LOG/$name"
}
pool_files() { find "$REPO_ROOT/pool" -type f | sort; }
man_count() { $CHECK manifest "$REPO_ROOT/dists/$1/aptbt/manifest" "$REPO_ROOT" | sed -n 1p; }
torrents() { find "$REPO_ROOT/aptbt/torrents" -name '*.torrent' | wc -l; }
hashed() { sed -n 's/.*files, [0-9]* bytes: \([0-9]*\) hashed.*/\1/p' "$LOG/$1"; }

# --- a. -------------------------------------------------------------------
NPKG=$(repo_packages | wc -l)
NPOOL=$(pool_files | wc -l)
if mk a -v; then
	ok "a: --mirror ran"
else
	bad "a: --mirror failed: $(cat "$LOG/a")"
fi
# shellcheck disable=SC2046	# one argument per file
n=$($CHECK torrents "$REPO_ROOT" $(pool_files) 2>&1 | tail -n 1)
[ "$n" = "$NPOOL" ] && ok "a: all $NPOOL pool files have a matching torrent" ||
	bad "a: $n of $NPOOL torrents match their files"
[ "$(hashed a)" = "$NPOOL" ] || bad "a: hashed $(hashed a) files, not $NPOOL"
[ "$(man_count stable)" = "$NPKG" ] && [ "$(man_count unstable)" = $((NPKG - 1 + 2)) ] &&
	ok "a: manifests list $NPKG and $((NPKG + 1)) files" ||
	bad "a: manifests list $(man_count stable) and $(man_count unstable) files"
grep -q "reading .*/unstable/main/binary-amd64/by-hash/SHA256/$XZSHA" "$LOG/a" &&
    grep -q "reading .*/unstable/main/source/Sources" "$LOG/a" &&
	ok "a: unstable's InRelease, Packages.xz by hash only, and Sources read" ||
	bad "a: unstable's indices not read: $(cat "$LOG/a")"

# --- b. -------------------------------------------------------------------
stamp() { stat -c %Y.%s "$REPO_ROOT/dists/stable/aptbt/manifest" "$REPO_ROOT/dists/unstable/aptbt/manifest" | tr '\n' ' '; }
before=$(stamp)
sleep 1.1
mk b || bad "b: rerun failed: $(cat "$LOG/b")"
[ "$(hashed b)" = 0 ] && grep -q "$NPOOL unchanged" "$LOG/b" && [ "$(stamp)" = "$before" ] &&
	ok "b: rerun hashed 0 files, $NPOOL unchanged, manifests untouched" ||
	bad "b: rerun: $(cat "$LOG/b")"
# One stat per file, no torrent opened (strace is in .ci/run's list).
# LeakSanitizer cannot run under ptrace; the other runs check leaks.
if command -v strace >/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=openat,newfstatat,stat,statx -o "$LOG/b.strace" \
	    "$MKMETA" --mirror "$REPO_ROOT" --webseed "$BASE" \
	    --tracker /announce 2>"$LOG/b-strace" || bad "b: traced rerun failed"
	opened=$(grep -c 'openat(.*\.torrent"' "$LOG/b.strace")
	statted=$(grep -v openat "$LOG/b.strace" | grep -c '\.torrent"')
	[ "$opened" = 0 ] && [ "$statted" = "$NPOOL" ] &&
		ok "b: rerun opened 0 torrents and stat'ed each of the $NPOOL once" ||
		bad "b: rerun opened $opened torrents, $statted stats of torrents for $NPOOL files"
fi

# --- b2. ------------------------------------------------------------------
# The last run's state spares a rerun reading the torrents; damaged, it
# only sends files back to the torrent (or the file) itself.
st=$REPO_ROOT/aptbt/.mkmeta.state
[ -s "$st" ] && ok "b2: the run left its state ($(stat -c %s "$st") bytes)" ||
	bad "b2: no state after a complete run"
one=$(find "$REPO_ROOT/aptbt/torrents" -name '*.torrent' | sort | head -n 1)
cp "$one" "$REPO_T/one.torrent"
printf x >>"$one"
head -c 64 /dev/urandom | dd of="$st" bs=1 seek=60 conv=notrunc 2>/dev/null
mk b2 || bad "b2: rerun failed: $(cat "$LOG/b2")"
[ "$(hashed b2)" = 1 ] && grep -q "$((NPOOL - 1)) unchanged" "$LOG/b2" &&
    cmp -s "$one" "$REPO_T/one.torrent" && [ "$(stamp)" = "$before" ] &&
	ok "b2: a damaged state and a grown torrent: 1 file hashed, its torrent restored, manifests untouched" ||
	bad "b2: rerun: $(cat "$LOG/b2")"
printf 'aptbt-mkmeta-state 1\n' >"$st"
mk b3 || bad "b3: rerun failed: $(cat "$LOG/b3")"
[ "$(hashed b3)" = 0 ] && grep -q "$NPOOL unchanged" "$LOG/b3" &&
    [ "$(stat -c %s "$st")" -gt 100 ] && [ "$(stamp)" = "$before" ] &&
	ok "b3: a cut state: nothing hashed, the state written again" ||
	bad "b3: rerun: $(cat "$LOG/b3")"

# --- c. -------------------------------------------------------------------
gone_file=$(ls "$REPO_ROOT/pool/main/${GONE}"_*.deb)
gone_sha=$(sha256sum <"$gone_file" | cut -d' ' -f1)
gone_torrent=$REPO_ROOT/aptbt/torrents/$(echo "$gone_sha" | cut -c1-2)/$gone_sha.torrent
[ -f "$gone_torrent" ] || bad "c: no torrent for $GONE before its removal"
rm "$gone_file"
repo_sign
cp "$REPO_ROOT/dists/stable/aptbt/manifest" "$REPO_T/manifest.c"
mk c-dry --dry-run >"$LOG/c-dry.out" || bad "c: --dry-run failed: $(cat "$LOG/c-dry")"
grep -qx "drop $gone_torrent" "$LOG/c-dry.out" && grep -q "^manifest .*/stable/" "$LOG/c-dry.out" &&
    [ -f "$gone_torrent" ] && cmp -s "$REPO_T/manifest.c" "$REPO_ROOT/dists/stable/aptbt/manifest" &&
	ok "c: --dry-run lists the drop and the manifest, writes nothing" ||
	bad "c: --dry-run: $(cat "$LOG/c-dry.out")"
mk c || bad "c: run failed: $(cat "$LOG/c")"
[ ! -f "$gone_torrent" ] && grep -q " 1 dropped" "$LOG/c" && [ "$(hashed c)" = 0 ] &&
    [ "$(man_count stable)" = $((NPKG - 1)) ] &&
    ! $CHECK manifest "$REPO_ROOT/dists/stable/aptbt/manifest" "$REPO_ROOT" | grep -q "$gone_sha" &&
	ok "c: the removed package's torrent and entry are gone, nothing hashed" ||
	bad "c: removal: $(cat "$LOG/c")"

# --- d. -------------------------------------------------------------------
NEW=24
i=1
while [ "$i" -le "$NEW" ]; do
	repo_make_deb "aptbt-new$i" 1.0 $((8 * 1024 * 1024)) random
	i=$((i + 1))
done
repo_sign
cp "$REPO_ROOT/dists/stable/aptbt/manifest" "$REPO_T/manifest.d"
t0=$(torrents)
"$MKMETA" --mirror "$REPO_ROOT" --webseed "$BASE" --tracker /announce -j 1 \
    2>"$LOG/d-killed" &
pid=$!
i=0
while [ "$(torrents)" -le "$t0" ] && [ "$i" -lt 300 ]; do
	sleep 0.02
	i=$((i + 1))
done
alive "$pid" && was_running=1 || was_running=0
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
mid=$(( $(torrents) - t0 ))
if [ "$was_running" = 1 ] && [ "$mid" -lt "$NEW" ]; then
	ok "d: killed with $mid of $NEW new torrents written"
else
	bad "d: the run was not caught mid-way (running $was_running, $mid new torrents)"
fi
cmp -s "$REPO_T/manifest.d" "$REPO_ROOT/dists/stable/aptbt/manifest" &&
    n=$(man_count stable) && [ "$n" = $((NPKG - 1)) ] &&
	ok "d: the previous manifest is intact, its $n torrents all there" ||
	bad "d: the manifest after kill -9 is not the previous one, or lacks torrents"
mk d || bad "d: rerun failed: $(cat "$LOG/d")"
[ "$(hashed d)" = $((NEW - mid)) ] && [ "$(man_count stable)" = $((NPKG - 1 + NEW)) ] &&
    [ -z "$(find "$REPO_ROOT/aptbt" "$REPO_ROOT/dists" -name '.*.tmp.*')" ] &&
	ok "d: rerun hashed the $((NEW - mid)) files left, no temporary remains" ||
	bad "d: rerun after kill: hashed $(hashed d), manifest $(man_count stable): $(cat "$LOG/d")"

# --- e. -------------------------------------------------------------------
APTBTD=$top_builddir/daemon/aptbtd
[ -x "$APTBTD" ] || fail "$APTBTD is not built"
chmod -R a+rX "$REPO_WWW"
apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives
PACKAGES=$REPO_ROOT/dists/stable/main/binary-amd64/Packages
conf=$(write_conf "$T/d" "log_level = debug" "listen_port = $(repo_free_port)")
SOCK=$T/d/control.sock
daemon_start "$conf"
wait_for_socket "$SOCK" || fail "e: aptbtd's control socket did not appear"
apt_get() { apt_run apt-get -o Acquire::aptbt::Socket="$SOCK" \
    -o Acquire::aptbt::Daemon-Timeout=5 "$@" >>"$LOG/e" 2>&1; }
PKGS="aptbt-small1 aptbt-large1 aptbt-new1"
# shellcheck disable=SC2086
apt_get update && apt_get install --download-only -y $PKGS ||
	bad "e: apt-get through aptbtd: $(tail -n 5 "$LOG/e")"
n=0
for p in $PKGS; do
	want=$(awk -v p="$p" '/^Package: / { c = $2 } /^SHA256: / && c == p { print $2 }' "$PACKAGES")
	got=$(sha256sum "$ARCHIVES/${p}"_*.deb 2>/dev/null | cut -d' ' -f1)
	[ -n "$want" ] && [ "$got" = "$want" ] && n=$((n + 1))
done
[ "$n" = 3 ] && ok "e: 3 packages fetched through aptbtd, SHA-256 right" ||
	bad "e: $n of 3 packages right"
ngx=$REPO_NGINX/access.log
mget=$(grep -c '^GET /debian/dists/stable/aptbt/manifest HTTP/1.1 200' "$ngx")
tget=$(grep -c '^GET /debian/aptbt/torrents/.*\.torrent HTTP/1.1 200' "$ngx")
[ "$mget" -ge 1 ] && [ "$tget" -ge 1 ] &&
	ok "e: metadata mode: $mget manifest and $tget torrent fetches" ||
	bad "e: the daemon fetched the manifest $mget times, torrents $tget times"
grep -q 'aptbtd is not running' "$LOG/e" && bad "e: the method fell back to direct fetching"
stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || bad "e: aptbtd exited with status $STOP_RC"
grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$T/aptbtd.log" "$LOG"/* &&
	bad "sanitizer report"

[ "$fails" -eq 0 ] || exit 1
echo "mkmeta-mirror.sh: all passed"
