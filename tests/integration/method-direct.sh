#!/bin/sh
# SPDX-License-Identifier: ISC
# method-direct.sh - apt through the aptbt method with no daemon running.
#
# apt must work exactly as before when aptbtd is down: the method fetches
# from the mirror itself.  Against a signed local repository served by
# nginx this checks update and download of every package (byte for byte),
# If-Modified-Since hits, a mirror serving wrong bytes (HashSumMismatch,
# nothing left in archives/), a 404, and Maximum-Size.  The method runs as
# apt runs it (as root, dropping to _apt), under the sanitizers of the
# build; any sanitizer report fails the test.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_builddir

. "$top_srcdir/tests/integration/lib-repo.sh"

repo_need "apt's sandbox and archives" apt-get apt-ftparchive dpkg-deb gpg nginx curl

# apt is not instrumented, only the method: its leaks count, apt's can't.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export ASAN_OPTIONS

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

# Any sanitizer output from the method (its stderr reaches apt's).
check_sanitizers()
{
	if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$1" \
	    >/dev/null 2>&1; then
		bad "sanitizer report in $2:"
		sed -n '/Sanitizer\|runtime error/,+30p' "$1" >&2
	fi
}

trap repo_cleanup EXIT
trap 'exit 1' INT TERM
repo_init
LOG=$REPO_T/logs
mkdir -p "$LOG"

repo_build 12 2 20
# An old date, so If-Modified-Since only hits when the method keeps the
# mirror's Last-Modified (as the downloaded file's mtime, where apt reads it).
touch -d '2024-01-01 00:00:00' "$REPO_ROOT/dists/$REPO_SUITE/InRelease"
repo_serve
apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives

# 1. update and download everything with no daemon.
apt_run apt-get update >"$LOG/update1" 2>&1
rc=$?
check_sanitizers "$LOG/update1" "first update"
if [ $rc -eq 0 ] && ! grep -q '^[WE]:' "$LOG/update1"; then
	ok "apt-get update through aptbt+http with no daemon"
else
	bad "apt-get update (exit $rc)"
	cat "$LOG/update1" >&2
fi
if grep -q 'aptbtd is not running' "$LOG/update1"; then
	ok "the method says it fetches directly"
else
	bad "no 'aptbtd is not running' notice on stderr"
fi

apt_run apt-get install --download-only -y $(repo_packages) \
    >"$LOG/install1" 2>&1
rc=$?
check_sanitizers "$LOG/install1" "download"
if [ $rc -eq 0 ]; then
	ok "apt-get install --download-only of $(repo_packages | wc -l) packages"
else
	bad "apt-get install --download-only (exit $rc)"
	tail -20 "$LOG/install1" >&2
