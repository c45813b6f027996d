# SPDX-License-Identifier: ISC
# lib-repo.sh - a local signed apt repository, an nginx mirror serving it on
# loopback, and a private apt tree that uses the build's aptbt method.
#
# Source it from a test; every function works under one temporary directory
# ($REPO_T) that repo_cleanup removes (the test should trap EXIT to it).
# apt keeps its _apt sandbox on, as in production, so the whole tree is
# made traversable by _apt and readable by nginx's www-data workers.
#
#   repo_need WHY TOOL...         skip unless root (for WHY) and TOOLs exist
#   repo_init                     make $REPO_T
#   repo_build NSMALL NLARGE [MIB] build and sign the repository under $REPO_WWW
#   repo_serve                    start nginx; sets $REPO_PORT, $REPO_HOST
#   repo_nginx ADDR:PORT FMT [NS [PROBE-NS [LINES]]]
#                                 nginx on ADDR:PORT, in a namespace if NS
#   repo_sign                     (re)generate Packages, Release, InRelease
#   apt_tree_init SCHEME          private apt tree in $REPO_T/apt, sources
#                                 using SCHEME (aptbt+http, http, ...)
#   apt_run CMD ARGS...           run apt-get/apt-cache in the private tree
#   repo_bytes_served PATTERN     bytes nginx sent for requests matching PATTERN
#   repo_cleanup                  stop nginx and remove everything

REPO_SUITE=stable
REPO_COMP=main
# An access-log format for repo_nginx that tells clients apart: client
# address, status, bytes sent, method, path.
# shellcheck disable=SC2016,SC2034	# nginx's variables; used by tests
REPO_LOG_CLIENTS='$remote_addr $status $bytes_sent $request_method $uri'

repo_die()
{
	echo "lib-repo: $*" >&2
	exit 1
}

# repo_need WHY TOOL...: skip the test (exit 77) unless it runs as root,
# which it needs for WHY, and every TOOL is installed.
repo_need()
{
	local me why=$1 tool
	me=$(basename "$0")
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "$me: needs root ($why)" >&2
		exit 77
	fi
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "$me: $tool missing" >&2
			exit 77
		}
	done
}

repo_init()
{
	REPO_T=$(mktemp -d "${TMPDIR:-/tmp}/aptbt-repo.XXXXXX") || repo_die "mktemp failed"
	# _apt (gpgv, the sandboxed methods) and www-data must traverse it.
	chmod 755 "$REPO_T"
	REPO_WWW=$REPO_T/www
	REPO_ROOT=$REPO_WWW/debian
	REPO_GNUPG=$REPO_T/gnupg
	REPO_NGINX=$REPO_T/nginx
	REPO_APT=$REPO_T/apt
	mkdir -p "$REPO_ROOT/pool/$REPO_COMP" \
	    "$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64" \
	    "$REPO_GNUPG" "$REPO_NGINX/tmp" "$REPO_T/build"
	chmod 700 "$REPO_GNUPG"
	export REPO_T
}

# One synthetic package: NAME VERSION PAYLOAD-BYTES [random|text]
repo_make_deb()
{
	local name=$1 version=$2 bytes=$3 kind=${4:-text} d
	d=$REPO_T/build/$name
	mkdir -p "$d/DEBIAN" "$d/usr/share/$name"
	cat >"$d/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: all
Maintainer: aptbt tests <aptbt@localhost>
Description: synthetic package $name for aptbt tests
EOF
	if [ "$kind" = random ]; then
		head -c "$bytes" /dev/urandom >"$d/usr/share/$name/data"
	else
		yes "$name $version" | head -c "$bytes" >"$d/usr/share/$name/data"
	fi
	# Random data does not compress: skip the compressor's time.
	dpkg-deb -Znone --root-owner-group --build "$d" \
	    "$REPO_ROOT/pool/$REPO_COMP/${name}_${version}_all.deb" \
	    >/dev/null || repo_die "dpkg-deb failed for $name"
	rm -rf "$d"
}

repo_gpg()
{
	GNUPGHOME=$REPO_GNUPG gpg --batch --quiet --no-tty "$@"
}

