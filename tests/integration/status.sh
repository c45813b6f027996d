#!/bin/sh
# SPDX-License-Identifier: ISC
# status.sh - the status page and /metrics, checked in a real browser and
# by a strict parser while a download runs.
#
# Two hosts in network namespaces: m runs nginx with its link capped
# (ns_cap) so a 24 MiB file takes about ten seconds; c runs aptbtd with
# the default status_listen (127.0.0.1:9977), a good mirror on m and a
# dead one whose URL holds '"<>', and headless Chromium.  While the
# file downloads, Chromium loads the page (--dump-dom, then
# --screenshot); its byte counters must lie between "aptbt-ctl --json
# status" read just before and just after, and the download's URL (which
# carries markup in its query) must show as text.  Once the download is
# done the page and /metrics must equal the status exactly; /metrics
# passes "promtool check metrics" and statuscheck.py's strict parser.
#
# Nothing fetched from outside, checked two ways, each shown to catch a
# planted reference: statuscheck.py noext (no src/href/url()/... in the
# page) and Chromium behind a trap proxy (every request Chromium makes
# to anything but loopback lands there and is logged; it must log none).
# Then: other methods get 405 and change nothing, a request head past
# the limit is refused, the connection limit makes request 17 wait, and a
# reload moves the page to another port, then (none) stops it.
#
# Artefacts (kept after the test): $ARTEFACT_DIR, default
# $top_builddir/tests/artefacts/status: status.png (the screenshot),
# status-dom.html (what Chromium made of the page), status.html and
# metrics.txt (after the download).
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

need_cmd nginx chromium promtool curl tc
PY=/usr/bin/python3
CHECK="$PY $top_srcdir/tests/integration/statuscheck.py"
CLIENT="$PY $top_srcdir/tests/integration/fetchclient.py"
ART=${ARTEFACT_DIR:-$top_builddir/tests/artefacts/status}
mkdir -p "$ART" || fail "cannot make $ART"
rm -f "$ART"/status.png "$ART"/status-dom.html
chmod 755 "$T"

ns_init
ns_host m 1
ns_host c 2
M=$(ns_ip m)
ns_cap m 20mbit
PAGE=http://127.0.0.1:9977/

# --- the mirror ------------------------------------------------------------
W=$T/www
mkdir -p "$W/debian" "$T/ngx"
head -c $((24 * 1048576)) /dev/urandom >"$W/debian/big.bin"
chmod -R a+rX "$W"
SHA=$(sha256sum "$W/debian/big.bin" | cut -d' ' -f1)
SIZE=$(stat -c %s "$W/debian/big.bin")
printf '%s\n' "daemon off;" "worker_processes 1;" "pid $T/ngx/nginx.pid;" \
    "events {}" "http {" "	access_log off;" \
    "	server { listen $M:80; root $W; }" "}" >"$T/ngx/nginx.conf"
ns_bg m "$T/ngx/out" nginx -p "$T/ngx" -e "$T/ngx/error.log" -c "$T/ngx/nginx.conf"
i=0
until ns_exec c curl -sf -o /dev/null -r 0-0 "http://$M/debian/big.bin"; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "nginx on m does not answer: $(cat "$T/ngx/error.log")"
	sleep 0.1
done

# --- the daemon ------------------------------------------------------------
DEAD='http://192.0.2.1:1/x"<y>'
CONF=$(write_conf "$T" "mirrors = http://$M/debian $DEAD" "cache_size = 100M")
SOCK=$T/control.sock
ip netns exec "${NS_PREFIX}c" "$APTBTD" -f -c "$CONF" >>"$T/aptbtd.log" 2>&1 &
DAEMON_PID=$!
track "$DAEMON_PID"
wait_for_socket "$SOCK" || fail "aptbtd did not start"
ctl() { "$APTBT_CTL" -s "$SOCK" "$@"; }
field() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
wait_for_file_line "$T/aptbtd.log" "status page on http://127.0.0.1:9977/" ||
	fail "no status page on the default address"

# chrome ARGS...: headless Chromium in c, all but loopback through the trap,
# a proxy that logs the first line of every request it gets.
TRAP_PORT=3128
printf '%s\n' "import socket, sys" "s = socket.socket()" \
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)" \
    "s.bind(('127.0.0.1', int(sys.argv[1])))" "s.listen(16)" \
    "while True:" "    c, _ = s.accept()" "    c.settimeout(2)" "    try:" \
    "        line = c.recv(4096).split(b'\\r\\n')[0]" \
    "        print(line.decode('latin-1'), flush=True)" \
    "        c.sendall(b'HTTP/1.0 502 Trapped\\r\\nContent-Length: 0\\r\\n\\r\\n')" \
    "    except OSError:" "        pass" "    c.close()" >"$T/trap.py"
