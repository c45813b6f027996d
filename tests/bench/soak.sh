#!/bin/sh
# SPDX-License-Identifier: ISC
# soak.sh - eight daemons for twenty minutes: peers join, leave and are
# killed, a hostile host attacks them throughout, apt fetches throughout.
#
# Test hosts: a mirror m (nginx, 50 mbit) with 40 packages (~45 MiB),
# clients c1..c8 (aptbtd, the others as static peers, share = the /24,
# apt-get through aptbt+http), and x, the hostile host, which in a loop
# passes for a daemon it is not (impostor.py steal), claims to be fetching
# files it never sends (impostor.py claim), serves wrong data and wrong
# hints and garbage (evil-peer.py, dialled as a static peer by c1..c4), and
# asks for files under made-up hashes (evil-peer.py want).
#
# Each client loops: empty its archives, "apt-get install --download-only"
# of 8 random packages, check every .deb against the signed Packages.
# Every 60 s one random client's daemon is stopped (SIGKILL or SIGTERM,
# alternately) and started again 10 s later on the same cache.
# Every 30 s each daemon's VmRSS is sampled.
#
# At the end it prints: apt runs that succeeded with verified files (aim:
# all), the RSS slope of each daemon over its longest life after the first
# two minutes (aim: flat, reported in kB/min), and how many honest daemons
# any daemon banned (aim: 0), with the hostile host's bans for contrast.
#
#   SOAK_SECONDS=1200   how long (the aim is 20 minutes; 180 for a check)
#   KEEP_TMP=1          keep the logs
# shellcheck shell=dash
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/bench/lib-hosts.sh"

SECONDS_TOTAL=${SOAK_SECONDS:-1200}
CLIENTS="c1 c2 c3 c4 c5 c6 c7 c8"
EVIL=$top_srcdir/tests/integration/evil-peer.py
IMP=$top_srcdir/tests/integration/impostor.py
[ -x "$APTBTD" ] || fail "$APTBTD is not built"

hosts_init
ns_host m 100
for c in $CLIENTS; do
	ns_host "$c" "${c#c}"
done
ns_host x 66
X=$(ns_ip x)
ns_cap m 50mbit

echo "# building the repository"
i=1
while [ "$i" -le 4 ]; do
	pkg_add "soak-large$i" $((6 * 1024 * 1024))
	i=$((i + 1))
done
i=1
while [ "$i" -le 36 ]; do
	pkg_add "soak-small$i" $((8 * 1024 + i * 16 * 1024))
	i=$((i + 1))
done
mirror_up m
ALL=$(repo_packages | tr '\n' ' ')
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
POOL=$REPO_ROOT/pool/$REPO_COMP

# --- the daemons ------------------------------------------------------------
up()	# HOST
{
	local peers="" c
	for c in $CLIENTS; do
		[ "$c" = "$1" ] || peers="$peers${peers:+, }$(ns_ip "$c"):$DAEMON_PORT"
	done
	case $1 in
	c1|c2|c3|c4) peers="$peers, $X:$DAEMON_PORT" ;;
	esac
	KEEP_CACHE=${2:-} daemon_up_on "$1" "share = 192.0.2.0/24" \
	    "lsd = no" "peers = $peers"
}
for c in $CLIENTS; do
	client_tree "$c" aptbt+http
	up "$c"
	client_apt "$c" apt-get update >"$LOG/update-$c" 2>&1 ||
		fail "apt-get update on $c: $(tail -n 3 "$LOG/update-$c")"
done
echo "# 8 daemons up; soaking for $SECONDS_TOTAL s"
T0=$(date +%s)
END=$((T0 + SECONDS_TOTAL))

# --- apt, throughout ------------------------------------------------------------
verify()	# HOST: every .deb in its archives has its signed SHA-256
{
	$PY - "$REPO_T/apt-$1/cache/archives" "$PACKAGES" <<'PYEOF'
import hashlib, os, sys
want = {}
for stanza in open(sys.argv[2]).read().split("\n\n"):
    f = dict(l.split(": ", 1) for l in stanza.splitlines() if ": " in l)
    if "Filename" in f:
        want[os.path.basename(f["Filename"])] = f["SHA256"]
bad = 0
for n in os.listdir(sys.argv[1]):
    if n.endswith(".deb"):
        h = hashlib.sha256(open(os.path.join(sys.argv[1], n), "rb").read())
        bad += h.hexdigest() != want.get(n)
sys.exit(1 if bad else 0)
PYEOF
}
apt_loop()	# HOST
{
	local pkgs
	while [ "$(date +%s)" -lt "$END" ]; do
		client_clear "$1"
		pkgs=$(echo "$ALL" | tr ' ' '\n' | grep . | shuf -n 8 | tr '\n' ' ')
		# shellcheck disable=SC2086	# one word per package
		if APT_TIMEOUT=300 client_apt "$1" apt-get install \
		    --download-only -y $pkgs >>"$LOG/apt-$1" 2>&1 &&
		    [ "$(client_debs "$1")" = 8 ] && verify "$1"; then
			echo ok >>"$T/runs-$1"
		else
			echo fail >>"$T/runs-$1"
			echo "$(date +%T) $1: a run failed" >>"$LOG/failures"
		fi
	done
}
LOOPS=
for c in $CLIENTS; do
	apt_loop "$c" &
	LOOPS="$LOOPS $!"
