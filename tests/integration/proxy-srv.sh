#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy-srv.sh - auto-apt-proxy finds aptbtd through an _apt_proxy._tcp
# SRV record, and apt uses what it found.
#
# Network namespaces: "mirror" (192.0.2.1, nginx, a signed repository of
# 5 small packages), "proxy" (192.0.2.2, aptbtd with proxy_listen),
# "c1" (192.0.2.3) and "dns" (192.0.2.5): dnsmasq serving the zone
# aptbt.test: _apt_proxy._tcp.aptbt.test SRV 0 0 3142 proxy.aptbt.test,
# proxy.aptbt.test A 192.0.2.2, c1.aptbt.test A 192.0.2.3.  c1 has no
# default route (auto-apt-proxy's gateway guess finds nothing) and runs
# in its own UTS and mount namespaces: host name c1.aptbt.test, and a
# resolv.conf naming the dns host with "search aptbt.test".  Its apt has
# no proxy line, only Acquire::http::Proxy-Auto-Detect = auto-apt-proxy
# (as the Debian package configures it).
#
# Asserts:
#   - auto-apt-proxy in c1 prints http://proxy.aptbt.test:3142, and
#     dnsmasq logged the SRV query
#   - apt-get update and install --download-only of the set in c1: every
#     file with its signed SHA-256; nginx saw every .deb requested by the
#     proxy host and nothing at all from c1; aptbtd counted the requests
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip \
    unshare auto-apt-proxy
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip "dnsmasq is missing (Debian package dnsmasq-base)"
[ -x /usr/lib/apt/apt-helper ] || skip "no /usr/lib/apt/apt-helper"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
APT_TIMEOUT=120
ZONE=aptbt.test

# shellcheck source=tests/integration/lib-proxy.sh
. "$top_srcdir/tests/integration/lib-proxy.sh"
proxy_hosts dns 5
DNS=$(ns_ip dns)

repo_init
repo_build 5 0
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror proxy
REPO_HOST=$MIRROR
REPO_APT=$REPO_T/apt-c1
apt_tree_init http
echo "Acquire::http::Proxy-Auto-Detect \"$(command -v auto-apt-proxy)\";" \
    >"$REPO_APT/etc/apt.conf.d/01auto-apt-proxy"
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(echo "$ALL" | wc -w)

# The zone, from dnsmasq alone (no upstream, no /etc/hosts).
ns_bg dns "$T/dnsmasq.log" "$DNSMASQ" --keep-in-foreground \
    --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address="$DNS" --port=53 --log-queries --log-facility=- \
    --pid-file="$T/dnsmasq.pid" \
    --srv-host="_apt_proxy._tcp.$ZONE,proxy.$ZONE,3142" \
    --host-record="proxy.$ZONE,$PROXY" --host-record="c1.$ZONE,$(ns_ip c1)"
DNS_PID=$NS_BG_PID
wait_for_file_line "$T/dnsmasq.log" "started" 10 ||
	fail "dnsmasq did not start: $(tail -3 "$T/dnsmasq.log")"

conf=$(write_conf "$T/p" "proxy_listen = $PROXY:3142" \
    "proxy_allow = $(ns_ip c1)" \
    "proxy_keyrings = $REPO_T/archive-key.gpg" "log_level = debug")
# shellcheck disable=SC2086
ns_bg proxy "$T/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
DAEMON_PID=$NS_BG_PID
wait_for_socket "$T/p/control.sock" || fail "daemon: aptbtd did not start"
wait_for_file_line "$T/aptbtd.log" "apt proxy listening" 10 ||
	fail "daemon: no proxy listener"

# c1's view of the world: its name and resolver, in namespaces of its own.
printf 'nameserver %s\nsearch %s\n' "$DNS" "$ZONE" >"$T/resolv.conf"
printf '127.0.0.1 localhost\n' >"$T/hosts"
# auto-apt-proxy keeps a cache under $TMPDIR, also as apt's _apt user.
mkdir -m 1777 "$T/tmp"
chmod a+r "$T/resolv.conf" "$T/hosts"
in_c1()
{
	ns_exec c1 unshare -m -u sh -c \
	    'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts &&
	     hostname "$3" && shift 3 && exec "$@"' \
	    sh "$T/resolv.conf" "$T/hosts" "c1.$ZONE" \
	    env TMPDIR="$T/tmp" AUTO_APT_PROXY_NO_CACHE=1 \
	    APT_CONFIG="$REPO_APT/apt.conf" timeout "$APT_TIMEOUT" "$@"
}

# --- auto-apt-proxy finds the daemon by SRV ---------------------------------
found=$(in_c1 auto-apt-proxy 2>&1)
q=$(grep -c "query\[SRV\] _apt_proxy._tcp.$ZONE" "$T/dnsmasq.log")
[ "$found" = "http://proxy.$ZONE:3142" ] && [ "$q" -ge 1 ] &&
	ok "auto-apt-proxy finds $found by its SRV record ($q SRV queries)" ||
	bad "auto-apt-proxy said '$found' ($q SRV queries)"
[ -z "$(ip -n "${NS_PREFIX}c1" route show default)" ] ||
	bad "c1 has a default route: the gateway guess could have found it"

# --- apt uses it ---------------------------------------------------------------
in_c1 apt-get -q update >"$T/c1-update.log" 2>&1 &&
	! grep -q '^[WE]:' "$T/c1-update.log" &&
	ok "c1: apt-get update with the proxy auto-detected" ||
	bad "c1: apt-get update failed: $(grep '^[WE]:' "$T/c1-update.log" | head -3)"
# shellcheck disable=SC2086
in_c1 apt-get -q -y install --download-only $ALL >"$T/c1-install.log" 2>&1 ||
	bad "c1: apt-get install failed: $(tail -3 "$T/c1-install.log")"
n=0
for p in $ALL; do
	f=$REPO_APT/cache/archives/$(basename "$(ls "$POOL/$p"_*.deb)")
	[ "$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)" = "$(packages_sha "$p")" ] &&
		n=$((n + 1))
done
[ "$n" -eq "$NPKG" ] && ok "c1: all $n packages with their signed SHA-256" ||
	bad "c1: $n of $NPKG packages right"
d=$(awk -v a="$PROXY" '$1 == a && $5 ~ /\.deb$/' "$REPO_NGINX/access.log" | wc -l)
c=$(awk -v a="$(ns_ip c1)" '$1 == a' "$REPO_NGINX/access.log" | wc -l)
r=$("$APTBT_CTL" -s "$T/p/control.sock" --json status | "$PY" -c '
import json, sys; print(json.load(sys.stdin).get("proxy_requests", -1))')
[ "$d" -eq "$NPKG" ] && [ "$c" -eq 0 ] && [ "$r" -ge $((NPKG + 2)) ] &&
	ok "nginx: $d .deb requests from the proxy host, $c from c1; aptbtd: $r proxy requests" ||
	bad "daemon: nginx saw $d .deb requests from the proxy host (want $NPKG), $c from c1; aptbtd counted $r proxy requests"

alive "$DAEMON_PID" || bad "daemon: aptbtd died"
stop_wait "$DAEMON_PID"
[ "$STOP_RC" -eq 0 ] || bad "daemon: aptbtd exited with $STOP_RC"
kill "$DNS_PID" 2>/dev/null
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T"/aptbtd*.log &&
	bad "daemon: sanitizer report"
[ "$fails" -eq 0 ] || fail "$fails checks failed"
echo "proxy-srv.sh: all checks passed"
