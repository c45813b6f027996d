#!/bin/sh
# SPDX-License-Identifier: ISC
# proxy.sh - apt without aptbt, through aptbtd's proxy front end.
#
# Network namespaces: "mirror" (192.0.2.1) serves a signed repository
# (8 small packages, 1 of 3 MiB) with nginx; "proxy" (192.0.2.2) runs
# aptbtd with proxy_listen = 192.0.2.2:3142, proxy_allow = the two
# clients; "c1" and "c2" (192.0.2.3-4) run apt-get with a private apt
# tree, a plain http:// sources line and only Acquire::http::Proxy;
# "x" (192.0.2.5) is a host outside proxy_allow.  Every process runs in
# a namespace.
#
#   1. a bare "/" answers 406 "Usage Information"; auto-apt-proxy in c1
#      (default route via the proxy host) finds http://192.0.2.2:3142
#   2. c1: apt-get update and install --download-only of the whole set
#      through the proxy: every file has its signed SHA-256; nginx saw
#      every .deb requested by the proxy host and none by c1
#   3. aptbtd verified the suite's InRelease with gpgv and learnt every
#      pool file's hash from its Packages; c2 does the same install after
#      c1 and nginx serves no .deb a second time (aptbtd's cache);
#      pipelining (requests behind the one answered fetched early, all
#      answered in order), Range (206, 416), HEAD and If-Modified-Since
#      (304) as apt uses them; a tampered package (same size, other bytes)
#      fails and is neither in apt's archives nor aptbtd's cache; a
#      suite signed by a key not in proxy_keyrings installs, passed
#      through from the mirror each time; an HTTPS repository (nginx,
#      test CA trusted in aptbtd's mount namespace only) through
#      http://PROXY:3142/HTTPS///MIRROR/debian
#      a tampered Packages (signed hash, other bytes) fails apt's update
#      and is not cached;
#   3''. c3 behind a second aptbtd (192.0.2.6, peers with the first):
#      the mirror sends it at most 10% of the .deb bytes
#   3'. aptbt-ctl status counts the proxy's requests, refusals, bytes
#   4. attacks, none of which reaches nginx or a listener on the proxy
#      host's loopback: a client outside the scope (403), CONNECT,
#      POST, a file: URL, a loopback upstream, a path outside
#      dists/pool, a ".." path, escaped dots, user info, a 20 KiB header
#      (4xx each); a name that resolves to loopback and a mirror that
#      redirects there (5xx, the connection refused by aptbtd); a client
#      holding an idle connection does not stop c1 from being served
# shellcheck shell=dash
# shellcheck disable=SC2015	# "check && ok || bad": ok only echoes
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/lib-repo.sh"
. "$top_srcdir/tests/integration/lib-netns.sh"

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, apt's sandbox)"
need_cmd apt-get apt-ftparchive dpkg-deb gpg nginx curl sha256sum ip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "$PY is missing"
APT_TIMEOUT=120

# shellcheck source=tests/integration/lib-proxy.sh
. "$top_srcdir/tests/integration/lib-proxy.sh"
proxy_hosts c2 4 x 5 proxy2 6 c3 7

repo_init
repo_build 8 1 3
# A package the clients install only once it is tampered with.
repo_make_deb aptbt-tamper 1.0 40000
repo_sign
POOL=$REPO_ROOT/pool/$REPO_COMP
PACKAGES=$REPO_ROOT/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
# HTTPS on the mirror, with a test CA that only aptbtd's mount namespace
# trusts (its CA bundle is bind-mounted over, see below).
TLS=$REPO_T/tls
mkdir -p "$TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=aptbt-test-ca \
    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -subj "/CN=$MIRROR" \
    -keyout "$TLS/srv.key" -out "$TLS/srv.csr" 2>/dev/null &&
printf 'subjectAltName=IP:%s\n' "$MIRROR" >"$TLS/ext" &&
openssl x509 -req -in "$TLS/srv.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
    -CAcreateserial -days 2 -extfile "$TLS/ext" -out "$TLS/srv.pem" 2>/dev/null &&
