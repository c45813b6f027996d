#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy-trust.sh - the proxy's trust chain beyond a plain InRelease.
#
# Network namespaces: "mirror" (192.0.2.1, nginx) serves three copies of
# a signed repository (6 small packages), each its own archive:
#   det   only Release + Release.gpg (no InRelease), Valid-Until a year
#         ahead;
#   exp   InRelease, Release, Release.gpg, all signed with the trusted
#         key, but Valid-Until in 2020;
#   debian the usual InRelease.
# "proxy" (192.0.2.2) runs aptbtd with proxy_listen; "c1" and "c2"
# (192.0.2.3-4) run apt-get with only Acquire::http::Proxy.
#
# Asserts:
#   1. det: c1 updates and installs; aptbtd checked the Release against
#      its detached Release.gpg with gpgv, learnt every pool file's hash,
#      fetched the .deb files by hash (cached): c2's install of the same
#      set makes nginx send no .deb
#   2. exp (apt told not to check Valid-Until, so only aptbtd does):
#      aptbtd does not trust the suite ("expired"), its files are passed
#      through: nginx sends every .deb to aptbtd in each of two rounds,
#      and apt still gets the right files
#   3. debian: c1 updates, aptbtd restarts, c1 installs: the suites
#      verified before the restart (kept in the state directory) are
#      checked by gpgv again and their cached Packages read again, so
#      every .deb is fetched by its verified hash and cached (c2 then
#      gets the set with nginx sending none)
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg gpgv nginx curl sha256sum ip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
APT_TIMEOUT=120

# shellcheck source=tests/integration/lib-proxy.sh
. "$top_srcdir/tests/integration/lib-proxy.sh"
proxy_hosts c2 4

repo_init
repo_build 6 0
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages

# resign TOP VALID-UNTIL: a copy of the repository at TOP whose Release
# says VALID-UNTIL, signed again (InRelease and Release.gpg).
resign()
{
	local dist=$1/dists/$REPO_SUITE
	cp -a "$REPO_ROOT" "$1"
	sed -i "/^Date: /a Valid-Until: $2" "$dist/Release"
	rm -f "$dist/InRelease" "$dist/Release.gpg"
	repo_gpg --clearsign -o "$dist/InRelease" "$dist/Release" &&
	repo_gpg -abs -o "$dist/Release.gpg" "$dist/Release" ||
		fail "cannot sign $1"
	chmod -R a+rX "$1"
}
resign "$REPO_WWW/det" "$(date -u -d '+1 year' '+%a, %d %b %Y %H:%M:%S UTC')"
rm "$REPO_WWW/det/dists/$REPO_SUITE/InRelease"
resign "$REPO_WWW/exp" "Wed, 01 Jan 2020 00:00:00 UTC"

repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror proxy
REPO_HOST=$MIRROR
for h in c1 c2; do
	REPO_APT=$REPO_T/apt-$h
	apt_tree_init http
	echo "Acquire::http::Proxy \"http://$PROXY:3142\";" \
	    >"$REPO_APT/etc/apt.conf.d/01proxy"
done
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(echo "$ALL" | wc -w)

conf=$(write_conf "$T/p" "proxy_listen = $PROXY:3142" \
    "proxy_allow = $(ns_ip c1) $(ns_ip c2)" \
    "proxy_keyrings = $REPO_T/archive-key.gpg" "log_level = debug")
daemon_up()
{
	# shellcheck disable=SC2086
	ns_bg proxy "$T/aptbtd-$1.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	DAEMON_PID=$NS_BG_PID
	wait_for_socket "$T/p/control.sock" || fail "daemon: aptbtd did not start"
	wait_for_file_line "$T/aptbtd-$1.log" "apt proxy listening" 10 ||
		fail "daemon: no proxy listener"
}
daemon_down()
{
	alive "$DAEMON_PID" || bad "daemon: aptbtd died"
	stop_wait "$DAEMON_PID"
	[ "$STOP_RC" -eq 0 ] || bad "daemon: aptbtd exited with $STOP_RC"
}
daemon_up 1

