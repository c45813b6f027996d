#!/bin/sh
# SPDX-License-Identifier: ISC
# mkmeta.sh - aptbt-mkmeta against python3-libtorrent: every torrent it
# writes (v1 and hybrid, files from one byte to past 256 MiB) must load in
# libtorrent with the info-hashes aptbt-mkmeta printed, and libtorrent must
# find the file complete against it.  Also: byte-identical reruns,
# webseed URLs, tracker tiers, atomic writes and the errors.
# shellcheck shell=dash
. "$top_srcdir/tests/integration/lib.sh"

MKMETA=$top_builddir/client/aptbt-mkmeta
PY=/usr/bin/python3
[ -x "$MKMETA" ] || fail "$MKMETA is not built"
$PY -c 'import libtorrent' 2>/dev/null || skip "python3-libtorrent is not installed"

# Files of awkward sizes around blocks (16 KiB), pieces (256 KiB), reads
# (1 MiB), and one past 256 MiB, where pieces grow to 512 KiB (sparse:
# hashing zeros is as good a test as any).
mkdir -p "$T/files" "$T/out"
for size in 1 16383 16384 16385 262144 262145 1048577 5242883; do
	head -c "$size" /dev/urandom >"$T/files/f$size" || fail "cannot make a file"
done
BIG=268468227
truncate -s $BIG "$T/files/f$BIG" || fail "cannot make a sparse file"
printf 'head' | dd of="$T/files/f$BIG" conv=notrunc 2>/dev/null
printf 'tail' | dd of="$T/files/f$BIG" bs=1 seek=$((BIG - 4)) conv=notrunc 2>/dev/null
: >"$T/files/empty"

# One libtorrent session checks a list of "TORRENT V1 V2|-" lines: the
# info-hashes, then a full check of the file under the torrent's directory
# (save_path), which must end seeding with every piece.
cat >"$T/check.py" <<'EOF'
import os, sys, time
import libtorrent as lt

s = lt.session({
    'listen_interfaces': '127.0.0.1:0', 'enable_dht': False,
    'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'enable_outgoing_utp': False, 'enable_incoming_utp': False,
    'active_checking': 32, 'alert_mask': lt.alert_category.status})
bad = 0
handles = []
for line in sys.stdin:
    path, fdir, v1, v2 = line.split()
    ti = lt.torrent_info(path)
    ih = ti.info_hashes()
    got1 = str(ih.v1) if ih.has_v1() else '-'
    got2 = str(ih.v2) if ih.has_v2() else '-'
    if (got1, got2) != (v1, v2):
        print('%s: libtorrent says v1 %s v2 %s, aptbt-mkmeta %s %s'
              % (path, got1, got2, v1, v2))
        bad = 1
        continue
    # All at once: libtorrent starts checks on a one-second tick.
    handles.append((path, ti, s.add_torrent({'ti': ti, 'save_path': fdir})))

checked = set()
deadline = time.time() + 120
while len(checked) < len(handles) and time.time() < deadline:
    s.wait_for_alert(500)
    for a in s.pop_alerts():
        if isinstance(a, lt.torrent_checked_alert):
            checked.add(str(a.handle.info_hashes().get_best()))
for path, ti, h in handles:
    st = h.status()
    if not st.is_seeding or st.num_pieces != ti.num_pieces():
        print('%s: libtorrent has %d of %d pieces (state %s)'
              % (path, st.num_pieces, ti.num_pieces(), st.state))
        bad = 1
sys.exit(bad)
EOF

: >"$T/list"
for form in v1 hybrid; do
	for f in "$T"/files/f*; do
		"$MKMETA" --$form -o "$T/out" "$f" >"$T/line" ||
			fail "aptbt-mkmeta --$form $f failed"
		cp "$T/out/${f##*/}.torrent" "$T/first"
		"$MKMETA" --$form -o "$T/out" "$f" >"$T/line2" ||
			fail "second aptbt-mkmeta --$form $f failed"
		cmp -s "$T/first" "$T/out/${f##*/}.torrent" ||
			fail "$form torrent of $f differs between two runs"
		cmp -s "$T/line" "$T/line2" || fail "printed hashes differ"
		read -r h1 h2 path <"$T/line"
		if [ $form = v1 ]; then
			path=$h2
			h2=-
		fi
		case "$h1" in v1:????????????????????????????????????????) ;;
		*) fail "bad v1 hash output: $(cat "$T/line")" ;; esac
		[ "$path" = "$T/out/${f##*/}.torrent" ] ||
			fail "printed path $path is not the torrent written"
		cp "$T/first" "$T/out/$form-${f##*/}.torrent"
		echo "$T/out/$form-${f##*/}.torrent $T/files ${h1#v1:} ${h2#v2:}" >>"$T/list"
	done