cat /etc/ssl/certs/ca-certificates.crt "$TLS/ca.pem" >"$TLS/bundle.crt" &&
# A name that resolves to loopback, in aptbtd's mount namespace only.
printf '127.0.0.1 localhost\n127.0.0.1 evil.test\n' >"$TLS/hosts" ||
	fail "cannot make the test certificates"
chmod -R a+rX "$TLS"
# shellcheck disable=SC2016	# nginx's variable
repo_nginx "$MIRROR:80" "$REPO_LOG_CLIENTS"' $scheme' mirror proxy \
    "listen $MIRROR:443 ssl; ssl_certificate $TLS/srv.pem; ssl_certificate_key $TLS/srv.key;
     location = /debian/pool/main/redir_1_all.deb { return 302 http://127.0.0.1:8099/debian/pool/main/x_1_all.deb; }"
REPO_HOST=$MIRROR
PROXY2=$(ns_ip proxy2)
for h in c1 c2 c3; do
	REPO_APT=$REPO_T/apt-$h
	apt_tree_init http
	p=$PROXY
	[ "$h" = c3 ] && p=$PROXY2
	echo "Acquire::http::Proxy \"http://$p:3142\";" \
	    >"$REPO_APT/etc/apt.conf.d/01proxy"
done
ALL=$(repo_packages | grep -v tamper | tr '\n' ' ')
NPKG=$(echo $ALL | wc -w)

# A listener on the proxy host's loopback: no request may make aptbtd
# connect to it.
LOOP_PORT=8099
ns_bg proxy "$T/loopback.log" "$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept(); print("hit", flush=True); c.close()' "$LOOP_PORT"

# The two daemons share with each other only (the clients are in
# proxy_allow, x in neither).
conf=$(write_conf "$T/p" "proxy_listen = $PROXY:3142" \
    "proxy_allow = $(ns_ip c1) $(ns_ip c2)" \
    "proxy_keyrings = $REPO_T/archive-key.gpg" "log_level = debug" \
    "share = $PROXY/32 $PROXY2/32" "listen_port = 6881" "peers = $PROXY2:6881")
# shellcheck disable=SC2086
ns_bg proxy "$T/aptbtd.log" unshare -m sh -c \
    'mount --bind "$1" /etc/ssl/certs/ca-certificates.crt &&
     mount --bind "$2" /etc/hosts && shift 2 && exec "$@"' \
    sh "$TLS/bundle.crt" "$TLS/hosts" env $DAEMON_ENV "$APTBTD" -f -c "$conf"
DAEMON_PID=$NS_BG_PID
wait_for_socket "$T/p/control.sock" || fail "daemon: aptbtd did not start"
wait_for_file_line "$T/aptbtd.log" "apt proxy listening" 10 ||
	fail "daemon: no proxy listener"

# Requests nginx logged after line MARK from HOST whose path matches RE.
ngx_count()	# MARK HOST RE
{
	awk -v m="$1" -v a="$(ns_ip "$2")" -v re="$3" \
	    'NR > m && $1 == a && $5 ~ re { n++ } END { print n + 0 }' \
	    "$REPO_NGINX/access.log"
}
# HTTP status of a raw request (python, so nothing normalizes it).
raw_status()	# HOST REQUEST-BYTES
{
	ns_exec "$1" "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 3142), timeout=10)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
d = b""
try:
    while b"\r\n" not in d:
        b = s.recv(4096)
        if not b: break
        d += b
except Exception: pass
print(d.split(b" ")[1].decode() if d.startswith(b"HTTP/") else "none")' \
	    "$PROXY" "$2"
}

# --- 1. usage page, auto-apt-proxy ----------------------------------------
code=$(ns_exec c1 curl -s -o "$T/usage.html" -w '%{http_code}' \
    "http://$PROXY:3142/")
[ "$code" = 406 ] && grep -q "Usage Information" "$T/usage.html" &&
	ok "bare / answers 406 with the usage page" ||
	bad "daemon: bare / answered $code"
if command -v auto-apt-proxy >/dev/null 2>&1; then
	ip -n "${NS_PREFIX}c1" route add default via "$PROXY"
	found=$(ns_exec c1 env TMPDIR="$T" auto-apt-proxy 2>&1)
	[ "$found" = "http://$PROXY:3142" ] &&
		ok "auto-apt-proxy finds $found on the gateway" ||
		bad "auto-apt-proxy said '$found'"
	ip -n "${NS_PREFIX}c1" route del default
else
	echo "auto-apt-proxy not installed: its check is not run"
fi

# --- 2. c1 installs through the proxy -------------------------------------
m=$(ngx_lines)
apt_in c1 apt-get -q update >"$T/c1-update.log" 2>&1 &&
	! grep -q '^[WE]:' "$T/c1-update.log" &&
	ok "c1: apt-get update through the proxy" ||
	bad "c1: apt-get update failed: $(grep '^[WE]:' "$T/c1-update.log" | head -3)"
# shellcheck disable=SC2086
apt_in c1 apt-get -q -y install --download-only $ALL >"$T/c1-install.log" 2>&1 ||
	bad "c1: apt-get install failed: $(tail -3 "$T/c1-install.log")"
archives_ok c1 && ok "c1: all $NPKG packages with their signed SHA-256" ||
	bad "c1: packages missing or wrong"
n=$(ngx_count "$m" proxy '\.deb$')
d=$(ngx_count "$m" c1 '.')
[ "$n" -eq "$NPKG" ] && [ "$d" -eq 0 ] &&
	ok "nginx: $n .deb requests from the proxy host, $d from c1" ||
	bad "nginx: $n .deb requests from the proxy host (want $NPKG), $d from c1"
# apt pipelines its requests: those behind the one answered start early.
n=$(grep -c "proxy: GET http://$MIRROR/debian/pool/.*read ahead)" "$T/aptbtd.log")
[ "$n" -ge 1 ] && ok "daemon: $n of c1's .deb requests fetched ahead of their turn" ||
	bad "daemon: no pipelined request was read ahead"

grep -q "dists/$REPO_SUITE: InRelease verified" "$T/aptbtd.log" &&
	ok "daemon: the suite's InRelease verified with gpgv" ||
	bad "daemon: InRelease not verified"
n=$(sed -n 's/.*: \([0-9]*\) pool files with a verified hash.*/\1/p' \
    "$T/aptbtd.log" | tail -1)
NIDX=$(repo_packages | wc -l)
[ "${n:-0}" -eq "$NIDX" ] &&
	ok "daemon: $n pool files with a hash from the verified Packages" ||
	bad "daemon: ${n:-no} pool files with a verified hash, want $NIDX"

# --- 3. c2, after c1 -------------------------------------------------------
m=$(ngx_lines)
apt_in c2 apt-get -q update >"$T/c2-update.log" 2>&1 ||
	bad "c2: apt-get update failed"
# shellcheck disable=SC2086
apt_in c2 apt-get -q -y install --download-only $ALL >"$T/c2-install.log" 2>&1 ||
	bad "c2: apt-get install failed: $(tail -3 "$T/c2-install.log")"
archives_ok c2 && ok "c2: all $NPKG packages with their signed SHA-256" ||
	bad "c2: packages missing or wrong"
n=$(ngx_count "$m" proxy '\.deb$')
[ "$n" -eq 0 ] && ok "c2: every .deb from aptbtd's cache (nginx: 0)" ||
	bad "daemon: c2: nginx served $n .deb again"

# --- 3e. a client behind another aptbtd: the packages from the first ---------
conf2=$(write_conf "$T/p2" "proxy_listen = $PROXY2:3142" \
    "proxy_allow = $(ns_ip c3)" "proxy_keyrings = $REPO_T/archive-key.gpg" \
    "log_level = debug" "share = $PROXY/32 $PROXY2/32" "listen_port = 6881" \
    "peers = $PROXY:6881")
# shellcheck disable=SC2086
ns_bg proxy2 "$T/aptbtd2.log" env $DAEMON_ENV "$APTBTD" -f -c "$conf2"
DAEMON2_PID=$NS_BG_PID
wait_for_socket "$T/p2/control.sock" || fail "daemon: the second aptbtd did not start"
i=0
until [ "$("$APTBT_CTL" -s "$T/p2/control.sock" --json status | "$PY" -c '
import json, sys; print(json.load(sys.stdin).get("daemons", 0))')" -ge 1 ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { bad "daemon: the two daemons never connected"; break; }
	sleep 0.2
done
m=$(ngx_lines)
apt_in c3 apt-get -q update >"$T/c3-update.log" 2>&1 ||
	bad "c3: apt-get update through the second daemon failed"
# shellcheck disable=SC2086
apt_in c3 apt-get -q -y install --download-only $ALL >"$T/c3-install.log" 2>&1 ||
	bad "c3: apt-get install failed: $(tail -3 "$T/c3-install.log")"
archives_ok c3 && ok "c3: all $NPKG packages through the second daemon" ||
	bad "c3: packages missing or wrong"
DEB_BYTES=$(cat "$REPO_ROOT"/pool/main/aptbt-[sl]*.deb | wc -c)
n=$(awk -v m="$m" -v a="$PROXY2" 'NR > m && $1 == a && $5 ~ /\.deb$/ {
    n += $3 } END { print n + 0 }' "$REPO_NGINX/access.log")
[ "$n" -le $((DEB_BYTES / 10)) ] &&
	ok "c3: the mirror sent the second daemon $n of $DEB_BYTES .deb bytes (the rest from the first daemon)" ||
	bad "daemon: the mirror sent the second daemon $n of $DEB_BYTES .deb bytes (want <= 10%)"
stop_wait "$DAEMON2_PID"
[ "$STOP_RC" -eq 0 ] || bad "daemon: the second aptbtd exited with $STOP_RC"

# --- 3a. HTTP as apt uses it: pipelining, Range, HEAD, If-Modified-Since --
S1=pool/$REPO_COMP/$(basename "$(ls "$POOL"/aptbt-small1_*.deb)")
S2=pool/$REPO_COMP/$(basename "$(ls "$POOL"/aptbt-small2_*.deb)")
ns_exec c1 "$PY" - "$PROXY" "$MIRROR" "$REPO_ROOT" "$S1" "$S2" \
    "dists/$REPO_SUITE/InRelease" >"$T/http.log" 2>&1 <<'PYEOF'
import socket, sys
proxy, mirror, root, s1, s2, inrel = sys.argv[1:7]
def read_resp(f, head=False):
    line = f.readline()
    status = line.split()
    if len(status) < 2:
        print("bad status line", line)
    hdrs = {}
    while True:
        l = f.readline().strip()
        if not l:
            break
        if b":" not in l:
            print("bad header line", status, l)
            continue
        k, v = l.split(b":", 1)
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get(b"content-length", b"0"))
    body = b"" if head or status[1] in (b"304",) else f.read(n)
    return int(status[1]), hdrs, body
def conn():
    c = socket.create_connection((proxy, 3142), timeout=20)
    return c, c.makefile("rb")
def url(p):
    return "http://%s/debian/%s" % (mirror, p)
want1 = open(root + "/" + s1, "rb").read()
want2 = open(root + "/" + s2, "rb").read()
# Two requests in one write, answered in order on one connection.
c, f = conn()
c.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\nGET %s HTTP/1.1\r\nHost: %s\r\n\r\n"
           % (url(s1), mirror, url(s2), mirror)).encode())