# .deb requests nginx logged after line MARK from the proxy host under TOP.
ngx_debs()	# MARK TOP
{
	awk -v m="$1" -v a="$PROXY" -v re="^/$2/pool/.*\\\\.deb\$" \
	    'NR > m && $1 == a && $5 ~ re { n++ } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}
# use HOST TOP [OPTIONS]: HOST's only source is archive TOP, lists cleared.
use()
{
	echo "deb [signed-by=$REPO_T/archive-key.gpg${3:+ $3}] http://$MIRROR/$2 $REPO_SUITE $REPO_COMP" \
	    >"$REPO_T/apt-$1/etc/sources.list"
	rm -rf "$REPO_T/apt-$1"/state/lists/*_* \
	    "$REPO_T/apt-$1"/cache/archives/*.deb
}
# install HOST NAME: apt-get update and install --download-only of the set.
install()
{
	apt_in "$1" apt-get -q update >"$T/$1-$2-update.log" 2>&1 &&
		! grep -q '^[WE]:' "$T/$1-$2-update.log" ||
		bad "$1: apt-get update ($2): $(grep '^[WE]:' "$T/$1-$2-update.log" | head -3)"
	# shellcheck disable=SC2086
	apt_in "$1" apt-get -q -y install --download-only $ALL \
	    >"$T/$1-$2-install.log" 2>&1 ||
		bad "$1: apt-get install ($2): $(tail -3 "$T/$1-$2-install.log")"
	archives_ok "$1" && ok "$1 ($2): all $NPKG packages with their signed SHA-256" ||
		bad "$1 ($2): packages missing or wrong"
}
# The last count of pool files with a verified hash under TOP, logged.
pool_hashes()	# LOG TOP
{
	sed -n "s|.*http://$MIRROR/$2/: \\([0-9]*\\) pool files with a verified hash.*|\\1|p" \
	    "$1" | tail -1
}

# --- 1. Release + Release.gpg, no InRelease ----------------------------------
use c1 det
m=$(ngx_lines)
install c1 det
n=$(ngx_debs "$m" det)
grep -q "det/dists/$REPO_SUITE: Release with Release.gpg verified" "$T/aptbtd-1.log" &&
	ok "det: aptbtd verified the Release with its detached Release.gpg" ||
	bad "daemon: det: Release + Release.gpg not verified: $(grep 'det/dists' "$T/aptbtd-1.log" | grep -v 'proxy: GET' | head -3)"
h=$(pool_hashes "$T/aptbtd-1.log" det)
v=$(grep -c "proxy: GET http://$MIRROR/det/pool/.*(verified hash" "$T/aptbtd-1.log")
[ "${h:-0}" -eq "$NPKG" ] && [ "$v" -eq "$NPKG" ] && [ "$n" -eq "$NPKG" ] &&
	ok "det: $h pool hashes learnt, $v .deb fetched by hash, $n from nginx" ||
	bad "daemon: det: ${h:-no} pool hashes, $v .deb by hash, $n from nginx (want $NPKG each)"
use c2 det
m=$(ngx_lines)
install c2 det
n=$(ngx_debs "$m" det)
[ "$n" -eq 0 ] && ok "det: c2's set all from aptbtd's cache (nginx: $n .deb)" ||
	bad "daemon: det: nginx served c2's set again ($n .deb)"

# --- 2. an expired Release is not trusted -----------------------------------
for round in 1 2; do
	use c1 exp check-valid-until=no
	m=$(ngx_lines)
	install c1 "exp$round"
	n=$(ngx_debs "$m" exp)
	[ "$n" -eq "$NPKG" ] &&
		ok "exp, round $round: all $n .deb passed through from the mirror" ||
		bad "daemon: exp, round $round: $n .deb from the mirror, want $NPKG"
done
grep -q "exp/dists/$REPO_SUITE: not trusted, its files are passed through: expired" \
    "$T/aptbtd-1.log" &&
	ok "exp: aptbtd does not trust the expired suite" ||
	bad "daemon: exp: not refused as expired"
v=$(grep -c "proxy: GET http://$MIRROR/exp/pool/.*(verified hash" "$T/aptbtd-1.log")
[ "$v" -eq 0 ] && [ -z "$(pool_hashes "$T/aptbtd-1.log" exp)" ] &&
	ok "exp: no pool hash learnt, no .deb fetched by hash" ||
	bad "daemon: exp: $v .deb fetched by hash"

# --- 3. the hashes survive a restart ----------------------------------------
use c1 debian
apt_in c1 apt-get -q update >"$T/c1-restart-update.log" 2>&1 ||
	bad "c1: apt-get update before the restart failed"
h=$(pool_hashes "$T/aptbtd-1.log" debian)
k=$(find "$T/p/state/proxy-trust" -type f | wc -l)
daemon_down
daemon_up 2
# The kept suites are checked again and their cached Packages read again.
wait_for_file_line "$T/aptbtd-2.log" "debian/: [0-9]* pool files with a verified hash" 30 &&
	grep -q "debian/dists/$REPO_SUITE: InRelease verified (kept from before the restart)" \
	    "$T/aptbtd-2.log" &&
	ok "restart: $k suites kept in the state directory, checked again by gpgv" ||
	bad "daemon: restart: $k suites kept, not restored: $(grep 'proxy: ' "$T/aptbtd-2.log" | grep -v 'GET\|HEAD' | head -3)"
m=$(ngx_lines)
# shellcheck disable=SC2086
apt_in c1 apt-get -q -y install --download-only $ALL \
    >"$T/c1-restart-install.log" 2>&1 ||
	bad "c1: install after the restart: $(tail -3 "$T/c1-restart-install.log")"
archives_ok c1 && ok "c1 (restart): all $NPKG packages with their signed SHA-256" ||
	bad "c1 (restart): packages missing or wrong"
v=$(grep -c "proxy: GET http://$MIRROR/debian/pool/.*(verified hash" "$T/aptbtd-2.log")
[ "${h:-0}" -eq "$NPKG" ] && [ "$v" -eq "$NPKG" ] &&
	ok "restart: $h pool hashes learnt before, all $v .deb fetched by hash after" ||
	bad "daemon: restart: ${h:-no} pool hashes before, $v of $NPKG .deb by hash after"
use c2 debian
m=$(ngx_lines)
install c2 debian
n=$(ngx_debs "$m" debian)
[ "$n" -eq 0 ] && ok "restart: c2's set all from aptbtd's cache (nginx: $n .deb)" ||
	bad "daemon: restart: nginx served c2's set again ($n .deb)"

daemon_down
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T"/aptbtd*.log &&
	bad "daemon: sanitizer report"
[ "$fails" -eq 0 ] || fail "$fails checks failed"
echo "proxy-trust.sh: all checks passed"
