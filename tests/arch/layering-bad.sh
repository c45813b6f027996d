#!/bin/sh
# SPDX-License-Identifier: ISC
# layering-bad.sh - layering.sh must fail when a room includes upward.
#
# Copies the source rooms to a scratch tree, plants one include of each
# forbidden kind (share -> engine, engine -> ctl, client -> daemon,
# common -> daemon) and checks that layering.sh fails and names each
# one; then checks that the untouched copy passes.
set -eu

src=${top_srcdir:-.}
t=$(mktemp -d "${TMPDIR:-/tmp}/aptbt-layering.XXXXXX")
trap 'rm -rf "$t"' EXIT
cp -R "$src/common" "$src/daemon" "$src/client" "$t/"
find "$t" -type f ! -name '*.[ch]' -delete

sh "$src/tests/arch/layering.sh" "$t" >/dev/null ||
	{ echo "layering-bad.sh: the clean copy fails"; exit 1; }

plant()
{
	printf '#include "%s"\n' "$2" >> "$t/$1"
}
plant daemon/share/swarm.c daemon/engine/fetch.h
plant daemon/engine/fetch.c daemon/ctl/control.h
plant client/method/method-main.c daemon/base/cache.h
plant common/hash.c daemon/base/conf.h

if out=$(sh "$src/tests/arch/layering.sh" "$t"); then
	echo "layering-bad.sh: upward includes were not caught"
	exit 1
fi
printf '%s\n' "$out"
for want in "daemon/share/swarm.c:.*'share' includes daemon/engine/fetch.h" \
    "daemon/engine/fetch.c:.*'engine' includes daemon/ctl/control.h" \
    "client/method/method-main.c:.*includes daemon/base/cache.h" \
    "common/hash.c:.*'common' includes daemon/base/conf.h"; do
	printf '%s\n' "$out" | grep -q "$want" ||
		{ echo "layering-bad.sh: not reported: $want"; exit 1; }
done
echo "layering-bad.sh: all four planted includes were reported"
