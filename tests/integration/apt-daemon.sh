#!/bin/sh
# SPDX-License-Identifier: ISC
# apt-daemon.sh - apt fetches through aptbtd, end to end: the real daemon,
# the real apt-get with its _apt sandbox on, a signed local repository on
# nginx (and vsftpd for aptbt+ftp).
#
#   a. update and install through the daemon; every .deb matches Packages
#   b. the same again: no package byte from the mirror, all from the cache
#   c. daemon stopped, then hung (SIGSTOP): apt still works, directly
#   d. a mirror serving wrong bytes: Hash Sum mismatch, nothing kept
#   e. a missing file: apt's usual "404  Not Found"
#   f. two mirrors, the one in sources.list down: the other serves all
#   g. kill -9 of the daemon in a large download: the next run resumes
#   h. an FTP mirror: aptbt+ftp through the daemon, ranged transfers
#
# A check that fails because of the daemon says "daemon:" in its message.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"

[ "$(id -u)" = 0 ] || skip "needs root (apt's sandbox and archives)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl vsftpd sha256sum
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"

# The control socket must be reachable by _apt.
chmod 755 "$T"
FTPD_PID=
NGB=$T/nginx-b
stop_nginx()	# PIDFILE: graceful, so the workers go with the master
{
	local pid i=0
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null
	while [ -s "$1" ] && kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -f "$1"
}
at_exit()
{
	[ -n "$FTPD_PID" ] && kill -TERM "$FTPD_PID" 2>/dev/null
	[ -n "${DAEMON_PID:-}" ] && kill -CONT "$DAEMON_PID" 2>/dev/null
	stop_nginx "$NGB/nginx.pid"
	repo_keep_logs "$T/aptbtd.log"
	repo_cleanup
	lib_cleanup
}
fails=0
trap at_exit EXIT

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# --- the repository, two nginx mirrors (A and B+S) and vsftpd (F) -------
repo_init
LOG=$REPO_T/logs
mkdir -p "$LOG"
LARGE_MIB=24
repo_build 8 1 "$LARGE_MIB"
LARGE=aptbt-large1
PA=$(repo_free_port); PB=$(repo_free_port); PS=$(repo_free_port)
PF=$(repo_free_port); PPASV=$(repo_free_port)
MA=http://127.0.0.1:$PA/debian
MB=http://127.0.0.1:$PB/debian
MS=http://127.0.0.1:$PS/debian
MF=ftp://127.0.0.1:$PF/debian

# nginx_conf DIR SERVERS: one nginx instance logging port, status, bytes,
# method and path.
nginx_conf()
{
	mkdir -p "$1/tmp"
	cat >"$1/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 512; }
http {
	log_format aptbt '\$server_port \$status \$bytes_sent \$request_method \$uri';
	access_log $1/access.log aptbt;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	default_type application/octet-stream;
	sendfile on;
	keepalive_requests 10000;
$2
}
EOF
	touch "$1/access.log"
}
nginx_start()	# DIR PORT
{
	local i=0
	nginx -e "$1/error.log" -c "$1/nginx.conf" -p "$1" ||
		fail "nginx in $1 failed to start"
	while ! curl -s -o /dev/null "http://127.0.0.1:$2/"; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || fail "nginx does not answer on port $2"
		sleep 0.1
	done
}
# Mirror A is lib-repo's nginx (its pid file), so repo_cleanup stops it.
nginx_conf "$REPO_NGINX" "	server { listen 127.0.0.1:$PA; root $REPO_WWW; }"
nginx_conf "$NGB" "	server { listen 127.0.0.1:$PB; root $REPO_WWW; }
	server { listen 127.0.0.1:$PS; root $REPO_WWW; limit_rate 4m; }"
nginx_start "$REPO_NGINX" "$PA"
nginx_start "$NGB" "$PB"
REPO_HOST=127.0.0.1:$PA

