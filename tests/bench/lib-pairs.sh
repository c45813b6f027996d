# SPDX-License-Identifier: ISC
# lib-pairs.sh - pairs of related files for the delta benchmarks (sourced
# by delta.sh and blocksize.sh, after tests/integration/lib.sh).
#
#   pairs_collect DEBS   write "$T/pairs", a line a pair: KIND NAME OLD NEW
#
#   deb       the two highest versions (dpkg order) of each package with two
#             or more in DEBS
#   data.tar  the same pairs' data.tar, decompressed
#   partial   the first 60% of one new .deb against the whole of it
#   index     apt's Packages of bookworm main against a copy made to look
#             like a point release (2% of stanzas changed, 0.5% dropped)
#   index.xz  the same two, as the mirror serves them: xz -6 (what apt
#             fetches by default, Packages.xz, plain or by hash)
# shellcheck shell=dash

pairs_collect()
{
	local DEBS=$1 name f i m idx
	: >"$T/pairs"
	for name in $(ls "$DEBS" | sed -n 's/_.*\.deb$//p' | sort | uniq -d); do
		set -- $(for f in "$DEBS/${name}"_*.deb; do
			echo "$(dpkg-deb -f "$f" Version) $f"
		done | sort -t' ' -k1,1 -V | tail -n 2 | cut -d' ' -f2)
		[ $# = 2 ] || continue
		echo "deb $name $1 $2" >>"$T/pairs"
		mkdir -p "$T/tar/$name"
		for i in 1 2; do
			eval f=\$$i
			m=$(ar t "$f" | grep '^data\.tar')
			case $m in
			*.xz) ar p "$f" "$m" | xz -dc ;;
			*.gz) ar p "$f" "$m" | gzip -dc ;;
			*.zst) ar p "$f" "$m" | zstd -dc ;;
			*) ar p "$f" "$m" ;;
			esac >"$T/tar/$name/$i.tar"
		done
		echo "data.tar $name $T/tar/$name/1.tar $T/tar/$name/2.tar" >>"$T/pairs"
		if [ ! -e "$T/partial" ]; then
			head -c $(($(stat -c %s "$2") * 6 / 10)) "$2" >"$T/partial"
			echo "partial $name $T/partial $2" >>"$T/pairs"
		fi
	done
	idx=$(ls /var/lib/apt/lists/*bookworm_main_binary-amd64_Packages* 2>/dev/null | head -n 1)
	if [ -n "$idx" ]; then
		/usr/lib/apt/apt-helper cat-file "$idx" >"$T/Packages.old" 2>/dev/null
		/usr/bin/python3 - "$T/Packages.old" "$T/Packages.new" <<-'PY'
	import hashlib, random, sys
	r = random.Random(11)
	out = []
	for st in open(sys.argv[1], encoding='utf-8', errors='surrogateescape').read().split('\n\n'):
	    if not st.strip():
	        continue
	    x = r.random()
	    if x < 0.005:
	        continue
	    if x < 0.025:
	        lines = []
	        for l in st.split('\n'):
	            if l.startswith('Version: '):
	                l += '+deb12u1'
	            elif l.startswith('Size: '):
	                l = 'Size: %d' % (int(l[6:]) + r.randint(-999, 999))
	            elif l.startswith('SHA256: '):
	                l = 'SHA256: ' + hashlib.sha256(l.encode() + b'x').hexdigest()
	            elif l.startswith('Filename: '):
	                l = l.replace('.deb', '+deb12u1.deb')
	            lines.append(l)
	        st = '\n'.join(lines)
	    out.append(st)
	open(sys.argv[2], 'w', encoding='utf-8', errors='surrogateescape').write('\n\n'.join(out) + '\n')
	PY
		echo "index Packages $T/Packages.old $T/Packages.new" >>"$T/pairs"
		xz -6 -T1 -c "$T/Packages.old" >"$T/Packages.old.xz"
		xz -6 -T1 -c "$T/Packages.new" >"$T/Packages.new.xz"
		echo "index.xz Packages.xz $T/Packages.old.xz $T/Packages.new.xz" >>"$T/pairs"
	fi
}
