#!/bin/sh
# SPDX-License-Identifier: ISC
# tracker-batch.sh - a daemon seeding 2,000 files: batched seed announces
# toward a tracker that takes them, the paced schedule toward one that
# does not, and "stopped" when seeds leave.
#
# Network namespaces on one bridge:
#   t  (192.0.2.1)  fake-tracker.py twice, interval 60 s: B on HTTP 6969
#                   advertises and takes batches ("aptbt seeds" =
#                   /aptbt/seeds), S on HTTP 6970 is a standard tracker
#   b  (192.0.2.10) aptbtd, "trackers = B", seeding 2,000 imported files
#   s  (192.0.2.11) aptbtd, "trackers = S", the same files,
#                   tracker_announce_rate = 30
#
#   1. Both daemons import the files (public: their hashes are in a
#      Packages list) and are watched for WATCH seconds (default 150).
#      B gets every seed in batches, at most a few requests in any
#      minute, every key at least twice (a round every interval); S gets
#      no more than tracker_announce_rate seed announces in any minute
#      (and not far fewer: the cap is what holds them).
#   2. One file is removed from each cache ("aptbt-ctl cache --remove"):
#      B gets a batch "stopped" of that key, S an announce "stopped".
#   3. Both daemons stop: B gets a "stopped" batch of all the remaining
#      seeds, S at most a bounded number of "stopped" announces; neither
#      daemon takes more than 3 s to stop.
#   4. Only when aptbtd has the embedded tracker ("tracker = yes"): e
#      (192.0.2.2) runs it, b2 (192.0.2.12) seeds the same files toward
#      it: the tracker holds every seed (and b2's presence) within 90 s,
#      and none once b2 has stopped.  EMB_APTBTD and EMB_CTL may name
#      other binaries for e.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces)"
need_cmd ip sha256sum
FAKE=$top_srcdir/tests/integration/fake-tracker.py
SEEDS=2000
RATE=30
WATCH=${WATCH:-150}

# shellcheck source=tests/integration/lib-tracker.sh
. "$top_srcdir/tests/integration/lib-tracker.sh"
ns_init
trap trk_at_exit EXIT
ns_host t 1
ns_host b 10
ns_host s 11

# --- the files ------------------------------------------------------------------
seed_files "$SEEDS"

# --- trackers -----------------------------------------------------------------------
fake()	# NAME ARGS...
{
	local n=$1
	shift
	: >"$T/$n.log"
	ns_bg t "$T/$n.out" "$PY" "$FAKE" --interval 60 "$@" "$T/$n.log"
	wait_for_file_line "$T/$n.out" '^ready' 10 || { show "$T/$n.out"; fail "$n did not start"; }
}
fake B --http 192.0.2.1:6969 --batch /aptbt/seeds
fake S --http 192.0.2.1:6970

# --- daemons ------------------------------------------------------------------------
up()	# HOST TRACKER-URL [CONF-LINES]
{
	local h=$1 url=$2 conf
	shift 2
	conf=$(write_conf "$T/$h" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "trackers = $url" "$@")
	ns_bg "$h" "$T/$h.log" "$APTBTD" -f -c "$conf"
	eval "PID_$h=$NS_BG_PID"
	wait_for_socket "$T/$h/control.sock" || { show "$T/$h.log"; fail "aptbtd on $h did not start"; }
}
ctl() { local h=$1; shift; ns_exec "$h" "$APTBT_CTL" -s "$T/$h/control.sock" "$@"; }
up b http://192.0.2.1:6969/announce
up s http://192.0.2.1:6970/announce "tracker_announce_rate = $RATE"

echo "=== 1. $SEEDS seeds each, watched for $WATCH s"
for h in b s; do
	ctl "$h" import --lists "$T/lists" --auth-conf /dev/null "$T/files" \
	    >"$T/import-$h" 2>&1 &
	eval "IMP_$h=$!"
done
wait "$IMP_b" || { show "$T/import-b"; fail "import on b failed"; }
wait "$IMP_s" || { show "$T/import-s"; fail "import on s failed"; }
echo "# b: $(tail -n 1 "$T/import-b"); s: $(tail -n 1 "$T/import-s")"
mark_b=$(wc -l <"$T/B.log")
mark_s=$(wc -l <"$T/S.log")
sleep "$WATCH"

