#!/bin/sh
# SPDX-License-Identifier: ISC
# wallclock.sh - intervals in the daemon are measured on the monotonic clock.
#
# Retries, bans, back-off and deadlines must not move when the wall clock
# is set (a step back of an hour once stopped every reconnect), so they
# read common/clock.h.  The wall clock stays only for what users see or
# what is stored as a date.  Every use of time(), gettimeofday() or
# CLOCK_REALTIME in daemon/ and common/ must be listed, with its reason,
# in tests/arch/wallclock.allow as "FILE<TAB>TEXT", TEXT the line with
# leading blanks removed; a use not listed fails the test, and so does
# an entry that no longer matches (so the list cannot rot).
#
# Usage: wallclock.sh [SRCDIR]   (default: $top_srcdir, else .)
set -eu

src=${1:-${top_srcdir:-.}}
cd "$src"
allow=tests/arch/wallclock.allow
[ -r "$allow" ] || { echo "FAIL: $allow is missing" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wallclock.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Uses: FILE<TAB>LINE, comments and the clock header itself aside.
find daemon common -name '*.[ch]' ! -path common/clock.h | sort |
while read -r f; do
	grep -E '(^|[^_a-z])(time[[:space:]]*\(|gettimeofday|CLOCK_REALTIME)' \
	    "$f" | grep -vE '^[[:space:]]*(\*|/\*)' |
	sed -e 's/^[[:space:]]*//' -e "s|^|$f	|"
done | sort >"$tmp/uses"
grep -v '^#' "$allow" | grep -v '^[[:space:]]*$' | sort >"$tmp/allowed"

rc=0
comm -23 "$tmp/uses" "$tmp/allowed" >"$tmp/new"
comm -13 "$tmp/uses" "$tmp/allowed" >"$tmp/gone"
if [ -s "$tmp/new" ]; then
	echo "FAIL: wall-clock reads not in $allow (use clock_s() or" \
	    "clock_ms() from common/clock.h for intervals):" >&2
	sed 's/^/  /' "$tmp/new" >&2
	rc=1
fi
if [ -s "$tmp/gone" ]; then
	echo "FAIL: entries of $allow that match nothing (remove them):" >&2
	sed 's/^/  /' "$tmp/gone" >&2
	rc=1
fi
[ "$rc" = 0 ] && echo "ok: $(wc -l <"$tmp/uses") wall-clock reads, each allowed"
exit "$rc"
