#!/bin/sh
# SPDX-License-Identifier: ISC
# quickstart.sh - the README's first command is scripts/quickstart, and
# that script is well-formed POSIX sh.
#
# Checks: the README's first ```sh block runs the steps deps, build,
# install and demo of scripts/quickstart in that order and nothing else;
# its second block is the test command .ci/run extracts; the script has
# its SPDX line, parses under sh -n, passes shellcheck (when installed),
# names no archive host (the demo reads the mirror from the machine's apt
# sources) and refuses an unknown step before doing anything; its mirror
# step finds the mirror in sample sources of both formats; every package
# it installs is in .ci/run's PACKAGES.
set -eu

: "${top_srcdir:?run this test through make check}"
cd "$top_srcdir"
qs=scripts/quickstart
fails=0
checks=0

fail()
{
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

check()
{
	checks=$((checks + 1))
}

block()
{
	awk -v want="$1" '
		/^```sh$/ { n++; inblock = 1; next }
		/^```$/ { inblock = 0; next }
		inblock && n == want { print }
	' README.md
}

# The first block: one "scripts/quickstart STEP" per line, comments aside.
check
steps=$(block 1 | sed -e 's/#.*//' -e 's/&&//' | awk 'NF { print }' |
    while read -r cmd step rest; do
	[ "$cmd" = "$qs" ] && [ -z "$rest" ] || echo "other:$cmd"
	echo "$step"
    done | tr '\n' ' ')
[ "$steps" = "deps build install demo " ] ||
    fail "README's first block runs '$steps', not the four quickstart steps"

check
[ "$(block 2)" = "autoreconf -fi && ./configure --enable-sanitizers --enable-werror && make -j2 check" ] ||
    fail "README's second block is not the test command: '$(block 2)'"

check
[ -x "$qs" ] || fail "$qs is not executable"
check
[ "$(sed -n 1p "$qs")" = "#!/bin/sh" ] || fail "$qs: first line is not #!/bin/sh"
check
[ "$(sed -n 2p "$qs")" = "# SPDX-License-Identifier: ISC" ] ||
    fail "$qs: second line is not the SPDX line"

check
sh -n "$qs" || fail "$qs: sh -n reports a syntax error"

if command -v shellcheck >/dev/null 2>&1; then
	check
	shellcheck -s sh "$qs" || fail "$qs: shellcheck reports the lines above"
else
	echo "shellcheck not installed: that check is left out"
fi

check
if grep -n -i -E '[a-z0-9-]+\.(debian\.org|debian\.net)' "$qs"; then
	fail "$qs names an archive host (lines above): read it from the apt sources"
fi

# An unknown step stops the script before the first step runs.
check
out=$(sh "$qs" nosuchstep 2>&1) && fail "$qs nosuchstep succeeded"
case $out in
"quickstart: unknown step 'nosuchstep' (deps, build, install, demo, mirror)") ;;
*) fail "$qs nosuchstep said: $out" ;;
esac

# The mirror step reads both source formats, skips the security archive
# and files that are missing, and stops when no mirror is named.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mirror_of()
{
	QUICKSTART_APT_ETC=$T/$1 sh "$qs" mirror 2>&1
}
mkdir -p "$T/one/sources.list.d" "$T/deb822/sources.list.d" \
    "$T/none/sources.list.d"
cat > "$T/one/sources.list" <<'LIST'
# deb http://commented.invalid/debian bookworm main
deb-src http://source.invalid/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://one.invalid/debian bookworm main
deb http://two.invalid/debian bookworm main
LIST
printf 'Types: deb\nURIs: http://sec.invalid/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: https://three.invalid/debian\nSuites: bookworm\n' \
    > "$T/deb822/sources.list.d/debian.sources"
for c in "one http://one.invalid/debian" \
    "deb822 https://three.invalid/debian" \
    "none quickstart: no mirror found in $T/none/sources.list*"; do
	check
	got=$(mirror_of "${c%% *}") || true
	[ "$got" = "${c#* }" ] || fail "mirror of ${c%% *}: '$got', not '${c#* }'"
done
check
mirror_of none >/dev/null && fail "the mirror step succeeded with no mirror"

# Every package quickstart installs, .ci/run installs too.
# A package name is [a-z0-9.+-]; anything else separates names.
ci_packages=$(sed -n '/^PACKAGES=(/,/^)/p' .ci/run | tr -cs 'a-z0-9.+-' '\n')
qs_packages=$(sed -n '/^PACKAGES="/,/"$/p' "$qs" | tr -cs 'a-z0-9.+-' '\n')
n=0
for p in $qs_packages; do
	n=$((n + 1))
	check
	echo "$ci_packages" | grep -qx -- "$p" ||
	    fail "$qs installs $p, which .ci/run's PACKAGES lacks"
done
check
[ "$n" -ge 10 ] || fail "found only $n packages in $qs"

echo "$checks checks, $fails failed ($n packages compared with .ci/run)"
[ "$fails" -eq 0 ]
