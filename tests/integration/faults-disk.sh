#!/bin/sh
# SPDX-License-Identifier: ISC
# faults-disk.sh - the cache's disk goes wrong under a running daemon: full
# during a download and during a commit, remounted read-only, removed; and
# a truncated state file at start.  After each: nothing wrong delivered
# (the right bytes or a clean error), the cache holds only files that hash
# to their names, all indexed, nothing cached before is lost, status
# answers within 2 s and a fresh fetch succeeds.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-faults.sh"

[ "$(id -u)" -eq 0 ] || skip "mounting a tmpfs needs root"
faults_init

# The cache on a 12 MiB tmpfs of its own, one level down so that it can
# be removed.
FS=$T/fs
mkdir -p "$FS"
mount -t tmpfs -o size=12m,mode=755 aptbt-faults "$FS" ||
	skip "cannot mount a tmpfs here"
trap 'umount -l "$FS" 2>/dev/null; ns_cleanup; lib_cleanup' EXIT
CACHE=$FS/cache
faults_conf
daemon_up

avail() { df --output=avail -B1 "$FS" | tail -1; }
# fill LEFT: leave about LEFT bytes free on the tmpfs.
fill()
{
	rm -f "$FS/filler"
	head -c $(($(avail) - $1)) /dev/zero >"$FS/filler" 2>/dev/null
	echo "filled: $(avail) bytes left"
}
unfill() { rm -f "$FS/filler"; }
# keeper_ok WHAT: the file cached at the start is still there, served from
# the cache.
keeper_ok()
{
	fetch_file "$GOOD/debian/keeper.bin" keeper.bin ||
		fail "$1: the cached keeper.bin: $(cat "$T/reply")"
	[ "$(reply source)" = cache ] || fail "$1: keeper.bin was lost from the cache"
}

mkfile keeper.bin 100000
mkfile big.bin 6000000
mkfile small.bin 120000
mkfile small2.bin 120000
mkfile ro.bin 2000000
mkfile gone.bin 2000000
fetch_file "$GOOD/debian/keeper.bin" keeper.bin || fail "keeper.bin: $(cat "$T/reply")"

# 1. Disk full during a multi-piece download: the part file cannot grow.
fill 1000000
if fetch_file "$GOOD/debian/big.bin" big.bin; then
	fail "disk full: 6 MB fetched into 1 MB of free space?"
fi
echo "disk full, download: reason $(reply reason)"
[ "$(reply reason)" = DiskFull ] || fail "disk full, download: reason $(reply reason)"
check_alive "disk full, download"
check_cache "disk full, download"
keeper_ok "disk full, download"
unfill
fetch_file "$GOOD/debian/big.bin" big.bin ||
	fail "disk freed: big.bin: $(cat "$T/reply")"
check_serving "disk full, download"

# 1b. Room for the part file and hardly more: the map saves and the commit
# of a multi-piece download run out of space, or just fit.
mkfile tight.bin 2000000
fill $((2000000 + 4096))
if fetch_file "$GOOD/debian/tight.bin" tight.bin; then
	echo "disk nearly full: tight.bin arrived"
else
	echo "disk nearly full: tight.bin: reason $(reply reason)"
fi
check_alive "disk nearly full"
check_cache "disk nearly full"
keeper_ok "disk nearly full"
unfill
fetch_file "$GOOD/debian/tight.bin" tight.bin ||
	fail "disk freed: tight.bin: $(cat "$T/reply")"

# 2. Disk full at the commit: a one-piece download is verified in memory,
# then copied into the cache, which has no room for it.
fill 20000
if fetch_file "$GOOD/debian/small.bin" small.bin; then
	echo "disk full, commit: the right bytes arrived (source $(reply source))"
else
	echo "disk full, commit: reason $(reply reason)"
fi
check_alive "disk full, commit"
check_cache "disk full, commit"
keeper_ok "disk full, commit"
[ -z "$(ls "$CACHE/tmp")" ] || fail "disk full, commit: left in tmp/: $(ls "$CACHE/tmp")"
unfill
fetch_file "$GOOD/debian/small.bin" small.bin ||
	fail "disk freed: small.bin: $(cat "$T/reply")"
check_serving "disk full, commit"

# 3. The cache remounted read-only: cached files are still served, new ones
# fail cleanly (or arrive right), and all is well once writable again.
mount -o remount,ro "$FS" || fail "cannot remount read-only"
keeper_ok "read-only"
if fetch_file "$GOOD/debian/ro.bin" ro.bin; then
	echo "read-only: ro.bin arrived, source $(reply source)"
else
	echo "read-only: ro.bin: reason $(reply reason)"
fi
if fetch_file "$GOOD/debian/small2.bin" small2.bin; then
	echo "read-only: small2.bin arrived, source $(reply source)"
else
	echo "read-only: small2.bin: reason $(reply reason)"
fi
check_alive "read-only"
mount -o remount,rw "$FS" || fail "cannot remount read-write"
check_cache "read-only"
fetch_file "$GOOD/debian/ro.bin" ro.bin || fail "writable again: ro.bin: $(cat "$T/reply")"
check_serving "read-only"

# 4. The cache directory removed at run time: what was cached is fetched
# again, new files are cached again.
rm -rf "$CACHE"
fetch_file "$GOOD/debian/keeper.bin" keeper.bin ||
	fail "removed: keeper.bin: $(cat "$T/reply")"
echo "removed: keeper.bin from $(reply source)"
fetch_file "$GOOD/debian/gone.bin" gone.bin || fail "removed: gone.bin: $(cat "$T/reply")"
check_serving "removed"
keeper_ok "removed"
grep -q "was removed under us" "$T/aptbtd.log" || fail "removed: not noticed"

# 5. A truncated state file at start: the daemon starts, says so, and
# writes a good one.
stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
[ -s "$T/state/state" ] || fail "no state file was saved"
n=$(stat -c %s "$T/state/state")
for keep in $((n / 2)) 0 1; do
	head -c "$keep" "$T/state/state" >"$T/state.cut"
	cp "$T/state.cut" "$T/state/state"
	daemon_up
	check_serving "state cut to $keep bytes"
	keeper_ok "state cut to $keep bytes"
	stop_wait "$DAEMON_PID"
	[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
	cmp -s "$T/state.cut" "$T/state/state" &&
		fail "state cut to $keep bytes: not rewritten"
	$PY -c "import sys; sys.path.insert(0, '$top_srcdir/tests/integration'); import benc; d = benc.decode_str_keys(open('$T/state/state','rb').read())[0]; assert d['bytes_from_mirrors'] > 0" ||
		fail "state cut to $keep bytes: the new state file is not sound"
done
grep -q "corrupt state file ignored" "$T/aptbtd.log" || fail "no word of the corrupt state file"

grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T/aptbtd.log" && fail "sanitizer report"
exit 0
