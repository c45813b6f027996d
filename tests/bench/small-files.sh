#!/bin/sh
# SPDX-License-Identifier: ISC
# small-files.sh - a few hundred small packages from a peer that has them.
#
# Three test hosts: a mirror (nginx, no cap), "seed" (aptbtd holding every
# package of the repository, imported with "aptbt-ctl import") and "c".
# The repository holds 300 packages of 5-50 KiB.  "c" runs
# "apt-get install --download-only" of all 300:
#
#   http    apt's own pipelined http method, from the mirror;
#   aptbt   aptbt+http through its aptbtd, "peers = seed", a fresh cache
#           each time (so every file comes over the network).
#
# One untimed warm-up of each, then SMALL_REPEATS (5) timed runs of each,
# alternating; prints each time, the medians and aptbt/http (aim <= 1.0),
# and where c's daemon got the package bytes from (peers vs mirror).
# About two minutes.
#
#   SMALL_RUNS="http aptbt"    the runs to make (aptbt needs aptbtd)
#   SMALL_REPEATS=5            timed runs of each
#   KEEP_TMP=1                 keep the logs
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

RUNS=${SMALL_RUNS:-http aptbt}
REPEATS=${SMALL_REPEATS:-5}
NPKG=300
RUN_LIMIT=120

case " $RUNS " in
*" aptbt "*)	[ -x "$APTBTD" ] || fail "$APTBTD is not built" ;;
esac

hosts_init
ns_host m 100
ns_host seed 1
ns_host c 2

echo "# building the repository"
i=1
while [ "$i" -le "$NPKG" ]; do
	# 5 KiB to 50 KiB, spread evenly and out of order.
	pkg_add "small$i" $((5 * 1024 + (i * 7919) % (45 * 1024)))
	i=$((i + 1))
done
mirror_up m
ALL=$(repo_packages | tr '\n' ' ')
SET=$(pool_bytes)
echo "# set: $(repo_packages | wc -l) packages, $SET bytes" \
    "($(ratio "$SET" 1024 0) KiB); mirror $(ns_ip m), no cap"
client_tree c http
warm_pages 512
cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb >/dev/null

if case " $RUNS " in *" aptbt "*) true ;; *) false ;; esac; then
	daemon_up_on seed "share = 192.0.2.0/24" "lsd = no"
	ctl_on seed import "$REPO_ROOT/pool/$REPO_COMP" >"$LOG/import" 2>&1 ||
		fail "aptbt-ctl import on seed: $(cat "$LOG/import")"
	echo "# seed: $(tail -n 1 "$LOG/import")"
fi
SCHEME=

# use SCHEME: sources and indexes for SCHEME on c (untimed).
use()
{
	[ "$SCHEME" = "$1" ] && return 0
	client_sources c "$1"
	find "$REPO_T/apt-c/state/lists" -maxdepth 1 -type f -delete
	client_apt c apt-get update >"$LOG/update-$1" 2>&1 ||
		fail "apt-get update ($1): $(tail -n 3 "$LOG/update-$1")"
	SCHEME=$1
}

# one NAME LABEL: one timed install; sets $DT (seconds).
one()
{
	local name=$1 label=$2 t0 t1 rc n
	client_clear c
	t0=$(now)
	# $ALL: one word per package.
	# shellcheck disable=SC2086
	APT_TIMEOUT=$RUN_LIMIT client_apt c apt-get install --download-only -y \
	    $ALL >"$LOG/install-$label" 2>&1
	rc=$?
	t1=$(now)
	DT=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	n=$(client_debs c)
	if [ "$rc" != 0 ] || [ "$n" != "$NPKG" ]; then
		echo "FAIL: $label: apt-get status $rc, $n of $NPKG packages" >&2
		tail -n 5 "$LOG/install-$label" >&2
	fi
}

run_http()	# LABEL
{
	use http
	one http "$1"
}

run_aptbt()	# LABEL
{
	local mark peers mirrors served n
	# A fresh daemon and cache on c, connected to seed before the clock
	# starts: what is timed is the fetch, not the daemons finding each
	# other.
	daemon_down_on c
	daemon_up_on c "share = 192.0.2.0/24" "lsd = no" "peers = $(ns_ip seed):$DAEMON_PORT"
	wait_daemon_peers c 1 20 ||
		echo "warning: c is not connected to seed after 20 s" >&2
	use aptbt+http
	mark=$(mirror_mark)
	one aptbt "$1"
	sleep 0.3
	served=$(mirror_bytes_since "$mark")
	peers=$(status_field c bytes_from_peers)
	mirrors=$(status_field c bytes_from_mirrors)
	FROM="from peers $peers, from the mirror $mirrors (daemon); nginx sent $served"
	n=$(grep -c 'aptbtd is not running' "$LOG/install-$1")
	[ "$n" = 0 ] || echo "FAIL: $1: the method fell back to fetching directly" >&2
	# Its daemon may still be committing files to its cache: that must
	# not slow the next http run.
	daemon_down_on c
}

median()
{
	tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
	          else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for r in $RUNS; do
	FROM=
	"run_$r" "$r-warmup"
	echo "$r warm-up: $DT s${FROM:+; $FROM}"
done
i=1
while [ "$i" -le "$REPEATS" ]; do
	for r in $RUNS; do
		FROM=
		"run_$r" "$r-$i"
		echo "$r run $i: $DT s${FROM:+; $FROM}"
		eval "TIMES_$r=\"\${TIMES_$r:-} $DT\""
	done
	i=$((i + 1))
done

echo "# results ($NPKG packages, $SET bytes)"
for r in $RUNS; do
	eval "m=\$(echo \"\$TIMES_$r\" | median)"
	eval "MED_$r=$m"
	echo "$r: median $m s (runs:$(eval "echo \"\$TIMES_$r\""))"
done
[ -n "${MED_http:-}" ] && [ -n "${MED_aptbt:-}" ] &&
	echo "aptbt/http time ratio: $(ratio "$MED_aptbt" "$MED_http") (aim <= 1.0)"
daemon_down_on c
daemon_down_on seed
if [ -d "$LOG" ] && grep -lE 'AddressSanitizer|runtime error' "$LOG"/aptbtd-*.log 2>/dev/null; then
	echo "FAIL: sanitizer reports in the daemons' logs" >&2
fi
exit 0
