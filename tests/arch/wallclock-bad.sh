#!/bin/sh
# SPDX-License-Identifier: ISC
# wallclock-bad.sh - wallclock.sh catches a new wall-clock interval.
#
# A copy of daemon/, common/ and the allow list gets a retry timer on
# time(NULL) planted in it; wallclock.sh must fail on the copy and name
# the line, and pass on the untouched copy.
set -eu

src=${top_srcdir:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wallclock-bad.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests/arch"
cp -R "$src/daemon" "$src/common" "$tmp/"
cp "$src/tests/arch/wallclock.allow" "$tmp/tests/arch/"
sh "$src/tests/arch/wallclock.sh" "$tmp" >/dev/null ||
	{ echo "FAIL: the untouched copy does not pass" >&2; exit 1; }
printf 'static time_t next_try(void) { return time(NULL) + 30; }\n' \
	>>"$tmp/daemon/share/peermgr.c"
if sh "$src/tests/arch/wallclock.sh" "$tmp" 2>"$tmp/err"; then
	echo "FAIL: a planted time(NULL) was not caught" >&2
	exit 1
fi
grep -q 'daemon/share/peermgr.c.*time(NULL) + 30' "$tmp/err" ||
	{ echo "FAIL: the message does not name the line:" >&2; cat "$tmp/err" >&2; exit 1; }
echo "ok: a planted wall-clock interval is caught"
