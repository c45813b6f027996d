#!/bin/sh
# SPDX-License-Identifier: ISC
# deb-install.sh - the Debian package on a fresh Debian 12 system: build
# it, install it in a new minbase chroot, fetch a package through it, purge
# it.
#
# Usage: tests/package/deb-install.sh [DEB]   (as root, from anywhere)
#
# Without DEB, the package is built with dpkg-buildpackage from a copy of
# the source tree (the tree itself is left as it is) and checked by lintian,
# whose errors fail the test.  The chroot is made
# by debootstrap from the mirror of this machine's apt sources (the one
# scripts/quickstart's demo uses); that mirror also serves the package's
# dependencies and, through the aptbt+ method and aptbtd, the hello package.
#
# The system runs in one of two ways:
#
#  - systemd: when systemd-nspawn is installed (.ci/run installs it), the
#    root is booted with systemd as its PID 1 in a container that shares
#    the host's network.  The package's postinst must have created the
#    user and enabled and started aptbtd.socket and aptbtd.service; the
#    prerm must stop them on purge.
#  - chroot: otherwise (or with DEB_INSTALL_MODE=chroot), a plain chroot in its own mount and PID namespaces.
#    No systemd runs there, so the postinst only enables the units: the
#    test checks they are enabled, then starts the daemon by the service's
#    ExecStart= line as root (aptbtd creates its directories and drops to
#    the aptbt user itself, aptbtd(8), where systemd would do both from
#    User= and StateDirectory=), and stops it with SIGTERM before the purge,
#    as the prerm's systemctl stop would.
#
# Asserts: the aptbt user and group exist; the units are enabled (and
# active under systemd); /etc/aptbt/aptbtd.conf is a conffile; aptbtd runs
# as aptbt; hello is installed through aptbt+ with the SHA-256 of the
# signed Packages index, and the same bytes are in aptbtd's cache and
# listed by aptbt-ctl files; purge stops the daemon and removes
# /var/lib/aptbtd, /var/cache/aptbtd, the enablement links, the user and
# the group.  Everything inside ends with the test, or after 15 minutes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "deb-install.sh: run as root" >&2; exit 1; }
for cmd in debootstrap unshare chroot dpkg-buildpackage lintian; do
	command -v "$cmd" >/dev/null 2>&1 ||
	    { echo "deb-install.sh: $cmd is missing" >&2; exit 1; }
done

mode=${DEB_INSTALL_MODE:-}
if [ -z "$mode" ]; then
	if command -v systemd-nspawn >/dev/null 2>&1; then
		mode=systemd
	else
		mode=chroot
	fi
