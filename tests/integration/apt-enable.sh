#!/bin/sh
# SPDX-License-Identifier: ISC
# apt-enable.sh - "aptbt-ctl apt enable|disable|show" on a private apt
# tree with both formats of sources, then apt through aptbt for real.
#
#   a. --dry-run shows the rewrite as a diff and writes nothing
#   b. enable switches the http sources of sources.list (one-line) and of a
#      deb822 .sources file (two URIs, a continuation line), leaves the
#      credentials, file: and Enabled: no sources alone, keeps each file's
#      mode and owner, and saves byte-exact backups; a second enable
#      changes nothing
#   c. show counts what goes through aptbt, as text and as JSON
#   d. apt-get update and install through aptbtd: the daemon in one network
#      namespace, apt in another, nginx in a third: nginx's log says which
#      .deb came through the daemon and which not
#   e. disable restores every file byte for byte (cmp), removes the backups;
#      a second disable changes nothing
#   f. a file edited after enable: disable only drops aptbt+ and keeps both
#      the edit and the backup
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip cmp
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"

# The control socket must be reachable by _apt.
chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
at_exit()
{
	repo_keep_logs "$T/aptbtd.log" "$T/logs"
	repo_cleanup
	ns_cleanup
	lib_cleanup
}
ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host d 2	# aptbtd
ns_host a 3	# apt
MIRROR=$(ns_ip mirror)
DADDR=$(ns_ip d)
AADDR=$(ns_ip a)
LOG=$T/logs
mkdir -p "$LOG"

# --- the repository: /debian, the same under /debian2 and /debian3, and an
# empty flat repository /empty for the sources that stay direct ----------
repo_init
repo_build 6 0
ln -s debian "$REPO_WWW/debian2"
ln -s debian "$REPO_WWW/debian3"
mkdir -p "$REPO_WWW/empty"
: >"$REPO_WWW/empty/Packages"
(cd "$REPO_WWW/empty" && apt-ftparchive release . >Release) ||
	fail "apt-ftparchive release of the flat repository"
repo_gpg --clearsign -o "$REPO_WWW/empty/InRelease" "$REPO_WWW/empty/Release" ||
	fail "gpg --clearsign"
chmod -R a+rX "$REPO_WWW"
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror a
REPO_HOST=$MIRROR
apt_tree_init http
ETC=$REPO_APT/etc
ARCHIVES=$REPO_APT/cache/archives
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
KEY=$REPO_T/archive-key.gpg

# --- the sources, both formats ------------------------------------------
cat >"$ETC/sources.list" <<EOF
# The test's archive, one-line format.
deb [signed-by=$KEY] http://$MIRROR/debian $REPO_SUITE $REPO_COMP
# deb http://$MIRROR/commented $REPO_SUITE $REPO_COMP
deb [signed-by=$KEY] file:$REPO_WWW/empty ./
EOF
printf 'deb [signed-by=%s] http://user:secret@%s/empty ./\n' "$KEY" \
    "$MIRROR" >"$ETC/sources.list.d/private.list"
printf '%s\n' "Types: deb" "URIs: http://$MIRROR/debian2" \
    "# a comment inside the stanza" "  http://$MIRROR/debian3" \
    "Suites: $REPO_SUITE" "Components: $REPO_COMP" "Signed-By: $KEY" "" \
    "Types: deb" "URIs: http://$MIRROR/off tor+http://$MIRROR/off" \
    "Suites: $REPO_SUITE" "Components: $REPO_COMP" "Enabled: no" \
    >"$ETC/sources.list.d/test.sources"
# Not the default mode and owner, to see them kept.
chmod 640 "$ETC/sources.list.d/test.sources"
chown _apt:adm "$ETC/sources.list.d/test.sources"
FILES="sources.list sources.list.d/private.list sources.list.d/test.sources"
mkdir -p "$T/orig/sources.list.d"
for f in $FILES; do
	cp -p "$ETC/$f" "$T/orig/$f"
done
# same_as DIR: every sources file equal (cmp) to its copy in DIR.
same_as()
{
	local f n=0
	for f in $FILES; do
		cmp -s "$ETC/$f" "$1/$f" || { echo "  $f differs from $1/$f" >&2;
		    n=$((n + 1)); }
	done
	return $n
}
meta() { stat -c '%a %U:%G' "$ETC/sources.list.d/test.sources"; }
META0=$(meta)
saves() { find "$ETC" -name '*.aptbt.save' | wc -l; }
actl() { "$APTBT_CTL" apt --etc "$ETC" "$@"; }