# Lines of both nginx access logs, port first.
ngx_log() { cat "$REPO_NGINX/access.log" "$NGB/access.log"; }
ngx_mark() { ngx_log | wc -l; }
# GETs of .deb files after MARK (from ngx_mark), on PORT or any port.
debs_after()
{
	ngx_log | awk -v m="$1" -v p="${2:-}" 'NR > m && $4 == "GET" &&
	    $5 ~ /\.deb$/ && (p == "" || $1 == p) { n++ } END { print n + 0 }'
}
# Bytes sent after MARK for files whose path ends in SUFFIX.
bytes_for()
{
	ngx_log | awk -v m="$1" -v s="$2" 'NR > m &&
	    substr($5, length($5) - length(s) + 1) == s { n += $3 }
	    END { print n + 0 }'
}

apt_tree_init aptbt+http
ARCHIVES=$REPO_APT/cache/archives
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
ALL=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
DEB_BYTES=$(cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb | wc -c)

sources()	# BASE-URL (with the aptbt+ scheme)
{
	echo "deb [signed-by=$REPO_T/archive-key.gpg] $1 $REPO_SUITE $REPO_COMP" \
	    >"$REPO_APT/etc/sources.list"
}

# --- the daemon ----------------------------------------------------------
# daemon_up NAME [CONF-LINE...]: a fresh daemon with its own cache in
# $T/NAME; $SOCK is its control socket.
daemon_up()
{
	local name=$1 conf
	shift
	conf=$(write_conf "$T/$name" "log_level = debug" \
	    "listen_port = $(repo_free_port)" "$@")
	SOCK=$T/$name/control.sock
	# A socket left by a daemon that died must not pass for the new one.
	rm -f "$SOCK"
	echo "=== daemon $name" >>"$T/aptbtd.log"
	daemon_start "$conf"
	wait_for_socket "$SOCK" || fail "$name: control socket did not appear"
}
daemon_down()
{
	kill -CONT "$DAEMON_PID" 2>/dev/null
	stop_wait "$DAEMON_PID"
	[ "$STOP_RC" = 0 ] || {
		bad "daemon: aptbtd exited with status $STOP_RC"
		grep -E '^SUMMARY|ERROR: AddressSanitizer|runtime error' \
		    "$T/aptbtd.log" | tail -n 2 >&2
	}
}
ctl() { "$APTBT_CTL" -s "$SOCK" "$@"; }
# ctl_field KEY [COMMAND]: one number from the JSON answer of COMMAND.
ctl_field()
{
	ctl --json "${2:-status}" | $PY -c 'import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"
}

# --- apt ------------------------------------------------------------------
DTIMEOUT=5
# apt_get NAME ARGS...: apt-get through $SOCK, output to $LOG/NAME (kept
# across calls with the same NAME); returns apt-get's status.
apt_get()
{
	local name=$1 rc
	shift
	apt_run apt-get -o Acquire::aptbt::Socket="$SOCK" \
	    -o Acquire::aptbt::Daemon-Timeout="$DTIMEOUT" "$@" \
	    >>"$LOG/$name" 2>&1
	rc=$?
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' \
	    "$LOG/$name"; then
		bad "$name: sanitizer report in apt's output"
		grep -E -A5 'AddressSanitizer|LeakSanitizer|runtime error:' \
		    "$LOG/$name" | head -20 >&2
	fi
	return $rc
}
update() { find "$REPO_APT/state/lists" -maxdepth 1 -type f -delete
	apt_get "$1" update; }
