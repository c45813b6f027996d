#!/bin/sh
# SPDX-License-Identifier: ISC
# trust.sh - blame only with proof, budgets for a peer's wants, private
# files stay private (doc/threat-model.md, "Trust, budgets and local
# users").
#
# Network namespaces: "mirror" (192.0.2.1) serves a signed repository with
# nginx; "s" (.2) and "d" (.3) run aptbtd; "evil" (.4) runs evil-peer.py.
# One case per attack, each with fresh daemons:
#
#   poison   evil (mode poison) claims every file but serves none.  s
#            fetches the two 4 MiB packages, then evil attaches to s's
#            seeds, pushes false piece hashes and asks for s's: s must
#            answer its own (every hash true: 17 of 17).  d, with evil as its peer,
#            starts both packages (evil pushes false hints at once; the
#            mirror is slowed to 8 Mbit/s), then s is added: s's honest
#            pieces fail evil's hints, the mirror's copy settles each
#            dispute against evil.  Checked: both files arrive with their
#            SHA-256; evil reaches the ban threshold (>= 100 points) at d
#            and is dropped; s is never penalised (0 penalty lines) and
#            stays connected.
#
#   wants    d uses the mirror ("mirrors"), with peer_want_files = 3 and
#            peer_want_bytes = 12M, and holds aptbt-small1 already.  evil
#            (mode want-fake) sends, at once: made-up SHA-256s at the true
#            sizes for large1, large2 and small2 (3 files, about 8.4 MB:
#            within budget), then large1 again (over the bytes), small1
#            with a made-up hash (over the files), small2 with a size of
#            100 MB (over the bytes), and small1 with its true hash
#            (cached).  Checked with
#            nginx's access log: the bytes sent to d stay within 12 MiB,
#            no URL costs more than its file's size (no retry after the
#            mismatch), small1 is not fetched (d answers "have" from its
#            cache); d logs 3 refused wants and 3 mismatch penalties, which
#            ban evil (105 points).
#
#   private  d imports a folder: "secret" (0600), "listed" (0644, its
#            SHA-256 in a Packages file of the lists folder given) and
#            "unlisted" (0644, in no index).  Checked: the cache keeps
#            secret at 0600 and unlisted at 0640 (private), listed at 0644;
#            evil (mode leech) asks d for each by hash with 1-byte requests
#            and gets 0 bytes of the private two (their attach is refused)
#            but the bytes of listed; d's have-index lists listed only;
#            all of it again after a restart of d.  Then apt on d fetches
#            aptbt-small2 from a source needing credentials (nginx basic
#            auth on /private, auth.conf given to the method) and
#            aptbt-small1 from the public one through d: small1 is in d's
#            cache and index, small2 is in neither; an import of apt's
#            archives (with its lists and auth.conf) keeps small2 private.
#
# TRUST_CASES="poison ..." runs a subset.
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
# shellcheck disable=SC2154	# PID_NAME is set by start_daemon (eval)
# shellcheck disable=SC2034	# REPO_HOST is read by lib-repo.sh
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip tc
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
EVIL=$top_srcdir/tests/integration/evil-peer.py
FETCH=$top_srcdir/tests/integration/fetchclient.py
CASES=${TRUST_CASES:-poison wants private}

chmod 755 "$T"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
show() { echo "--- $1:" >&2; tail -n "${2:-25}" "$1" >&2; }
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

at_exit()
{
	repo_keep_logs "$T"/case-*
	repo_cleanup
	ns_cleanup
	lib_cleanup
}

ns_init
trap at_exit EXIT
ns_host mirror 1
ns_host s 2
ns_host d 3
ns_host evil 4
MIRROR=$(ns_ip mirror)
S=$(ns_ip s)
D=$(ns_ip d)
EV=$(ns_ip evil)

repo_init
repo_build 2 2 4
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
# nginx takes a plain-text password with this prefix.
printf 'user:{PLAIN}secret\n' >"$REPO_NGINX/htpasswd"
chmod 644 "$REPO_NGINX/htpasswd"
# Fields: address, status, bytes, method, URI, user (private case).
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS \$remote_user" mirror s \
    "location /private/ { alias $REPO_WWW/debian/; auth_basic aptbt; auth_basic_user_file $REPO_NGINX/htpasswd; }"
