# SPDX-License-Identifier: ISC
# lib-faults.sh - the fault tests' common ground (sourced after lib.sh and
# lib-netns.sh): aptbtd in namespace "d", nginx (good data, port 80) and
# bad-mirror.py (port 8080) in namespace "m", and the three checks every
# fault ends with.
#
#   faults_init [NGINX_LINES]  namespaces, mirror files $W/f-*.bin, nginx,
#                           bad-mirror.py; sets $MIRROR_IP, $GOOD, $BAD
#   mkfile NAME BYTES       a random file $W/NAME
#   faults_conf [LINE...]   write $T/aptbtd.conf (mirrors = $GOOD/debian,
#                           cache_dir = $CACHE)
#   daemon_up               start aptbtd in "d" (log appended to
#                           $T/aptbtd.log), wait until it answers
#   daemon_kill             kill -9 it and reap it
#   ctl ARGS...             aptbt-ctl on the test's socket
#   fetch URL OUT [ARGS...] fetchclient.py; its reply in $T/reply, status $?
#   fetch_file URL NAME     fetch with NAME's SHA-256 and size; 0 if the right
#                           bytes arrived, 1 on a clean error reply, and a
#                           failure of the test if wrong bytes arrived
#   reply KEY               a key of the last reply
#   check_alive WHAT        the daemon runs and "status" answers within 2 s
#   check_cache WHAT        every file under sha256/ hashes to its name and
#                           is in the index with its size, and the reverse
#   check_serving WHAT      both of the above, then a fetch of a file not
#                           yet cached succeeds with the right bytes
#   cpu_ticks               the daemon's user+system clock ticks so far
# shellcheck shell=dash

PY=/usr/bin/python3
CLIENT="$PY $top_srcdir/tests/integration/fetchclient.py"
SOCK=$T/control.sock
CACHE=$T/cache
W=$T/www
FRESH=0

faults_init()
{
	need_cmd nginx ip sha256sum
	chmod 755 "$T"
	ns_init
	ns_host d 1
	ns_host m 2
	MIRROR_IP=$(ns_ip m)
	GOOD=http://$MIRROR_IP
	BAD=http://$MIRROR_IP:8080
	mkdir -p "$W/debian" "$T/ngx"
	cat >"$T/ngx/nginx.conf" <<EOF
daemon off;
user www-data;
worker_processes 1;
pid $T/ngx/nginx.pid;
error_log $T/ngx/error.log;
events { worker_connections 1024; }
http {
	log_format counting '\$status \$bytes_sent \$uri';
	access_log $T/ngx/access.log counting;
	client_body_temp_path $T/ngx;
	proxy_temp_path $T/ngx;
	fastcgi_temp_path $T/ngx;
	uwsgi_temp_path $T/ngx;
	scgi_temp_path $T/ngx;
	default_type application/octet-stream;
	server { listen $MIRROR_IP:80; root $W; ${1:-} }
}
EOF
	ns_bg m "$T/ngx/stderr" nginx -p "$T/ngx" -c "$T/ngx/nginx.conf"
	ns_bg m "$T/bad-mirror.log" "$PY" \
	    "$top_srcdir/tests/integration/bad-mirror.py" "$MIRROR_IP" 8080 \
	    "$W/debian"
	local i=0
	mkfile probe.bin 16
	until ns_exec d "$PY" -c "import urllib.request as u; u.urlopen('$GOOD/debian/probe.bin'); u.urlopen('$BAD/good/probe.bin')" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "the mirrors did not start"
		sleep 0.1
	done
}

mkfile()
{
	head -c "$2" /dev/urandom >"$W/debian/$1" || fail "cannot make $1"
	chmod a+r "$W/debian/$1"
}
sha() { sha256sum "$W/debian/$1" | cut -d' ' -f1; }
size() { stat -c %s "$W/debian/$1"; }

faults_conf()
{
	write_conf "$T" "log_level = debug" "mirrors = $GOOD/debian" "$@" \
	    >/dev/null
	# $CACHE may have been moved (onto a small file system).
	sed -i "s|^cache_dir = .*|cache_dir = $CACHE|" "$T/aptbtd.conf"
}