ns_bg c "$T/trap.log" "$PY" "$T/trap.py" "$TRAP_PORT"
chrome()
{
	# No --host-resolver-rules needed: a name Chromium would look up goes
	# to the proxy, which logs it.  Background services are off as far as
	# flags go; what Chromium still does on its own (page_requests) is
	# told apart by its exact endpoints.
	timeout 60 ip netns exec "${NS_PREFIX}c" chromium --headless \
	    --no-sandbox --disable-gpu --no-first-run --disable-sync \
	    --disable-background-networking --disable-component-update \
	    --disable-default-apps --disable-extensions --no-pings \
	    --disable-domain-reliability --disable-breakpad \
	    --disable-client-side-phishing-detection \
	    --disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter \
	    --user-data-dir="$T/chrome" \
	    --proxy-server="http://127.0.0.1:$TRAP_PORT" "$@" 2>>"$T/chrome.log"
}

# page_requests: the trap's log without Chromium's own calls home, which it
# makes for about:blank too (component updates, sign-in); only these exact
# endpoints are left out, so fonts.googleapis.com or any other host a page
# names still shows.  A blank line is a connection Chromium opened ahead
# (a preconnect) and closed without asking for anything.
page_requests()
{
	grep -vE '^[[:space:]]*$|^(CONNECT (update\.googleapis\.com|accounts\.google\.com):443 |POST http://update\.googleapis\.com/service/update2/json\?|GET http://clients2\.google\.com/time/1/current\?)' \
	    "$T/trap.log"
}

# --- while a download runs -------------------------------------------------
URL="http://$M/debian/big.bin?<b>x</b>"
ns_bg c "$T/fetch.out" $CLIENT "$SOCK" "$URL" "$T/got" --sha256 "$SHA" \
    --size "$SIZE" --no-copy
FETCH_PID=$NS_BG_PID
i=0
while :; do
	ctl --json status >"$T/s0.json" || fail "aptbt-ctl status failed"
	[ "$(field "$T/s0.json" downloads)" -ge 1 ] &&
		[ "$(field "$T/s0.json" bytes_from_mirrors)" -gt 0 ] && break
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the download did not start: $(cat "$T/fetch.out")"
	sleep 0.1
done
chrome --dump-dom "$PAGE" >"$ART/status-dom.html" ||
	fail "chromium --dump-dom failed: $(tail -n 5 "$T/chrome.log")"
ctl --json status >"$T/s1.json"
alive "$FETCH_PID" ||
	fail "the download ended before the browser was done; make the file larger"
chrome --screenshot="$ART/status.png" --window-size=1280,1900 "$PAGE" ||
	fail "chromium --screenshot failed: $(tail -n 5 "$T/chrome.log")"
alive "$FETCH_PID" && during="during" || during="just after"
[ "$(field "$T/s1.json" downloads)" -ge 1 ] || fail "no download while the page was read"
echo "status: page read during the download: mirror bytes" \
    "$(field "$T/s0.json" bytes_from_mirrors)..$(field "$T/s1.json" bytes_from_mirrors) of $SIZE"
$CHECK page "$ART/status-dom.html" "$T/s0.json" "$T/s1.json" \
    "http://$M/debian/big.bin?<b>x</b>" || fail "the page during the download"
[ -s "$ART/status.png" ] || fail "no screenshot"
$PY -c 'import sys; d = open(sys.argv[1], "rb").read(24)
sys.exit(d[:8] != b"\x89PNG\r\n\x1a\n" or int.from_bytes(d[16:20], "big") != 1280)' \
    "$ART/status.png" || fail "status.png is not a 1280-pixel-wide PNG"
echo "status: screenshot $ART/status.png ($(stat -c %s "$ART/status.png") bytes), taken $during the download"

# --- nothing from outside --------------------------------------------------
$CHECK noext "$ART/status-dom.html" || fail "the page refers to something outside"
! page_requests >/dev/null ||
	fail "Chromium asked the trap proxy for: $(page_requests)"
# Each check must catch a planted reference.
sed 's|<h1>|<img src="http://198.51.100.7/planted.png"><h1>|' \
    "$ART/status-dom.html" >"$T/planted.html"
grep -q planted "$T/planted.html" || fail "could not plant a reference"
if $CHECK noext "$T/planted.html" >"$T/noext.out" 2>&1; then
	fail "statuscheck.py noext missed a planted <img src=http://...>"
fi
chrome --dump-dom "file://$T/planted.html" >/dev/null
i=0
until page_requests | grep -q 198.51.100.7; do
	i=$((i + 1))
	[ $i -lt 30 ] || fail "the trap proxy did not see the planted request"
	sleep 0.1
done
echo "status: a planted reference is caught by noext and by the trap ($(page_requests | head -n 1))"

# --- after the download: exact ---------------------------------------------
wait "$FETCH_PID" || fail "the download failed: $(cat "$T/fetch.out")"
ctl --json status >"$T/s2.json"
ns_exec c curl -sf "$PAGE" >"$ART/status.html" || fail "GET / failed"
ns_exec c curl -sf "${PAGE}metrics" >"$ART/metrics.txt" || fail "GET /metrics failed"
ctl --json status >"$T/s3.json"
for k in bytes_from_mirrors bytes_from_peers bytes_from_cache bytes_to_peers; do
	[ "$(field "$T/s2.json" "$k")" = "$(field "$T/s3.json" "$k")" ] ||
		fail "$k moved while nothing ran"
