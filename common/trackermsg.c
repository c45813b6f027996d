/* SPDX-License-Identifier: ISC */
/*
 * trackermsg.c - tracker requests and replies (trackermsg.h).
 *
 * Trackers are other people's software: keys come in any order, unknown
 * keys are ignored, and a peer entry we cannot read is skipped and
 * counted rather than failing the whole reply.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bigend.h"
#include "common/trackermsg.h"

static const char *const trk_errors[TRK_NERRORS] = {
	[TRK_OK] = "no error",
	[TRK_ETOOBIG] = "reply too large",
	[TRK_EBENCODE] = "reply is not a bencoded dictionary",
	[TRK_EFORM] = "reply has a malformed field",
	[TRK_ESHORT] = "reply too short",
	[TRK_ETID] = "reply to another transaction",
	[TRK_EACTION] = "reply of an unexpected kind",
};

const char *
trk_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= TRK_NERRORS)
		return "unknown error";
	return trk_errors[err];
}

static const struct benc_limits trk_limits = {
	.max_input = TRK_MAX_REPLY,
	.max_tokens = 8192,
	.max_depth = 8,
};

/*
 * HTTP requests.
 */
static const char *const event_names[] = {
	[TRK_EV_NONE] = NULL,
	[TRK_EV_COMPLETED] = "completed",
	[TRK_EV_STARTED] = "started",
	[TRK_EV_STOPPED] = "stopped",
};

