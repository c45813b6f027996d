#!/bin/sh
# SPDX-License-Identifier: ISC
# layering.sh - the rooms of the source tree and which may include which.
#
# Dependencies point one way (doc/architecture.md):
#
#   daemon/ (main) -> ctl, web, proxy -> engine -> share -> meta -> base -> common
#   daemon/ (main) -> tracker -> base -> common
#   client/method, client/ctl, client/mkmeta      -> common
#
# A room may include its own headers and those of any room below it,
# never one above it (the front ends ctl, web and proxy are side by side:
# none includes another), and
# daemon/ and client/ never include each other.  Every quoted #include
# of every .c and .h file is checked; the first line that breaks the
# rule fails the test with the file, the line and the rule.
#
# Usage: layering.sh [SRCDIR]   (default: $top_srcdir, else .)
set -eu

src=${1:-${top_srcdir:-.}}
cd "$src"

# The room of a path: daemon/share/peer.c -> share; daemon/main.c -> main.
room()
{
	case $1 in
	common/*)		echo common ;;
	daemon/*/*)		d=${1#daemon/}; echo "${d%%/*}" ;;
	daemon/*)		echo main ;;
	client/*/*)		d=${1#client/}; echo "client-${d%%/*}" ;;
	*)			echo other ;;
	esac
}

# The rooms a room may include, besides itself.
allowed()
{
	case $1 in
	common)		echo "" ;;
	base)		echo "common" ;;
	meta)		echo "base common" ;;
	share)		echo "meta base common" ;;
	engine)		echo "share meta base common" ;;
	ctl)		echo "engine share meta base common" ;;
	web)		echo "engine share meta base common" ;;
	proxy)		echo "engine share meta base common" ;;
	tracker)	echo "base common" ;;
	main)		echo "ctl web proxy tracker engine share meta base common" ;;
	client-*)	echo "common" ;;
	*)		echo "" ;;
	esac
}

files=$(find common daemon client -name '*.[ch]' | sort)
bad=$(for f in $files; do
	from=$(room "$f")
	ok=" $from $(allowed "$from") "
	grep -n '^#[ \t]*include[ \t]*"' "$f" | while IFS= read -r line; do
		n=${line%%:*}
		inc=$(printf '%s\n' "$line" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
		[ "$inc" = config.h ] && continue
		to=$(room "$inc")
		case $ok in
		*" $to "*) ;;
		*)	echo "$f:$n: room '$from' includes $inc (room '$to');" \
			    "'$from' may include only: $from $(allowed "$from")" ;;
		esac
	done
done)
if [ -n "$bad" ]; then
	printf '%s\n' "$bad"
	echo "layering.sh: FAIL: $(printf '%s\n' "$bad" | wc -l) includes point up" \
	    "(doc/architecture.md shows the rooms)"
	exit 1
fi
echo "layering.sh: $(echo "$files" | wc -l) files, every include points down"
