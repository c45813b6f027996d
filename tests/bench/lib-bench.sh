# SPDX-License-Identifier: ISC
# lib-bench.sh - helpers shared by the benchmarks (POSIX sh, sourced).
#
# Sourced after tests/integration/lib.sh (which gives $T, daemon_start,
# track, fail...).  Every benchmark times aptbt against a reference measured
# in the same run, with hyperfine: one untimed warm-up run, then
# $BENCH_RUNS timed runs, and reports medians and their ratio.
#
#   bench_need                    skip unless hyperfine, curl, nginx exist
#   bench_watchdog SECS           end the benchmark (and its children) after
#                                 SECS, so a hung transfer cannot stall make
#   bench_nginx NAME LISTEN ROOT [HOST]
#                                 start nginx serving ROOT on LISTEN
#                                 (ADDR:PORT), in namespace host HOST if
#                                 given; its log is $T/ngx-NAME/access.log,
#                                 one line per request:
#                                 "$connection $method $uri $status $bytes"
#   bench_mark LOG                append a run separator to an access log
#   bench_log_counts LOG          per run between separators: median
#                                 requests, median distinct connections and
#                                 the fewest bytes sent: "REQ CONN BYTES"
#   bench_hyperfine JSON ARGS...  hyperfine with the warm-up and run count
#   bench_median JSON [INDEX]     median seconds of command INDEX (0)
#   bench_cpu JSON [INDEX]        mean user + system seconds of command
#                                 INDEX (0) and its children
#   bench_div A B                 A / B with two decimals
#   bench_free_port               a free TCP port on 127.0.0.1
#
# shellcheck shell=dash

BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_PY=/usr/bin/python3
BENCH_NGX_PIDS=

# nginx first, gently, so its workers go with it; then lib.sh's cleanup.
bench_cleanup()
{
	local p
	for p in $BENCH_NGX_PIDS; do
		stop_wait "$p" 5
	done
	BENCH_NGX_PIDS=
}
trap 'bench_cleanup; lib_cleanup' EXIT

bench_need()
{
	need_cmd hyperfine curl nginx "$BENCH_PY"
	[ "$(id -u)" -eq 0 ] || skip "the benchmarks need root"
}

bench_watchdog()
{
	local secs=$1 me=$$
	(
		self=$(exec sh -c 'echo $PPID')
		i=0
		while [ "$i" -lt "$secs" ]; do
			kill -0 "$me" 2>/dev/null || exit 0
			sleep 1
			i=$((i + 1))
		done
		echo "BENCH: time limit of $secs s reached, stopping" >&2
		kill -TERM "$me"
		# The shell runs its trap only once its foreground child ends.
		for p in $(ps -o pid= --ppid "$me"); do
			[ "$p" != "$self" ] &&
				kill -TERM "$p" 2>/dev/null
		done
	) &
	track $!
}

bench_nginx()
{
	local name=$1 listen=$2 root=$3 host=${4:-} d i
	d=$T/ngx-$name
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
daemon off;
user www-data;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 1024; }
http {
	log_format counting '\$connection \$request_method \$uri \$status \$bytes_sent';
	access_log $d/access.log counting;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	keepalive_timeout 120s;
	server {
		listen $listen;
		root $root;
	}
}
EOF
	: >"$d/access.log"
	chmod 666 "$d/access.log"
	if [ -n "$host" ]; then
		ns_exec "$host" nginx -p "$d" -e "$d/error.log" \
		    -c "$d/nginx.conf" &
	else
		nginx -p "$d" -e "$d/error.log" -c "$d/nginx.conf" &
	fi
	track $!
	BENCH_NGX_PIDS="$BENCH_NGX_PIDS $!"
	i=0
	while :; do
		if [ -n "$host" ]; then
			ns_exec "$host" curl -s -o /dev/null "http://$listen/"
		else
			curl -s -o /dev/null "http://$listen/"
		fi && break
		i=$((i + 1))
		[ "$i" -lt 50 ] || fail "nginx $name does not answer on $listen"
		sleep 0.1
	done
}

bench_mark()
{
	echo "MARK" >>"$1"
}

bench_log_counts()
{
	"$BENCH_PY" -c 'import statistics, sys
runs, cur = [], None
for line in open(sys.argv[1]):
    if line.startswith("MARK"):
        cur = [0, set(), 0]
        runs.append(cur)
    elif cur is not None:
        f = line.split()
        cur[0] += 1
        cur[1].add(f[0])
        cur[2] += int(f[-1])
if not runs:
    runs = [[0, set(), 0]]
print(int(statistics.median(r[0] for r in runs)),
      int(statistics.median(len(r[1]) for r in runs)),
      min(r[2] for r in runs))' "$1"
}

bench_hyperfine()
{
	local json=$1
	shift
	hyperfine --style basic --warmup 1 --runs "$BENCH_RUNS" \
	    --export-json "$json" "$@" || fail "hyperfine failed"
}

bench_median()
{
	"$BENCH_PY" -c 'import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%.3f" % statistics.median(r["times"]))' "$1" "${2:-0}"
}

bench_cpu()
{
	"$BENCH_PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%.3f" % (r["user"] + r["system"]))' "$1" "${2:-0}"
}

bench_div()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "inf" }'
}

bench_free_port()
{
	"$BENCH_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