fi
W=$(mktemp -d /var/tmp/aptbt-deb.XXXXXX)
nspawn=
init=
# Stop the container, if one runs (also on exit).
cleanup_container()
{
	if [ -n "$nspawn" ]; then
		# SIGTERM asks the container to power off; the kill of its
		# PID 1 ends whatever is left of its PID namespace.
		kill "$nspawn" 2>/dev/null || true
		n=0
		while kill -0 "$nspawn" 2>/dev/null && [ "$n" -lt 60 ]; do
			sleep 0.5
			n=$((n + 1))
		done
		[ -z "$init" ] || kill -KILL "$init" 2>/dev/null || true
		kill -KILL "$nspawn" 2>/dev/null || true
		wait "$nspawn" 2>/dev/null || true
	fi
	nspawn=
	init=
}
# Called by the EXIT trap.
# shellcheck disable=SC2317
cleanup()
{
	cleanup_container
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
t0=$(date +%s)
step()
{
	echo "== deb-install: $* (+$(($(date +%s) - t0)) s)"
}

deb=${1:-}
if [ -z "$deb" ]; then
	step "building the package"
	mkdir "$W/build" "$W/build/aptbt"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		# Sources only: a configured or built tree stays out.
		(cd "$src" && git ls-files -co --exclude-standard) |
		    (cd "$src" && tar -cf - -T -) | tar -xf - -C "$W/build/aptbt"
	else
		cp -a "$src/." "$W/build/aptbt"
	fi
	(cd "$W/build/aptbt" && dpkg-buildpackage -us -uc -b) \
	    > "$W/build.log" 2>&1 || { tail -n 50 "$W/build.log"; exit 1; }
	deb=$(ls "$W"/build/aptbt_*_*.deb)
	# Errors fail the test; warnings and notes are shown.
	lintian --fail-on error --pedantic -I "$W"/build/aptbt_*_*.changes
fi
echo "package: $deb"

mirror=$(sh "$src/scripts/quickstart" mirror)
step "debootstrap --variant=minbase bookworm from $mirror ($mode)"
root=$W/root
include=
[ "$mode" = chroot ] || include=--include=systemd-sysv,dbus
# $include is one word or none.
# shellcheck disable=SC2086
debootstrap --variant=minbase $include bookworm "$root" "$mirror" \
    > "$W/debootstrap.log" 2>&1 || { tail -n 30 "$W/debootstrap.log"; exit 1; }
cp "$deb" "$root/root/aptbt.deb"

# What runs inside the chroot, as its PID 1.
cat > "$root/root/inside.sh" <<'EOF'
#!/bin/sh
set -u
fails=0
checks=0
fail()
{
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
check()
{
	checks=$((checks + 1))
}
export DEBIAN_FRONTEND=noninteractive
apt_get()
{
	apt-get -q -o Dpkg::Use-Pty=0 "$@"
}

echo "== inside: apt-get install ./aptbt.deb"
apt_get update >/dev/null
apt_get install -y /root/aptbt.deb > /root/install.log 2>&1 ||
    { tail -n 30 /root/install.log; echo "FAIL: install"; exit 1; }

check
getent passwd aptbt >/dev/null || fail "no user aptbt after install"
check
getent group aptbt >/dev/null || fail "no group aptbt after install"
for link in /etc/systemd/system/multi-user.target.wants/aptbtd.service \
    /etc/systemd/system/sockets.target.wants/aptbtd.socket; do
	check
	[ -L "$link" ] || fail "$link missing: the unit is not enabled"
done
check
dpkg-query -W -f='${Conffiles}\n' aptbt | grep -q '^ /etc/aptbt/aptbtd.conf ' ||
    fail "/etc/aptbt/aptbtd.conf is not a conffile"

if [ -d /run/systemd/system ]; then
	echo "== inside: systemd is PID 1: the postinst started aptbtd"
	for unit in aptbtd.socket aptbtd.service; do
		check
		systemctl is-active --quiet "$unit" ||
		    fail "$unit is $(systemctl is-active "$unit") after install"
	done
	pid=$(systemctl show -p MainPID --value aptbtd.service)
	systemctl status --no-pager aptbtd.service | head -n 3
else
	echo "== inside: no systemd: aptbtd started by the unit's ExecStart= line"
	exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/aptbtd.service)
	echo "ExecStart=$exec_start"
	# Word splitting of the unit's command line is wanted here.
	# shellcheck disable=SC2086
	$exec_start > /root/aptbtd.log 2>&1 &
	pid=$!
fi
n=0
until [ -S /run/aptbtd/control.sock ] || [ "$n" -ge 100 ]; do
	sleep 0.2
	n=$((n + 1))
done
check
if [ -S /run/aptbtd/control.sock ] && [ "${pid:-0}" -gt 0 ] &&
    kill -0 "$pid" 2>/dev/null; then
	# The daemon binds the socket as root, then drops to aptbt.
	n=0
	while uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") &&
	    [ "$uid" != "$(id -u aptbt)" ] && [ "$n" -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	check
	[ "$uid" = "$(id -u aptbt)" ] ||
	    fail "aptbtd runs as uid $uid, not aptbt's $(id -u aptbt)"
else
	cat /root/aptbtd.log 2>/dev/null
	fail "aptbtd (pid ${pid:-none}) is not running with its control socket"
fi

echo "== inside: apt-get install hello through aptbt+"
sed -i 's|^deb \([a-z]*\)://|deb aptbt+\1://|' /etc/apt/sources.list
cat /etc/apt/sources.list
apt_get update > /root/update.log 2>&1 || { cat /root/update.log; fail "apt-get update"; }
apt_get install -y hello > /root/hello.log 2>&1 || { cat /root/hello.log; fail "apt-get install hello"; }
check
grep '^Get:.*aptbt+' /root/hello.log || fail "apt did not fetch hello by aptbt+"
check
[ "$(hello 2>&1)" = "Hello, world!" ] || fail "hello does not greet"
want=$(apt-cache show --no-all-versions hello | sed -n 's/^SHA256: //p')
check
[ "${#want}" -eq 64 ] || fail "no SHA256 for hello in the Packages index: '$want'"
deb=$(ls /var/cache/apt/archives/hello_*.deb)
got=$(sha256sum "$deb" | cut -d' ' -f1)
echo "Packages: $want"
echo "$deb: $got"
check
[ "$got" = "$want" ] || fail "apt's hello has SHA-256 $got, the index says $want"
cached=/var/cache/aptbtd/sha256/$(echo "$want" | cut -c1-2)/$want
check
[ "$(sha256sum "$cached" 2>/dev/null | cut -d' ' -f1)" = "$want" ] ||
    fail "$cached is missing from aptbtd's cache or differs"
aptbt-ctl files
aptbt-ctl status
# apt may have its copy a moment before aptbtd marks the file cached.
n=0
until aptbt-ctl files | grep -q "^$(echo "$want" | cut -c1-12) *cached " ||
    [ "$n" -ge 50 ]; do
	sleep 0.2
	n=$((n + 1))
done
check
aptbt-ctl files | grep -q "^$(echo "$want" | cut -c1-12) *cached " ||
    fail "aptbt-ctl files does not list hello as cached"

echo "== inside: apt-get purge aptbt"
if [ ! -d /run/systemd/system ]; then
	kill "$pid"
	wait "$pid"
	rc=$?
	check
	[ "$rc" -eq 0 ] || fail "aptbtd exited with status $rc on SIGTERM"
fi
apt_get purge -y aptbt > /root/purge.log 2>&1 || { cat /root/purge.log; fail "purge"; }
check
kill -0 "$pid" 2>/dev/null && fail "aptbtd (pid $pid) still runs after purge"
if [ -d /run/systemd/system ]; then
	for unit in aptbtd.socket aptbtd.service; do
		check
		systemctl is-active --quiet "$unit" && fail "$unit is active after purge"
	done
fi
for path in /var/lib/aptbtd /var/cache/aptbtd /etc/aptbt \
    /etc/systemd/system/multi-user.target.wants/aptbtd.service \
    /etc/systemd/system/sockets.target.wants/aptbtd.socket; do
	check
	if [ -e "$path" ] || [ -L "$path" ]; then
		fail "$path is left after purge"
	fi
done
check
getent passwd aptbt >/dev/null && fail "user aptbt is left after purge"
check
getent group aptbt >/dev/null && fail "group aptbt is left after purge"
check
dpkg-query -W -f='${db:Status-Status}' aptbt 2>/dev/null | grep -q installed &&
    fail "dpkg still knows aptbt as installed"

echo "inside: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
EOF

# boot_container: systemd-nspawn boots the fresh system; 1 if it cannot
# here (no cgroup delegation, say), with its log shown.
boot_container()
{
	# --register=no and --keep-unit: no systemd on the host to ask.
	systemd-nspawn -q -D "$root" -b --register=no --keep-unit \
	    -M "aptbt-deb-$$" > "$W/nspawn.log" 2>&1 &
	nspawn=$!
	# The container's PID 1 is systemd-nspawn's child.
	n=0
	until init=$(ps --ppid "$nspawn" -o pid= | tr -d ' ') && [ -n "$init" ]; do
		n=$((n + 1))
		if [ "$n" -gt 100 ] || ! kill -0 "$nspawn" 2>/dev/null; then
			tail -n 30 "$W/nspawn.log"
			echo "the container did not start" >&2
			return 1
		fi
		sleep 0.2
	done
	# Booted: "running", or "degraded" when a unit that needs more
	# than a container has failed.
	n=0
	while :; do
		state=$(in_ct systemctl is-system-running 2>/dev/null) || true
		case $state in running | degraded) return 0 ;; esac
		n=$((n + 1))
		if [ "$n" -gt 120 ]; then
			tail -n 30 "$W/nspawn.log"
			echo "the container's systemd is '$state' after 60 s" >&2
			return 1
		fi
		sleep 0.5
	done
}
in_ct()
{
	nsenter -t "$init" -m -p -u -i -r -w "$@"
}
if [ "$mode" = systemd ] && ! boot_container; then
	# A machine that cannot boot a container still checks the package,
	# without systemd as PID 1: say so rather than fail.
	echo "warning: systemd-nspawn cannot boot a container here; checking in chroot mode" >&2
	cleanup_container
	mode=chroot
fi
step "installing, using and purging the package ($mode)"
rc=0
if [ "$mode" = systemd ]; then
	echo "container's systemd: $state"
	timeout 900 nsenter -t "$init" -m -p -u -i -r -w \
	    /bin/sh /root/inside.sh || rc=$?
else
	# / of the chroot is a mount point, as ip netns and some tools
	# require.  $1 is expanded by the inner shell.
	# shellcheck disable=SC2016
	timeout 900 unshare --mount --pid --fork --kill-child \
	    --propagation private sh -c '
		mount --bind "$1" "$1" &&
		mount -t proc proc "$1/proc" &&
		mount -t sysfs sysfs "$1/sys" &&
		mount -t tmpfs tmpfs "$1/run" &&
		exec chroot "$1" /bin/sh /root/inside.sh' sh "$root" || rc=$?
fi
step "done, exit status $rc"
exit "$rc"