# Generate the indexes and sign them; call again after changing the pool.
repo_sign()
{
	local dist=$REPO_ROOT/dists/$REPO_SUITE
	(cd "$REPO_ROOT" &&
	    apt-ftparchive packages "pool/$REPO_COMP" \
	    >"dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages") ||
	    repo_die "apt-ftparchive packages failed"
	gzip -9nkf "$dist/$REPO_COMP/binary-amd64/Packages"
	rm -f "$dist/Release" "$dist/InRelease" "$dist/Release.gpg"
	apt-ftparchive \
	    -o APT::FTPArchive::Release::Origin=aptbt-test \
	    -o APT::FTPArchive::Release::Suite="$REPO_SUITE" \
	    -o APT::FTPArchive::Release::Codename="$REPO_SUITE" \
	    -o APT::FTPArchive::Release::Architectures=amd64 \
	    -o APT::FTPArchive::Release::Components="$REPO_COMP" \
	    release "$dist" >"$REPO_T/Release" ||
	    repo_die "apt-ftparchive release failed"
	mv "$REPO_T/Release" "$dist/Release"
	repo_gpg --clearsign -o "$dist/InRelease" "$dist/Release" ||
	    repo_die "gpg --clearsign failed"
	repo_gpg -abs -o "$dist/Release.gpg" "$dist/Release" ||
	    repo_die "gpg detach-sign failed"
	chmod -R a+rX "$REPO_WWW"
}

# repo_build NSMALL NLARGE [LARGE-MIB]
repo_build()
{
	local nsmall=$1 nlarge=$2 mib=${3:-20} i
	repo_gpg --passphrase '' --quick-gen-key 'aptbt test <aptbt@localhost>' \
	    ed25519 sign never || repo_die "gpg key generation failed"
	repo_gpg --export >"$REPO_T/archive-key.gpg" ||
	    repo_die "gpg --export failed"
	chmod 644 "$REPO_T/archive-key.gpg"
	i=1
	while [ "$i" -le "$nsmall" ]; do
		repo_make_deb "aptbt-small$i" "1.0-$i" $((1000 + i * 997))
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$nlarge" ]; do
		repo_make_deb "aptbt-large$i" "1.0" $((mib * 1024 * 1024)) random
		i=$((i + 1))
	done
	repo_sign
}