/* Append percent-encoded bytes (RFC 3986 unreserved pass as they are). */
static int
put_escaped(char *out, size_t outlen, size_t *pos, const uint8_t *p,
    size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i;

	for (i = 0; i < n; i++) {
		uint8_t	c = p[i];
		bool	plain = (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~';

		if (*pos + (plain ? 1 : 3) >= outlen)
			return -ENAMETOOLONG;
		if (plain)
			out[(*pos)++] = (char)c;
		else {
			out[(*pos)++] = '%';
			out[(*pos)++] = hex[c >> 4];
			out[(*pos)++] = hex[c & 15];
		}
	}
	out[*pos] = '\0';
	return 0;
}

static int
put_text(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
put_text(char *out, size_t outlen, size_t *pos, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(out + *pos, outlen - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outlen - *pos)
		return -ENAMETOOLONG;
	*pos += (size_t)n;
	return 0;
}

int
trk_http_url(char *out, size_t outlen, const char *announce,
    const struct trk_announce *a)
{
	size_t	pos = 0;

	if (outlen == 0)
		return -ENAMETOOLONG;
	if (put_text(out, outlen, &pos, "%s%cinfo_hash=", announce,
	    strchr(announce, '?') != NULL ? '&' : '?') != 0 ||
	    put_escaped(out, outlen, &pos, a->info_hash, 20) != 0 ||
	    put_text(out, outlen, &pos, "&peer_id=") != 0 ||
	    put_escaped(out, outlen, &pos, a->peer_id, 20) != 0 ||
	    put_text(out, outlen, &pos, "&port=%u&uploaded=%llu"
	    "&downloaded=%llu&left=%llu&compact=1&key=%08x", a->port,
	    (unsigned long long)a->uploaded,
	    (unsigned long long)a->downloaded,
	    (unsigned long long)a->left, a->key) != 0)
		return -ENAMETOOLONG;
	if (a->numwant >= 0 &&
	    put_text(out, outlen, &pos, "&numwant=%d", a->numwant) != 0)
		return -ENAMETOOLONG;
	if (a->event != TRK_EV_NONE && (unsigned)a->event < 4 &&
	    put_text(out, outlen, &pos, "&event=%s",
	    event_names[a->event]) != 0)
		return -ENAMETOOLONG;
	if (a->tracker_id != NULL && a->tracker_id[0] != '\0' &&
	    (put_text(out, outlen, &pos, "&trackerid=") != 0 ||
	    put_escaped(out, outlen, &pos, (const uint8_t *)a->tracker_id,
	    strlen(a->tracker_id)) != 0))
		return -ENAMETOOLONG;
	return 0;
}

int
trk_http_scrape_url(char *out, size_t outlen, const char *announce,
    const uint8_t info_hash[20])
{
	const char	*q = strchr(announce, '?'), *slash, *end;
	size_t		 pos = 0, qlen;

	end = q != NULL ? q : announce + strlen(announce);
	for (slash = end; slash > announce && slash[-1] != '/'; slash--)
		;
	if (slash == announce || (size_t)(end - slash) < 8 ||
	    strncmp(slash, "announce", 8) != 0)
		return -ENOTSUP;
	qlen = q != NULL ? strlen(q) : 0;
	if (put_text(out, outlen, &pos, "%.*sscrape%.*s%s%cinfo_hash=",
	    (int)(slash - announce), announce, (int)(end - slash - 8),
	    slash + 8, q != NULL ? q : "", qlen > 0 ? '&' : '?') != 0 ||
	    put_escaped(out, outlen, &pos, info_hash, 20) != 0)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * HTTP replies.
 */
static void
copy_text(char *dst, size_t dstlen, const uint8_t *s, size_t n)
{
	size_t	i;

	if (n >= dstlen)
		n = dstlen - 1;
	/* Shown in logs: no control bytes. */
	for (i = 0; i < n; i++)
		dst[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
	dst[n] = '\0';
}

static void
add_peer(struct trk_reply *r, int family, const uint8_t *addr, uint16_t port)
{
	struct trk_peer	*p;

	if (r->npeers == TRK_MAX_PEERS) {
		r->dropped++;
		return;
	}
	p = &r->peers[r->npeers++];
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	memcpy(p->addr, addr, family == 4 ? 4 : 16);
	p->port = port;
}

static void
add_compact(struct trk_reply *r, const uint8_t *s, size_t n, int family)
{
	size_t	w = family == 4 ? 6 : 18, i;

	for (i = 0; i + w <= n; i += w)
		add_peer(r, family, s + i,
		    (uint16_t)(s[i + w - 2] << 8 | s[i + w - 1]));
	if (n % w != 0)
		r->dropped++;
}

/* A peer dictionary {"ip": "1.2.3.4", "port": 6881}: numeric IPs only. */
static void
add_dict_peer(struct trk_reply *r, const struct benc_doc *d, int tok)
{
	const uint8_t	*ip;
	size_t		 iplen;
	int64_t		 port;
	char		 text[64];
	uint8_t		 a[16];

	if (d->toks[tok].type != BENC_DICT ||
	    !benc_dict_str(d, tok, "ip", &ip, &iplen) ||
	    !benc_dict_int(d, tok, "port", &port) ||
	    port < 0 || port > 65535 || iplen == 0 || iplen >= sizeof(text)) {
		r->dropped++;
		return;
	}
	memcpy(text, ip, iplen);
	text[iplen] = '\0';
	if (inet_pton(AF_INET, text, a) == 1)
		add_peer(r, 4, a, (uint16_t)port);
	else if (inet_pton(AF_INET6, text, a) == 1)
		add_peer(r, 6, a, (uint16_t)port);
	else
		r->dropped++;
}

/*
 * A batch path we would POST to: absolute, on the same host (no "//"),
 * plain characters only, so it cannot change what URL it is joined to.
 */
static bool
seeds_path_ok(const uint8_t *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > TRK_SEEDS_PATH_MAX || s[0] != '/' ||
	    (n > 1 && s[1] == '/'))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '/' ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_' || s[i] == '~'))
			return false;
	return true;
}

static void
reply_init(struct trk_reply *r)
{
	memset(r, 0, offsetof(struct trk_reply, peers));
	r->interval = r->min_interval = -1;
	r->complete = r->incomplete = -1;
}

/*
 * Parses a bencoded tracker reply into d.  Returns 0 with d a dictionary
 * (the caller frees it), 1 for a "failure reason" (*failed set, the text
 * copied to msg unless msg is NULL, d freed), or -TRK_E* (d freed).
 */
static int
reply_open(struct benc_doc *d, const uint8_t *buf, size_t len, bool *failed,
    char *msg, size_t msglen)
{
	const uint8_t	*s;
	size_t		 n;

	if (len > TRK_MAX_REPLY)
		return -TRK_ETOOBIG;
	if (benc_parse(d, buf, len, &trk_limits, 0) != 0)
		return -TRK_EBENCODE;
	if (d->toks[0].type != BENC_DICT) {
		benc_free(d);
		return -TRK_EBENCODE;
	}
	if (benc_dict_str(d, 0, "failure reason", &s, &n)) {
		*failed = true;
		if (msg != NULL)
			copy_text(msg, msglen, s, n);
		benc_free(d);
		return 1;
	}
	return 0;
}

int
trk_http_parse(const uint8_t *buf, size_t len, struct trk_reply *r)
{
	struct benc_doc	 d;
	const uint8_t	*s;
	size_t		 n;
	int		 rc, t, i;

	reply_init(r);
	if ((rc = reply_open(&d, buf, len, &r->failed, r->message,
	    sizeof(r->message))) != 0)
		return rc > 0 ? 0 : rc;
	rc = -TRK_EFORM;
	if (benc_dict_get(&d, 0, "failure reason") >= 0)
		goto out;
	if (benc_dict_str(&d, 0, "warning message", &s, &n)) {
		r->warning = true;
		copy_text(r->message, sizeof(r->message), s, n);
	}
	if (benc_dict_get(&d, 0, "interval") >= 0 &&
	    !benc_dict_int(&d, 0, "interval", &r->interval))
		goto out;
	if (benc_dict_get(&d, 0, "min interval") >= 0 &&
	    !benc_dict_int(&d, 0, "min interval", &r->min_interval))
		goto out;
	(void)benc_dict_int(&d, 0, "complete", &r->complete);
	(void)benc_dict_int(&d, 0, "incomplete", &r->incomplete);
	if (benc_dict_str(&d, 0, "tracker id", &s, &n) && n <= TRK_ID_MAX)
		copy_text(r->tracker_id, sizeof(r->tracker_id), s, n);
	if (benc_dict_str(&d, 0, "aptbt seeds", &s, &n) && seeds_path_ok(s, n))
		copy_text(r->seeds_path, sizeof(r->seeds_path), s, n);
	if ((t = benc_dict_get(&d, 0, "peers")) >= 0) {
		if (d.toks[t].type == BENC_STR)
			add_compact(r, d.buf + d.toks[t].sstart,
			    d.toks[t].slen, 4);
		else if (d.toks[t].type == BENC_LIST)
			for (i = benc_first(&d, t); i >= 0;
			    i = benc_next(&d, t, i))
				add_dict_peer(r, &d, i);
		else
			goto out;
	}
	if ((t = benc_dict_get(&d, 0, "peers6")) >= 0) {
		if (d.toks[t].type != BENC_STR)
			goto out;
		add_compact(r, d.buf + d.toks[t].sstart, d.toks[t].slen, 6);
	}
	/* An announce reply names its interval; anything else is not one. */
	if (r->interval < 0)
		goto out;
	rc = 0;
out:
	benc_free(&d);
	return rc;
}

/*
 * Batched seed announces.
 */
int
trk_batch_body(uint8_t *out, size_t outlen, const struct trk_batch *b)
{
	char	head[128];
	int	n;
	size_t	pos, hl;

	if (b->n == 0 || b->n > TRK_BATCH_MAX ||
	    b->event == TRK_EV_COMPLETED || (unsigned)b->event > 3)
		return -EINVAL;
	/* Keys in byte order, as bencode wants them. */
	n = snprintf(head, sizeof(head), "d5:event%zu:%s6:hashes%zu:",
	    b->event == TRK_EV_NONE ? (size_t)0 :
	    strlen(event_names[b->event]),
	    b->event == TRK_EV_NONE ? "" : event_names[b->event], 20 * b->n);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENAMETOOLONG;
	hl = (size_t)n;
	if (hl + 20 * b->n + 64 > outlen ||
	    hl + 20 * b->n + 64 > TRK_BATCH_BODY_MAX)
		return -ENAMETOOLONG;
	memcpy(out, head, hl);
	memcpy(out + hl, b->hashes, 20 * b->n);
	pos = hl + 20 * b->n;
	n = snprintf((char *)out + pos, outlen - pos, "3:key8:%08x7:peer_id20:",
	    b->key);
	pos += (size_t)n;
	memcpy(out + pos, b->peer_id, 20);
	pos += 20;
	n = snprintf((char *)out + pos, outlen - pos, "4:porti%ue" "e",
	    b->port);
	pos += (size_t)n;
	return (int)pos;
}

int
trk_batch_url(char *out, size_t outlen, const char *announce,
    const char *path)
{
	const char	*host = strstr(announce, "://");
	size_t		 len;

	if (host == NULL || host[3] == '\0' || strchr("/?#", host[3]) != NULL)
		return -EINVAL;
	host += 3;
	len = (size_t)(host - announce) + strcspn(host, "/?#");
	if (len + strlen(path) >= outlen)
		return -ENAMETOOLONG;
	memcpy(out, announce, len);
	strcpy(out + len, path);
	return 0;
}

int
trk_batch_parse(const uint8_t *buf, size_t len, struct trk_batch_reply *r)
{
	struct benc_doc	 d;
	int		 rc;

	memset(r, 0, sizeof(*r));
	r->interval = r->count = -1;
	if ((rc = reply_open(&d, buf, len, &r->failed, r->message,
	    sizeof(r->message))) != 0)
		return rc > 0 ? 0 : rc;
	rc = -TRK_EFORM;
	if (!benc_dict_int(&d, 0, "interval", &r->interval) ||
	    r->interval < 0)
		goto out;
	if (benc_dict_get(&d, 0, "count") >= 0 &&
	    (!benc_dict_int(&d, 0, "count", &r->count) || r->count < 0))
		goto out;
	rc = 0;
out:
	benc_free(&d);
	return rc;
}

int
trk_http_scrape_parse(const uint8_t *buf, size_t len,
    const uint8_t info_hash[20], struct trk_scrape *s, bool *failed)
{
	struct benc_doc	 d;
	int		 files, i, rc;

	s->complete = s->downloaded = s->incomplete = -1;
	*failed = false;
	if ((rc = reply_open(&d, buf, len, failed, NULL, 0)) != 0)
		return rc > 0 ? 0 : rc;
	rc = -TRK_EFORM;
	if ((files = benc_dict_get_type(&d, 0, "files", BENC_DICT)) < 0)
		goto out;
	for (i = benc_first(&d, files); i >= 0; i = benc_next(&d, files, i)) {
		int	v = (int)d.toks[i].next;	/* the value after the key */

		if (d.toks[i].slen == 20 &&
		    memcmp(d.buf + d.toks[i].sstart, info_hash, 20) == 0) {
			if (d.toks[v].type != BENC_DICT)
				goto out;
			(void)benc_dict_int(&d, v, "complete", &s->complete);
			(void)benc_dict_int(&d, v, "downloaded",
			    &s->downloaded);
			(void)benc_dict_int(&d, v, "incomplete",
			    &s->incomplete);
			break;
		}
		i = v;	/* benc_next steps over the value */
	}
	rc = 0;
out:
	benc_free(&d);
	return rc;
}

/*
 * UDP.
 */
size_t
trk_udp_connect(uint8_t out[TRK_UDP_CONNECT_LEN], uint32_t tid)
{
	be_put64(out, TRK_UDP_MAGIC);
	be_put32(out + 8, TRK_ACT_CONNECT);
	be_put32(out + 12, tid);
	return TRK_UDP_CONNECT_LEN;
}

size_t
trk_udp_announce(uint8_t out[TRK_UDP_ANNOUNCE_LEN], uint64_t cid,
    uint32_t tid, const struct trk_announce *a)
{
	be_put64(out, cid);
	be_put32(out + 8, TRK_ACT_ANNOUNCE);
	be_put32(out + 12, tid);
	memcpy(out + 16, a->info_hash, 20);
	memcpy(out + 36, a->peer_id, 20);
	be_put64(out + 56, a->downloaded);
	be_put64(out + 64, a->left);
	be_put64(out + 72, a->uploaded);
	be_put32(out + 80, (uint32_t)a->event);
	be_put32(out + 84, 0);		/* IP: the sender's */
	be_put32(out + 88, a->key);
	be_put32(out + 92, (uint32_t)a->numwant);	/* -1: default */
	out[96] = (uint8_t)(a->port >> 8);
	out[97] = (uint8_t)a->port;
	return TRK_UDP_ANNOUNCE_LEN;
}

size_t
trk_udp_scrape(uint8_t *out, size_t outlen, uint64_t cid, uint32_t tid,
    const uint8_t (*hashes)[20], size_t n)
{
	size_t	i;

	if (n > TRK_SCRAPE_MAX)
		n = TRK_SCRAPE_MAX;
	if (outlen < 16 + 20 * n)
		return 0;
	be_put64(out, cid);
	be_put32(out + 8, TRK_ACT_SCRAPE);
	be_put32(out + 12, tid);
	for (i = 0; i < n; i++)
		memcpy(out + 16 + 20 * i, hashes[i], 20);
	return 16 + 20 * n;
}

int
trk_udp_parse(const uint8_t *buf, size_t len, uint32_t tid,
    enum trk_action want, bool ipv6, uint64_t *cid, struct trk_reply *r,
    struct trk_scrape *s, size_t nscrape)
{
	uint32_t	action;
	size_t		i;

	if (len > TRK_MAX_REPLY)
		return -TRK_ETOOBIG;
	if (len < 8)
		return -TRK_ESHORT;
	action = be_get32(buf);
	if (be_get32(buf + 4) != tid)
		return -TRK_ETID;
	if (action == TRK_ACT_ERROR) {
		if (r != NULL) {
			reply_init(r);
			r->failed = true;
			copy_text(r->message, sizeof(r->message), buf + 8,
			    len - 8);
		}
		return TRK_ACT_ERROR;
	}
	if (action != (uint32_t)want)
		return -TRK_EACTION;
	switch (want) {
	case TRK_ACT_CONNECT:
		if (len < 16)
			return -TRK_ESHORT;
		if (cid != NULL)
			*cid = be_get64(buf + 8);
		break;
	case TRK_ACT_ANNOUNCE:
		if (len < 20)
			return -TRK_ESHORT;
		if (r == NULL)
			break;
		reply_init(r);
		r->interval = be_get32(buf + 8);
		r->incomplete = be_get32(buf + 12);
		r->complete = be_get32(buf + 16);
		add_compact(r, buf + 20, len - 20, ipv6 ? 6 : 4);
		break;
	case TRK_ACT_SCRAPE:
		if (len < 8 + 12 * (nscrape > 0 ? 1 : 0))
			return -TRK_ESHORT;
		for (i = 0; s != NULL && i < nscrape; i++) {
			if (8 + 12 * (i + 1) > len) {
				s[i].complete = s[i].downloaded =
				    s[i].incomplete = -1;
				continue;
			}
			s[i].complete = be_get32(buf + 8 + 12 * i);
			s[i].downloaded = be_get32(buf + 12 + 12 * i);
			s[i].incomplete = be_get32(buf + 16 + 12 * i);
		}
		break;
	default:
		return -TRK_EACTION;
	}
	return (int)want;
}

/*
 * Which peers may be dialled.
 */
bool
trk_peer_dialable(const struct trk_peer *p)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const uint8_t		*a = p->addr;
	size_t			 i;

	if (p->port == 0)
		return false;
	if (p->family == 6 && memcmp(a, mapped, 12) == 0)
		a += 12;		/* judge the IPv4 address inside */
	else if (p->family == 6) {
		for (i = 0; i < 16 && a[i] == 0; i++)
			;
		if (i == 16 || (i == 15 && a[15] == 1))	/* :: and ::1 */
			return false;
		if (a[0] == 0xff)				/* multicast */
			return false;
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)	/* fe80::/10 */
			return false;
		return true;
	} else if (p->family != 4)
		return false;
	if (a[0] == 0 || a[0] == 127)			/* 0/8, 127/8 */
		return false;
	if (a[0] == 169 && a[1] == 254)			/* link-local */
		return false;
	if (a[0] >= 224)		/* multicast, reserved, broadcast */
		return false;
	return true;
}

bool
trk_addr_public(const struct sockaddr *sa)
{
	struct trk_peer	p = { .port = 1 };

	if (sa->sa_family == AF_INET) {
		p.family = 4;
		memcpy(p.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		p.family = 6;
		memcpy(p.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    16);
	} else
		return false;
	return trk_peer_dialable(&p);
}

int64_t
trk_clamp_interval(int64_t v, int64_t def, int64_t lo, int64_t hi)
{
	if (v <= 0)
		v = def;
	return v < lo ? lo : v > hi ? hi : v;
}
