#!/bin/sh
# SPDX-License-Identifier: ISC
# failwords.sh - apt hears the same words for a failure on both paths.
#
# The same failing URLs go to aptbtd (a "fetch" request) and to the method
# with no daemon (it fetches from the mirror itself): a 404, a 403, a 503
# and a 501, a redirect loop, a redirect to file:, a closed port and a
# name that does not resolve.  Each path's reason and transient flag must
# be the expected ones, which are apt's own words and apt's own idea of
# which HTTP statuses may pass.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

need_cmd nginx
PY=/usr/bin/python3
CLIENT="$PY $top_srcdir/tests/integration/fetchclient.py"
METHOD=$top_builddir/client/aptbt-method
chmod 755 "$T"

P=$(free_port); PDEAD=$(free_port)

W=$T/www
mkdir -p "$W" "$T/ngx"
chmod -R a+rX "$W"
nginx_start "$T/ngx" "$P" <<NGX
	access_log $T/ngx/access.log;
	server {
		listen 127.0.0.1:$P;
		root $W;
		location /forbidden { return 403; }
		location /unavailable { return 503; }
		location /notimpl { return 501; }
		location /loop { return 302 http://127.0.0.1:$P/loop; }
		location /tofile {
			add_header Location file:///etc/passwd always;
			return 302;
		}
	}
NGX

M=http://127.0.0.1:$P
# URL, then the reason and transient flag apt must hear.
CASES="$M/missing.deb HttpError404 0
$M/forbidden HttpError403 0
$M/unavailable HttpError503 1
$M/notimpl HttpError501 0
$M/loop RedirectionLoop 0
$M/tofile BadURL 0
http://127.0.0.1:$PDEAD/x.deb ConnectionRefused 1
http://no-such-host.invalid/x.deb ResolveFailure 1"
n=$(printf '%s\n' "$CASES" | wc -l)

CONF=$(write_conf "$T" "log_level = debug")
SOCK=$T/control.sock
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "control socket did not appear"

# The method, with no daemon, asked for every URL at once: its answers as
# "URL REASON TRANSIENT" lines.  Its input stays open until it answered.
# shellcheck disable=SC2094	# reads the method's output while it writes
{
	printf '601 Configuration\nConfig-Item: Acquire::aptbt::Socket=%s\n' \
	    "$T/no-daemon.sock"
	printf 'Config-Item: Acquire::aptbt::Timeout=10\n\n'
	printf '%s\n' "$CASES" | while read -r url _; do
		printf '600 URI Acquire\nURI: aptbt+%s\nFilename: %s\n\n' \
		    "$url" "$T/method.out"
	done
	i=0
	while [ "$(grep -c '^400 URI Failure' "$T/method.log" 2>/dev/null)" \
	    -lt "$n" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
} | "$METHOD" >"$T/method.log" 2>"$T/method.err"
awk 'BEGIN { RS = "" } /^400 URI Failure/ {
	url = reason = ""; tr = 0
	n = split($0, l, "\n")
	for (i = 1; i <= n; i++) {
		if (l[i] ~ /^URI: /) url = substr(l[i], 12)
		if (l[i] ~ /^FailReason: /) reason = substr(l[i], 13)
		if (l[i] == "Transient-Failure: true") tr = 1
	}
	print url, reason, tr
}' "$T/method.log" >"$T/method.words"

fails=0
printf '%s\n' "$CASES" | {
	while read -r url want_reason want_tr; do
		got=$($CLIENT "$SOCK" "$url" "$T/got")
		d_reason=$(printf '%s\n' "$got" | sed -n 's/^reason=//p')
		d_tr=$(printf '%s\n' "$got" | sed -n 's/^transient=//p')
		m=$(awk -v u="$url" '$1 == u { print $2, $3 }' "$T/method.words")
		if [ "$d_reason $d_tr" != "$want_reason $want_tr" ]; then
			echo "FAIL: daemon, $url: $d_reason $d_tr," \
			    "want $want_reason $want_tr" >&2
			fails=$((fails + 1))
		fi
		if [ "$m" != "$want_reason $want_tr" ]; then
			echo "FAIL: method, $url: ${m:-no answer}," \
			    "want $want_reason $want_tr" >&2
			fails=$((fails + 1))
		fi
		[ "$d_reason $d_tr" = "$want_reason $want_tr" ] &&
		    [ "$m" = "$want_reason $want_tr" ] &&
			echo "ok: $url: $want_reason, transient $want_tr on both paths"
	done
	[ "$fails" -eq 0 ]
} || {
	cat "$T/method.log" "$T/method.err" >&2
	fail "the paths disagree with apt's words"
}
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' \
    "$T/method.err" >/dev/null; then
	cat "$T/method.err" >&2
	fail "sanitizer report from the method"
fi
exit 0