fresh_archives() { rm -f "$ARCHIVES"/*.deb "$ARCHIVES"/partial/*; }
install() { local name=$1; shift; apt_get "$name" install --download-only -y "$@"; }
show() { echo "--- $LOG/$1:" >&2; tail -n 25 "$LOG/$1" >&2; }
fallbacks() { grep -c 'aptbtd is not running' "$LOG/$1"; }

# The SHA-256 the signed Packages file gives for package NAME.
packages_sha()
{
	awk -v p="$1" '/^Package: / { cur = $2 }
	    /^SHA256: / && cur == p { print $2 }' "$PACKAGES"
}
pool_file() { ls "$REPO_ROOT/pool/$REPO_COMP/$1"_*.deb; }
# archives_ok PKG...: each .deb in archives/ has its Packages SHA-256.
archives_ok()
{
	local p f want got n=0
	for p in "$@"; do
		f=$ARCHIVES/$(basename "$(pool_file "$p")")
		want=$(packages_sha "$p")
		got=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)
		if [ -z "$want" ] || [ "$got" != "$want" ]; then
			echo "  $p: got '${got:-no file}', Packages says $want" >&2
			n=$((n + 1))
		fi
	done
	return $n
}
# set -- $ALL needs word splitting on purpose.
# shellcheck disable=SC2086
all_ok() { archives_ok $ALL; }
# shellcheck disable=SC2086
install_all() { install "$1" $ALL; }

# --- a. through the daemon -----------------------------------------------
daemon_up d1 "mirrors = $MA, $MB"
sources "aptbt+$MA"
t0=$(date +%s)
if update a && install_all a && all_ok; then
	ok "a: update and install of $NPKG packages through aptbtd ($(($(date +%s) - t0))s)"
else
	bad "a: update or install through aptbtd"
	show a
fi
[ "$(fallbacks a)" = 0 ] || bad "a: the method fell back to direct fetching"
from_mirrors=$(ctl_field bytes_from_mirrors)
[ "$from_mirrors" -ge "$DEB_BYTES" ] &&
	ok "a: bytes_from_mirrors $from_mirrors >= $DEB_BYTES package bytes" ||
	bad "daemon: a: bytes_from_mirrors is $from_mirrors, packages are $DEB_BYTES bytes"

# --- b. again, from the daemon's cache ------------------------------------
cache0=$(ctl_field bytes_from_cache)
mark=$(ngx_mark)
fresh_archives
if install_all b && all_ok; then
	ok "b: second install"
else
	bad "b: second install"
	show b
fi
n=$(debs_after "$mark")
[ "$n" = 0 ] && ok "b: no .deb asked of the mirrors" ||
	bad "daemon: b: $n .deb GETs reached the mirrors"
cache1=$(ctl_field bytes_from_cache)
[ $((cache1 - cache0)) -ge "$DEB_BYTES" ] &&
	ok "b: bytes_from_cache grew by $((cache1 - cache0))" ||
	bad "daemon: b: bytes_from_cache grew by $((cache1 - cache0)), not $DEB_BYTES"
[ "$(fallbacks b)" = 0 ] || bad "b: the method fell back to direct fetching"

# --- d. wrong bytes from the mirror ---------------------------------------
VICTIM=aptbt-small3
vf=$(pool_file "$VICTIM")
cp -p "$vf" "$T/victim.deb"
vsize=$(stat -c %s "$vf")
head -c "$vsize" /dev/urandom >"$vf"
ctl cache --remove "$(packages_sha "$VICTIM")" >/dev/null 2>&1
fresh_archives
if install d "$VICTIM"; then
	bad "d: a file with wrong bytes was installed"
elif grep -qE 'Hash Sum mismatch|HashSumMismatch' "$LOG/d"; then
	ok "d: apt reports the mismatch"
else
	bad "d: no Hash Sum mismatch in apt's output"
	show d
fi
left=$(find "$ARCHIVES" -name "${VICTIM}_*")
[ -z "$left" ] && ok "d: nothing of $VICTIM in archives/" ||
	bad "d: left in archives: $left"
ctl --json cache | grep -q "$(sha256sum "$vf" | cut -d' ' -f1)" &&
	bad "daemon: d: the wrong bytes are in the daemon's cache"
cp -p "$T/victim.deb" "$vf"

# --- e. 404 ---------------------------------------------------------------
VICTIM=aptbt-small4
vf=$(pool_file "$VICTIM")
mv "$vf" "$T/victim.deb"
ctl cache --remove "$(packages_sha "$VICTIM")" >/dev/null 2>&1
fresh_archives
if install e "$VICTIM"; then
	bad "e: a missing file was installed"
elif grep -q '404  Not Found' "$LOG/e"; then
	ok "e: apt says 404  Not Found"
else
	bad "e: no \"404  Not Found\" in apt's output"
	show e
fi
mv "$T/victim.deb" "$vf"

# --- c. daemon stopped, then hung -----------------------------------------
daemon_down
fresh_archives
t0=$(date +%s)
if update c-stopped && install_all c-stopped && all_ok; then
	ok "c: daemon stopped: update and install directly ($(($(date +%s) - t0))s)"
else
	bad "c: daemon stopped"
	show c-stopped
fi
n=$(fallbacks c-stopped)
# One message per apt-get run (update, install).
[ "$n" = 2 ] && ok "c: the fallback was announced once per run" ||
	bad "c: $n fallback messages for two apt-get runs"

daemon_up d1 "mirrors = $MA, $MB"
kill -STOP "$DAEMON_PID"
DTIMEOUT=2
fresh_archives
t0=$(date +%s)
install_all c-hung && all_ok
rc=$?
dt=$(($(date +%s) - t0))
if [ "$rc" = 0 ] && [ "$dt" -le 15 ]; then
	ok "c: daemon hung: installed directly in ${dt}s"
else
	bad "c: daemon hung: status $rc after ${dt}s"
	show c-hung
fi
grep -q 'no answer from aptbtd' "$LOG/c-hung" ||
	bad "c: the hung daemon was not reported"
DTIMEOUT=5
kill -CONT "$DAEMON_PID"
daemon_down

# --- f. two mirrors, the first down ---------------------------------------
daemon_up d2 "mirrors = $MA, $MB"
stop_nginx "$REPO_NGINX/nginx.pid"
fresh_archives
mark=$(ngx_mark)
if install_all f && all_ok; then
	ok "f: mirror A down: all $NPKG packages from mirror B"
else
	bad "daemon: f: install with mirror A down"
	show f
fi
[ "$(fallbacks f)" = 0 ] || bad "daemon: f: the method fell back to direct fetching"
n=$(debs_after "$mark" "$PB")
[ "$n" -ge "$NPKG" ] || bad "f: only $n .deb GETs on mirror B"
nginx_start "$REPO_NGINX" "$PA"
daemon_down

# --- g. kill -9 in the middle of a large download -------------------------
# The throttled server S, configured as no mirror: one source, ~6 s.
daemon_up d3
sources "aptbt+$MS"
update g-update || { bad "g: update from the throttled mirror"; show g-update; }
fresh_archives
mark=$(ngx_mark)
install g-killed "$LARGE" &
APT_PID=$!
lsize=$(stat -c %s "$(pool_file "$LARGE")")
apart=$ARCHIVES/partial/$(basename "$(pool_file "$LARGE")")
i=0
until [ "$(stat -c %s "$apart" 2>/dev/null || echo 0)" -gt $((lsize / 3)) ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || break
	sleep 0.1
done
# Freeze apt and its methods first, so nothing falls back to the mirror.
proc_tree() { echo "$1"; for c in $(ps -o pid= --ppid "$1"); do proc_tree "$c"; done; }
apt_tree=$(proc_tree "$APT_PID")
# Word splitting wanted: a list of PIDs.
# shellcheck disable=SC2086
kill -STOP $apt_tree 2>/dev/null
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
# shellcheck disable=SC2086
kill -KILL $apt_tree 2>/dev/null
wait "$APT_PID" 2>/dev/null
sleep 0.3	# nginx logs the cut connection
first=$(bytes_for "$mark" "/$(basename "$(pool_file "$LARGE")")")
ls -l "$T/d3/cache/partial" >"$LOG/g-partial" 2>&1
daemon_up d3
fresh_archives
if install g "$LARGE" && archives_ok "$LARGE"; then
	ok "g: $LARGE complete after the restart"
else
	bad "g: install after the restart"
	show g
fi
total=$(bytes_for "$mark" "/$(basename "$(pool_file "$LARGE")")")
echo "g: $LARGE is $lsize bytes; served $first before the kill, $total in all"
[ "$first" -gt 0 ] && [ "$first" -lt "$lsize" ] ||
	bad "g: the kill did not land mid-download ($first of $lsize bytes)"
[ $((total * 2)) -lt $((lsize * 3)) ] &&
	ok "g: the download resumed ($total bytes served for $lsize)" ||
	bad "daemon: g: no resume: $total bytes served for $lsize"
daemon_down

# --- h. an FTP mirror -----------------------------------------------------
mkdir -p "$T/ftp-empty"
cat >"$T/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$PF
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
no_anon_password=YES
anon_root=$REPO_WWW
secure_chroot_dir=$T/ftp-empty
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$PPASV
pasv_max_port=$((PPASV + 40))
port_enable=NO
connect_from_port_20=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$LOG/vsftpd.log
syslog_enable=NO
seccomp_sandbox=NO
max_clients=100
max_per_ip=100
EOF
vsftpd "$T/vsftpd.conf" >"$LOG/vsftpd.out" 2>&1 &
FTPD_PID=$!
i=0
until curl -s -o /dev/null "$MF/"; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || fail "vsftpd does not answer on port $PF"
	sleep 0.1
done
# The FTP mirror and the throttled HTTP one: the large file is split, and
# the faster FTP source takes over ranges from the slower one.
daemon_up d4 "mirrors = $MF, $MS"
sources "aptbt+$MF"
fresh_archives
if update h && install_all h && all_ok; then
	ok "h: update and install of $NPKG packages from aptbt+ftp"
else
	bad "h: aptbt+ftp through aptbtd"
	show h
fi
[ "$(fallbacks h)" = 0 ] || bad "h: the method fell back to direct fetching"
ctl --json mirrors >"$LOG/h-mirrors"
ftp_bytes=$($PY -c 'import json, sys
print(sum(m["bytes"] for m in json.load(open(sys.argv[1]))["mirrors"]
    if m["url"].startswith("ftp:")))' "$LOG/h-mirrors")
[ "$ftp_bytes" -gt 0 ] && ok "h: $ftp_bytes bytes from the FTP mirror" ||
	bad "daemon: h: no bytes from the FTP mirror"
# A RETR of the large file after a REST with an offset, on one session.
# Daemon check: needs webseed.c to read curl's length of a closed FTP
# range as the range's, not the rest of the file's.
n=$(awk -v f="RETR $(basename "$(pool_file "$LARGE")")" '
    /FTP command: .*"REST [0-9]+"/ { split($0, a, "\"REST "); rest[$7] = a[2] + 0 }
    index($0, "\"" f "\"") && rest[$7] > 0 { n++ }
    END { print n + 0 }' "$LOG/vsftpd.log")
if [ "$n" -gt 0 ]; then
	ok "h: $n ranged FTP transfers (REST) of $LARGE"
else
	bad "daemon: h: no REST with an offset before a RETR of $LARGE"
	grep -E '"(REST|RETR) ' "$LOG/vsftpd.log" | tail -n 6 >&2
	grep "$LARGE.*failed" "$T/aptbtd.log" | tail -n 2 >&2
fi
daemon_down

if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$T/aptbtd.log"; then
	bad "daemon: sanitizer report in aptbtd's log"
	grep -E '^SUMMARY|runtime error' "$T/aptbtd.log" >&2
fi
[ "$fails" = 0 ] || { echo "apt-daemon.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
