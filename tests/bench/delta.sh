#!/bin/sh
# SPDX-License-Identifier: ISC
# delta.sh - bytes aptbtd's delta fetches (tests/bench/deltabench, the
# daemon's own matcher and plan) against zsync 0.6.2 on the same pairs,
# with zsyncmake run over the same new files; the ratio in the same run.
#
# Pairs (OLD -> NEW), as tests/bench/blocksize.sh finds them on this
# machine: consecutive versions of the packages in /var/cache/apt/archives
# (or $DELTA_DEBS) by dpkg --compare-versions, their decompressed
# data.tar, the first 60% of a .deb (a download cut short), and apt's
# Packages of bookworm main against a copy with 2% of its stanzas given a
# new version, size and SHA-256 and 0.5% dropped (a point release).
#
# Columns: NEW's size; "list": the shape of the block list aptbt-mkmeta
# publishes for such a file (blocks_shape_for: block size/weak/strong
# bytes; "-": none, a compressed file that is no package, fetched whole);
# the delta's bytes (list + missing ranges of pieces found in part +
# pieces with nothing local) and the share of NEW they are; zsync's (the
# share its "Target N% complete" leaves, plus its .zsync); delta / zsync.
# "ranges": the range requests for pieces found in part (their headers,
# a few hundred bytes each, are not in the delta's bytes; nor are those
# of zsync's requests in its).  "ms": the match, on this build.
# DELTA_SHAPE="-b 4096 -w 4 -s 8" (deltabench's options) measures
# another shape for every pair.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/lib-pairs.sh"

need_cmd zsync zsyncmake dpkg-deb ar xz
DB=$top_builddir/tests/bench/deltabench
[ -x "$DB" ] || fail "$DB is not built (make tests/bench/deltabench)"
DEBS=${DELTA_DEBS:-/var/cache/apt/archives}

pairs_collect "$DEBS"
[ -s "$T/pairs" ] || skip "no pairs of related files found"

pct() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.1f%%", 100 * a / n }'; }
printf '%-8s %-13s %9s %-8s %9s %7s %6s %9s %7s %7s %7s\n' kind name new list \
    delta share ranges zsync share d/z ms
worst=0
while read -r kind name of nf; do
	nsz=$(stat -c %s "$nf")
	# $DELTA_SHAPE is deltabench's options, split on purpose.
	# shellcheck disable=SC2086
	eval "$("$DB" ${DELTA_SHAPE:-} "$of" "$nf")" || fail "deltabench $of $nf"
	[ "$new" = "$nsz" ] || fail "deltabench read $new bytes of $nsz"
	shape=-
	[ "$block" != 0 ] && shape=$block/$wlen/$slen
	cp "$nf" "$T/target"
	(cd "$T" && zsyncmake -u http://127.0.0.1:9/target -o target.zsync \
	    target) >/dev/null 2>&1 || fail "zsyncmake"
	zp=$(cd "$T" && timeout 120 zsync -i "$of" -o out target.zsync 2>&1 |
	    sed -n 's/.*Target \([0-9.]*\)% complete.*/\1/p' | head -n 1)
	zf=$(awk -v p="${zp:-0}" -v n="$nsz" -v z="$(stat -c %s "$T/target.zsync")" \
	    'BEGIN { printf "%d", n * (100 - p) / 100 + z }')
	dz=$(awk -v a="$fetched" -v b="$zf" 'BEGIN { printf "%.4f", a / b }')
	worst=$(awk -v a="$dz" -v b="$worst" 'BEGIN { print (a > b ? a : b) }')
	printf '%-8s %-13s %9d %-8s %9d %7s %6d %9d %7s %7s %7d\n' "$kind" "$name" \
	    "$nsz" "$shape" "$fetched" "$(pct "$fetched" "$nsz")" "$ranges" "$zf" \
	    "$(pct "$zf" "$nsz")" "$dz" "$match_ms"
	rm -f "$T/out" "$T/out.part" "$T/target.zsync"
done <"$T/pairs"
echo "delta: list + missing ranges (merged below 2 KiB) + pieces with nothing local; zsync: missing share + .zsync"
echo "worst delta / zsync: $worst"
