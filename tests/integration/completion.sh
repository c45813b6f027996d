#!/bin/sh
# SPDX-License-Identifier: ISC
# completion.sh - the bash completion of aptbt-ctl: what <TAB> offers, and
# that its commands and options are those "aptbt-ctl --help" lists.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

need_cmd bash
COMP=$top_srcdir/etc/bash-completion/aptbt-ctl
[ -r "$COMP" ] || fail "$COMP is missing"
"$APTBT_CTL" --help >"$T/help" || fail "aptbt-ctl --help failed"

# Each case: the words typed ("" for the word being completed, last), the
# replies expected, sorted and joined with blanks.  One case per line:
# WORDS|EXPECTED.
mkdir -p "$T/dirs/etc-a" "$T/dirs/etc-b"
cat >"$T/cases" <<CASES
aptbt-ctl ap|apt
aptbt-ctl apt |disable enable show
aptbt-ctl apt en|enable
aptbt-ctl apt enable |
aptbt-ctl apt --|--dry-run --etc --root
aptbt-ctl apt --dry-run di|disable
aptbt-ctl apt --etc $T/dirs/etc-|$T/dirs/etc-a $T/dirs/etc-b
aptbt-ctl -s /run/x.sock st|status
aptbt-ctl --json p|pause peers
aptbt-ctl --j|--json
aptbt-ctl -|--help --json --socket --version -V -h -j -s
aptbt-ctl top -|-b -d -n
aptbt-ctl limit --|--down --file --peer --up
aptbt-ctl limit --down |
aptbt-ctl cache --r|--remove
aptbt-ctl peers |add
aptbt-ctl peers add |
aptbt-ctl t|top tracker
aptbt-ctl x|
CASES
bash -c '
. "$1"
fails=0
while IFS="|" read -r words want; do
	read -r -a COMP_WORDS <<<"$words"
	[[ $words == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$words
	COMP_POINT=${#words}
	_aptbt_ctl
	got=$(printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " ")
	got=${got% }
	got=${got# }
	want=$(printf "%s\n" $want | LC_ALL=C sort | tr "\n" " ")
	want=${want% }
	want=${want# }
	if [[ $got == "$want" ]]; then
		echo "ok: \"$words<TAB>\" -> ${got:-nothing}"
	else
		echo "FAIL: \"$words<TAB>\" -> \"$got\", want \"$want\"" >&2
		fails=$((fails + 1))
	fi
done <"$2"
exit $fails
' completion "$COMP" "$T/cases"
fails=$?

# The completion's commands are exactly those of --help.
help_cmds=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' \
    "$T/help" | LC_ALL=C sort | tr '\n' ' ')
comp_cmds=$(bash -c '. "$1"; printf "%s\n" $_aptbt_ctl_commands' x "$COMP" |
    LC_ALL=C sort | tr '\n' ' ')
if [ -n "$help_cmds" ] && [ "$help_cmds" = "$comp_cmds" ]; then
	echo "ok: the completion's $(echo "$comp_cmds" | wc -w) commands are those of --help"
else
	echo "FAIL: --help lists \"$help_cmds\", the completion \"$comp_cmds\"" >&2
	fails=$((fails + 1))
fi
# Each command's options in its --help usage are the completion's.
for c in $help_cmds; do
	h=$(awk -v c="$c" '/^commands:/ { on = 1; next }
	    on && $1 == c { for (i = 2; i <= NF; i++) print $i }' "$T/help" |
	    grep -oE '(^|[[|])-{1,2}[a-z][a-z-]*' | sed 's/^[[|]//' |
	    LC_ALL=C sort -u | tr '\n' ' ')
	o=$(bash -c '. "$1"; printf "%s\n" $(_aptbt_ctl_options "$2")' x \
	    "$COMP" "$c" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ')
	if [ "$h" != "$o" ]; then
		echo "FAIL: $c: --help has options \"$h\", the completion \"$o\"" >&2
		fails=$((fails + 1))
	fi
done
# The global options of --help.
h=$(awk '/^commands:/ { exit } /^  -/ { gsub(",", ""); print $1; print $2 }' \
    "$T/help" | LC_ALL=C sort | tr '\n' ' ')
o=$(bash -c '. "$1"; printf "%s\n" $_aptbt_ctl_global_options' x "$COMP" |
    LC_ALL=C sort | tr '\n' ' ')
# shellcheck disable=SC2015
[ "$h" = "$o" ] && echo "ok: the global options are those of --help: $o" || {
	echo "FAIL: global options: --help \"$h\", the completion \"$o\"" >&2
	fails=$((fails + 1)); }

[ "$fails" = 0 ] || { echo "completion.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
