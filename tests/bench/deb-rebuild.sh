#!/bin/sh
# SPDX-License-Identifier: ISC
# deb-rebuild.sh - can a client rebuild a .deb's compressed members bit for
# bit from their decompressed content?  That is what a decompress-aware
# delta (debdelta's way: match inside data.tar, rebuild the .deb) needs
# before it may ship: the SHA-256 apt checks is over the compressed file.
#
# For a sample of .deb files (default: apt's cache, $DEB_DIR), each
# member data.tar.xz / control.tar.xz is decompressed and compressed
# again the way dpkg-deb 1.21 does (liblzma preset 6, CRC64, the
# multi-threaded encoder's block layout: xz -6 -T2), and compared.
# Prints per member kind how many rebuilt identical, and the first
# misses.  No root, no network; needs xz, ar.
#
#   DEB_DIR (/var/cache/apt/archives), DEB_SAMPLE (100), DEB_MAX_BYTES
#   (8 MiB: larger files are left out to keep the run short)
set -eu
DIR=${DEB_DIR:-/var/cache/apt/archives}
N=${DEB_SAMPLE:-100}
MAX=${DEB_MAX_BYTES:-8388608}
T=$(mktemp -d "${TMPDIR:-/tmp}/aptbt-debrb.XXXXXX")
trap 'rm -rf "$T"' EXIT
command -v xz >/dev/null && command -v ar >/dev/null ||
	{ echo "deb-rebuild: needs xz and ar" >&2; exit 77; }
find "$DIR" -maxdepth 1 -name '*.deb' -size -"$((MAX / 1024))"k |
    sort | awk -v n="$N" 'BEGIN { srand(1) } { a[NR] = $0 }
    END { for (i = 1; i <= NR && i <= n; i++) { j = i + int(rand() * (NR - i + 1));
    t = a[i]; a[i] = a[j]; a[j] = t; print a[i] } }' >"$T/list"
total=0 same=0 other=0
: >"$T/miss"
while IFS= read -r deb; do
	for m in $(ar t "$deb"); do
		case $m in
		*.tar.xz) ;;
		debian-binary) continue ;;
		*) other=$((other + 1)); continue ;;
		esac
		ar p "$deb" "$m" >"$T/orig"
		xz -dc "$T/orig" >"$T/plain" || continue
		xz -z -c -6 -T2 --check=crc64 "$T/plain" >"$T/again"
		total=$((total + 1))
		if cmp -s "$T/orig" "$T/again"; then
			same=$((same + 1))
		else
			echo "$(basename "$deb") $m: $(stat -c %s "$T/orig") vs $(stat -c %s "$T/again") bytes" >>"$T/miss"
		fi
	done
done <"$T/list"
echo "deb-rebuild: $(wc -l <"$T/list") .deb files, $total xz members: $same rebuilt bit-identical, $((total - same)) not; $other members in other formats"
head -n 10 "$T/miss"