REPO_HOST=$MIRROR
apt_tree_init aptbt+http

pkg_field()	# PKG FIELD
{
	awk -v p="$1" -v f="$2:" '/^Package: / { cur = $2 }
	    $1 == f && cur == p { print $2 }' "$PACKAGES"
}
pkg_url() { echo "http://$MIRROR/debian/$(pkg_field "$1" Filename)"; }
LARGE="aptbt-large1 aptbt-large2"

# start_daemon HOST NAME [CONF-LINE...]: aptbtd in HOST, files in $CASE/NAME.
start_daemon()
{
	local host=$1 name=$2 conf
	shift 2
	conf=$(write_conf "$CASE/$name" "log_level = debug" \
	    "listen_port = 6881" "share = 192.0.2.0/24" "lsd = no" "$@")
	# shellcheck disable=SC2086
	ns_bg "$host" "$CASE/$name.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
	eval "PID_$name=\$NS_BG_PID"
	wait_for_socket "$CASE/$name/control.sock" ||
		{ show "$CASE/$name.log"; fail "$name: no control socket"; }
}
ctl() { local host=$1 name=$2; shift 2; ns_exec "$host" "$APTBT_CTL" -s "$CASE/$name/control.sock" "$@"; }
# fetch HOST NAME PKG: fetch PKG through that daemon, as the method would.
fetch()
{
	ns_exec "$1" timeout 120 "$PY" "$FETCH" "$CASE/$2/control.sock" \
	    "$(pkg_url "$3")" "$CASE/$2-$3.deb" --sha256 "$(pkg_field "$3" SHA256)" \
	    --size "$(pkg_field "$3" Size)" >"$CASE/$2-fetch-$3.log" 2>&1
}
got_ok()	# NAME PKG: the copy fetched through NAME has the signed SHA-256
{
	[ "$(sha256sum <"$CASE/$1-$2.deb" 2>/dev/null | cut -d' ' -f1)" = \
	    "$(pkg_field "$2" SHA256)" ]
}
peer_addrs()	# HOST NAME
{
	ctl "$1" "$2" --json peers 2>/dev/null | $PY -c 'import json, sys
for p in json.load(sys.stdin).get("peers", []):
    print(p.get("address", "?"))'
}
lists() { peer_addrs "$1" "$2" | grep -qE "(^|[^0-9.])$(echo "$3" | sed 's/\./\\./g')([^0-9.]|\$)"; }
# The highest penalty total logged at daemon NAME for host ADDR.
penalty_of()
{
	awk -v h="host $2:" 'index($0, h) { sub(/.*\(penalty /, ""); sub(/\).*/, "");
	    if ($0 + 0 > m) m = $0 + 0 } END { print m + 0 }' "$CASE/$1.log"
}
sanitizers()
{
	local f
	for f in "$@"; do
		grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$f" &&
			bad "daemon: sanitizer report in $(basename "$f")"
	done
	return 0
}

