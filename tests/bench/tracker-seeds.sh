#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-seeds.sh - the announces a daemon seeding 10,000 files sends.
#
# Hosts d (192.0.2.1, aptbtd) and t (192.0.2.2, fake-tracker.py counting
# every request, UDP and HTTP on port 6969, interval 1800 s; HTTP on
# port 6970 also takes batched seed announces, as aptbtd's embedded
# tracker does).  The daemon imports SEEDS small files ("aptbt-ctl
# import", public: their hashes are in a Packages list), names the
# tracker in "trackers" (so every file's zero-metadata key is announced
# there) and is then watched for MINUTES minutes: requests per minute at
# the tracker, minute by minute, for UDP, HTTP and the batch tracker.  The
# reference is what one announce per file per interval would cost: SEEDS
# at start-up, then SEEDS / 30 a minute.  About 3 x MINUTES minutes plus
# the imports.
#
#   SEEDS=10000 MINUTES=3 RATE= (tracker_announce_rate; default the
#   daemon's own)
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

SEEDS=${SEEDS:-10000}
MINUTES=${MINUTES:-3}
FAKE=$top_srcdir/tests/integration/fake-tracker.py

[ -x "$APTBTD" ] || fail "$APTBTD is not built"
hosts_init norepo
ns_host d 1
ns_host t 2

seed_files "$SEEDS"

: >"$LOG/tracker"
ip netns exec "${NS_PREFIX}t" "$PY" "$FAKE" --udp 192.0.2.2:6969 \
    --http 192.0.2.2:6969 "$LOG/tracker" >"$LOG/fake.out" 2>&1 &
track $!
wait_for_file_line "$LOG/fake.out" '^ready' 10 || fail "fake tracker did not start"
# The batch tracker logs as "http" too: its own log.
: >"$LOG/tracker-batch"
ip netns exec "${NS_PREFIX}t" "$PY" "$FAKE" --http 192.0.2.2:6970 \
    --batch /aptbt/seeds "$LOG/tracker-batch" >"$LOG/fake-batch.out" 2>&1 &
track $!
wait_for_file_line "$LOG/fake-batch.out" '^ready' 10 || fail "batch tracker did not start"

# per_minute PROTO FROM LOG: requests of PROTO in each minute since FROM
# (the tracker's clock), MINUTES lines "MINUTE ANNOUNCES CONNECTS" (a
# batch is one request; the keys it carries are not).
per_minute()
{
	awk -v p="$1" -v f="$2" -v m="$MINUTES" '$2 == p && $1 >= f &&
	    $3 != "batched" {
		i = int(($1 - f) / 60); if (i >= m) next
		if ($3 == "connect") c[i]++; else a[i]++ }
	    END { for (i = 0; i < m; i++) print i + 1, a[i] + 0, c[i] + 0 }' \
	    "$3"
}

for proto in udp http batch; do
	echo "=== $proto: $SEEDS seeds"
	rate=${RATE:+"tracker_announce_rate = $RATE"}
	url=$proto://192.0.2.2:6969/announce tlog=$LOG/tracker
	[ "$proto" = batch ] && url=http://192.0.2.2:6970/announce tlog=$LOG/tracker-batch
	daemon_up_on d "share = 192.0.2.0/24" "lsd = no" \
	    "trackers = $url" ${rate:+"$rate"}
	ctl_on d import --lists "$T/lists" --auth-conf /dev/null "$T/files" \
	    >"$LOG/import" 2>&1 ||
		fail "aptbt-ctl import: $(cat "$LOG/import")"
	echo "# $(tail -n 1 "$LOG/import")"
	p=$proto
	[ "$proto" = batch ] && p=http
	mark=$(wc -l <"$tlog")
	sleep $((MINUTES * 60))
	# The tracker's own clock: seconds of its log; start at the first
	# request after the import.
	first=$(awk -v m="$mark" -v p="$p" 'NR > m && $2 == p { print $1; exit }' "$tlog")
	[ -n "$first" ] || fail "$proto: no request reached the tracker"
	total=0
	per_minute "$p" "$first" "$tlog" >"$LOG/per-minute-$proto"
	while read -r m a c; do
		echo "$proto minute $m: $a announces, $c connects"
		total=$((total + a + c))
	done <"$LOG/per-minute-$proto"
	keys=$(awk -v m="$mark" -v p="$p" 'NR > m && $2 == p &&
	    ($3 == "announce" || $3 == "batched") { k[$4] = 1 }
	    END { print length(k) }' "$tlog")
	echo "$proto: $keys distinct keys announced in $MINUTES minutes"
	echo "$proto: $(ratio "$total" "$MINUTES" 1) requests/minute on average" \
	    "over $MINUTES minutes ($total in all)"
	echo "$proto: one announce per file per interval would be $SEEDS in the" \
	    "first minute, then $(ratio "$SEEDS" 30 0)/minute;" \
	    "ratio to the steady state: $(ratio "$total" $((MINUTES * SEEDS / 30)))"
	daemon_down_on d
done
if grep -qE 'AddressSanitizer|runtime error' "$LOG/aptbtd-d.log"; then
	echo "FAIL: sanitizer reports in the daemon's log" >&2
	grep -E '^SUMMARY|runtime error' "$LOG/aptbtd-d.log" | head >&2
fi
exit 0