a, b = read_resp(f), read_resp(f)
print("pipelining", "ok" if a[0] == b[0] == 200 and a[2] == want1 and b[2] == want2 else "bad %d %d" % (a[0], b[0]))
# Read ahead or not, mixed requests are answered in order: a GET, a HEAD,
# a refused path (which closes the connection).
c2, f2 = conn()
c2.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\nHEAD %s HTTP/1.1\r\nHost: %s\r\n\r\n"
            "GET http://%s/etc/passwd HTTP/1.1\r\nHost: %s\r\n\r\n"
            % (url(s2), mirror, url(s1), mirror, mirror, mirror)).encode())
a, b, r = read_resp(f2), read_resp(f2, head=True), read_resp(f2)
print("pipelining-mixed", "ok" if a[0] == 200 and a[2] == want2 and b[0] == 200 and
      int(b[1].get(b"content-length", b"-1")) == len(want1) and r[0] == 403
      else "bad %d %d %d" % (a[0], b[0], r[0]))
# Range as apt resumes: bytes=N- gives 206 and the tail.
c.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nRange: bytes=1000-\r\n\r\n" % (url(s1), mirror)).encode())
r = read_resp(f)
cr = r[1].get(b"content-range", b"").decode()
print("range", "ok" if r[0] == 206 and r[2] == want1[1000:] and cr == "bytes 1000-%d/%d" % (len(want1) - 1, len(want1)) else "bad %d %s" % (r[0], cr))
# A range past the end: 416.
c.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nRange: bytes=%d-\r\n\r\n" % (url(s1), mirror, len(want1))).encode())
r = read_resp(f)
print("range-end", "ok" if r[0] == 416 else "bad %d" % r[0])
c, f = conn()
# HEAD: the length, no body.
c.sendall(("HEAD %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (url(s2), mirror)).encode())
r = read_resp(f, head=True)
print("head", "ok" if r[0] == 200 and int(r[1].get(b"content-length", b"-1")) == len(want2) else "bad %d" % r[0])
# If-Modified-Since on an InRelease: not modified since the far future.
c.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n" % (url(inrel), mirror)).encode())
r = read_resp(f)
print("ims", "ok" if r[0] == 304 else "bad %d" % r[0])
c.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nIf-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT\r\n\r\n" % (url(inrel), mirror)).encode())
r = read_resp(f)
print("ims-old", "ok" if r[0] == 200 and r[2] == open(root + "/" + inrel, "rb").read() else "bad %d" % r[0])
PYEOF
for t in pipelining pipelining-mixed range range-end head ims ims-old; do
	grep -q "^$t ok" "$T/http.log" && ok "HTTP: $t" ||
		bad "daemon: HTTP $t: $(grep "^$t" "$T/http.log" || tail -3 "$T/http.log")"
done

# --- 3b. a tampered package is never served or cached ------------------------
TAMPER=$(ls "$POOL"/aptbt-tamper_*.deb)
head -c "$(stat -c %s "$TAMPER")" /dev/urandom >"$TAMPER.new" &&
	mv "$TAMPER.new" "$TAMPER" && chmod 644 "$TAMPER"
BAD_SHA=$(sha256sum "$TAMPER" | cut -d' ' -f1)
apt_in c1 apt-get -q -y install --download-only aptbt-tamper \
    >"$T/c1-tamper.log" 2>&1 &&
	bad "daemon: apt-get installed the tampered package"
f=$REPO_T/apt-c1/cache/archives/$(basename "$TAMPER")
cached=$(find "$T/p/cache" -type f -exec sha256sum {} + | grep -c "$BAD_SHA")
[ ! -e "$f" ] && [ "$cached" -eq 0 ] &&
	ok "a tampered package fails ($(grep -c '^E:' "$T/c1-tamper.log") apt errors), is not in apt's archives nor aptbtd's cache" ||
	bad "daemon: tampered package: in archives: $([ -e "$f" ] && echo yes || echo no), cached $cached times"

# --- 3c. a suite signed by a key aptbtd lacks: passed through, not cached --
OTHER=$REPO_WWW/other
cp -a "$REPO_ROOT" "$OTHER"
rm -f "$OTHER"/pool/main/aptbt-tamper_*
mkdir -m 700 "$REPO_T/gnupg2"
GNUPGHOME=$REPO_T/gnupg2 gpg --batch --quiet --passphrase '' \
    --quick-gen-key 'aptbt other <other@localhost>' ed25519 sign never &&
GNUPGHOME=$REPO_T/gnupg2 gpg --batch --export >"$REPO_T/other-key.gpg" &&
rm -f "$OTHER/dists/$REPO_SUITE/InRelease" &&
GNUPGHOME=$REPO_T/gnupg2 gpg --batch --quiet --clearsign \
    -o "$OTHER/dists/$REPO_SUITE/InRelease" "$OTHER/dists/$REPO_SUITE/Release" ||
	fail "cannot sign the other suite"
chmod -R a+rX "$OTHER" "$REPO_T/other-key.gpg"
echo "deb [signed-by=$REPO_T/other-key.gpg] http://$MIRROR/other $REPO_SUITE $REPO_COMP" \
    >"$REPO_T/apt-c2/etc/sources.list"
for round in 1 2; do
	rm -f "$REPO_T"/apt-c2/cache/archives/*.deb
	m=$(ngx_lines)
	apt_in c2 apt-get -q update >"$T/c2-other-update.log" 2>&1 ||
		bad "c2: apt-get update of the other suite failed"
	# shellcheck disable=SC2086
	apt_in c2 apt-get -q -y install --download-only $ALL \
	    >"$T/c2-other-install.log" 2>&1 ||
		bad "c2: install from the other suite failed: $(tail -2 "$T/c2-other-install.log")"
	n=$(ngx_count "$m" proxy '^/other/pool/.*\.deb$')
	[ "$n" -eq "$NPKG" ] &&
		ok "other suite, round $round: all $n .deb passed through from the mirror" ||
		bad "daemon: other suite, round $round: $n .deb from the mirror, want $NPKG"
done
archives_ok c2 && ok "c2: the other suite's packages with their signed SHA-256" ||
	bad "c2: the other suite's packages missing or wrong"
grep -q "other/dists/$REPO_SUITE: not trusted" "$T/aptbtd.log" &&
	ok "daemon: the other suite is not trusted (gpgv lacks its key)" ||
	bad "daemon: the other suite was not refused by gpgv"

# --- 3f. a tampered Packages never reaches apt as good ----------------------
# Archive "tp": signed with the trusted key, one package more, then its
# Packages files replaced after signing.
TP=$REPO_WWW/tp
cp -a "$REPO_ROOT" "$TP"
rm -f "$TP"/pool/main/aptbt-tamper_*
SAVED_ROOT=$REPO_ROOT
REPO_ROOT=$TP
repo_make_deb aptbt-tp 1.0 3000
repo_sign
REPO_ROOT=$SAVED_ROOT
TPP=$TP/dists/$REPO_SUITE/$REPO_COMP/binary-amd64/Packages
sed -i 's/^Description: synthetic package aptbt-tp .*/Description: tampered/' "$TPP"
gzip -9nf -c "$TPP" >"$TPP.gz"
chmod -R a+rX "$TP"
BAD_GZ=$(sha256sum "$TPP.gz" | cut -d' ' -f1)
echo "deb [signed-by=$REPO_T/archive-key.gpg] http://$MIRROR/tp $REPO_SUITE $REPO_COMP" \
    >"$REPO_T/apt-c2/etc/sources.list"
rm -rf "$REPO_T"/apt-c2/state/lists/*_*
apt_in c2 apt-get -q update >"$T/c2-tp-update.log" 2>&1
avail=$(apt_in c2 apt-cache policy aptbt-tp 2>/dev/null | grep -c 'Candidate: 1.0')
cached=$(find "$T/p/cache" -type f -exec sha256sum {} + | grep -c "$BAD_GZ")
[ "$avail" -eq 0 ] && [ "$cached" -eq 0 ] &&
	grep -q '^[WE]:' "$T/c2-tp-update.log" &&
	ok "a tampered Packages fails apt's update ($(grep -c '^[WE]:' "$T/c2-tp-update.log") errors), is not used nor cached" ||
	bad "daemon: tampered Packages: candidate $avail, cached $cached times"

# --- 3d. an HTTPS repository through the /HTTPS/// form ----------------------
echo "deb [signed-by=$REPO_T/archive-key.gpg] http://$PROXY:3142/HTTPS///$MIRROR/debian $REPO_SUITE $REPO_COMP" \
    >"$REPO_T/apt-c2/etc/sources.list"
rm -f "$REPO_T/apt-c2/etc/apt.conf.d/01proxy"
rm -rf "$REPO_T"/apt-c2/state/lists/*_* "$REPO_T"/apt-c2/cache/archives/*.deb
m=$(ngx_lines)
apt_in c2 apt-get -q update >"$T/c2-https-update.log" 2>&1 &&
	! grep -q '^[WE]:' "$T/c2-https-update.log" ||
	bad "c2: apt-get update over HTTPS///: $(grep '^[WE]:' "$T/c2-https-update.log" | head -2)"
# shellcheck disable=SC2086
apt_in c2 apt-get -q -y install --download-only $ALL \
    >"$T/c2-https-install.log" 2>&1 ||
	bad "c2: install over HTTPS///: $(tail -2 "$T/c2-https-install.log")"
archives_ok c2 && ok "c2: all $NPKG packages through HTTPS///, signed SHA-256" ||
	bad "c2: packages through HTTPS/// missing or wrong"
n=$(awk -v m="$m" -v a="$PROXY" 'NR > m && $1 == a && $6 == "https" &&
    $5 ~ /InRelease$/ { n++ } END { print n + 0 }' "$REPO_NGINX/access.log")
h=$(awk -v m="$m" 'NR > m && $6 == "http"' "$REPO_NGINX/access.log" | wc -l)
[ "$n" -ge 1 ] && [ "$h" -eq 0 ] &&
	grep -q "https://$MIRROR/debian/dists/$REPO_SUITE: InRelease verified" \
	    "$T/aptbtd.log" &&
	ok "aptbtd fetched the suite over HTTPS ($n InRelease, $h plain http) and verified it" ||
	bad "daemon: HTTPS///: $n InRelease over https, $h plain http requests, or not verified"

# --- 4. attacks --------------------------------------------------------------
m=$(ngx_lines)
DEB=pool/$REPO_COMP/$(basename "$(ls "$POOL"/aptbt-small1_*.deb)")
code=$(ns_exec x curl -s -o /dev/null -w '%{http_code}' -x "http://$PROXY:3142" \
    "http://$MIRROR/debian/$DEB")
[ "$code" = 403 ] && ok "a client outside the scope gets 403" ||
	bad "daemon: a client outside the scope got $code"
# Idle connection held open while the rest goes on.
ns_bg c1 "$T/idle.log" "$PY" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 3142)); s.sendall(b"GET ")
time.sleep(30)' "$PROXY"
IDLE_PID=$NS_BG_PID
attack()	# NAME REQUEST
{
	local code
	code=$(raw_status c1 "$2")
	case $code in
	4??) ok "$1: $code" ;;
	*) bad "daemon: $1 answered '$code', not a 4xx" ;;
	esac
}
attack "CONNECT" "CONNECT $MIRROR:443 HTTP/1.1\r\nHost: $MIRROR:443\r\n\r\n"
attack "POST" "POST http://$MIRROR/debian/$DEB HTTP/1.1\r\nHost: $MIRROR\r\nContent-Length: 3\r\n\r\nabc"
attack "file: URL" "GET file:///etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"
attack "ftp: URL" "GET ftp://$MIRROR/debian/$DEB HTTP/1.1\r\nHost: x\r\n\r\n"
attack "loopback upstream" "GET http://127.0.0.1:$LOOP_PORT/debian/$DEB HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
attack "localhost upstream" "GET http://localhost:$LOOP_PORT/debian/$DEB HTTP/1.1\r\nHost: localhost\r\n\r\n"
attack "numeric loopback" "GET http://2130706433:$LOOP_PORT/debian/$DEB HTTP/1.1\r\nHost: x\r\n\r\n"
attack "path outside the archive" "GET http://$MIRROR/etc/passwd HTTP/1.1\r\nHost: $MIRROR\r\n\r\n"
attack "dot-dot path" "GET http://$MIRROR/debian/pool/../../etc/passwd HTTP/1.1\r\nHost: $MIRROR\r\n\r\n"
attack "escaped dots" "GET http://$MIRROR/debian/pool/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: $MIRROR\r\n\r\n"
attack "user info" "GET http://u:p@$MIRROR/debian/$DEB HTTP/1.1\r\nHost: $MIRROR\r\n\r\n"
attack "origin-form path" "GET /$MIRROR/../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"
big=$(head -c 20000 /dev/zero | tr '\0' a)
attack "20 KiB header" "GET http://$MIRROR/debian/$DEB HTTP/1.1\r\nHost: $MIRROR\r\nX-Big: $big\r\n\r\n"
n=$(awk -v m="$m" 'NR > m' "$REPO_NGINX/access.log" | wc -l)
l=$(grep -c hit "$T/loopback.log")
[ "$n" -eq 0 ] && [ "$l" -eq 0 ] &&
	ok "no attack reached nginx ($n requests) or the loopback listener ($l)" ||
	bad "daemon: attacks reached nginx $n times, the loopback listener $l times"
# A name resolving to loopback, and a mirror redirecting there: refused
# when aptbtd connects (a 5xx), the listener never reached.
for u in "http://evil.test:$LOOP_PORT/debian/$DEB" \
    "http://$MIRROR/debian/pool/main/redir_1_all.deb"; do
	code=$(ns_exec c1 curl -s -o /dev/null -w '%{http_code}' \
	    -x "http://$PROXY:3142" "$u")
	case $code in
	200|000) bad "daemon: $u answered $code" ;;
	*) ok "$u: $code" ;;
	esac
done
l=$(grep -c hit "$T/loopback.log")
r=$(grep -c "refusing to connect to a local address" "$T/aptbtd.log")
[ "$l" -eq 0 ] && [ "$r" -ge 2 ] &&
	ok "neither a name nor a redirect reached the loopback listener ($r connections refused)" ||
	bad "daemon: the loopback listener was reached $l times, $r connections refused"
# One address holds at most 32 connections: the 33rd is refused (503).
codes=$(ns_exec c1 "$PY" - "$PROXY" "http://$MIRROR/debian/$DEB" <<'PYEOF'
import socket, sys
conns, codes = [], []
for i in range(33):
    c = socket.create_connection((sys.argv[1], 3142), timeout=10)
    c.sendall(("HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n" % sys.argv[2]).encode())
    d = b""
    while b"\r\n\r\n" not in d:
        b = c.recv(4096)
        if not b:
            break
        d += b
    codes.append(d.split(b" ")[1].decode() if d.startswith(b"HTTP/") else "none")
    conns.append(c)
print(codes.count("200"), codes[-1])
PYEOF
)
[ "$codes" = "32 503" ] && ok "one client: 32 connections served, the 33rd gets 503" ||
	bad "daemon: 33 connections from one client: '$codes' (200s, last code), want '32 503'"
# Real clients are still served, with the idle one still connected.
alive "$IDLE_PID" || bad "the idle client was dropped early (test too slow?)"
code=$(ns_exec c1 curl -s -o "$T/again.deb" -w '%{http_code}' \
    -x "http://$PROXY:3142" "http://$MIRROR/debian/$DEB")
[ "$code" = 200 ] && cmp -s "$T/again.deb" "$REPO_ROOT/$DEB" &&
	ok "c1 still served (200) while a client sits idle" ||
	bad "daemon: c1 got $code while a client sits idle"
kill "$IDLE_PID" 2>/dev/null

# aptbt-ctl status counts what the proxy did.
status_field()
{
	"$APTBT_CTL" -s "$T/p/control.sock" --json status | "$PY" -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], -1))' "$1"
}
req=$(status_field proxy_requests)
ref=$(status_field proxy_refused)
sent=$(status_field proxy_bytes)
[ "$req" -ge $((3 * NPKG)) ] && [ "$ref" -ge 12 ] &&
    [ "$sent" -ge $((3 * DEB_BYTES)) ] &&
	ok "status: $req proxy requests, $ref refused, $sent bytes sent" ||
	bad "daemon: status says $req proxy requests, $ref refused, $sent bytes (want >= $((3 * NPKG)), 12, $((3 * DEB_BYTES)))"

alive "$DAEMON_PID" || bad "daemon: aptbtd died"
stop_wait "$DAEMON_PID"
[ "$STOP_RC" -eq 0 ] || bad "daemon: aptbtd exited with $STOP_RC"
grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T"/aptbtd*.log &&
	bad "daemon: sanitizer report"
[ "$fails" -eq 0 ] || fail "$fails checks failed"
echo "proxy.sh: all checks passed"