# --- poison -------------------------------------------------------------------
case_poison()
{
	local p i n t f FPIDS
	ns_bg evil "$CASE/evil.log" $PY "$EVIL" serve poison 6881 "$POOL"/*.deb
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil.log" '^listening' 10 ||
		fail "poison: evil-peer.py did not start"

	# s fetches the large packages from the mirror alone, then meets evil.
	start_daemon s s
	for p in $LARGE; do
		fetch s s "$p" && got_ok s "$p" ||
			{ bad "poison: s could not fetch $p"; show "$CASE/s-fetch-$p.log"; }
	done
	ctl s s peers add "$EV:6881" >/dev/null || bad "poison: peers add on s failed"
	for p in $LARGE; do
		f=$(basename "$(pkg_field "$p" Filename)")
		if wait_for_file_line "$CASE/evil.log" "^seed-hashes $f " 30; then
			n=$(awk -v f="$f" '$1 == "seed-hashes" && $2 == f { print $6 "/" $8 "/" $10; exit }' "$CASE/evil.log")
			[ "${n%/*}" = "${n##*/}/0" ] &&
				ok "poison: after false hints, seed s still serves its own hashes of $p (true/false/pieces $n)" ||
				bad "daemon: poison: seed s serves hashes of $p it did not compute (true/false/pieces $n)"
		else
			bad "daemon: poison: s never answered evil's hash request for $p"
			show "$CASE/evil.log" 10
		fi
	done
	grep -q '^poison-hints seed' "$CASE/evil.log" ||
		bad "poison: evil never pushed false hints to s (the case proves nothing)"

	# d: evil first (it poisons d's hints), then s.
	ns_cap mirror 8mbit
	start_daemon d d "peers = $EV:6881"
	i=0
	until lists d d "$EV" || [ "$i" -ge 100 ]; do sleep 0.2; i=$((i + 1)); done
	FPIDS=
	for p in $LARGE; do
		fetch d d "$p" &
		FPIDS="$FPIDS $!"
	done
	t=0
	until [ "$(count "$CASE/evil.log" '^poison-hints downloader')" -ge 2 ] ||
	    [ "$t" -ge 100 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	n=$(count "$CASE/evil.log" '^poison-hints downloader')
	[ "$n" -ge 2 ] && ok "poison: evil pushed false hints for both files to d" ||
		bad "daemon: poison: d never attached to evil for both files ($n)"
	ctl d d peers add "$S:6881" >/dev/null || bad "poison: peers add on d failed"
	for p in $FPIDS; do
		wait "$p"
	done
	for p in $LARGE; do
		got_ok d "$p" && ok "poison: d got $p with its signed SHA-256" ||
			{ bad "poison: d did not get $p right"; show "$CASE/d-fetch-$p.log" 5; }
	done
	n=$(count "$CASE/d.log" "host $EV: sent a wrong piece hash")
	echo "poison: d settled $n dispute(s) against evil's hints; $(count "$CASE/d.log" 'failed its hash; fetching') piece(s) failed"
	n=$(penalty_of d "$EV")
	[ "$n" -ge 100 ] && ok "poison: evil reached $n penalty points at d (ban at 100)" ||
		bad "daemon: poison: evil has only $n penalty points at d"
	grep -q 'banned a peer' "$CASE/d.log" && ok "poison: d logged a ban" ||
		bad "daemon: poison: d banned nobody"
	n=$(count "$CASE/d.log" "host $S:")
	[ "$n" = 0 ] && ok "poison: the honest holder s was penalised $n times" ||
		{ bad "daemon: poison: the honest holder s was penalised $n times"; grep "host $S:" "$CASE/d.log" | head -5 >&2; }
	lists d d "$S" && ok "poison: d is still connected to s" ||
		bad "daemon: poison: d dropped the honest s"
	i=0
	while lists d d "$EV" && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	lists d d "$EV" && bad "daemon: poison: d still lists evil" ||
		ok "poison: d no longer lists evil"
	n=$(count "$CASE/s.log" "penalty")
	[ "$n" = 0 ] && ok "poison: s penalised nobody for hints it ignored" ||
		echo "poison: s logged $n penalty line(s)"
	sanitizers "$CASE/s.log" "$CASE/d.log"
	stop_wait "$PID_d"
	stop_wait "$PID_s"
	kill "$EVIL_PID" 2>/dev/null
	wait "$EVIL_PID" 2>/dev/null
	tc -n "${NS_PREFIX}mirror" qdisc del dev eth0 root 2>/dev/null
}

# --- wants -------------------------------------------------------------------
# Bytes nginx sent to ADDR after access-log line MARK [for URI].
ngx_mark() { wc -l <"$REPO_NGINX/access.log"; }
ngx_bytes()
{
	awk -v m="$1" -v a="$2" -v u="${3:-}" 'NR > m && $1 == a &&
	    (u == "" || $5 == u) { n += $3 } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}
