# SPDX-License-Identifier: ISC
# lib-proxy.sh - what proxy.sh, proxy-srv.sh, proxy-trust.sh and
# proxy-debootstrap.sh share (sourced after lib.sh, lib-repo.sh and
# lib-netns.sh, once the test knows it can run):
#
#   proxy_hosts [NAME N]...  namespaces mirror (.1), proxy (.2), c1 (.3)
#                            and each NAME at 192.0.2.N; sets MIRROR and
#                            PROXY; on exit keeps the logs and cleans up
#   ngx_lines                how many lines nginx has logged so far
#   packages_sha PACKAGE     PACKAGE's SHA-256 in $PACKAGES
#   archives_ok HOST         does HOST's apt cache hold every package of
#                            $ALL (from $POOL) with its signed SHA-256?
#                            returns how many do not
#   apt_in HOST CMD...       CMD in HOST with HOST's apt configuration,
#                            under $APT_TIMEOUT
#
# ok and bad report; "$fails" counts the bad checks.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
# shellcheck disable=SC2034	# MIRROR and PROXY are for the tests

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

proxy_at_exit()
{
	repo_keep_logs "$T"/*.log "$T"/p
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

proxy_hosts()	# [NAME N]...
{
	ns_init
	trap proxy_at_exit EXIT
	ns_host mirror 1
	ns_host proxy 2
	ns_host c1 3
	while [ $# -ge 2 ]; do
		ns_host "$1" "$2"
		shift 2
	done
	MIRROR=$(ns_ip mirror)
	PROXY=$(ns_ip proxy)
}

ngx_lines() { wc -l <"$REPO_NGINX/access.log"; }
packages_sha()
{
	awk -v p="$1" '/^Package: / { cur = $2 }
	    /^SHA256: / && cur == p { print $2 }' "$PACKAGES"
}
archives_ok()	# HOST
{
	local p f want got n=0
	for p in $ALL; do
		f=$REPO_T/apt-$1/cache/archives/$(basename "$(ls "$POOL/$p"_*.deb)")
		want=$(packages_sha "$p")
		got=$(sha256sum "$f" 2>/dev/null | cut -d' ' -f1)
		[ -n "$want" ] && [ "$got" = "$want" ] || {
			echo "  $1: $p: got '${got:-no file}', want $want" >&2
			n=$((n + 1))
		}
	done
	return $n
}
apt_in()	# HOST CMD...
{
	local h=$1
	shift
	ns_exec "$h" timeout "$APT_TIMEOUT" env \
	    APT_CONFIG="$REPO_T/apt-$h/apt.conf" "$@"
}
