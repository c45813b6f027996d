#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy-debootstrap.sh - debootstrap --variant=minbase through aptbtd's
# proxy front end, with nothing but http_proxy set.
#
# The test repository holds a tiny base system built with dpkg-deb: the
# packages debootstrap's minbase names (base-files, base-passwd, libc6,
# dash, coreutils, dpkg, perl-base, mawk: Priority: required, most
# Essential: yes; apt: Priority: important), plus one optional package
# minbase must not take.  They are fakes, but ones that work: dpkg, its
# backends, tar, dash, rm, ldconfig and the shared libraries they need
# are copied from this machine, so debootstrap's second stage really
# runs dpkg in the chroot to install and configure them (the chroot has
# no mount(8): debootstrap's attempt to mount /proc there fails with a
# warning it tolerates).  Namespaces:
# "mirror" (192.0.2.1, nginx), "proxy" (192.0.2.2, aptbtd with
# proxy_listen), "c1" (192.0.2.3, debootstrap with
# http_proxy=http://192.0.2.2:3142/ and a private mount namespace).
#
# Asserts:
#   - debootstrap --variant=minbase (debootstrap's own sid script, the
#     test key as --keyring) exits 0 with "Base system installed
#     successfully"; its required and base lists are the eight packages
#     and apt
#   - the target's dpkg database has all nine "install ok installed";
#     every file of every package is in the target; the .deb files kept
#     in var/cache/apt/archives match the signed SHA-256 of Packages;
#     the optional package is neither fetched nor installed
#   - nginx saw every .deb and the suite's InRelease requested by
#     aptbtd's host and nothing at all by c1; aptbtd verified the suite
#     and counted the proxy requests
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, debootstrap)"
need_cmd debootstrap wget gpgv apt-ftparchive dpkg-deb gpg nginx curl ldd unshare \
    sha256sum ip
SCRIPT=/usr/share/debootstrap/scripts/sid
[ -r "$SCRIPT" ] || skip "no debootstrap script $SCRIPT"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"

# shellcheck source=tests/integration/lib-proxy.sh
. "$top_srcdir/tests/integration/lib-proxy.sh"
proxy_hosts

# fake_deb NAME PRIORITY ESSENTIAL ITEM...: a package whose control says
# PRIORITY (and Essential: yes if ESSENTIAL is yes) shipping each ITEM,
# a path under the root: "PATH/" an empty directory, "PATH@TARGET" a
# symbolic link, "PATH=HOSTFILE" a copy of this machine's HOSTFILE,
# "PATH" a comment line naming the package.
fake_deb()
{
	local name=$1 prio=$2 ess=$3 d f
	shift 3
	d=$REPO_T/build/$name
	mkdir -p "$d/DEBIAN"
	{
		echo "Package: $name"
		echo "Version: 1.0"
		echo "Architecture: amd64"
		echo "Maintainer: aptbt tests <aptbt@localhost>"
		echo "Priority: $prio"
		[ "$ess" = yes ] && echo "Essential: yes"
		echo "Description: fake $name for a debootstrap test"
	} >"$d/DEBIAN/control"
	for f in "$@"; do
		case $f in
		*/) mkdir -p "$d/$f" ;;
		*@*)
			mkdir -p "$d/$(dirname "${f%%@*}")"
			ln -s "${f#*@}" "$d/${f%%@*}"
			;;
		*=*)
			mkdir -p "$d/$(dirname "${f%%=*}")"
			cp -L "${f#*=}" "$d/${f%%=*}" ||
				fail "cannot copy ${f#*=} into $name"
			;;
		*)
			mkdir -p "$d/$(dirname "$f")"
			echo "# fake $name: $f" >"$d/$f"
			;;
		esac
	done
	# Some size, so a download is more than a header.
	mkdir -p "$d/usr/share/doc/$name"
	head -c 100000 /dev/urandom >"$d/usr/share/doc/$name/blob"
	dpkg-deb -Zxz --root-owner-group --build "$d" \
	    "$REPO_ROOT/pool/$REPO_COMP/${name}_1.0_amd64.deb" >/dev/null ||
		fail "dpkg-deb failed for $name"
	rm -rf "$d"
}

repo_init
repo_gpg --passphrase '' --quick-gen-key 'aptbt test <aptbt@localhost>' \
    ed25519 sign never || fail "gpg key generation failed"