case_wants()
{
	local mark n p u sz budget=$((12 * 1024 * 1024)) small1
	start_daemon d d "mirrors = http://$MIRROR/debian" \
	    "peer_want_files = 3" "peer_want_bytes = 12M"
	fetch d d aptbt-small1 && got_ok d aptbt-small1 ||
		bad "wants: d could not fetch aptbt-small1"
	small1=$(pkg_field aptbt-small1 SHA256)
	mark=$(ngx_mark)
	ns_bg evil "$CASE/evil.log" $PY "$EVIL" serve want-fake 6881 \
	    "$(pkg_field aptbt-large1 Size)@$(pkg_url aptbt-large1)" \
	    "$(pkg_field aptbt-large2 Size)@$(pkg_url aptbt-large2)" \
	    "$(pkg_field aptbt-small2 Size)@$(pkg_url aptbt-small2)" \
	    "$(pkg_field aptbt-large1 Size)@$(pkg_url aptbt-large1)" \
	    "$(pkg_field aptbt-small1 Size)@$(pkg_url aptbt-small1)" \
	    "104857600@$(pkg_url aptbt-small2)" \
	    "$POOL/$(basename "$(pkg_field aptbt-small1 Filename)")@$(pkg_url aptbt-small1)"
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil.log" '^listening' 10 ||
		fail "wants: evil-peer.py did not start"
	ctl d d peers add "$EV:6881" >/dev/null || bad "wants: peers add failed"
	wait_for_file_line "$CASE/evil.log" "^their-index .* have $small1" 30 &&
		ok "wants: the want for a cached file was answered from the cache (have)" ||
		bad "daemon: wants: d did not answer the want for its cached small1"
	# Until the three jobs have failed (or 60 s).
	n=0
	until [ "$(count "$CASE/d.log" 'wanted a file the mirror does not have')" -ge 3 ] ||
	    [ "$n" -ge 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 2
	n=$(ngx_bytes "$mark" "$D")
	[ "$n" -le $((budget + 8192)) ] &&
		ok "wants: the mirror sent d $n bytes for evil's wants (budget $budget)" ||
		bad "daemon: wants: the mirror sent d $n bytes (budget $budget)"
	[ "$n" -ge $((2 * 4 * 1024 * 1024)) ] ||
		bad "wants: only $n bytes: the accepted wants were not fetched (the case proves nothing)"
	for p in aptbt-large1 aptbt-large2 aptbt-small2; do
		u=/debian/$(pkg_field "$p" Filename)
		sz=$(pkg_field "$p" Size)
		n=$(ngx_bytes "$mark" "$D" "$u")
		[ "$n" -le $((sz + 2048)) ] &&
			ok "wants: $p cost the mirror $n bytes for its $sz (no retry)" ||
			bad "daemon: wants: $p cost the mirror $n bytes for its $sz: fetched twice"
	done
	n=$(ngx_bytes "$mark" "$D" "/debian/$(pkg_field aptbt-small1 Filename)")
	[ "$n" = 0 ] && ok "wants: the cached small1 cost the mirror 0 bytes" ||
		bad "daemon: wants: the cached small1 was fetched again ($n bytes)"
	n=$(count "$CASE/d.log" 'over its budget')
	[ "$n" = 3 ] && ok "wants: d refused $n wants over the budget" ||
		bad "daemon: wants: d refused $n wants over the budget (want 3)"
	n=$(count "$CASE/d.log" 'SHA-256 mismatch, fetching again')
	[ "$n" = 0 ] && ok "wants: no job for a peer was retried after its mismatch" ||
		bad "daemon: wants: $n retries after a mismatch"
	n=$(count "$CASE/d.log" "host $EV: wanted a file the mirror does not have")
	[ "$n" = 3 ] && ok "wants: evil was penalised for $n mismatched wants" ||
		bad "daemon: wants: $n mismatch penalties for evil (want 3)"
	[ "$(penalty_of d "$EV")" -ge 100 ] && grep -q 'banned a peer' "$CASE/d.log" &&
		ok "wants: evil was banned ($(penalty_of d "$EV") points)" ||
		bad "daemon: wants: evil was not banned ($(penalty_of d "$EV") points)"
	sanitizers "$CASE/d.log"
	stop_wait "$PID_d"
	kill "$EVIL_PID" 2>/dev/null
	wait "$EVIL_PID" 2>/dev/null
}

# --- private -------------------------------------------------------------------
mode_of() { stat -c %a "$CASE/d/cache/sha256/$(echo "$1" | cut -c1-2)/$1" 2>/dev/null || echo none; }
sha_of() { sha256sum <"$1" | cut -d' ' -f1; }
# "1" when d's cache listing (as root: admin) marks SHA private, "0" when
# it lists it as public, "-" when it does not list it.
listed_private()
{
	ctl d d --json cache | $PY -c 'import json, sys
for e in json.load(sys.stdin).get("entries", []):
    if e.get("sha256") == sys.argv[1]:
        print(e.get("private", 0)); break
else:
    print("-")' "$1"
}
leech_round()	# TAG: evil asks d for every file; counts in $CASE/evil-TAG.log
{
	local tag=$1 i
	ns_bg evil "$CASE/evil-$tag.log" $PY "$EVIL" serve leech 6881 \
	    "$IMP/secret" "$IMP/listed" "$IMP/unlisted"
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil-$tag.log" '^listening' 10 ||
		fail "private: evil-peer.py did not start"
	ctl d d peers add "$EV:6881" >/dev/null || bad "private: peers add failed"
	wait_for_file_line "$CASE/evil-$tag.log" '^leech-got listed' 30 ||
		bad "daemon: private ($tag): the public file was not served to evil (the case proves nothing)"
	# Several attach rounds (every 2 s) for the private ones.
	sleep 7
	for f in secret unlisted; do
		i=$(awk -v f="$f" '$1 == "leech-got" && $2 == f { n = $3 } END { print n + 0 }' "$CASE/evil-$tag.log")
		[ "$i" = 0 ] && ok "private ($tag): evil got $i bytes of $f ($(count "$CASE/evil-$tag.log" "^our-attach .* $f refused") refused attaches)" ||
			bad "daemon: private ($tag): evil read $i bytes of the private $f"
	done
	i=$(awk '$1 == "leech-got" && $2 == "listed" { n = $3 } END { print n + 0 }' "$CASE/evil-$tag.log")
	echo "private ($tag): evil got $i bytes of listed (public)"
	for f in secret unlisted; do
		grep -q "^their-index .* $(sha_of "$IMP/$f")" "$CASE/evil-$tag.log" &&
			bad "daemon: private ($tag): d announced $f" ||
			ok "private ($tag): d's index does not name $f"
	done
	grep -q "^their-index .* have $(sha_of "$IMP/listed")" "$CASE/evil-$tag.log" &&
		ok "private ($tag): d's index names listed" ||
		bad "daemon: private ($tag): d's index does not name the public listed"
	kill "$EVIL_PID" 2>/dev/null
	wait "$EVIL_PID" 2>/dev/null
}
case_private()
{
	local f m n s2 s1 want
	IMP=$CASE/import
	mkdir -p "$IMP" "$CASE/lists"
	head -c 200000 /dev/urandom >"$IMP/secret"
	head -c 150000 /dev/urandom >"$IMP/listed"
	head -c 100000 /dev/urandom >"$IMP/unlisted"
	chmod 600 "$IMP/secret"
	chmod 644 "$IMP/listed" "$IMP/unlisted"
	printf 'Package: listed\nSHA256: %s\n\n' "$(sha_of "$IMP/listed")" \
	    >"$CASE/lists/example.org_debian_dists_x_main_binary-amd64_Packages"
	start_daemon d d
	ctl d d import --lists "$CASE/lists" --auth-conf /dev/null "$IMP" \
	    >"$CASE/import.out" 2>&1 || bad "private: import failed: $(cat "$CASE/import.out")"
	echo "private: $(cat "$CASE/import.out")"
	for f in secret:600:1 listed:644:0 unlisted:640:1; do
		m=$(mode_of "$(sha_of "$IMP/${f%%:*}")")
		want=${f#*:}
		[ "$m" = "${want%:*}" ] && ok "private: ${f%%:*} is $m in the cache" ||
			bad "daemon: private: ${f%%:*} is $m in the cache (want ${want%:*})"
		n=$(listed_private "$(sha_of "$IMP/${f%%:*}")")
		[ "$n" = "${f##*:}" ] && ok "private: the cache listing says private=$n for ${f%%:*}" ||
			bad "daemon: private: the cache listing says private=$n for ${f%%:*}"
	done
	leech_round first
	stop_wait "$PID_d"
	start_daemon d d
	sleep 1
	n=$(listed_private "$(sha_of "$IMP/secret")")
	[ "$n" = 1 ] && ok "private: after a restart secret is still private" ||
		bad "daemon: private: after a restart secret is private=$n"
	leech_round restarted

	# Credentials: apt's own fetch through the method.
	printf 'machine %s/private\nlogin user\npassword secret\n' "$MIRROR" \
	    >"$REPO_APT/etc/auth.conf"
	chmod 644 "$REPO_APT/etc/auth.conf"
	echo "deb [signed-by=$REPO_T/archive-key.gpg] aptbt+http://$MIRROR/private $REPO_SUITE $REPO_COMP" \
	    >"$REPO_APT/etc/sources.list"
	rm -f "$REPO_APT/cache/archives"/*.deb
	if ns_exec d env APT_CONFIG="$APT_CONFIG" timeout 120 apt-get \
	    -o Acquire::aptbt::Socket="$CASE/d/control.sock" update \
	    >"$CASE/apt.log" 2>&1 &&
	    ns_exec d env APT_CONFIG="$APT_CONFIG" timeout 120 apt-get \
	    -o Acquire::aptbt::Socket="$CASE/d/control.sock" install \
	    --download-only -y aptbt-small2 >>"$CASE/apt.log" 2>&1; then
		ok "private: apt fetched aptbt-small2 from the source with credentials"
	else
		bad "private: apt could not fetch from the source with credentials"
		show "$CASE/apt.log"
	fi
	n=$(awk -v u="user" '$6 == u && $5 ~ /aptbt-small2_.*\.deb$/ && $2 == 200' "$REPO_NGINX/access.log" | wc -l)
	[ "$n" -ge 1 ] && ok "private: nginx served small2 $n time(s) with credentials" ||
		bad "private: nginx never served small2 with credentials (the case proves nothing)"
	fetch d d aptbt-small1 && got_ok d aptbt-small1 ||
		bad "private: d could not fetch aptbt-small1 from the public path"
	s2=$(pkg_field aptbt-small2 SHA256)
	s1=$(pkg_field aptbt-small1 SHA256)
	[ "$(listed_private "$s2")" = - ] && ok "private: small2 (credentials) never reached d's cache" ||
		bad "daemon: private: small2 (credentials) is in d's cache"
	[ "$(listed_private "$s1")" = 0 ] && ok "private: small1 (no credentials) is public in d's cache" ||
		bad "daemon: private: small1 is $(listed_private "$s1") in d's cache"
	ctl d d import --lists "$REPO_APT/state/lists" --auth-conf "$REPO_APT/etc/auth.conf" \
	    "$REPO_APT/cache/archives" >"$CASE/import2.out" 2>&1 ||
		bad "private: import of apt's archives failed: $(cat "$CASE/import2.out")"
	echo "private: archives: $(cat "$CASE/import2.out")"
	[ "$(listed_private "$s2")" = 1 ] && ok "private: imported from apt's archives, small2 stays private" ||
		bad "daemon: private: imported from apt's archives, small2 is private=$(listed_private "$s2")"
	grep -q 'indexes of .*credentialed sources skipped' "$CASE/d.log" &&
		echo "private: $(grep -o '[0-9]* package hashes in [0-9]* indexes.*' "$CASE/d.log" | tail -n 1)"
	# And the seeder's view: evil sees small1, not small2.
	ns_bg evil "$CASE/evil-apt.log" $PY "$EVIL" serve leech 6881 "$IMP/listed"
	EVIL_PID=$NS_BG_PID
	wait_for_file_line "$CASE/evil-apt.log" '^listening' 10
	ctl d d peers add "$EV:6881" >/dev/null
	wait_for_file_line "$CASE/evil-apt.log" "^their-index .* have $s1" 20 &&
		ok "private: d announces small1" || bad "daemon: private: d does not announce small1"
	grep -q "^their-index .* $s2" "$CASE/evil-apt.log" &&
		bad "daemon: private: d announces small2 (fetched with credentials)" ||
		ok "private: d does not announce small2"
	kill "$EVIL_PID" 2>/dev/null
	wait "$EVIL_PID" 2>/dev/null
	sanitizers "$CASE/d.log"
	stop_wait "$PID_d"
}

for c in $CASES; do
	before=$fails
	CASE=$T/case-$c
	mkdir -p "$CASE"
	echo "=== $c"
	"case_$(echo "$c" | tr - _)"
	[ "$fails" = "$before" ] || echo "--- case $c: $((fails - before)) failure(s)" >&2
done
[ "$fails" = 0 ] || { echo "trust.sh: $fails check(s) failed" >&2; exit 1; }
exit 0
