#!/bin/sh
# SPDX-License-Identifier: ISC
# method-daemon.sh - the apt method's daemon path, against a stand-in
# daemon (fake-aptbtd.py) that speaks the control protocol's "fetch".
#
# Checks that files come through the daemon's descriptor, that a silent
# or vanishing daemon makes the method fetch directly, that bytes from a
# lying daemon never reach apt (one retry from the mirror instead), that
# the daemon's FailReason reaches apt, and that files with credentials
# never go to the daemon.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
export top_builddir

. "$top_srcdir/tests/integration/lib-repo.sh"

repo_need "apt's sandbox and archives" apt-get apt-ftparchive dpkg-deb gpg nginx \
    curl /usr/bin/python3
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export ASAN_OPTIONS

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

FAKE_PID=
stop_fake()
{
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	FAKE_PID=
}
trap 'stop_fake; repo_cleanup' EXIT
trap 'exit 1' INT TERM

repo_init
LOG=$REPO_T/logs
SOCK=$REPO_T/aptbtd.sock
mkdir -p "$LOG"
repo_build 6 1 4
repo_serve
apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives

start_fake()
{
	stop_fake
	: >"$LOG/fake-$1"
	/usr/bin/python3 "$top_srcdir/tests/integration/fake-aptbtd.py" \
	    "$SOCK" "$1" "$LOG/fake-$1" 2>"$LOG/fake-$1.err" &
	FAKE_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# run MODE: fresh lists and archives, update and download everything.
run()
{
	rm -f "$SOCK"
	start_fake "$1"
	find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
	rm -f "$ARCHIVES"/*.deb
	apt_run apt-get -o Acquire::aptbt::Socket="$SOCK" \
	    -o Acquire::aptbt::Daemon-Timeout=2 update >"$LOG/$1" 2>&1 &&
	    apt_run apt-get -o Acquire::aptbt::Socket="$SOCK" \
	    -o Acquire::aptbt::Daemon-Timeout=2 install --download-only -y \
	    $(repo_packages) >>"$LOG/$1" 2>&1
	rc=$?
	if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' \
	    "$LOG/$1" >/dev/null; then
		bad "$1: sanitizer report"
		cat "$LOG/$1" >&2
	fi
	return $rc
}

all_debs_match()
{
	for deb in "$REPO_ROOT/pool/$REPO_COMP"/*.deb; do
		cmp -s "$deb" "$ARCHIVES/$(basename "$deb")" || return 1
	done
	return 0
}

npkg=$(repo_packages | wc -l)

if run ok && all_debs_match; then
	ok "through the daemon: update and $npkg packages"
else
	bad "through the daemon"
	cat "$LOG/ok" >&2
fi
n=$(grep -c '\.deb$' "$LOG/fake-ok")
[ "$n" -eq "$npkg" ] && ok "every .deb was asked of the daemon" ||
	bad "$n of $npkg .deb requests reached the daemon"
grep -q 'aptbtd is not running' "$LOG/ok" &&
	bad "the method fell back although the daemon answered"

for mode in silent close; do
	t0=$(date +%s)
	if run "$mode" && all_debs_match &&
	    grep -q 'aptbtd is not running' "$LOG/$mode"; then
		ok "$mode daemon: fetched directly in $(($(date +%s) - t0))s"
	else
		bad "$mode daemon"
		cat "$LOG/$mode" >&2
	fi
done

before=$(grep -c '\.deb ' "$REPO_NGINX/access.log")
if run wrong && all_debs_match; then
	ok "lying daemon: the right files anyway"
else
	bad "lying daemon"
	cat "$LOG/wrong" >&2
fi
after=$(grep -c '\.deb ' "$REPO_NGINX/access.log")
# Each .deb: once by the fake daemon, once more by the method directly.
[ $((after - before)) -ge $((2 * npkg)) ] &&
	ok "every lied-about file was fetched again from the mirror" ||
	bad "$((after - before)) .deb GETs for $npkg packages"

run error404
if grep -q '404  Not Found' "$LOG/error404"; then
	ok "the daemon's FailReason reaches apt"
else
	bad "no 404 from the daemon in apt's output"
	cat "$LOG/error404" >&2
fi

# Credentials: auth.conf names the mirror, so nothing goes to the daemon.
printf 'machine %s\nlogin user\npassword secret\n' "$REPO_HOST" \
    >"$REPO_APT/etc/auth.conf"
chmod 644 "$REPO_APT/etc/auth.conf"
if run ok && all_debs_match && [ ! -s "$LOG/fake-ok" ]; then
	ok "auth.conf: fetched directly, nothing asked of the daemon"
else
	bad "auth.conf: $(wc -l <"$LOG/fake-ok") requests reached the daemon"
fi
rm -f "$REPO_APT/etc/auth.conf"
stop_fake

if [ "$fails" -ne 0 ]; then
	echo "method-daemon.sh: $fails check(s) failed; logs in $LOG" >&2
	KEEP_TMP=1
	exit 1
fi
exit 0
