#!/bin/sh
# limits.sh - upload_limit holds between two daemons, and "aptbt-ctl limit"
# changes it while a transfer runs.
#
# Daemon a has a 16 MiB file in its cache; daemon b fetches it, from a
# (which holds it, so b's mirrors wait while a delivers).  a's upload is
# limited to 2 MiB/s: the transfer must take 8 s within a few percent.
# Then the same with the limit raised at run time to 4 MiB/s.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
need_cmd nginx curl

SIZE=$((16 * 1024 * 1024))
repo_init
trap 'rm -rf "$REPO_T"; lib_cleanup' EXIT
head -c "$SIZE" /dev/urandom >"$REPO_WWW/f1"
head -c "$SIZE" /dev/urandom >"$REPO_WWW/f2"
chmod -R a+rX "$REPO_WWW"
repo_serve
track "$(cat "$REPO_NGINX/nginx.pid")"

PA=$(repo_free_port); PB=$(repo_free_port)
CA=$(write_conf "$T/a" "listen_port = $PA" "share = 127.0.0.0/8" \
    "upload_limit = 2M")
CB=$(write_conf "$T/b" "listen_port = $PB" "share = 127.0.0.0/8" \
    "peers = 127.0.0.1:$PA")
"$APTBTD" -f -c "$CA" >"$T/a.log" 2>&1 & A=$!; track $A
"$APTBTD" -f -c "$CB" >"$T/b.log" 2>&1 & B=$!; track $B
wait_for_socket "$T/a/control.sock" && wait_for_socket "$T/b/control.sock" ||
	fail "daemons did not start"
jget() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
fetch() {
	/usr/bin/python3 "$top_srcdir/tests/integration/fetchclient.py" \
	    "$1" "http://$REPO_HOST/$2" "$T/out.$2" --size "$SIZE" \
	    --sha256 "$(sha256sum "$REPO_WWW/$2" | cut -d' ' -f1)" >/dev/null ||
		fail "fetch of $2 through $1 failed"
}
now() { date +%s.%N; }

# a gets both files from the mirror (no limit on mirrors).
fetch "$T/a/control.sock" f1
fetch "$T/a/control.sock" f2
i=0
until [ "$("$APTBT_CTL" -s "$T/b/control.sock" --json status | jget daemons)" -ge 1 ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || fail "b never connected to a"; sleep 0.1
done
sleep 0.5	# a's have-index reaches b

# measure NAME FILE EXPECTED-SECONDS
measure() {
	local p0 t0 t1 got rate
	p0=$("$APTBT_CTL" -s "$T/b/control.sock" --json status | jget bytes_from_peers)
	t0=$(now)
	fetch "$T/b/control.sock" "$2"
	t1=$(now)
	got=$(($("$APTBT_CTL" -s "$T/b/control.sock" --json status | jget bytes_from_peers) - p0))
	cmp -s "$T/out.$2" "$REPO_WWW/$2" || fail "$1: wrong bytes"
	[ "$got" -ge $((SIZE * 95 / 100)) ] ||
		fail "$1: only $got of $SIZE bytes came from a"
	rate=$(echo "$t0 $t1 $got" | awk '{ printf "%.0f", $3 / ($2 - $1) }')
	echo "$1: $got bytes from a in $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s = $rate B/s (limit $3 B/s)"
	# Never over the limit by more than the first tick's burst (buckets
	# refill every 100 ms); under it only by the fixed costs of a fetch
	# (joining, hashing, the commit), which the time here includes.
	[ "$rate" -le $(($3 * 105 / 100)) ] || fail "$1: $rate B/s is over the limit $3"
	[ "$rate" -ge $(($3 * 85 / 100)) ] || fail "$1: $rate B/s is far under the limit $3"
}
measure "2 MiB/s from the configuration" f1 2097152
"$APTBT_CTL" -s "$T/a/control.sock" limit --up 4M >/dev/null || fail "limit --up failed"
measure "4 MiB/s set at run time" f2 4194304
grep -qE "AddressSanitizer|runtime error" "$T/a.log" "$T/b.log" &&
	fail "sanitizer reports: $(grep -hE 'SUMMARY|runtime error' "$T/a.log" "$T/b.log" | head -3)"
echo "limits: all checks passed"