repo_free_port()
{
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# repo_nginx ADDR:PORT LOGFORMAT [NS [PROBE-NS [SERVER-LINES]]]: nginx
# serving $REPO_WWW on ADDR:PORT, inside network namespace NS (lib-netns.sh)
# if given; every request goes to $REPO_NGINX/access.log (emptied first) in
# LOGFORMAT, whose nginx variables the caller quotes.  Returns once
# http://ADDR:PORT/ answers from PROBE-NS (default NS), so a test sees its
# clients reach the mirror.  SERVER-LINES go into the server block (e.g.
# "deny ADDR;"); $REPO_NGINX_WORKERS and $REPO_NGINX_CONNS size it.
repo_nginx()
{
	local listen=$1 fmt=$2 ns=${3:-} probe=${4:-${3:-}} i=0
	cat >"$REPO_NGINX/nginx.conf" <<EOF
user www-data;
worker_processes ${REPO_NGINX_WORKERS:-1};
pid $REPO_NGINX/nginx.pid;
error_log $REPO_NGINX/error.log;
events { worker_connections ${REPO_NGINX_CONNS:-512}; }
http {
	log_format aptbt '$fmt';
	access_log $REPO_NGINX/access.log aptbt;
	client_body_temp_path $REPO_NGINX/tmp/body;
	proxy_temp_path $REPO_NGINX/tmp/proxy;
	fastcgi_temp_path $REPO_NGINX/tmp/fastcgi;
	uwsgi_temp_path $REPO_NGINX/tmp/uwsgi;
	scgi_temp_path $REPO_NGINX/tmp/scgi;
	default_type application/octet-stream;
	sendfile on;
	keepalive_requests 10000;
	server {
		listen $listen;
		root $REPO_WWW;
		${5:-}
	}
}
EOF
	: >"$REPO_NGINX/access.log"
	repo_in "$ns" nginx -e "$REPO_NGINX/error.log" \
	    -c "$REPO_NGINX/nginx.conf" -p "$REPO_NGINX" ||
		repo_die "nginx failed to start${ns:+ in $ns}"
	until repo_in "$probe" curl -s -o /dev/null "http://$listen/"; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || repo_die "nginx does not answer on $listen"
		sleep 0.1
	done
}

# repo_in NS CMD...: CMD in network namespace NS, or here if NS is empty.
repo_in()
{
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ns_exec "$ns" "$@"
	else
		"$@"
	fi
}

repo_serve()
{
	REPO_PORT=$(repo_free_port) || repo_die "no free port"
	REPO_HOST=127.0.0.1:$REPO_PORT
	# shellcheck disable=SC2016	# nginx's variables, not the shell's
	repo_nginx "$REPO_HOST" '$request $status $bytes_sent'
	export REPO_PORT REPO_HOST
}

# The method binary to test: $APTBT_METHOD or the build's.
repo_method_bin()
{
	if [ -n "${APTBT_METHOD:-}" ]; then
		echo "$APTBT_METHOD"
	else
		echo "${top_builddir:-.}/client/aptbt-method"
	fi
}

# apt_tree_init SCHEME [EXTRA-SOURCE-OPTIONS]
apt_tree_init()
{
	local scheme=${1:-aptbt+http} m bin
	bin=$(cd "$(dirname "$(repo_method_bin)")" && pwd)/$(basename "$(repo_method_bin)")
	[ -x "$bin" ] || repo_die "no method binary at $bin"
	mkdir -p "$REPO_APT/etc/sources.list.d" "$REPO_APT/etc/apt.conf.d" \
	    "$REPO_APT/etc/preferences.d" "$REPO_APT/etc/trusted.gpg.d" \
	    "$REPO_APT/etc/auth.conf.d" \
	    "$REPO_APT/state/lists/partial" \
	    "$REPO_APT/cache/archives/partial" "$REPO_APT/log" \
	    "$REPO_APT/methods"
	: >"$REPO_APT/state/status"
	chown _apt:root "$REPO_APT/state/lists/partial" \
	    "$REPO_APT/cache/archives/partial"
	chmod 700 "$REPO_APT/state/lists/partial" \
	    "$REPO_APT/cache/archives/partial"
	for m in /usr/lib/apt/methods/*; do
		ln -sf "$m" "$REPO_APT/methods/"
	done
	for m in aptbt aptbt+http aptbt+https aptbt+ftp; do
		ln -sf "$bin" "$REPO_APT/methods/$m"
	done
	cat >"$REPO_APT/apt.conf" <<EOF
Dir::State "$REPO_APT/state";
Dir::State::status "$REPO_APT/state/status";
Dir::Cache "$REPO_APT/cache";
Dir::Log "$REPO_APT/log";
Dir::Etc::sourcelist "$REPO_APT/etc/sources.list";
Dir::Etc::sourceparts "$REPO_APT/etc/sources.list.d";
Dir::Etc::parts "$REPO_APT/etc/apt.conf.d";
Dir::Etc::main "$REPO_APT/etc/apt.conf.main";
Dir::Etc::preferences "$REPO_APT/etc/preferences";
Dir::Etc::preferencesparts "$REPO_APT/etc/preferences.d";
Dir::Etc::trusted "$REPO_APT/etc/trusted.gpg";
Dir::Etc::trustedparts "$REPO_APT/etc/trusted.gpg.d";
Dir::Etc::netrc "$REPO_APT/etc/auth.conf";
Dir::Etc::netrcparts "$REPO_APT/etc/auth.conf.d";
Dir::Bin::Methods "$REPO_APT/methods";
Acquire::Languages "none";
Acquire::aptbt::Socket "$REPO_T/no-daemon.sock";
APT::Sandbox::User "_apt";
EOF
	echo "deb [signed-by=$REPO_T/archive-key.gpg] $scheme://$REPO_HOST/debian $REPO_SUITE $REPO_COMP" \
	    >"$REPO_APT/etc/sources.list"
	APT_CONFIG=$REPO_APT/apt.conf
	export APT_CONFIG
}

apt_run()
{
	APT_CONFIG=$REPO_APT/apt.conf "$@"
}

# The names of all packages in the repository.
repo_packages()
{
	ls "$REPO_ROOT/pool/$REPO_COMP" | sed -n 's/_.*\.deb$//p'
}

# Sum of $bytes_sent over access-log lines whose request matches PATTERN.
repo_bytes_served()
{
	awk -v pat="$1" '$2 ~ pat { n += $NF } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}

# repo_keep_logs PATH...: after a failed test (fails > 0) or with KEEP_TMP
# set, copy PATH... and nginx's access log into $REPO_T/logs and keep
# $REPO_T; say where.
repo_keep_logs()
{
	if [ "${fails:-0}" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		return 0
	fi
	[ -n "${REPO_T:-}" ] || return 0
	mkdir -p "$REPO_T/logs"
	cp -r "$@" "$REPO_T/logs/" 2>/dev/null
	[ -n "${REPO_NGINX:-}" ] &&
		cp "$REPO_NGINX/access.log" "$REPO_T/logs/nginx-access.log" \
		    2>/dev/null
	rm -f "$REPO_T"/logs/*/control.sock
	echo "logs kept in $REPO_T/logs" >&2
	KEEP_TMP=1
}

repo_cleanup()
{
	if [ -n "${REPO_NGINX:-}" ] && [ -s "$REPO_NGINX/nginx.pid" ]; then
		kill "$(cat "$REPO_NGINX/nginx.pid")" 2>/dev/null
		local i=0
		while [ -s "$REPO_NGINX/nginx.pid" ] && [ "$i" -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	if [ -n "${REPO_GNUPG:-}" ] && [ -d "$REPO_GNUPG" ]; then
		GNUPGHOME=$REPO_GNUPG gpgconf --kill all 2>/dev/null
	fi
	if [ -n "${REPO_T:-}" ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$REPO_T"
	fi
}
