# SPDX-License-Identifier: ISC
# lib-opentracker.sh - Debian's opentracker as a test tracker (sourced
# after lib-hosts.sh).
#
# Debian's build serves only whitelisted info-hashes, refuses to run as
# root (it runs as _opentracker) and reads paths relative to its chroot
# (../shared/TESTING.md).  For aptbtd's zero-metadata swarms the whitelist
# is the key derived from each file's SHA-256 plus the daemons' presence
# key (aptbtd.conf(5), "lsd").
#
#   ot_need                       skip unless opentracker and _opentracker exist
#   ot_keys FILE...               the zero-metadata keys of FILEs, one a line
#   ot_presence_key               the daemons' presence key
#   ot_up HOST ADDR:PORT KEYS     opentracker on HOST, HTTP and UDP on
#                                 ADDR:PORT, whitelisting the hex keys in
#                                 file KEYS; sets $OT_PID
# shellcheck shell=dash

ot_need()
{
	need_cmd opentracker
	id _opentracker >/dev/null 2>&1 || skip "no _opentracker user (package opentracker)"
}

ot_keys()
{
	$PY - "$@" <<'EOF'
import hashlib, sys
for name in sys.argv[1:]:
    h = hashlib.sha256()
    with open(name, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    print(hashlib.sha256(b"aptbt-v1" + h.digest()).hexdigest()[:40])
EOF
}

ot_presence_key()
{
	$PY -c 'import hashlib
print(hashlib.sha256(b"aptbt-lsd-v1").hexdigest()[:40])'
}

ot_up()
{
	local host=$1 listen=$2 dir=$T/opentracker-$1 i=0
	mkdir -p "$dir"
	{
		ot_presence_key
		cat "$3"
	} >"$dir/whitelist"
	cat >"$dir/opentracker.conf" <<EOF
listen.tcp_udp $listen
tracker.rootdir $dir
tracker.user _opentracker
access.whitelist /whitelist
EOF
	chmod 755 "$dir" && chmod 644 "$dir"/*
	ip netns exec "${NS_PREFIX}$host" opentracker -f "$dir/opentracker.conf" \
	    >"$LOG/opentracker-$host.log" 2>&1 &
	OT_PID=$!
	track "$OT_PID"
	until ns_exec "$host" curl -s -o /dev/null "http://$listen/stats"; do
		i=$((i + 1))
		[ "$i" -lt 50 ] ||
			fail "opentracker does not answer: $(tail -n 5 "$LOG/opentracker-$host.log")"
		sleep 0.1
	done
}
