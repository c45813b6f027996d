#!/bin/sh
# SPDX-License-Identifier: ISC
# replay.sh - run each fuzz target's replay driver (tests/fuzz/replay.c)
# over its seed corpus and generated inputs; any crash or sanitizer
# report fails the test.  REPLAY_COUNT sets the generated inputs per target.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"

status=0
for t in bencode config ctlproto aptmsg peerwire peerext metainfo lsdmsg manifest aptsrc \
    proxyurl release debindex; do
	prog="$top_builddir/tests/fuzz/replay_$t"
	corpus="$top_srcdir/tests/fuzz/corpus/$t"
	if [ ! -x "$prog" ]; then
		echo "replay.sh: $prog not built" >&2
		status=1
		continue
	fi
	if "$prog" "$corpus"; then
		echo "ok: replay_$t"
	else
		echo "FAIL: replay_$t (exit $?)" >&2
		status=1
	fi
done
exit $status