fi
n=0
for deb in "$REPO_ROOT/pool/$REPO_COMP"/*.deb; do
	got=$ARCHIVES/$(basename "$deb")
	if [ ! -f "$got" ] ||
	    [ "$(sha256sum <"$deb")" != "$(sha256sum <"$got")" ]; then
		bad "$(basename "$deb") missing or different in archives/"
	else
		n=$((n + 1))
	fi
done
[ "$n" -gt 0 ] && ok "$n .deb files match the mirror's sha256"

# 2. a second update revalidates with If-Modified-Since.
apt_run apt-get update >"$LOG/update2" 2>&1
rc=$?
check_sanitizers "$LOG/update2" "second update"
if [ $rc -eq 0 ] && grep -q '^Hit:' "$LOG/update2" &&
    grep -q 'InRelease HTTP/1.1 304' "$REPO_NGINX/access.log"; then
	ok "second update: IMS hit (Hit: and 304)"
else
	bad "second update had no IMS hit (exit $rc)"
	cat "$LOG/update2" >&2
fi

# 3. the mirror serves wrong bytes of the right size.
victim=$(ls "$REPO_ROOT/pool/$REPO_COMP" | grep small | head -n 1)
vname=${victim%%_*}
size=$(stat -c %s "$REPO_ROOT/pool/$REPO_COMP/$victim")
rm -f "$ARCHIVES/$victim"
head -c "$size" /dev/urandom >"$REPO_T/wrong.deb"
chmod 644 "$REPO_T/wrong.deb"
cp "$REPO_ROOT/pool/$REPO_COMP/$victim" "$REPO_T/right.deb"
mv "$REPO_T/wrong.deb" "$REPO_ROOT/pool/$REPO_COMP/$victim"
before=$(grep -c "GET /debian/pool/$REPO_COMP/$victim " "$REPO_NGINX/access.log")
apt_run apt-get install --download-only -y "$vname" >"$LOG/mismatch" 2>&1
rc=$?
check_sanitizers "$LOG/mismatch" "mismatch download"
after=$(grep -c "GET /debian/pool/$REPO_COMP/$victim " "$REPO_NGINX/access.log")
if [ $rc -ne 0 ] && grep -Eqi 'hash ?sum ?mismatch' "$LOG/mismatch"; then
	ok "wrong bytes from the mirror: Hash Sum mismatch"
else
	bad "wrong bytes were not reported as a hash mismatch (exit $rc)"
	cat "$LOG/mismatch" >&2
fi
if [ -e "$ARCHIVES/$victim" ] || [ -s "$ARCHIVES/partial/$victim" ]; then
	bad "the wrong file was left in archives/"
else
	ok "no wrong file in archives/"
fi
# apt retries by itself too, so count at least: ours is fetch + one retry.
if [ $((after - before)) -ge 2 ]; then
	ok "the mismatching file was fetched again from the mirror"
else
	bad "no retry from the mirror after a mismatch ($((after - before)) GETs)"
fi
mv "$REPO_T/right.deb" "$REPO_ROOT/pool/$REPO_COMP/$victim"

# 4. a 404 gives apt's normal error.
gone=$(ls "$REPO_ROOT/pool/$REPO_COMP" | grep small | sed -n 2p)
rm -f "$ARCHIVES/$gone"
mv "$REPO_ROOT/pool/$REPO_COMP/$gone" "$REPO_T/gone.deb"
apt_run apt-get install --download-only -y "${gone%%_*}" >"$LOG/404" 2>&1
rc=$?
check_sanitizers "$LOG/404" "404 download"
if [ $rc -ne 0 ] && grep -q '^E: Failed to fetch .*404 *Not Found' "$LOG/404"; then
	ok "404: apt reports Failed to fetch ... 404 Not Found"
else
	bad "404 not reported as apt does (exit $rc)"
	cat "$LOG/404" >&2
fi
mv "$REPO_T/gone.deb" "$REPO_ROOT/pool/$REPO_COMP/$gone"

# 5. Maximum-Size: an InRelease bigger than allowed is refused.
find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
apt_run apt-get update -o Acquire::MaxReleaseFileSize=100 \
    >"$LOG/maxsize" 2>&1
rc=$?
check_sanitizers "$LOG/maxsize" "Maximum-Size update"
if [ $rc -ne 0 ] || grep -q '^[WE]:' "$LOG/maxsize"; then
	if grep -qi 'larger than expected\|unexpected size' "$LOG/maxsize"; then
		ok "Maximum-Size: oversized InRelease refused"
	else
		bad "Maximum-Size: refused, but not for its size"
		cat "$LOG/maxsize" >&2
	fi
else
	bad "Maximum-Size was not respected (exit $rc)"
	cat "$LOG/maxsize" >&2
fi
if ls "$REPO_APT/state/lists/" | grep -q InRelease; then
	bad "the oversized InRelease was kept"
fi

# 6. after all that, a normal update works again.
apt_run apt-get update >"$LOG/update3" 2>&1
rc=$?
check_sanitizers "$LOG/update3" "last update"
[ $rc -eq 0 ] && ok "update works again" || bad "last update (exit $rc)"

if [ "$fails" -ne 0 ]; then
	echo "method-direct.sh: $fails check(s) failed; logs in $LOG" >&2
	KEEP_TMP=1
	exit 1
fi
exit 0
