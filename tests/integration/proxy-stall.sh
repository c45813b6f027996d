#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy-stall.sh - a mirror that goes silent in the middle of a file the
# proxy is streaming: the apt client sees a clean error within the
# daemon's stall deadline (not apt's own timeout, and never a hang),
# other clients are served meanwhile, and when a site peer gets the file
# the proxy takes the rest from it and apt gets the right bytes.
#
# Network namespaces: "mirror" (192.0.2.1) runs bad-mirror.py on :80,
# which serves the signed test repository but sends only half of
# aptbt-large1's .deb and then nothing, and nginx on :8080 with the same
# files intact; "proxy" (192.0.2.2) runs aptbtd with proxy_listen; "c1"
# and "c2" (192.0.2.3-4) run apt-get with only Acquire::http::Proxy;
# "peer" (192.0.2.5) runs a second aptbtd, a site peer of the first.
#
# Asserts:
#   1. c1's install of aptbt-large1 (one attempt: Acquire::Retries 0)
#      fails with the daemon's error, not apt's own timeout (30 s without
#      a byte): the daemon's 10 s stall deadline and one retry of the
#      mirror, or the proxy breaking off a reply that brought no byte for
#      20 s, end it first; no .deb of it is left in c1's archives
#   2. while c1 waits on the silent mirror, c2 installs the small
#      packages through the same proxy
#   3. c1 tries again; the peer fetches the file from the intact copy
#      (nginx) meanwhile; the proxy takes the pieces it lacks from the
#      peer, and c1 gets the file with the right SHA-256
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg gpgv nginx sha256sum ip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
APT_TIMEOUT=150

# shellcheck source=tests/integration/lib-proxy.sh
. "$top_srcdir/tests/integration/lib-proxy.sh"
proxy_hosts c2 4 peer 5
PEER=$(ns_ip peer)

repo_init
repo_build 3 1 4
POOL=$REPO_ROOT/pool/$REPO_COMP
LARGE=$(ls "$POOL"/aptbt-large1_*.deb)
LARGE_SHA=$(sha256sum "$LARGE" | cut -d' ' -f1)
LARGE_SIZE=$(stat -c %s "$LARGE")
SMALL=$(repo_packages | grep small | tr '\n' ' ')

# The intact copy on :8080 for the peer, the stalling one on :80.
repo_nginx "$MIRROR:8080" "$REPO_LOG_CLIENTS" mirror peer
: >"$T/bad-mirror.log"
ns_bg mirror "$T/bad-mirror.log" env BAD_MIRROR_STALL=aptbt-large1_ \
    "$PY" "$top_srcdir/tests/integration/bad-mirror.py" "$MIRROR" 80 "$REPO_WWW"
i=0
until ns_exec proxy "$PY" -c "import socket,sys; socket.create_connection(('$MIRROR', 80), 1)" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "bad-mirror.py does not answer"
	sleep 0.2
done

REPO_HOST=$MIRROR
for h in c1 c2; do
	REPO_APT=$REPO_T/apt-$h
	apt_tree_init http
	echo "deb [signed-by=$REPO_T/archive-key.gpg] http://$MIRROR/good/debian $REPO_SUITE $REPO_COMP" \
	    >"$REPO_APT/etc/sources.list"
	echo "Acquire::http::Proxy \"http://$PROXY:3142\";" \
	    >"$REPO_APT/etc/apt.conf.d/01proxy"
done

conf=$(write_conf "$T/p" "proxy_listen = $PROXY:3142" \
    "proxy_allow = $(ns_ip c1) $(ns_ip c2)" \
    "proxy_keyrings = $REPO_T/archive-key.gpg" "log_level = debug" \
    "share = $PROXY/32 $PEER/32" "listen_port = 6881" "peers = $PEER:6881")
# shellcheck disable=SC2086
ns_bg proxy "$T/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
DAEMON_PID=$NS_BG_PID
conf2=$(write_conf "$T/q" "log_level = debug" "share = $PROXY/32 $PEER/32" \
    "listen_port = 6881" "peers = $PROXY:6881")
# shellcheck disable=SC2086
ns_bg peer "$T/aptbtd-peer.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf2"
PEER_PID=$NS_BG_PID
wait_for_socket "$T/p/control.sock" || fail "aptbtd did not start"
wait_for_socket "$T/q/control.sock" || fail "the peer's aptbtd did not start"
wait_for_file_line "$T/aptbtd.log" "apt proxy listening" 10 ||
	fail "no proxy listener"

deb_in()	# HOST: c1's copy of aptbt-large1, if any
{
	ls "$REPO_T/apt-$1/cache/archives/"aptbt-large1_*.deb 2>/dev/null
}

for h in c1 c2; do
	apt_in "$h" apt-get -q update >"$T/$h-update.log" 2>&1 ||
		fail "$h: apt-get update: $(tail -3 "$T/$h-update.log")"
