#!/bin/sh
# SPDX-License-Identifier: ISC
# faults-kill.sh - kill -9 at random points of a download, 50 times.
#
# Each run starts a fetch (of a multi-piece file from a mirror capped at
# 40 Mbit/s, or of a one-piece file), kills the daemon 0-800 ms later, and
# starts it again.  Then: the client got the right bytes or none; the
# cache holds only files that hash to their names, all indexed; the file
# cached at the start is still there; status answers within 2 s; a fresh
# fetch succeeds.  Every other visit to a file completes it (resuming what
# the kills left) and removes it from the cache, so that the kills fall on
# new, resumed and nearly finished downloads alike.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"
. "$top_srcdir/tests/integration/lib-faults.sh"

RUNS=${FAULTS_KILL_RUNS:-50}
faults_init
ns_cap m 40mbit
faults_conf
daemon_up

mkfile keeper.bin 50000
fetch_file "$GOOD/debian/keeper.bin" keeper.bin || fail "keeper.bin: $(cat "$T/reply")"
KEEPER=$(sha keeper.bin)
for i in 0 1 2; do mkfile "k$i.bin" 3145728; done
mkfile k3.bin 200000

# A repeatable sequence of delays, printed so a failing run can be replayed.
SEED=${FAULTS_KILL_SEED:-$$}
echo "seed $SEED"
# Every tenth kill comes at once, before the daemon can have a part file:
# on a quiet machine the random ones alone may never fall there.
$PY -c "import random; random.seed($SEED); print(' '.join('0' if i % 10 == 0 else str(random.randint(0, 800)) for i in range($RUNS)))" >"$T/delays"

run=0 during=0 after=0 completed=0
for ms in $(cat "$T/delays"); do
	run=$((run + 1))
	f=k$((run % 4)).bin
	rm -f "$T/got.kill"
	$CLIENT "$SOCK" "$GOOD/debian/$f" "$T/got.kill" --sha256 "$(sha "$f")" \
	    --size "$(size "$f")" >"$T/reply.kill" 2>&1 &
	cpid=$!
	[ "$ms" = 0 ] || sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	# Where the download stood, a moment before the kill.
	h=$(sha "$f")
	if ! alive "$cpid"; then
		phase=answered
	elif [ -e "$CACHE/sha256/$(echo "$h" | cut -c1-2)/$h" ]; then
		phase=committed
	elif [ -e "$CACHE/partial/$h.part" ]; then
		phase=part
	else
		phase=nopart
	fi
	daemon_kill
	eval "n_$phase=\$((\${n_$phase:-0} + 1))"
	if wait "$cpid"; then
		cmp -s "$T/got.kill" "$W/debian/$f" ||
			fail "run $run: success with wrong bytes"
		after=$((after + 1))
	else
		during=$((during + 1))
	fi
	daemon_up
	what="run $run ($f, killed after $ms ms)"
	check_alive "$what" >/dev/null
	check_cache "$what" >/dev/null
	grep -q "\"$KEEPER\"" "$T/cache.json" || fail "$what: keeper.bin was lost"
	check_serving "$what" >/dev/null
	if [ $(((run / 4) % 2)) = 1 ]; then
		fetch_file "$GOOD/debian/$f" "$f" ||
			fail "$what: then $f: $(cat "$T/reply")"
		ctl cache --remove "$(sha "$f")" >/dev/null ||
			fail "$what: cannot remove $f from the cache"
		completed=$((completed + 1))
	fi
done
echo "$run kills: $during during a fetch, $after after it ended;" \
    "$completed files completed after kills"
echo "where they fell: ${n_nopart:-0} before a part file (or in memory)," \
    "${n_part:-0} with the part growing, ${n_committed:-0} once in the cache," \
    "${n_answered:-0} once answered"
[ "$run" -eq "$RUNS" ] || fail "only $run runs"
[ "$during" -ge $((RUNS / 5)) ] || fail "too few kills during a fetch ($during)"
[ "${n_nopart:-0}" -ge 1 ] && [ "${n_part:-0}" -ge 5 ] &&
	[ "${n_answered:-0}" -ge 1 ] || fail "the kills missed a phase"
grep -q "resuming" "$T/aptbtd.log" || fail "no download was ever resumed"
echo "downloads resumed: $(grep -c resuming "$T/aptbtd.log")"

stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T/aptbtd.log" && fail "sanitizer report"
exit 0