done
# libtorrent finds each file by the torrent's name under save_path.
$PY "$T/check.py" <"$T/list" || fail "libtorrent disagrees (see above)"
[ "$(wc -l <"$T/list")" -eq 18 ] || fail "not every torrent was checked"

# No temporary files left behind; torrents readable by all (umask 022).
ls -A "$T/out" | grep -q '^\.' && fail "temporary files left in the output directory"
(umask 022 && "$MKMETA" "$T/files/f1" >/dev/null) || fail "default output dir failed"
[ -f "$T/files/f1.torrent" ] || fail "no torrent beside the file by default"
[ "$(stat -c %a "$T/files/f1.torrent")" = 644 ] || fail "torrent mode is not 644"

# Empty files: refused with a clear message, exit 1; the others still done.
"$MKMETA" "$T/files/empty" "$T/files/f16384" >"$T/out.txt" 2>"$T/err" &&
	fail "an empty file was accepted"
[ $? -eq 1 ] || fail "empty file: exit code is not 1"
grep -q "empty file" "$T/err" || fail "no clear message for an empty file: $(cat "$T/err")"
[ -f "$T/files/empty.torrent" ] && fail "a torrent was written for an empty file"
grep -q "f16384.torrent" "$T/out.txt" || fail "the good file after the empty one was skipped"

# Webseeds and trackers, read back by libtorrent.
cp "$T/files/f16385" "$T/files/a+b c.deb"
"$MKMETA" --hybrid -w http://m.example/debian/pool/ -w ftp://f.example/x.deb \
    -t udp://t1.example:6969/announce,http://t2.example/announce \
    -t https://t3.example/announce "$T/files/a+b c.deb" >/dev/null ||
	fail "aptbt-mkmeta with webseeds and trackers failed"
$PY - "$T/files/a+b c.deb.torrent" <<'EOF' || fail "webseeds or trackers wrong"
import sys
import libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
ws = [w['url'] for w in ti.web_seeds()]
want = ['http://m.example/debian/pool/a%2Bb%20c.deb', 'ftp://f.example/x.deb']
assert ws == want, ws
# libtorrent shuffles each tier, as BEP 12 asks.
tr = sorted((t.tier, t.url) for t in ti.trackers())
want = [(0, 'http://t2.example/announce'), (0, 'udp://t1.example:6969/announce'),
        (1, 'https://t3.example/announce')]
assert tr == want, tr
assert ti.name() == 'a+b c.deb', ti.name()
EOF

# --name changes the display name (and the info-hash), not the file URL.
"$MKMETA" --name shown.deb -w http://m.example/pool/ -o "$T/out" "$T/files/f1" \
    >/dev/null || fail "--name failed"
$PY - "$T/out/f1.torrent" <<'EOF' || fail "--name not applied"
import sys
import libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
assert ti.name() == 'shown.deb', ti.name()
assert [w['url'] for w in ti.web_seeds()] == ['http://m.example/pool/f1']
EOF

# Usage errors: exit 2.
for args in "" "--bogus $T/files/f1" "-w http://m.example/f1 $T/files/f1 $T/files/f16384" \
    "--name a --name b $T/files/f1 $T/files/f16384" "-w file:///x $T/files/f1" \
    "-t ftp://t.example/announce $T/files/f1" "--name a/b $T/files/f1"; do
	# shellcheck disable=SC2086	# the words are the arguments
	"$MKMETA" $args >/dev/null 2>&1
	[ $? -eq 2 ] || fail "\"aptbt-mkmeta $args\" did not exit 2"
done
"$MKMETA" "$T/files/nonexistent" 2>"$T/err" && fail "a missing file was accepted"
grep -q "No such file" "$T/err" || fail "no clear message for a missing file"
"$MKMETA" "$T/files" 2>"$T/err" && fail "a directory was accepted"
grep -q "not a regular file" "$T/err" || fail "no clear message for a directory"
"$MKMETA" -o "$T/nonexistent" "$T/files/f1" 2>"$T/err" && fail "a missing output directory was accepted"
"$MKMETA" --help | grep -q "usage: aptbt-mkmeta" || fail "--help"
"$MKMETA" --version | grep -q "^aptbt-mkmeta [0-9]" || fail "--version"
exit 0