done
ok "c1 and c2 updated through the proxy"

# --- 1 and 2: a silent mirror, nobody else has the file ---------------------
t0=$(date +%s)
apt_in c1 apt-get -q -y -o Acquire::Retries=0 install --download-only \
    aptbt-large1 >"$T/c1-stall.log" 2>&1 &
C1_PID=$!
wait_for_file_line "$T/bad-mirror.log" "midstall .*stalling" 30 ||
	bad "the mirror never stalled: $(tail -3 "$T/bad-mirror.log")"
s0=$(date +%s)
# shellcheck disable=SC2086
apt_in c2 apt-get -q -y install --download-only $SMALL >"$T/c2.log" 2>&1 &&
	ok "c2 installed $SMALL in $(($(date +%s) - s0)) s while c1 waited on the silent mirror" ||
	bad "c2: install during the stall: $(tail -3 "$T/c2.log")"
alive "$C1_PID" && ok "c1 was still waiting when c2 finished" ||
	bad "c1 ended before c2 finished: the stall was not in the way"
if wait "$C1_PID"; then
	bad "c1: apt-get succeeded from a mirror that sent half a file"
else
	t1=$(date +%s)
	why=$(grep -m1 -A1 '^Err:' "$T/c1-stall.log" | tail -n 1)
	echo "c1: apt-get failed after $((t1 - t0)) s:$why"
	# From apt's start, on a loaded machine: the bound is loose; what
	# matters is whose error it was (below).
	[ $((t1 - t0)) -lt 60 ] &&
		ok "c1: an error after $((t1 - t0)) s" ||
		bad "c1: the error took $((t1 - t0)) s"
	grep -q "Connection timed out" "$T/c1-stall.log" &&
		bad "c1: apt gave up by its own timeout, the daemon said nothing" ||
		ok "c1: the error was the daemon's, not apt's timeout"
fi
sil=$("$APTBT_CTL" -s "$T/p/control.sock" --json status | "$PY" -c \
    'import json, sys; print(json.load(sys.stdin).get("proxy_silences", -1))')
echo "replies broken off for want of bytes (proxy_silences): $sil"
[ -z "$(deb_in c1)" ] && ok "c1: no .deb of the stalled file in its archives" ||
	bad "c1: $(deb_in c1) was left in the archives"

# --- 3: the peer gets the file; the proxy takes it over ----------------------
t0=$(date +%s)
apt_in c1 apt-get -q -y install --download-only aptbt-large1 \
    >"$T/c1-peer.log" 2>&1 &
C1_PID=$!
n0=$(grep -c "midstall" "$T/bad-mirror.log")
i=0
until [ "$(grep -c "midstall" "$T/bad-mirror.log")" -gt "$n0" ]; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || break
	sleep 0.2
done
"$PY" "$top_srcdir/tests/integration/fetchclient.py" "$T/q/control.sock" \
    "http://$MIRROR:8080/debian/pool/$REPO_COMP/$(basename "$LARGE")" \
    "$T/peer-got" --sha256 "$LARGE_SHA" --size "$LARGE_SIZE" \
    >"$T/peer-reply" 2>&1 &&
	ok "the peer fetched the file from the intact copy" ||
	bad "the peer's fetch: $(cat "$T/peer-reply")"
if wait "$C1_PID"; then
	t1=$(date +%s)
	got=$(sha256sum "$(deb_in c1)" | cut -d' ' -f1)
	[ "$got" = "$LARGE_SHA" ] &&
		ok "c1 got aptbt-large1 with the right SHA-256 $((t1 - t0)) s after asking" ||
		bad "c1: aptbt-large1 has SHA-256 $got, not $LARGE_SHA"
	[ $((t1 - t0)) -lt 75 ] && ok "c1: within 75 s" ||
		bad "c1: took $((t1 - t0)) s"
else
	bad "c1: apt-get failed although a peer had the file: $(tail -3 "$T/c1-peer.log")"
fi
peers=$("$APTBT_CTL" -s "$T/p/control.sock" --json status | "$PY" -c \
    'import json, sys; print(json.load(sys.stdin).get("bytes_from_peers", -1))')
[ "$peers" -ge $((LARGE_SIZE / 4)) ] 2>/dev/null &&
	ok "the proxy's daemon took $peers bytes from the peer (file: $LARGE_SIZE)" ||
	bad "the proxy's daemon took ${peers:-?} bytes from peers, not the rest of the file"

for pid in "$DAEMON_PID" "$PEER_PID"; do
	alive "$pid" || bad "an aptbtd died"
	stop_wait "$pid"
	[ "$STOP_RC" -eq 0 ] || bad "aptbtd exited with $STOP_RC"
done
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T"/aptbtd*.log &&
	bad "sanitizer report"
[ "$fails" -eq 0 ] || fail "$fails check(s) failed"
exit 0
