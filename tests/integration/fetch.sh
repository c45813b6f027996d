#!/bin/sh
# SPDX-License-Identifier: ISC
# fetch.sh - the "fetch" request against nginx mirrors: bytes through the
# passed descriptor, cache hits with no mirror traffic, two mirrors sharing
# a large file, a dead mirror, 404, SHA-256 mismatch, Maximum-Size,
# If-Modified-Since, and resuming after kill -9.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

need_cmd nginx
PY=/usr/bin/python3
CLIENT="$PY $top_srcdir/tests/integration/fetchclient.py"
chmod 755 "$T"

P1=$(free_port); P2=$(free_port); P3=$(free_port); PDEAD=$(free_port)

# The mirror: the same tree on two ports, a throttled third for the kill test.
W=$T/www
mkdir -p "$W" "$T/ngx"
head -c 1024 /dev/urandom >"$W/small.bin"
head -c 3145728 /dev/urandom >"$W/mid.bin"
head -c 52428800 /dev/urandom >"$W/big.bin"
head -c 8388608 /dev/urandom >"$W/other.bin"
head -c 52428800 /dev/urandom >"$W/slow.bin"
printf 'Origin: test\n' >"$W/InRelease"
chmod -R a+rX "$W"
nginx_start "$T/ngx" "$P3" <<NGX
	log_format counting '\$server_port \$status \$bytes_sent "\$http_range" \$uri';
	access_log $T/ngx/access.log counting;
	server { listen 127.0.0.1:$P1; root $W; }
	server { listen 127.0.0.1:$P2; root $W; }
	server { listen 127.0.0.1:$P3; root $W; limit_rate 4m; }
NGX

M1=http://127.0.0.1:$P1
M2=http://127.0.0.1:$P2
CONF=$(write_conf "$T" "log_level = debug" \
    "mirrors = $M1/debian, $M2/debian http://127.0.0.1:$PDEAD/debian" \
    "cache_size = 200M")
mkdir -p "$W/debian"
for f in small mid big other; do ln "$W/$f.bin" "$W/debian/$f.bin"; done
SOCK=$T/control.sock
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "control socket did not appear"

sha() { sha256sum "$W/$1" | cut -d' ' -f1; }
size() { stat -c %s "$W/$1"; }
# fetch URL FILE [ARGS...]: the fetched bytes go to $T/got, the reply to $T/reply
fetch() {
	local url=$1 f=$2
	shift 2
	$CLIENT "$SOCK" "$url" "$T/got" "$@" >"$T/reply"
}
fetch_ok() {
	local url=$1 f=$2
	shift 2
	fetch "$url" "$f" --sha256 "$(sha "$f")" --size "$(size "$f")" "$@" ||
		fail "fetch $url: $(cat "$T/reply")"
	cmp -s "$T/got" "$W/$f" || fail "fetch $url: the bytes differ"
}
reply() { sed -n "s/^$1=//p" "$T/reply"; }
served() {	# bytes nginx sent for a path, on one port or all
	awk -v u="$1" -v p="${2:-}" '$5 == u && (p == "" || $1 == p) { n += $3 } END { print n + 0 }' "$T/ngx/access.log"
}

# 1. A small file from the mirror, then from the cache with no traffic.
fetch_ok "$M1/debian/small.bin" small.bin
[ "$(reply source)" = mirror ] || fail "first fetch not from the mirror"
lines=$(wc -l <"$T/ngx/access.log")
fetch_ok "$M1/debian/small.bin" small.bin
[ "$(reply source)" = cache ] || fail "second fetch not from the cache"
[ "$(wc -l <"$T/ngx/access.log")" = "$lines" ] || fail "a cache hit reached the mirror"

# 2. 3 MiB and 50 MiB: split over both mirrors.
fetch_ok "$M1/debian/mid.bin" mid.bin
fetch_ok "$M1/debian/big.bin" big.bin
b1=$(served /debian/big.bin "$P1"); b2=$(served /debian/big.bin "$P2")
[ "$b1" -gt 1048576 ] && [ "$b2" -gt 1048576 ] ||
	fail "big.bin not shared by the two mirrors ($b1 + $b2 bytes)"