repo_gpg --export >"$REPO_T/archive-key.gpg" || fail "gpg --export failed"
chmod 644 "$REPO_T/archive-key.gpg"
# What dpkg needs to run in the chroot, from this machine.
BINS="/usr/bin/dpkg /usr/bin/dpkg-deb /usr/bin/dpkg-split /usr/bin/tar
    /usr/bin/dash /usr/bin/rm /usr/bin/true /usr/bin/env /usr/bin/diff
    /usr/sbin/start-stop-daemon"
LDSO=/lib64/ld-linux-x86-64.so.2
for f in $BINS /usr/sbin/ldconfig $LDSO; do
	[ -e "$f" ] || skip "no $f to build the fake base system from"
done
# shellcheck disable=SC2086	# one word a file
LIBS=$(ldd $BINS | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
[ -n "$LIBS" ] || skip "ldd finds no shared libraries"
libitems=
for f in $LIBS; do
	libitems="$libitems usr/lib/x86_64-linux-gnu/$(basename "$f")=$f"
done
fake_deb base-files required yes etc/debian_version usr/lib/os-release \
    bin@usr/bin sbin@usr/sbin lib@usr/lib lib64@usr/lib64 \
    dev/ proc/ sys/ tmp/ var/lib/ var/log/ etc/dpkg/
fake_deb base-passwd required yes etc/passwd etc/group
# shellcheck disable=SC2086	# one word an item
fake_deb libc6 required no $libitems \
    usr/lib64/ld-linux-x86-64.so.2=$LDSO usr/sbin/ldconfig=/usr/sbin/ldconfig
fake_deb dash required yes usr/bin/dash=/usr/bin/dash usr/bin/sh@dash
fake_deb coreutils required yes usr/bin/rm=/usr/bin/rm \
    usr/bin/true=/usr/bin/true usr/bin/env=/usr/bin/env \
    usr/bin/tar=/usr/bin/tar usr/bin/diff=/usr/bin/diff
fake_deb dpkg required yes usr/bin/dpkg=/usr/bin/dpkg \
    usr/bin/dpkg-deb=/usr/bin/dpkg-deb usr/bin/dpkg-split=/usr/bin/dpkg-split \
    usr/sbin/start-stop-daemon=/usr/sbin/start-stop-daemon \
    etc/dpkg/dpkg.cfg
fake_deb perl-base required yes usr/share/perl-base/fake
fake_deb mawk required no usr/share/mawk/fake
fake_deb apt important no usr/bin/apt-get etc/apt/apt.conf.d/00fake
fake_deb unrelated optional no usr/share/unrelated/data
repo_sign
REQUIRED="base-files base-passwd coreutils dash dpkg libc6 mawk perl-base"
WANT="$REQUIRED apt"
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
n=$(grep -c '^Priority: required' "$PACKAGES")
[ "$n" -eq 8 ] || fail "Packages has $n required packages, want 8"

repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS" mirror proxy

conf=$(write_conf "$T/p" "proxy_listen = $PROXY:3142" \
    "proxy_allow = $(ns_ip c1)" \
    "proxy_keyrings = $REPO_T/archive-key.gpg" "log_level = debug" \
    "share = $PROXY/32")
# shellcheck disable=SC2086
ns_bg proxy "$T/aptbtd.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
DAEMON_PID=$NS_BG_PID
wait_for_socket "$T/p/control.sock" || fail "daemon: aptbtd did not start"
wait_for_file_line "$T/aptbtd.log" "apt proxy listening" 10 ||
	fail "daemon: no proxy listener"

ngx_count()	# HOST RE
{
	awk -v a="$(ns_ip "$1")" -v re="$2" '$1 == a && $5 ~ re { n++ }
	    END { print n + 0 }' "$REPO_NGINX/access.log"
}

# --- debootstrap through the proxy -------------------------------------------
# A mount namespace of its own: what the second stage mounts in the
# chroot goes with it.
TARGET=$T/target
start=$(date +%s)
ns_exec c1 timeout 120 env http_proxy="http://$PROXY:3142/" \
    no_proxy= TMPDIR="$T" unshare -m --propagation private \
    debootstrap --variant=minbase --keep-debootstrap-dir \
    --arch=amd64 --keyring="$REPO_T/archive-key.gpg" \
    "$REPO_SUITE" "$TARGET" "http://$MIRROR/debian" "$SCRIPT" \
    >"$T/debootstrap.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
cp "$TARGET/debootstrap/debootstrap.log" "$T/debootstrap-target.log" 2>/dev/null
[ "$rc" -eq 0 ] &&
	grep -q "^I: Base system installed successfully" "$T/debootstrap.log" &&
	ok "debootstrap --variant=minbase through the proxy ($secs s)" ||
	bad "debootstrap exited $rc: $(grep -E '^(E|W):' "$T/debootstrap.log" | head -3)"

req=$(tr ' ' '\n' <"$TARGET/debootstrap/required" | grep . | sort | xargs)
base=$(tr ' ' '\n' <"$TARGET/debootstrap/base" | grep . | sort | xargs)
[ "$req" = "$REQUIRED" ] && [ "$base" = apt ] &&
	ok "debootstrap chose required '$req', base '$base'" ||
	bad "debootstrap chose required '$req', base '$base'"
nwant=$(echo "$WANT" | wc -w)
inst=$(awk '/^Package: / { p = $2 }
    /^Status: install ok installed$/ { print p }' \
    "$TARGET/var/lib/dpkg/status" | sort -u | xargs)
[ "$inst" = "$(echo "$WANT" | tr ' ' '\n' | sort | xargs)" ] &&
	ok "target: dpkg has all $nwant installed: $inst" ||
	bad "target: dpkg has installed '$inst', want '$WANT'"
unpacked=0
for p in $WANT; do
	missing=$(dpkg-deb -c "$POOL/${p}_1.0_amd64.deb" |
	    awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' |
	    while read -r f; do
		[ -e "$TARGET/$f" ] || [ -L "$TARGET/$f" ] || echo "$f"
	    done)
	[ -z "$missing" ] && unpacked=$((unpacked + 1)) ||
		echo "  $p: not in the target: $missing" >&2
done
[ "$unpacked" -eq "$nwant" ] && [ -c "$TARGET/dev/null" ] &&
	grep -q "fake apt: usr/bin/apt-get" "$TARGET/usr/bin/apt-get" &&
	ok "target: every file of the $unpacked packages, /dev/null made" ||
	bad "target: $unpacked of $nwant packages' files all there"
kept=0
for p in $WANT; do
	got=$(sha256sum "$TARGET"/var/cache/apt/archives/"${p}"_*.deb \
	    2>/dev/null | cut -d' ' -f1)
	[ -n "$got" ] && [ "$got" = "$(packages_sha "$p")" ] &&
		kept=$((kept + 1)) ||
		echo "  $p: archive hash '${got:-no file}'" >&2
done
[ "$kept" -eq "$nwant" ] &&
	ok "target: $kept downloaded .deb with their signed SHA-256" ||
	bad "target: $kept of $nwant .deb with the signed SHA-256"
[ ! -e "$TARGET/usr/share/unrelated" ] &&
	! ls "$TARGET"/var/cache/apt/archives/unrelated_* >/dev/null 2>&1 &&
	ok "target: the optional package is not part of minbase" ||
	bad "target: the optional package was fetched or installed"

# --- what nginx saw -----------------------------------------------------------
d=$(ngx_count proxy '\.deb$')
r=$(ngx_count proxy "dists/$REPO_SUITE/(In)?Release$")
c=$(ngx_count c1 '.')
[ "$d" -eq "$nwant" ] && [ "$r" -ge 1 ] && [ "$c" -eq 0 ] &&
	ok "nginx: $d .deb and $r Release requests from aptbtd's host, $c from c1" ||
	bad "nginx: $d .deb (want $nwant), $r Release (want >= 1) from aptbtd's host, $c from c1 (want 0)"
grep -q "dists/$REPO_SUITE: InRelease verified" "$T/aptbtd.log" &&
	ok "daemon: the suite's InRelease verified with gpgv" ||
	bad "daemon: InRelease not verified"
req=$("$APTBT_CTL" -s "$T/p/control.sock" --json status | "$PY" -c '
import json, sys; print(json.load(sys.stdin).get("proxy_requests", -1))')
[ "$req" -ge $((nwant + 2)) ] &&
	ok "status: $req proxy requests" ||
	bad "daemon: status counts $req proxy requests, want >= $((nwant + 2))"

alive "$DAEMON_PID" || bad "daemon: aptbtd died"
stop_wait "$DAEMON_PID"
[ "$STOP_RC" -eq 0 ] || bad "daemon: aptbtd exited with $STOP_RC"
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T"/aptbtd*.log &&
	bad "daemon: sanitizer report"
[ "$fails" -eq 0 ] || fail "$fails checks failed"
echo "proxy-debootstrap.sh: all checks passed"