done
[ "$(field "$T/s2.json" bytes_from_mirrors)" -ge "$SIZE" ] ||
	fail "bytes_from_mirrors $(field "$T/s2.json" bytes_from_mirrors) < $SIZE"
$CHECK page "$ART/status.html" "$T/s2.json" "$T/s2.json" "" ||
	fail "the page after the download"
$CHECK noext "$ART/status.html" || fail "the raw page refers outside"
grep -qF 'x&quot;&lt;y&gt;' "$ART/status.html" ||
	fail "the dead mirror's URL is not escaped on the page"
! grep -qF '<b>' "$ART/status.html" || fail "raw <b> on the page"
promtool check metrics <"$ART/metrics.txt" >"$T/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$T/promtool.out")"
echo "status: promtool check metrics: clean"
$CHECK metrics "$ART/metrics.txt" "$T/s2.json" || fail "/metrics"
# The parser must refuse what the format forbids: a raw quote in a label
# value, a series twice, samples without their TYPE.
sed 's/x\\"<y>/x"<y>/' "$ART/metrics.txt" >"$T/bad1.txt"
sed '/^aptbt_peers /p' "$ART/metrics.txt" >"$T/bad2.txt"
sed '/^# TYPE aptbt_peers /d' "$ART/metrics.txt" >"$T/bad3.txt"
for b in 1 2 3; do
	cmp -s "$T/bad$b.txt" "$ART/metrics.txt" && fail "could not plant fault $b"
	if $CHECK metrics "$T/bad$b.txt" "$T/s2.json" >"$T/bad$b.out" 2>&1; then
		fail "statuscheck.py metrics took planted fault $b"
	fi
done
echo "status: the parser refuses a raw quote, a repeated series, a missing TYPE:" \
    "$(sed -n 's/^statuscheck: FAIL: //p' "$T"/bad[123].out | tr '\n' ';')"
grep -qF 'aptbt_mirror_errors_total{mirror="http://192.0.2.1:1/x\"<y>"}' \
    "$ART/metrics.txt" || fail "the dead mirror's label is not escaped as the format says"
n=$(sed -n "s|^aptbt_mirror_bytes_total{mirror=\"http://$M/debian\"} ||p" "$ART/metrics.txt")
[ "${n:-0}" -ge "$SIZE" ] ||
	fail "aptbt_mirror_bytes_total for the good mirror is ${n:-missing}, not >= $SIZE"

# --- read-only, bounded ----------------------------------------------------
for m in POST PUT DELETE PATCH OPTIONS; do
	code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' -X "$m" \
	    -H 'Content-Length: 0' "$PAGE")
	[ "$code" = 405 ] || fail "$m / answered $code, not 405"
done
code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' -X POST -d paused=1 "${PAGE}metrics")
[ "$code" = 405 ] || fail "POST /metrics answered $code"
ctl --json status >"$T/s4.json"
case $(field "$T/s4.json" paused) in
0|False) ;;
*) fail "a POST paused the daemon" ;;
esac
code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' "${PAGE}nope")
[ "$code" = 404 ] || fail "GET /nope answered $code"
big=$($PY -c 'print("a" * 20000)')
code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$PAGE")
case $code in
4*|000) ;;
*) fail "a 20 kB request head was answered $code" ;;
esac
echo "status: POST/PUT/DELETE/PATCH/OPTIONS 405, /nope 404, a 20 kB head refused ($code)"
ns_exec c $CHECK limit 127.0.0.1 9977 16 || fail "the connection limit"
alive "$DAEMON_PID" || fail "aptbtd died"

# --- a reload moves the page -----------------------------------------------
echo "status_listen = 127.0.0.1:9978" >>"$CONF"
kill -HUP "$DAEMON_PID"
wait_for_file_line "$T/aptbtd.log" "status page on http://127.0.0.1:9978/" ||
	fail "a reload did not move the page to 9978"
code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:9978/metrics")
[ "$code" = 200 ] || fail "GET :9978/metrics after the reload answered $code"
code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' "$PAGE")
[ "$code" = 000 ] || fail "the old address still answers ($code) after the reload"
sed -i 's/^status_listen = .*/status_listen = none/' "$CONF"
kill -HUP "$DAEMON_PID"
i=0
while code=$(ns_exec c curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:9978/metrics") &&
    [ "$code" != 000 ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "status_listen = none did not stop the page"
	sleep 0.1
done
echo "status: a reload moved the page to :9978, then none stopped it"

stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
if grep -qE 'AddressSanitizer|runtime error' "$T/aptbtd.log"; then
	fail "sanitizer reports in the daemon's log"
fi
echo "status: artefacts in $ART"
exit 0