echo "big.bin: $b1 + $b2 bytes from the two mirrors"
[ $((b1 + b2)) -lt $((52428800 + 12582912)) ] || fail "big.bin fetched with much overlap"

# 3. The first mirror in the list is down: the file still arrives.
fetch_ok "http://127.0.0.1:$PDEAD/debian/other.bin" other.bin
[ "$(served /debian/other.bin)" -ge 8388608 ] || fail "other.bin not served by a live mirror"

# 4. Errors: 404, SHA-256 mismatch, Maximum-Size.
fetch "$M1/debian/missing.deb" x --sha256 "$(sha small.bin | tr 0-9a-f 1-9a-f0)" && fail "404 succeeded"
[ "$(reply reason)" = HttpError404 ] || fail "404: reason $(reply reason)"
fetch "$M1/nomirror.bin" x --sha256 "$(sha small.bin | tr 0-9a-f 1-9a-f0)" --size 1024 &&
	fail "404 outside the mirrors succeeded"
cp "$W/small.bin" "$W/bad.bin"
fetch "$M1/bad.bin" x --sha256 "$(sha mid.bin | tr 0-9a-f 1-9a-f0)" --size 1024 && fail "bad hash succeeded"
[ "$(reply reason)" = HashSumMismatch ] || fail "mismatch: reason $(reply reason)"
[ "$(awk '$5 == "/bad.bin"' "$T/ngx/access.log" | wc -l)" = 2 ] || fail "mismatch was not retried once"
fetch "$M1/big2.bin" x --max-size 1000 --size 3000 && fail "max_size succeeded"
[ "$(reply reason)" = MaximumSizeExceeded ] || fail "max_size: reason $(reply reason)"
fetch "$M1/debian/mid.bin" x --max-size 1000 && fail "unhashed max_size succeeded"
[ "$(reply reason)" = MaximumSizeExceeded ] || fail "unhashed max_size: reason $(reply reason)"

# 5. No hash (InRelease): one source, never cached; If-Modified-Since.
fetch "$M1/InRelease" InRelease || fail "InRelease: $(cat "$T/reply")"
cmp -s "$T/got" "$W/InRelease" || fail "InRelease bytes differ"
[ "$(reply source)" = mirror ] || fail "InRelease not from the mirror"
lm=$(reply last_modified)
[ -n "$lm" ] || fail "InRelease: no last_modified"
fetch "$M1/InRelease" InRelease --ims "$lm" || fail "ims: $(cat "$T/reply")"
[ "$(reply ims_hit)" = 1 ] || fail "If-Modified-Since did not hit"
[ -z "$(ls "$T/cache/tmp")" ] || fail "temporary files left in the cache"

# 6. A file fetched earlier is still cached.
fetch_ok "$M1/debian/mid.bin" mid.bin
[ "$(reply source)" = cache ] || fail "mid.bin not from the cache"

# 7. kill -9 in the middle of a throttled 50 MiB download, then resume.
SLOW=http://127.0.0.1:$P3/slow.bin
$CLIENT "$SOCK" "$SLOW" "$T/got.slow" --sha256 "$(sha slow.bin)" --size 52428800 \
    >/dev/null 2>&1 &
CPID=$!
PART=$T/cache/partial/$(sha slow.bin)
part_size() { if [ -f "$PART.part" ]; then stat -c %s "$PART.part"; else echo 0; fi; }
i=0
until [ -e "$PART.map" ] && [ "$(part_size)" -gt 15000000 ]; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "slow download did not progress"; sleep 0.1
done
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
wait "$CPID" 2>/dev/null
sleep 0.3	# nginx logs the cut connection
first=$(served /slow.bin)
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "control socket did not come back"
fetch_ok "$SLOW" slow.bin
total=$(served /slow.bin)
echo "slow.bin: $first bytes before the kill, $total in all"
[ $((total - first)) -lt $((52428800 - 10000000)) ] || fail "the download did not resume ($first, $total)"
[ "$total" -lt $((52428800 + 2097152)) ] || fail "resuming lost too much ($first, $total)"
grep -q "resuming" "$T/aptbtd.log" || fail "no resume in the log"

stop_wait "$DAEMON_PID"
[ "$STOP_RC" = 0 ] || fail "aptbtd exited with $STOP_RC"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$T/aptbtd.log" && fail "sanitizer report"
exit 0
