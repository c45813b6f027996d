#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy.sh - "apt-get install --download-only" of a few hundred small
# packages through aptbtd's apt proxy (Acquire::http::Proxy only, plain
# http:// sources) against apt's own http method straight to the mirror.
#
# A local signed repository (lib-repo.sh) of $BENCH_SMALL packages of
# 5-50 KiB (random contents) on nginx on loopback; a fresh apt archives
# cache every run:
#   direct      apt's http method to nginx
#   proxy_cold  through the proxy, every package gone from aptbtd's cache
#               (so fetched from nginx, verified, cached again)
#   proxy_warm  through the proxy, every package in aptbtd's cache
# It prints the medians, the ratios to direct, and the requests and bytes
# nginx saw per run; it fails if a file differs, if a cold run did not
# fetch the packages from nginx or a warm one did.
# With $ACNG_ROOT (apt-cacher-ng's package unpacked there, e.g.
# "apt-get download apt-cacher-ng && dpkg-deb -x apt-cacher-ng_*.deb DIR":
# installing it would start a system service), apt-cacher-ng is timed the
# same way, as the reference proxy: acng_cold (restarted on an empty
# cache before each run) and acng_warm.
#
#   BENCH_RUNS (3), BENCH_SMALL (300)
# shellcheck shell=dash

: "${top_srcdir:?set top_srcdir (or run make bench)}"
: "${top_builddir:?set top_builddir (or run make bench)}"
BENCH_RUNS=${BENCH_RUNS:-3}
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/bench/lib-bench.sh"

bench_need
need_cmd apt-get apt-ftparchive dpkg-deb gpg
[ -x "$APTBTD" ] && [ -x "$APTBT_CTL" ] ||
	fail "build daemon/aptbtd and client/aptbt-ctl first"
NSMALL=${BENCH_SMALL:-300}
chmod 755 "$T"

trap '[ -f "$T/acng.sh" ] && sh "$T/acng.sh" stop; bench_cleanup; repo_cleanup; lib_cleanup' EXIT
bench_watchdog 570

echo "== proxy: building $NSMALL packages"
repo_init
repo_build 0 0
i=1
while [ "$i" -le "$NSMALL" ]; do
	repo_make_deb "aptbt-small$i" 1.0 $((5120 + (i * 7919) % 46080)) random
	i=$((i + 1))
done
repo_sign
PKGS=$(repo_packages | tr '\n' ' ')
NPKG=$(repo_packages | wc -l)
TOTAL=$(cat "$REPO_ROOT/pool/$REPO_COMP"/*.deb | wc -c)
awk '/^SHA256:/ { print $2 }' \
    "$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages" \
    >"$T/hashes"
echo "proxy: $NPKG packages, $TOTAL bytes"

# apt-cacher-ng 3.7 mistakes ports above 32767, its own and its
# upstreams': a free port below.
low_port()
{
	"$BENCH_PY" -c 'import socket
for p in range(20000, 32768):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break'
}
LO_PORT=$(low_port)
PX_PORT=$(bench_free_port)
bench_nginx lo "127.0.0.1:$LO_PORT" "$REPO_WWW"
LOG=$T/ngx-lo/access.log
REPO_HOST=127.0.0.1:$LO_PORT
apt_tree_init http
ARCHIVES=$REPO_APT/cache/archives

CONF=$(write_conf "$T/d" "log_level = notice" "cache_size = 1G" \
    "proxy_listen = 127.0.0.1:$PX_PORT" "share = lan" \
    "proxy_upstreams = 127.0.0.1:$LO_PORT" \
    "proxy_keyrings = $REPO_T/archive-key.gpg")
SOCK=$T/d/control.sock
daemon_start "$CONF"
wait_for_socket "$SOCK" || fail "aptbtd did not start"

# proxy_on | proxy_off, then apt-get update.
set_proxy()
{
	if [ "$1" = on ]; then
		echo "Acquire::http::Proxy \"http://127.0.0.1:$PX_PORT\";"
	else
		echo "Acquire::http::Proxy \"DIRECT\";"
	fi >"$REPO_APT/etc/apt.conf.d/01proxy"
	rm -rf "$REPO_APT"/state/lists/*_*
	apt_run apt-get -q update >>"$T/apt.log" 2>&1 || fail "apt-get update failed"
}

# measure NAME [cold]
measure()
{
	local name=$1 cold=${2:-}
	cat >"$T/prep-$name.sh" <<EOP
rm -f "$ARCHIVES"/*.deb "$ARCHIVES"/partial/*
echo MARK >>"$LOG"
EOP
	[ -n "${PREP_EXTRA:-}" ] && cat "$PREP_EXTRA" >>"$T/prep-$name.sh"
	[ -n "$cold" ] && cat >>"$T/prep-$name.sh" <<EOP
while read -r h; do
	"$APTBT_CTL" -s "$SOCK" cache --remove \$h >/dev/null 2>&1 || :
done <"$T/hashes"
EOP
	: >"$LOG"
	echo "-- $name"
	bench_hyperfine "$T/$name.json" --prepare "sh '$T/prep-$name.sh'" \
	    -n "$name" "APT_CONFIG=$APT_CONFIG timeout 300 apt-get -q install --download-only -y $PKGS >>'$T/apt.log' 2>&1"
	for deb in "$REPO_ROOT/pool/$REPO_COMP"/*.deb; do
		cmp -s "$deb" "$ARCHIVES/${deb##*/}" ||
			fail "$name: ${deb##*/} differs or is missing"
	done
	eval "T_$name=\$(bench_median '$T/$name.json')"
	eval "N_$name=\"\$(awk '
	    /^MARK/ { r++; next } \$2 == \"GET\" && \$3 ~ /\\.deb\$/ { n[r]++; b[r] += \$5 }
	    END { print n[r] + 0, b[r] + 0 }' '$LOG')\""
}