# --- a. dry run ---------------------------------------------------------
actl --dry-run enable >"$LOG/dry-run" 2>&1 || bad "a: --dry-run enable failed"
n=$(grep -c '^+deb .* aptbt+http://\|^+URIs: aptbt+http://\|^+  aptbt+http://' \
    "$LOG/dry-run")
[ "$n" = 3 ] && ok "a: the dry run shows 3 rewritten lines" ||
	{ bad "a: the dry run shows $n rewritten lines, not 3"; cat "$LOG/dry-run" >&2; }
grep -q '^--- .*test.sources$' "$LOG/dry-run" ||
	bad "a: no diff header for test.sources"
same_as "$T/orig" && [ "$(saves)" = 0 ] &&
	ok "a: nothing written by the dry run" || bad "a: the dry run wrote files"

# --- b. enable ----------------------------------------------------------
actl enable >"$LOG/enable" 2>&1 || { bad "b: enable failed"; cat "$LOG/enable" >&2; }
n1=$(grep -c 'aptbt+' "$ETC/sources.list")
n2=$(grep -c 'aptbt+' "$ETC/sources.list.d/test.sources")
n3=$(grep -c 'aptbt+' "$ETC/sources.list.d/private.list")
[ "$n1" = 1 ] && [ "$n2" = 2 ] && [ "$n3" = 0 ] &&
	ok "b: 1 one-line and 2 deb822 sources switched, credentials left" ||
	bad "b: aptbt+ in sources.list $n1 (want 1), test.sources $n2 (want 2), private.list $n3 (want 0)"
grep -q "^deb \[signed-by=$KEY\] file:" "$ETC/sources.list" &&
	grep -q "^URIs: http://$MIRROR/off tor+http://" \
	    "$ETC/sources.list.d/test.sources" &&
	ok "b: file: and the Enabled: no stanza untouched" ||
	bad "b: a skipped source was rewritten"
grep -q 'private.list:1: http://\*\*\*@.*credentials' "$LOG/enable" &&
	! grep -q secret "$LOG/enable" &&
	ok "b: the credentials source is named as skipped, password hidden" ||
	bad "b: enable's report of the credentials source"
[ "$(meta)" = "$META0" ] && ok "b: mode and owner kept ($META0)" ||
	bad "b: test.sources is now $(meta), was $META0"
n=0
for f in $FILES; do
	[ -e "$ETC/$f.aptbt.save" ] || continue
	n=$((n + 1))
	cmp -s "$ETC/$f.aptbt.save" "$T/orig/$f" || bad "b: $f.aptbt.save differs"
done
[ "$n" = 2 ] && ok "b: 2 backups, byte-exact" || bad "b: $n backups, want 2"
mkdir -p "$T/enabled/sources.list.d"
for f in $FILES; do
	cp -p "$ETC/$f" "$T/enabled/$f"
done
actl enable >"$LOG/enable2" 2>&1 || bad "b: second enable failed"
same_as "$T/enabled" && grep -q '^0 sources switched' "$LOG/enable2" &&
	ok "b: a second enable changes nothing" || bad "b: enable is not idempotent"

# --- c. show ------------------------------------------------------------
actl show >"$LOG/show" 2>&1
summary=$(tail -n 1 "$LOG/show")
[ "$summary" = "3 through aptbt, 0 direct, 4 skipped" ] &&
	ok "c: show: $summary" || bad "c: show says \"$summary\""
