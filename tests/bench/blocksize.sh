#!/bin/sh
# SPDX-License-Identifier: ISC
# blocksize.sh - what a per-block weak rolling checksum would save, by
# block size, on pairs of related files, next to zsync 0.6.2 on the same
# pairs (zsyncmake's own block size).  Measures only: nothing in the
# metadata format depends on it yet.
#
# Pairs (OLD -> NEW):
#   deb       consecutive versions of the same package found in
#             /var/cache/apt/archives (or $BLOCKSIZE_DEBS), ordered by
#             dpkg --compare-versions
#   data.tar  the same pairs' data.tar, decompressed: the most a
#             decompress-aware delta (debdelta's way) could reuse
#   partial   the first 60% of a .deb: a download cut short
#   index     apt's Packages of bookworm main (from /var/lib/apt/lists)
#             against a copy with 2% of its stanzas given a new version,
#             size and SHA-256 and 0.5% dropped, as a point release does
#
# For each pair and block size B it prints the share of NEW found in OLD
# and the bytes a client would fetch: NEW's bytes not found, plus the
# block checksums (4-byte weak + 8-byte strong per block); and the same
# for zsync (its "Target N% complete" before any fetch, plus its .zsync).
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/bench/lib-pairs.sh"

need_cmd cc zsync zsyncmake dpkg ar xz
SIZES=${BLOCKSIZE_SIZES:-512 1024 2048 4096 8192 16384}
PER_BLOCK=12
DEBS=${BLOCKSIZE_DEBS:-/var/cache/apt/archives}
cc -O2 -o "$T/blockmatch" "$top_srcdir/tests/bench/blockmatch.c" ||
	fail "cannot build blockmatch"

pairs_collect "$DEBS"
[ -s "$T/pairs" ] || skip "no pairs of related files found"

printf '%-9s %-22s %10s' kind name new-bytes
for b in $SIZES; do printf ' %15s' "B=$b"; done
printf ' %22s\n' "zsync (block)"
while read -r kind name old new; do
	nsz=$(stat -c %s "$new")
	printf '%-9s %-22s %10d' "$kind" "$name" "$nsz"
	# shellcheck disable=SC2086	# the sizes are the arguments
	"$T/blockmatch" "$old" "$new" $SIZES | while read -r bs nb mb mbytes n; do
		fetch=$((n - mbytes + nb * PER_BLOCK))
		printf ' %5s%% %8s' "$(awk -v a="$mbytes" -v n="$n" 'BEGIN { printf "%.1f", 100 * a / n }')" "$fetch"
	done
	cp "$new" "$T/target"
	(cd "$T" && zsyncmake -u http://127.0.0.1:9/target -o target.zsync target) >/dev/null 2>&1
	zbs=$(sed -n 's/^Blocksize: //p' "$T/target.zsync")
	pct=$(cd "$T" && timeout 60 zsync -i "$old" -o out target.zsync 2>&1 |
	    sed -n 's/.*Target \([0-9.]*\)% complete.*/\1/p' | head -n 1)
	zfetch=$(awk -v p="${pct:-0}" -v n="$nsz" -v z="$(stat -c %s "$T/target.zsync")" \
	    'BEGIN { printf "%d", n * (100 - p) / 100 + z }')
	printf ' %5s%% %8s (%s)\n' "${pct:-0}" "$zfetch" "$zbs"
	rm -f "$T/out" "$T/out.part" "$T/target.zsync"
done <"$T/pairs"
echo "each cell: share of NEW found in OLD, bytes fetched (missing bytes + $PER_BLOCK bytes of checksums per block)"