report()
{
	local t r n
	eval "t=\$T_$1; r=\$T_$2; n=\$N_$1"
	set -- "$1" $n
	printf 'proxy: %-11s %7.3f s  x%s of direct  last run: nginx sent %4d .deb, %d bytes\n' \
	    "$1" "$t" "$(bench_div "$t" "$r")" "$2" "$3"
}

set_proxy off
measure direct
set_proxy on
measure proxy_cold cold
eval "set -- \$N_proxy_cold"
[ "$1" -eq "$NPKG" ] || fail "a cold run fetched $1 of $NPKG packages from nginx"
measure proxy_warm
eval "set -- \$N_proxy_warm"
[ "$1" -eq 0 ] || fail "a warm run fetched $1 packages from nginx"
stop_wait "$DAEMON_PID"

ACNG=${ACNG_ROOT:-}/usr/sbin/apt-cacher-ng
if [ -n "${ACNG_ROOT:-}" ] && [ -x "$ACNG" ]; then
	AC_PORT=$(low_port)
	mkdir -p "$T/acng/conf" "$T/acng/log"
	cat >"$T/acng/conf/acng.conf" <<EOC
CacheDir: $T/acng/cache
LogDir: $T/acng/log
SupportDir: $ACNG_ROOT/usr/lib/apt-cacher-ng
Port: $AC_PORT
BindAddress: 127.0.0.1
AllowUserPorts: 80 $LO_PORT
EOC
	# acng.sh start|stop: one apt-cacher-ng, its pid in acng.pid.
	cat >"$T/acng.sh" <<EOC
if [ -s "$T/acng/pid" ]; then
	kill "\$(cat "$T/acng/pid")" 2>/dev/null
	while kill -0 "\$(cat "$T/acng/pid")" 2>/dev/null; do sleep 0.05; done
	: >"$T/acng/pid"
fi
[ "\$1" = start ] || exit 0
[ "\${2:-}" = cold ] && rm -rf "$T/acng/cache"
"$ACNG" -c "$T/acng/conf" ForeGround=1 >>"$T/acng/run.log" 2>&1 &
echo \$! >"$T/acng/pid"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$AC_PORT/"; do
	i=\$((i + 1)); [ \$i -lt 100 ] || exit 1; sleep 0.05
done
EOC
	echo "Acquire::http::Proxy \"http://127.0.0.1:$AC_PORT\";" \
	    >"$REPO_APT/etc/apt.conf.d/01proxy"
	sh "$T/acng.sh" start cold ||
	    fail "apt-cacher-ng did not start: $(tail -3 "$T/acng/run.log" 2>&1)"
	rm -rf "$REPO_APT"/state/lists/*_*
	# Its first answers after a start may be errors: a few tries.
	for i in 1 2 3 4 5; do
		apt_run apt-get -q update >>"$T/apt.log" 2>&1 &&
		    ! grep -q '^[WE]:' "$T/apt.log" && break
		sleep 1
	done
	[ "$i" -lt 5 ] ||
		fail "apt-get update through apt-cacher-ng failed: $(grep '^[WE]:' "$T/apt.log" | tail -3)"
	echo "sh '$T/acng.sh' start cold" >"$T/acng-cold.sh"
	PREP_EXTRA=$T/acng-cold.sh measure acng_cold
	measure acng_warm
	sh "$T/acng.sh" stop
fi

echo "== proxy: $NPKG packages, $TOTAL bytes, medians of $BENCH_RUNS runs"
report direct direct
report proxy_cold direct
report proxy_warm direct
if [ -n "${T_acng_cold:-}" ]; then
	report acng_cold direct
	report acng_warm direct
	echo "proxy: aptbtd / apt-cacher-ng: cold x$(bench_div "$T_proxy_cold" "$T_acng_cold"), warm x$(bench_div "$T_proxy_warm" "$T_acng_warm")"
fi
exit 0