n=$("$APTBT_CTL" --json apt --etc "$ETC" show | $PY -c 'import json, sys
print(sum(1 for s in json.load(sys.stdin)["sources"] if s["aptbt"]))')
[ "$n" = 3 ] && ok "c: show --json: 3 sources through aptbt" ||
	bad "c: show --json counts $n through aptbt"

# --- d. apt through aptbtd ------------------------------------------------
conf=$(write_conf "$T/d" "log_level = debug" "listen_port = 6881")
SOCK=$T/d/control.sock
ns_bg d "$T/aptbtd.log" "$APTBTD" -f -c "$conf"
DPID=$NS_BG_PID
wait_for_socket "$SOCK" || fail "the daemon's control socket did not appear"
apt_get()	# NAME ARGS...
{
	local name=$1
	shift
	ns_exec a env APT_CONFIG="$REPO_APT/apt.conf" apt-get \
	    -o Acquire::aptbt::Socket="$SOCK" \
	    -o Acquire::aptbt::Daemon-Timeout=5 "$@" >>"$LOG/$name" 2>&1
}
packages_sha()
{
	awk -v p="$1" '/^Package: / { cur = $2 }
	    /^SHA256: / && cur == p { print $2 }' "$PACKAGES"
}
archives_ok()
{
	local p f n=0
	for p in $ALL; do
		f=$ARCHIVES/$(basename "$(ls "$REPO_ROOT/pool/$REPO_COMP/$p"_*.deb)")
		[ "$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)" = \
		    "$(packages_sha "$p")" ] || { echo "  $p: wrong or missing" >&2;
		    n=$((n + 1)); }
	done
	return $n
}
# GETs from ADDR of paths matching RE, by nginx's log.
gets_from() { awk -v a="$1" -v re="$2" '$1 == a && $4 == "GET" && $5 ~ re { n++ }
    END { print n + 0 }' "$REPO_NGINX/access.log"; }
# The word splitting of $ALL is wanted.
# shellcheck disable=SC2086
if apt_get update update && apt_get install install --download-only -y $ALL &&
    archives_ok; then
	ok "d: apt-get update and install of $NPKG packages"
else
	bad "d: apt-get update or install"
	tail -n 30 "$LOG/update" "$LOG/install" >&2
fi
grep -q 'aptbtd is not running\|no answer from aptbtd' "$LOG/update" "$LOG/install" &&
	bad "d: the method fell back to direct fetching"
nd=$(gets_from "$DADDR" '\.deb$')
na=$(gets_from "$AADDR" '\.deb$')
[ "$nd" -ge "$NPKG" ] && [ "$na" = 0 ] &&
	ok "d: $nd .deb GETs by the daemon, $na by apt directly" ||
	bad "d: $nd .deb GETs by the daemon (want >= $NPKG), $na by apt directly (want 0)"
n=$(gets_from "$AADDR" '^/empty/')
[ "$n" -ge 1 ] && ok "d: the credentials source still works, directly ($n GETs)" ||
	bad "d: apt fetched nothing of the credentials source directly"
n=$(gets_from "$DADDR" '^/empty/')
[ "$n" = 0 ] || bad "d: the daemon fetched $n files of the credentials source"
stop_wait "$DPID"
[ "$STOP_RC" = 0 ] || bad "aptbtd exited with status $STOP_RC"
grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/aptbtd.log" "$LOG"/* &&
	bad "a sanitizer report"

# --- e. disable -----------------------------------------------------------
actl disable >"$LOG/disable" 2>&1 || { bad "e: disable failed"; cat "$LOG/disable" >&2; }
same_as "$T/orig" && ok "e: disable restored all 3 files byte for byte (cmp)" ||
	bad "e: disable did not restore the files"
[ "$(saves)" = 0 ] && ok "e: the backups are gone" || bad "e: $(saves) backups left"
[ "$(meta)" = "$META0" ] || bad "e: test.sources is now $(meta), was $META0"
actl disable >"$LOG/disable2" 2>&1 || bad "e: second disable failed"
same_as "$T/orig" && grep -q '^0 files back to direct' "$LOG/disable2" &&
	ok "e: a second disable changes nothing" || bad "e: disable is not idempotent"

# --- f. edited between enable and disable ----------------------------------
actl enable >"$LOG/enable3" 2>&1 || bad "f: enable failed"
echo "deb [signed-by=$KEY] http://$MIRROR/debian2 $REPO_SUITE $REPO_COMP" \
    >>"$ETC/sources.list"
actl disable >"$LOG/disable3" 2>&1 || bad "f: disable failed"
{ cat "$T/orig/sources.list"
  echo "deb [signed-by=$KEY] http://$MIRROR/debian2 $REPO_SUITE $REPO_COMP"; } \
    >"$T/want.list"
cmp -s "$ETC/sources.list" "$T/want.list" &&
	[ -e "$ETC/sources.list.aptbt.save" ] &&
	grep -q 'changed since' "$LOG/disable3" &&
	ok "f: an edited file: aptbt+ removed, the edit and the backup kept" ||
	bad "f: disable of an edited file"
cmp -s "$ETC/sources.list.d/test.sources" "$T/orig/sources.list.d/test.sources" ||
	bad "f: test.sources not restored"

[ "$fails" = 0 ] || { echo "apt-enable.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
