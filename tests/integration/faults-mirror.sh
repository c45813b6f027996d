#!/bin/sh
# SPDX-License-Identifier: ISC
# faults-mirror.sh - a mirror (bad-mirror.py, in a namespace of its own)
# that sends wrong, short, endless, slow or no data.  Each fetch ends with
# the right bytes or a clean error, never wrong bytes; what the daemon
# takes from an endless mirror is bounded; the cache holds only verified
# files; status answers within 2 s throughout, and a good fetch succeeds
# while a slow or stalled one is in progress.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-faults.sh"

faults_init
# The quota sets the limit of a file with no hash (64 MiB at the least).
faults_conf "cache_size = 20M"
daemon_up

mkfile one.bin 100000		# one piece: verified in memory
mkfile multi.bin 3000000	# several pieces: a part file
mkfile slow.bin 120000
mkfile stall.bin 200000

# outcome MODE FILE [ARGS...]: fetch $BAD/MODE/FILE; print what came of it.
outcome()
{
	local mode=$1 f=$2
	shift 2
	if fetch_file "$BAD/$mode/$f" "$f" "$@"; then
		echo "$mode/$f: the right bytes (source $(reply source))"
		RESULT=ok
	else
		echo "$mode/$f: error $(reply reason)"
		RESULT=$(reply reason)
	fi
}

# 1. Wrong bytes: a mismatch, whatever the size.
for f in one.bin multi.bin; do
	outcome wrong "$f"
	[ "$RESULT" = HashSumMismatch ] || fail "wrong/$f: $RESULT"
	check_alive "wrong/$f"
	check_cache "wrong/$f"
done
[ -z "$(ls "$CACHE/partial")" ] || fail "wrong: parts left: $(ls "$CACHE/partial")"

# 2. Short answers (half of every body, then the connection closes).
for f in one.bin multi.bin; do
	outcome short "$f"
	check_alive "short/$f"
	check_cache "short/$f"
done

# 3. Endless answers: the file (or the range asked for), then random bytes
# forever.  The daemon stops taking bytes at the size it expects; with no
# size, at the Maximum-Size apt would send.  Its own count of what it took
# from the mirror bounds what it read.
taken()
{
	ctl --json mirrors | "$PY" -c 'import json, sys
print(sum(m["bytes"] for m in json.load(sys.stdin)["mirrors"] if ":8080" in m["url"]))'
}
for mode in endless endlesscl; do
	for f in one.bin multi.bin; do
		mkfile "$mode-$f" "$(size "$f")"
		before=$(taken)
		outcome "$mode" "$mode-$f"
		n=$(($(taken) - before))
		[ "$(reply source)" != cache ] || fail "$mode/$f: from the cache"
		echo "$mode/$f: the daemon took $n bytes for a $(size "$f")-byte file"
		[ "$n" -le $(($(size "$f") + 65536)) ] ||
			fail "$mode/$f: the daemon read on and on ($n bytes)"
		check_alive "$mode/$f"
		check_cache "$mode/$f"
	done
done
# The liar left junk on a connection kept alive: a file with no hash
# fetched next on it fails once, before any byte, and is tried again.
mkfile liar.bin 50000
mkfile after-liar.bin 1000
outcome endlesscl liar.bin
[ "$RESULT" = ok ] || fail "endlesscl/liar.bin: $RESULT"
fetch "$BAD/good/after-liar.bin" "$T/got" ||
	fail "no hash, after the liar: $(cat "$T/reply")"
cmp -s "$T/got" "$W/debian/after-liar.bin" || fail "no hash, after the liar: wrong bytes"
echo "no hash, after the liar: the right bytes"

rm -f "$T/got"
before=$(taken)
fetch "$BAD/endless/one.bin" "$T/got" --max-size 5000000 &&
	fail "endless, no hash: success"
[ "$(reply reason)" = MaximumSizeExceeded ] ||
	fail "endless, no hash: reason $(reply reason)"
n=$(($(taken) - before))
echo "endless, no hash, Maximum-Size 5000000: the daemon took $n bytes"
[ "$n" -le $((5000000 + 65536)) ] || fail "endless, no hash: $n bytes taken"
# No hash and no Maximum-Size: the limit is 64 MiB here.
before=$(taken)
fetch "$BAD/endless/one.bin" "$T/got" --no-copy &&
	fail "endless, no hash, no maximum: success"
[ "$(reply reason)" = MaximumSizeExceeded ] ||
	fail "endless, no hash, no maximum: reason $(reply reason)"
n=$(($(taken) - before))
echo "endless, no hash, no Maximum-Size: the daemon took $n bytes"
[ "$n" -le $((67108864 + 65536)) ] || fail "endless, no hash, no maximum: $n bytes taken"
# A hash but no size (the hash is only checked at the end): the same limit.
before=$(taken)
fetch "$BAD/endless/one.bin" "$T/got" --no-copy --sha256 "$(sha one.bin)" &&
	fail "endless, hash, no size: success"
n=$(($(taken) - before))
echo "endless, hash, no size: $(reply reason), the daemon took $n bytes"
[ "$(reply reason)" = MaximumSizeExceeded ] ||
	fail "endless, hash, no size: reason $(reply reason)"
[ "$n" -le $((67108864 + 65536)) ] || fail "endless, hash, no size: $n bytes taken"
check_serving "endless"

# 4. Slow (16 KiB/s) and stalled (headers, then nothing) mirrors: the
# daemon serves others meanwhile; the slow file arrives right, the stalled
# one ends in an error.
t0=$(date +%s)
$CLIENT "$SOCK" "$BAD/slow/slow.bin" "$T/got.slow" --sha256 "$(sha slow.bin)" \
    --size "$(size slow.bin)" >"$T/reply.slow" 2>&1 &
SLOW_PID=$!
$CLIENT "$SOCK" "$BAD/stall/stall.bin" "$T/got.stall" --sha256 "$(sha stall.bin)" \
    --size "$(size stall.bin)" >"$T/reply.stall" 2>&1 &
STALL_PID=$!
sleep 1
check_serving "slow and stalled"
check_serving "slow and stalled"
wait "$SLOW_PID" || fail "slow: $(cat "$T/reply.slow")"
cmp -s "$T/got.slow" "$W/debian/slow.bin" || fail "slow: wrong bytes"
echo "slow: the right bytes after $(($(date +%s) - t0)) s"
check_alive "slow"
if wait "$STALL_PID"; then
	fail "stalled: success from a mirror that sent nothing"
fi
t1=$(date +%s)
echo "stalled: $(sed -n 's/^reason=//p' "$T/reply.stall") after $((t1 - t0)) s"
grep -q '^reason=.' "$T/reply.stall" || fail "stalled: no clean error: $(cat "$T/reply.stall")"
[ $((t1 - t0)) -lt 90 ] || fail "stalled: took $((t1 - t0)) s"
check_serving "stalled"

stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T/aptbtd.log" && fail "sanitizer report"
exit 0
