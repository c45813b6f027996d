#!/bin/sh
# SPDX-License-Identifier: ISC
# campaign.sh - a long libFuzzer run of every target, for a release or after
# a parser changes; make check only replays the corpora (replay.sh).
#
#   ./configure CC=clang --enable-fuzzing && make
#   sh tests/fuzz/campaign.sh [TARGET...]
#
# Each target runs until FUZZ_RUNS executions (default 10 million) or
# FUZZ_SECONDS (default 1800), whichever comes first, from its corpus in
# tests/fuzz/corpus/TARGET.  New inputs that add coverage are merged back
# into that corpus (libFuzzer's -merge=1 keeps only those), so the corpus
# stays small and a finding becomes a replay test.  A crash leaves
# crash-* in the build directory and fails the campaign.  One line per
# target reports executions, seconds and corpus size.

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${FUZZ_RUNS:=10000000}"
: "${FUZZ_SECONDS:=1800}"

# Every target has a seed corpus: tests/fuzz/corpus/TARGET.
targets=${*:-$(cd "$top_srcdir/tests/fuzz/corpus" && ls)}
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
status=0

for t in $targets; do
	prog="$top_builddir/tests/fuzz/fuzz_$t"
	corpus="$top_srcdir/tests/fuzz/corpus/$t"
	if [ ! -x "$prog" ]; then
		echo "campaign.sh: $prog not built (configure --enable-fuzzing)" >&2
		status=1
		continue
	fi
	mkdir -p "$work/$t"
	if ! "$prog" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS" \
	    -print_final_stats=1 "$work/$t" "$corpus" >"$work/$t.log" 2>&1; then
		echo "FAIL: fuzz_$t (see crash-* in $top_builddir)" >&2
		tail -n 40 "$work/$t.log" >&2
		status=1
		continue
	fi
	"$prog" -merge=1 "$corpus" "$work/$t" >/dev/null 2>&1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/$t.log")
	echo "ok: fuzz_$t $runs executions in ${secs:-?} s," \
	    "corpus $(ls "$corpus" | wc -l) files"
done
exit $status