# max_minute LOG MARK [KEY]: the most requests (announces and batches,
# not the keys of a batch; not KEY's) in any 60 s from line MARK on.
max_minute()
{
	awk -v m="$2" -v x="${3:--}" 'NR > m && ($3 == "announce" || $3 == "batch") &&
	    $4 != x { t[n++] = $1 }
	    END { best = 0; j = 0
		for (i = 0; i < n; i++) {
			while (t[i] - t[j] >= 60) j++
			if (i - j + 1 > best) best = i - j + 1
		}
		print best }' "$1"
}
req_b=$(awk -v m="$mark_b" 'NR > m && ($3 == "announce" || $3 == "batch")' "$T/B.log" | wc -l)
batches=$(awk -v m="$mark_b" 'NR > m && $3 == "batch"' "$T/B.log" | wc -l)
keys_b=$(awk -v m="$mark_b" 'NR > m && $3 == "batched" { k[$4]++ }
    END { n = 0; for (x in k) if (k[x] >= 2) n++; print length(k), n }' "$T/B.log")
max_b=$(max_minute "$T/B.log" "$mark_b")
req_s=$(awk -v m="$mark_s" 'NR > m && $3 == "announce"' "$T/S.log" | wc -l)
# The daemon's presence key (its first announce, before the import) is
# announced at the tracker's interval, outside the seed rate cap.
pres_s=$(awk 'NR == 1 { print $4 }' "$T/S.log")
max_s=$(max_minute "$T/S.log" "$mark_s" "$pres_s")
keys_s=$(awk -v m="$mark_s" 'NR > m && $3 == "announce" { k[$4] = 1 }
    END { print length(k) }' "$T/S.log")
echo "B (batches): $req_b requests in ${WATCH}s ($batches batches), at most $max_b in a minute;" \
    "keys batched, and batched twice or more: $keys_b"
echo "S (standard, rate $RATE): $req_s requests in ${WATCH}s, at most $max_s seed announces in a minute;" \
    "$keys_s keys"
set -- $keys_b
[ "$1" -eq "$SEEDS" ] && [ "$2" -eq "$SEEDS" ] &&
	ok "every seed reached B in batches, in every round" ||
	{ show "$T/b.log"; bad "B had $1 keys in batches, $2 in two rounds (want $SEEDS)"; }
[ "$max_b" -le 8 ] && [ "$batches" -ge 4 ] &&
	ok "B: at most $max_b requests a minute for $SEEDS seeds" ||
	bad "B: $max_b requests in a minute, $batches batches"
[ "$max_s" -le "$RATE" ] && [ "$max_s" -ge $((RATE / 2)) ] &&
	ok "S: at most $max_s seed announces a minute (rate $RATE)" ||
	bad "S: $max_s seed announces in a minute (rate $RATE)"

# --- 2. a seed leaves the cache ---------------------------------------------
echo "=== 2. one file removed from each cache"
# A file both trackers have heard of (S only of some, at its rate).
set -- $($PY - "$T/files" "$T/B.log" "$T/S.log" <<'EOF'
import hashlib, os, sys
d = sys.argv[1]
seen = [set(l.split()[3] for l in open(p) if l.split()[2] in ("batched", "announce"))
        for p in sys.argv[2:4]]
for f in sorted(os.listdir(d)):
    sha = hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()
    zk = hashlib.sha256(b"aptbt-v1" + bytes.fromhex(sha)).hexdigest()[:40]
    if zk in seen[0] and zk in seen[1]:
        print(sha, zk)
        break
EOF
)
[ $# -eq 2 ] || fail "no file was announced to both trackers"
sha=$1 zk=$2
for h in b s; do
	ctl "$h" cache --remove "$sha" >"$T/remove-$h.out" 2>&1 ||
		{ show "$T/remove-$h.out"; bad "cache --remove on $h failed"; }
done
wait_count()	# LOG RE N SECS
{
	local tenths=$(($4 * 10))
	while [ "$(grep -c "$2" "$1")" -lt "$3" ] && [ $tenths -gt 0 ]; do
		sleep 0.1
		tenths=$((tenths - 1))
	done
}
wait_count "$T/B.log" "batched $zk stopped" 1 10
wait_count "$T/S.log" "announce $zk stopped" 1 10
n_b=$(grep -c "batched $zk stopped" "$T/B.log")
n_s=$(grep -c "announce $zk stopped" "$T/S.log")
echo "B: $n_b \"stopped\" batch entries for the key; S: $n_s \"stopped\" announces"
[ "$n_b" -eq 1 ] && [ "$(awk '$3 == "batch" && $5 == "stopped"' "$T/B.log" | wc -l)" -eq 1 ] &&
	ok "B heard \"stopped\" of the removed seed in one batch" ||
	bad "B: $n_b \"stopped\" for the removed seed"
[ "$n_s" -eq 1 ] && ok "S heard \"stopped\" of the removed seed" ||
	bad "S: $n_s \"stopped\" for the removed seed"

# --- 3. the daemons stop ------------------------------------------------------------
echo "=== 3. both daemons stop"
for h in b s; do
	before=$(wc -l <"$T/$(echo $h | tr bs BS).log")
	t0=$(date +%s%N)
	stop_wait "$(eval "echo \$PID_$h")"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$STOP_RC" = 0 ] || bad "aptbtd on $h exited with status $STOP_RC"
	eval "MS_$h=$ms BEFORE_$h=$before"
done
stops_b=$(awk -v m="$BEFORE_b" 'NR > m && $3 == "batched" && $5 == "stopped" { k[$4] = 1 }
    END { print length(k) }' "$T/B.log")
req_stop_b=$(awk -v m="$BEFORE_b" 'NR > m && $3 == "batch"' "$T/B.log" | wc -l)
stops_s=$(awk -v m="$BEFORE_s" 'NR > m && $3 == "announce" && $5 == "stopped"' "$T/S.log" | wc -l)
echo "b stopped in ${MS_b} ms, B got $req_stop_b batches: \"stopped\" for $stops_b seeds"
echo "s stopped in ${MS_s} ms, S got $stops_s \"stopped\" announces"
[ "$stops_b" -eq $((SEEDS - 1)) ] && [ "$req_stop_b" -le 2 ] &&
	ok "B heard \"stopped\" for all $stops_b remaining seeds in $req_stop_b requests" ||
	bad "B: \"stopped\" for $stops_b seeds in $req_stop_b requests (want $((SEEDS - 1)))"
[ "$stops_s" -ge 1 ] && [ "$stops_s" -le 32 ] &&
	ok "S heard a bounded number of \"stopped\" ($stops_s)" ||
	bad "S: $stops_s \"stopped\" at shutdown"
[ "$MS_b" -le 3000 ] && [ "$MS_s" -le 3000 ] &&
	ok "both stopped within 3 s" || bad "stopping took ${MS_b} ms and ${MS_s} ms"

# --- 4. against the embedded tracker -------------------------------------------
EMB_APTBTD=${EMB_APTBTD:-$APTBTD}
EMB_CTL=${EMB_CTL:-$APTBT_CTL}
if grep -aq tracker_max_memory "$EMB_APTBTD"; then
	echo "=== 4. $SEEDS seeds toward the embedded tracker"
	ns_host e 2
	ns_host b2 12
	conf=$(write_conf "$T/e" "log_level = debug" "listen_port = 6881" \
	    "share = 192.0.2.0/24" "tracker = yes" "tracker_port = 6969" \
	    "tracker_rate = 0")
	ns_bg e "$T/e.log" "$EMB_APTBTD" -f -c "$conf"
	PID_e=$NS_BG_PID
	wait_for_socket "$T/e/control.sock" || { show "$T/e.log"; fail "the tracker on e did not start"; }
	held()
	{
		ns_exec e "$EMB_CTL" -s "$T/e/control.sock" --json tracker |
		    $PY -c 'import json, sys; print(json.load(sys.stdin)["peers4"])'
	}
	up b2 http://192.0.2.2:6969/announce
	ctl b2 import --lists "$T/lists" --auth-conf /dev/null "$T/files" \
	    >"$T/import-b2" 2>&1 || { show "$T/import-b2"; fail "import on b2 failed"; }
	t0=$(date +%s)
	while [ "$(held)" -lt $((SEEDS + 1)) ] && [ $(($(date +%s) - t0)) -lt 90 ]; do
		sleep 1
	done
	n=$(held)
	echo "the embedded tracker holds $n peers after $(($(date +%s) - t0)) s" \
	    "($(grep -c 'aptbt/seeds: batch of [0-9]* seeds started$' "$T/b2.log") batches)"
	[ "$n" -eq $((SEEDS + 1)) ] && ok "every seed and the presence key reached the embedded tracker" ||
		bad "the embedded tracker holds $n peers, not $((SEEDS + 1))"
	stop_wait "$PID_b2"
	sleep 1
	n=$(held)
	[ "$n" -eq 0 ] && ok "none left once b2 stopped" ||
		bad "the embedded tracker still holds $n peers after b2 stopped"
	stop_wait "$PID_e"
	grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/b2.log" &&
		bad "sanitizer report in b2's log"
else
	echo "=== 4. skipped: $EMB_APTBTD has no embedded tracker"
fi

grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/b.log" "$T/s.log" &&
	{ grep -E -A12 'runtime error|Sanitizer' "$T/b.log" "$T/s.log" | head -40 >&2;
	  bad "sanitizer report in a daemon's log"; }
[ "$fails" -eq 0 ] || { show "$T/b.log" 40; fail "$fails check(s) failed"; }
echo "ok: tracker-batch"