done

# --- the hostile host -------------------------------------------------------------
ns_bg x "$LOG/evil-serve" "$PY" "$EVIL" serve garbage "$DAEMON_PORT" "$POOL"/*.deb
(
	n=0
	while [ "$(date +%s)" -lt "$END" ]; do
		n=$((n + 1))
		v=$(echo "$CLIENTS" | tr ' ' '\n' | shuf -n 1)
		w=$(echo "$CLIENTS" | tr ' ' '\n' | grep -v "^$v\$" | shuf -n 1)
		if ns_exec x "$PY" "$IMP" learn "$(ns_ip "$w")" "$DAEMON_PORT" \
		    >"$T/learn" 2>/dev/null; then
			read -r _ id _ pk <"$T/learn"
			ns_exec x timeout 30 "$PY" "$IMP" steal "$(ns_ip "$v")" \
			    "$DAEMON_PORT" "$id" "$pk" forged-sig >/dev/null 2>&1
		fi
		f=$(ls "$POOL"/*.deb | shuf -n 1)
		ns_exec x timeout 15 "$PY" "$IMP" claim "$(ns_ip "$v")" \
		    "$DAEMON_PORT" "$(sha256sum "$f" | cut -d' ' -f1)" 10 \
		    >/dev/null 2>&1
		sleep 2
	done
	echo "$n" >"$T/attack-rounds"
) &
ATTACK=$!

# --- churn and memory ---------------------------------------------------------------
rss()	# HOST
{
	local pid
	eval "pid=\${DPID_$1:-}"
	[ -n "$pid" ] && awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null
}
tick=0
kills=0
while [ "$(date +%s)" -lt "$END" ]; do
	sleep 30
	tick=$((tick + 1))
	for c in $CLIENTS; do
		r=$(rss "$c")
		eval "pid=\${DPID_$c:-}"
		[ -n "$r" ] && echo "$(($(date +%s) - T0)) $c $pid $r" >>"$T/rss"
	done
	if [ $((tick % 2)) = 0 ] && [ "$(date +%s)" -lt $((END - 20)) ]; then
		v=$(echo "$CLIENTS" | tr ' ' '\n' | shuf -n 1)
		eval "pid=\$DPID_$v"
		kills=$((kills + 1))
		if [ $((kills % 2)) = 1 ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			eval "DPID_$v= SOCK_$v="
			how=KILL
		else
			daemon_down_on "$v"
			how=TERM
		fi
		echo "# $(($(date +%s) - T0)) s: $v stopped ($how)"
		sleep 10
		up "$v" 1
	fi
done
# Not a bare wait: the daemons and the evil peer are children too.
# shellcheck disable=SC2086
wait "$ATTACK" $LOOPS

# --- report ----------------------------------------------------------------------
okruns=$(cat "$T"/runs-* 2>/dev/null | grep -c '^ok$')
badruns=$(cat "$T"/runs-* 2>/dev/null | grep -c '^fail$')
echo "apt runs: $okruns succeeded with verified files, $badruns failed (aim: 0 failed)"
echo "daemons stopped and restarted: $kills; attack rounds: $(cat "$T/attack-rounds" 2>/dev/null)"
# RSS slope per daemon life (pid), after 120 s, least squares, kB/min.
awk '$1 >= 120 { k = $2 " " $3; n[k]++; sx[k] += $1; sy[k] += $4;
    sxx[k] += $1 * $1; sxy[k] += $1 * $4; first[k] = first[k] ? first[k] : $4;
    last[k] = $4; t0[k] = t0[k] ? t0[k] : $1; t1[k] = $1 }
    END { for (k in n) if (n[k] >= 4) {
	d = n[k] * sxx[k] - sx[k] * sx[k]
	s = d ? (n[k] * sxy[k] - sx[k] * sy[k]) / d * 60 : 0
	printf "rss %s: %d samples over %d s, %d -> %d kB, slope %+.1f kB/min\n",
	    k, n[k], t1[k] - t0[k], first[k], last[k], s } }' "$T/rss" | sort
honest=0
for c in $CLIENTS; do
	n=$(grep -h 'banned' "$LOG/aptbtd-$c.log" 2>/dev/null |
	    grep -cE '192\.0\.2\.[1-8](:|[^0-9])' || true)
	honest=$((honest + n))
done
hostile=$(cat "$LOG"/aptbtd-c*.log | grep 'banned' | grep -c "$X" || true)
echo "bans of honest daemons: $honest (aim: 0); bans of the hostile host: $hostile"
grep -h -E 'AddressSanitizer|runtime error' "$LOG"/aptbtd-*.log | head -5