daemon_up()
{
	[ -x "$APTBTD" ] || fail "$APTBTD is not built"
	# shellcheck disable=SC2086
	ip netns exec "${NS_PREFIX}d" ${DAEMON_WRAP:-} env $DAEMON_ENV \
	    "$APTBTD" -f -c "$T/aptbtd.conf" >>"$T/aptbtd.log" 2>&1 &
	DAEMON_PID=$!
	track "$DAEMON_PID"
	# After a kill -9 the old socket file is still there: wait for an
	# answer, not for the file.
	local i=0
	until "$APTBT_CTL" -s "$SOCK" status >/dev/null 2>&1; do
		alive "$DAEMON_PID" || fail "aptbtd did not start"
		i=$((i + 1))
		[ $i -lt 200 ] || fail "the control socket did not answer"
		sleep 0.05
	done
}

daemon_kill()
{
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	return 0
}

ctl() { "$APTBT_CTL" -s "$SOCK" "$@"; }

fetch()
{
	local url=$1 out=$2
	shift 2
	$CLIENT "$SOCK" "$url" "$out" "$@" >"$T/reply" 2>"$T/reply.err"
}
reply() { sed -n "s/^$1=//p" "$T/reply"; }

# fetch_file URL NAME [ARGS...]
fetch_file()
{
	local url=$1 f=$2 rc
	shift 2
	rm -f "$T/got"
	fetch "$url" "$T/got" --sha256 "$(sha "$f")" --size "$(size "$f")" "$@"
	rc=$?
	case $rc in
	0)	cmp -s "$T/got" "$W/debian/$f" ||
			fail "$url: the daemon answered success with wrong bytes"
		return 0 ;;
	1)	[ -n "$(reply reason)" ] || fail "$url: an error with no reason"
		return 1 ;;
	*)	fail "$url: protocol fault (status $rc): $(cat "$T/reply.err")" ;;
	esac
}

check_alive()
{
	local t0 t1
	alive "$DAEMON_PID" || fail "$1: aptbtd died"
	t0=$(date +%s%N)
	timeout 2 "$APTBT_CTL" -s "$SOCK" status >/dev/null ||
		fail "$1: status did not answer within 2 s"
	t1=$(date +%s%N)
	echo "$1: status answered in $(((t1 - t0) / 1000000)) ms"
}

check_cache()
{
	local what=$1 i=0
	# The startup scan runs on the workers: wait for it.
	while :; do
		ctl --json cache >"$T/cache.json" || fail "$what: ctl cache failed"
		grep -q '"scanned": *1' "$T/cache.json" && break
		i=$((i + 1))
		[ $i -lt 100 ] || fail "$what: the cache scan did not finish"
		sleep 0.1
	done
	"$PY" - "$T/cache.json" "$CACHE" >"$T/cache.check" <<'EOF' ||
import hashlib, json, os, sys
doc = json.load(open(sys.argv[1]))
assert not doc["truncated"]
idx = {e["sha256"]: e["size"] for e in doc["entries"]}
root = os.path.join(sys.argv[2], "sha256")
disk = {}
bad = []
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        h = hashlib.sha256(open(p, "rb").read()).hexdigest()
        if h != f or os.path.basename(d) != f[:2]:
            bad.append("%s holds %s" % (p, h))
        disk[f] = os.path.getsize(p)
for k, v in idx.items():
    if disk.get(k) != v:
        bad.append("index entry %s (%d bytes) is %s on disk" %
                   (k, v, disk.get(k, "missing")))
for k in disk:
    if k not in idx:
        bad.append("%s on disk is not in the index" % k)
print(len(disk))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
		fail "$what: the cache is wrong: $(tail -n +2 "$T/cache.check")"
	echo "$what: the cache holds $(head -1 "$T/cache.check") verified files, all indexed"
}

check_serving()
{
	local name
	check_alive "$1"
	check_cache "$1"
	FRESH=$((FRESH + 1))
	name=fresh-$FRESH.bin
	mkfile "$name" 300000
	fetch_file "$GOOD/debian/$name" "$name" ||
		fail "$1: then a good fetch failed: $(cat "$T/reply")"
	[ "$(reply source)" = mirror ] || fail "$1: fresh file not from the mirror"
}

cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"
}
