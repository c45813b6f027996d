#!/bin/sh
# SPDX-License-Identifier: ISC
# version.sh - the Debian package's version is the programs' version.
#
# debian/rules refuses to build a package whose debian/changelog version
# differs from configure.ac's; this test catches the mismatch earlier, in
# the test suite: debian/changelog's version must be the one aptbtd -V,
# aptbt-ctl -V and aptbt-mkmeta -V print (configure.ac's AC_INIT).
set -eu

: "${top_srcdir:?run this test through make check}"
: "${top_builddir:?run this test through make check}"

if ! command -v dpkg-parsechangelog >/dev/null 2>&1; then
	echo "dpkg-parsechangelog (dpkg-dev) is missing"
	exit 77
fi
deb=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -SVersion)
echo "debian/changelog: $deb"
fails=0
for prog in daemon/aptbtd client/aptbt-ctl client/aptbt-mkmeta; do
	out=$("$top_builddir/$prog" -V)
	echo "$prog -V: $out"
	if [ "$out" != "${prog##*/} $deb" ]; then
		echo "FAIL: $prog -V says '$out', debian/changelog says $deb" >&2
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ]
