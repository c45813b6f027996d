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
# Columns: NEW's size; "list": whether aptbt-mkmeta publishes a block
# list for such a file (blocks_wanted: not for compressed files); the
# delta's bytes (list + missing ranges of pieces found in part + pieces
# with nothing local) and the share of NEW they are; zsync's (the share
# its "Target N% complete" leaves, plus its .zsync); delta / zsync.  For
# a file with no list aptbtd fetches the whole file: "shipped" says so.
# "ranges": the range requests for pieces found in part (their headers,
# a few hundred bytes each, are not in the delta's bytes; nor are those
# of zsync's requests in its).  "ms": the match, on this build.
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
printf '%-8s %-13s %9s %4s %9s %7s %6s %9s %7s %7s %7s\n' kind name new list \
    delta share ranges zsync share d/z ms
while read -r kind name of nf; do
	nsz=$(stat -c %s "$nf")
	eval "$("$DB" "$of" "$nf")" || fail "deltabench $of $nf"
	[ "$new" = "$nsz" ] || fail "deltabench read $new bytes of $nsz"
	has=yes
	case $kind in deb | partial | index.xz) has=no ;; esac
	cp "$nf" "$T/target"
	(cd "$T" && zsyncmake -u http://127.0.0.1:9/target -o target.zsync \
	    target) >/dev/null 2>&1 || fail "zsyncmake"
	zp=$(cd "$T" && timeout 120 zsync -i "$of" -o out target.zsync 2>&1 |
	    sed -n 's/.*Target \([0-9.]*\)% complete.*/\1/p' | head -n 1)
	zf=$(awk -v p="${zp:-0}" -v n="$nsz" -v z="$(stat -c %s "$T/target.zsync")" \
	    'BEGIN { printf "%d", n * (100 - p) / 100 + z }')
	printf '%-8s %-13s %9d %4s %9d %7s %6d %9d %7s %7s %7d\n' "$kind" "$name" \
	    "$nsz" "$has" "$fetched" "$(pct "$fetched" "$nsz")" "$ranges" "$zf" \
	    "$(pct "$zf" "$nsz")" \
	    "$(awk -v a="$fetched" -v b="$zf" 'BEGIN { printf "%.3f", a / b }')" \
	    "$match_ms"
	[ $has = no ] && printf '%-8s %-13s %9d   shipped: no list, aptbtd fetches it whole\n' \
	    "" "" "$nsz"
	rm -f "$T/out" "$T/out.part" "$T/target.zsync"
done <"$T/pairs"
echo "delta: list + missing ranges (merged below 2 KiB) + pieces with nothing local; zsync: missing share + .zsync"
