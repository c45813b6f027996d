#!/bin/sh
# SPDX-License-Identifier: ISC
# mkmeta-blocks.sh - aptbt-mkmeta --mirror writes block lists
# (doc/blocks.md) for uncompressed files and package files only,
# incrementally.
#
# A hand-made mirror: one suite whose Release lists a plain Packages
# (larger than the 64 KiB floor) and its .xz, and pool files: a .deb,
# a .tar.xz, a small .dsc and an uncompressed .tar of 300 KB.
#
#   a. one run writes exactly three lists, for the plain Packages and
#      the .tar (512-byte blocks, version 1) and the .deb (a compact list:
#      version 2, 2 KiB blocks, 2 and 3 bytes of sums), each checked block
#      by block by blocks-check.py; none for the .tar.xz; the summary's
#      metadata bytes count them
#   b. a rerun hashes nothing and rewrites no list
#   c. a list deleted: the rerun hashes that one file again, and only it
#   d. the .tar leaves the index: its list is swept, the new Packages
#      gets its list and the old Packages' list is dropped; the .deb's
#      stays
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"

need_cmd xz sha256sum
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
MKMETA=$top_builddir/client/aptbt-mkmeta
CHECK="$PY $top_srcdir/tests/integration/blocks-check.py"
[ -x "$MKMETA" ] || fail "$MKMETA is not built"

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
sha() { sha256sum <"$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
list_of() { s=$(sha "$1"); echo "$M/aptbt/blocks/$(echo "$s" | cut -c1-2)/$s.blocks"; }
nlists() { find "$M/aptbt/blocks" -name '*.blocks' | wc -l; }
hashed() { sed -n 's/.*files, [0-9]* bytes: \([0-9]*\) hashed.*/\1/p' "$T/$1"; }

M=$T/mirror
D=$M/dists/s/main/binary-amd64
P=$M/pool/main/x
mkdir -p "$D" "$P"
head -c 200000 /dev/urandom >"$P/x_1.0_amd64.deb"
head -c 200000 /dev/urandom | xz -0 >"$P/x_1.0.tar.xz"
head -c 3000 /dev/urandom >"$P/x_1.0.dsc"
head -c 300000 /dev/urandom >"$P/x_1.0.tar"

# Packages: a stanza per pool file, padded past the floor with filler
# stanzas naming the .dsc again, as a real index is mostly text.
packages()
{
	for f in "$@"; do
		printf 'Package: %s\nVersion: 1.0\nArchitecture: amd64\n' \
		    "$(basename "$f" | tr _. --)"
		printf 'Filename: pool/main/x/%s\nSize: %s\nSHA256: %s\n' \
		    "$(basename "$f")" "$(size "$f")" "$(sha "$f")"
		printf 'Description: a file of the test mirror\n\n'
	done
	i=0
	while [ $i -lt 700 ]; do
		printf 'Package: filler%d\nVersion: 1.%d\nArchitecture: amd64\n' $i $i
		printf 'Filename: pool/main/x/x_1.0.dsc\nSize: %s\nSHA256: %s\n' \
		    "$(size "$P/x_1.0.dsc")" "$(sha "$P/x_1.0.dsc")"
		printf 'Description: filler stanza number %d of the index\n\n' $i
		i=$((i + 1))
	done
}
release()
{
	rm -f "$D/Packages.xz"
	xz -k "$D/Packages"
	{
		printf 'Suite: s\nCodename: s\nSHA256:\n'
		for f in Packages Packages.xz; do
			printf ' %s %s main/binary-amd64/%s\n' "$(sha "$D/$f")" \
			    "$(size "$D/$f")" "$f"
		done
	} >"$M/dists/s/Release"
}
packages "$P"/x_1.0_amd64.deb "$P"/x_1.0.tar.xz "$P"/x_1.0.dsc \
    "$P"/x_1.0.tar >"$D/Packages"
release
[ "$(size "$D/Packages")" -gt 65536 ] || fail "Packages under 64 KiB"

# --- a. lists for the plain Packages, the .tar and the .deb only ---------
"$MKMETA" --mirror "$M" >"$T/a" 2>&1 || fail "a: mkmeta: $(tail -n 3 "$T/a")"
n=$(nlists)
[ "$n" = 3 ] && [ -f "$(list_of "$D/Packages")" ] &&
    [ -f "$(list_of "$P/x_1.0.tar")" ] &&
    [ -f "$(list_of "$P/x_1.0_amd64.deb")" ] &&
	ok "a: 3 lists, for Packages, the .tar and the .deb" ||
	bad "a: $n lists: $(find "$M/aptbt/blocks" -name '*.blocks')"
f=$P/x_1.0_amd64.deb
nb=$($CHECK "$(list_of "$f")" "$f")
[ "$nb" = "$(( ($(size "$f") + 2047) / 2048 )) 2048/2/3" ] &&
	ok "a: the .deb: $nb, every sum right, $(size "$(list_of "$f")") bytes" ||
	bad "a: the .deb's list: '$nb'"
for f in "$D/Packages" "$P/x_1.0.tar"; do
	if nb=$($CHECK "$(list_of "$f")" "$f"); then
		[ "$nb" = $(( ($(size "$f") + 511) / 512 )) ] &&
			ok "a: ${f##*/}: $nb blocks of 512 bytes, every sum right" ||
			bad "a: ${f##*/}: $nb blocks"
	else
		bad "a: ${f##*/}: list does not check"
	fi
done

lb=$(find "$M/aptbt/blocks" -name '*.blocks' -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')
grep -q "metadata [0-9]* bytes (block lists $lb)" "$T/a" &&
	ok "a: the summary counts the lists' $lb bytes" ||
	bad "a: lists of $lb bytes; summary: $(grep 'metadata' "$T/a")"

# --- b. a rerun reads nothing and rewrites no list ---------------------
stamp() { find "$M/aptbt/blocks" -name '*.blocks' -printf '%i %T@\n' | sort; }
before=$(stamp)
"$MKMETA" --mirror "$M" >"$T/b" 2>&1 || fail "b: mkmeta: $(tail -n 3 "$T/b")"
[ "$(hashed b)" = 0 ] && [ "$(stamp)" = "$before" ] &&
	ok "b: rerun hashed 0 files, lists untouched" ||
	bad "b: hashed $(hashed b), lists changed: $(stamp)"

# --- c. a missing list: that file, and only it, read again -------------
rm "$(list_of "$P/x_1.0.tar")"
"$MKMETA" --mirror "$M" >"$T/c" 2>&1 || fail "c: mkmeta: $(tail -n 3 "$T/c")"
[ "$(hashed c)" = 1 ] && $CHECK "$(list_of "$P/x_1.0.tar")" "$P/x_1.0.tar" \
    >/dev/null && ok "c: the list deleted comes back, 1 file hashed" ||
	bad "c: hashed $(hashed c)"

# --- d. the .tar leaves, the index changes ------------------------------
oldlist=$(list_of "$D/Packages")
tarlist=$(list_of "$P/x_1.0.tar")
packages "$P"/x_1.0_amd64.deb "$P"/x_1.0.tar.xz "$P"/x_1.0.dsc >"$D/Packages"
release
"$MKMETA" --mirror "$M" >"$T/d" 2>&1 || fail "d: mkmeta: $(tail -n 3 "$T/d")"
[ ! -e "$oldlist" ] && [ ! -e "$tarlist" ] && [ "$(nlists)" = 2 ] &&
    [ -f "$(list_of "$P/x_1.0_amd64.deb")" ] &&
    $CHECK "$(list_of "$D/Packages")" "$D/Packages" >/dev/null &&
	ok "d: the .tar's and the old index's lists swept, the new index's written" ||
	bad "d: old $( [ -e "$oldlist" ] && echo kept), tar $( [ -e "$tarlist" ] && echo kept), $(nlists) lists"

[ $fails = 0 ] || fail "$fails checks failed"
echo "PASS: mkmeta-blocks"
