/* SPDX-License-Identifier: ISC */
/*
 * check_ctlproto.c - unit tests for common/ctlproto.c.
 *
 * Every builder's output must be one complete frame whose payload parses
 * as a strict dict with the keys doc/control-protocol.md documents: the
 * daemon and its clients rely on nothing else.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/bytebuf.h"
#include "common/ctlproto.h"

static size_t
hdr_len(const uint8_t *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 |
	    p[3];
}

/* The buffer holds exactly one frame; parse its payload. */
static void
one_frame(const struct bytebuf *b, struct benc_doc *d)
{
	ssize_t	n;
	size_t	i;

	ck_assert(!bytebuf_failed(b));
	ck_assert_uint_ge(b->len, CTL_HDR_LEN);
	n = ctl_frame_check(b->data, b->len);
	ck_assert_int_eq(n, (ssize_t)b->len);
	ck_assert_uint_eq(hdr_len(b->data), b->len - CTL_HDR_LEN);
	for (i = 0; i < b->len; i++)
		ck_assert_int_eq(ctl_frame_check(b->data, i), 0);
	ck_assert_int_eq(ctl_msg_parse(d, b->data + CTL_HDR_LEN,
	    b->len - CTL_HDR_LEN), 0);
	ck_assert_int_eq(d->toks[0].type, BENC_DICT);
	/* Strict form: the builders emit canonical bencode. */
	{
		struct benc_doc	strict;

		ck_assert_int_eq(benc_parse(&strict, b->data + CTL_HDR_LEN,
		    b->len - CTL_HDR_LEN, NULL, BENC_STRICT), 0);
		benc_free(&strict);
	}
}

/* The dict's keys, in order, joined by ','. */
static void
keys_of(const struct benc_doc *d, int dict, char *out, size_t outlen)
{
	const uint8_t	*p;
	size_t		 n, used = 0;
	int		 k;

	out[0] = '\0';
	for (k = benc_first(d, dict); k >= 0;
	    k = benc_next(d, dict, benc_next(d, dict, k))) {
		p = benc_str(d, k, &n);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_lt(used + n + 2, outlen);
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, p, n);
		used += n;
		out[used] = '\0';
	}
}

START_TEST(test_frame_round_trip)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct benc_doc	 d;
	size_t		 mark, first;
	int64_t		 v;

	bytebuf_puts(&b, "junk");	/* frames may follow other data */
	mark = ctl_frame_begin(&b);
	ck_assert_uint_eq(mark, 4);
	ck_assert_uint_eq(b.len, 4 + CTL_HDR_LEN);
	benc_put_dict(&b);
	benc_put_kv_int(&b, "id", 9);
	benc_put_end(&b);
	ck_assert_int_eq(ctl_frame_end(&b, mark), 0);
	ck_assert_uint_eq(hdr_len(b.data + mark), 9);
	ck_assert_int_eq(ctl_frame_check(b.data + mark, b.len - mark),
	    (ssize_t)(CTL_HDR_LEN + 9));
	ck_assert_int_eq(ctl_msg_parse(&d, b.data + mark + CTL_HDR_LEN, 9),
	    0);
	ck_assert(benc_dict_int(&d, 0, "id", &v));
	ck_assert_int_eq(v, 9);
	benc_free(&d);

	/* A second frame behind the first: check sees only the first. */
	bytebuf_consume(&b, mark);
	first = b.len;
	mark = ctl_frame_begin(&b);
	bytebuf_puts(&b, "de");
	ck_assert_int_eq(ctl_frame_end(&b, mark), 0);
	ck_assert_int_eq(ctl_frame_check(b.data, b.len), (ssize_t)first);
	ck_assert_int_eq(ctl_frame_check(b.data + first, b.len - first),
	    (ssize_t)(CTL_HDR_LEN + 2));
	ck_assert_int_eq(ctl_frame_check(b.data, first - 1), 0);

	/* An empty payload is a complete (if useless) frame. */
	bytebuf_reset(&b);
	mark = ctl_frame_begin(&b);
	ck_assert_int_eq(ctl_frame_end(&b, mark), 0);
	ck_assert_int_eq(ctl_frame_check(b.data, b.len), CTL_HDR_LEN);
	ck_assert_int_eq(ctl_msg_parse(&d, b.data + CTL_HDR_LEN, 0),
	    -EBADMSG);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_frame_sizes)
{
	uint8_t		 hdr[CTL_HDR_LEN + 1];
	struct bytebuf	 b = BYTEBUF_INIT;
	size_t		 mark;
	uint8_t		*big;

	/* The largest allowed frame, announced but not yet here. */
	hdr[0] = CTL_MAX_FRAME >> 24;
	hdr[1] = (CTL_MAX_FRAME >> 16) & 0xff;
	hdr[2] = (CTL_MAX_FRAME >> 8) & 0xff;
	hdr[3] = CTL_MAX_FRAME & 0xff;
	ck_assert_int_eq(ctl_frame_check(hdr, CTL_HDR_LEN), 0);
	/* One more byte is refused as soon as the header is in. */
	hdr[3]++;
	ck_assert_int_eq(ctl_frame_check(hdr, CTL_HDR_LEN), -EMSGSIZE);
	ck_assert_int_eq(ctl_frame_check(hdr, 3), 0);
	memset(hdr, 0xff, sizeof(hdr));
	ck_assert_int_eq(ctl_frame_check(hdr, sizeof(hdr)), -EMSGSIZE);
	ck_assert_int_eq(ctl_frame_check(NULL, 0), 0);

	/* The builder refuses what the reader would refuse. */
	big = calloc(1, CTL_MAX_FRAME + 1);
	ck_assert_ptr_nonnull(big);
	mark = ctl_frame_begin(&b);
	bytebuf_append(&b, big, CTL_MAX_FRAME);
	ck_assert_int_eq(ctl_frame_end(&b, mark), 0);
	ck_assert_int_eq(ctl_frame_check(b.data, b.len),
	    (ssize_t)(CTL_HDR_LEN + CTL_MAX_FRAME));
	bytebuf_reset(&b);
	mark = ctl_frame_begin(&b);
	bytebuf_append(&b, big, CTL_MAX_FRAME + 1);
	ck_assert_int_eq(ctl_frame_end(&b, mark), -EMSGSIZE);
	free(big);

	/* A failed buffer never yields a frame. */
	bytebuf_reset(&b);
	mark = ctl_frame_begin(&b);
	bytebuf_reserve(&b, SIZE_MAX);
	ck_assert_int_eq(ctl_frame_end(&b, mark), -ENOMEM);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_request)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct benc_doc	 d;
	char		 k[128];
	const uint8_t	*p;
	size_t		 n, mark;
	int64_t		 v;
	int		 args;

	mark = ctl_put_request_begin(&b);
	benc_put_kv_str(&b, "sha256", "00ff");
	ck_assert_int_eq(ctl_put_request_end(&b, mark, "status", 17), 0);
	one_frame(&b, &d);
	keys_of(&d, 0, k, sizeof(k));
	ck_assert_str_eq(k, "args,cmd,id");
	ck_assert(benc_dict_str(&d, 0, "cmd", &p, &n));
	ck_assert_uint_eq(n, 6);
	ck_assert_mem_eq(p, "status", 6);
	ck_assert(benc_dict_int(&d, 0, "id", &v));
	ck_assert_int_eq(v, 17);
	args = benc_dict_get_type(&d, 0, "args", BENC_DICT);
	ck_assert_int_gt(args, 0);
	ck_assert(benc_dict_str(&d, args, "sha256", &p, &n));
	ck_assert_mem_eq(p, "00ff", 4);
	benc_free(&d);

	/* No arguments: an empty args dict. */
	bytebuf_reset(&b);
	mark = ctl_put_request_begin(&b);
	ck_assert_int_eq(ctl_put_request_end(&b, mark, "pause", 1), 0);
	one_frame(&b, &d);
	args = benc_dict_get_type(&d, 0, "args", BENC_DICT);
	ck_assert_int_gt(args, 0);
	ck_assert_uint_eq(d.toks[args].count, 0);
	benc_free(&d);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_reply_and_event)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct benc_doc	 d;
	char		 k[128];
	size_t		 mark;
	int64_t		 v;
	int		 res;

	mark = ctl_put_reply_begin(&b, 5, NULL);
	benc_put_kv_int(&b, "peers", 3);
	ck_assert_int_eq(ctl_put_reply_end(&b, mark), 0);
	one_frame(&b, &d);
	keys_of(&d, 0, k, sizeof(k));
	ck_assert_str_eq(k, "id,ok,result");
	ck_assert(benc_dict_int(&d, 0, "id", &v));
	ck_assert_int_eq(v, 5);
	ck_assert(benc_dict_int(&d, 0, "ok", &v));
	ck_assert_int_eq(v, 1);
	res = benc_dict_get_type(&d, 0, "result", BENC_DICT);
	ck_assert_int_gt(res, 0);
	ck_assert(benc_dict_int(&d, res, "peers", &v));
	ck_assert_int_eq(v, 3);
	benc_free(&d);

	bytebuf_reset(&b);
	mark = ctl_put_reply_begin(&b, -2, "progress");
	ck_assert_int_eq(ctl_put_reply_end(&b, mark), 0);
	one_frame(&b, &d);
	keys_of(&d, 0, k, sizeof(k));
	ck_assert_str_eq(k, "event,id,ok,result");
	ck_assert(benc_str_eq(&d, benc_dict_get(&d, 0, "event"), "progress"));
	ck_assert(benc_dict_int(&d, 0, "id", &v));
	ck_assert_int_eq(v, -2);
	benc_free(&d);
	bytebuf_free(&b);
}
END_TEST

START_TEST(test_error)
{
	struct bytebuf	 b = BYTEBUF_INIT;
	struct benc_doc	 d;
	char		 k[128];
	int64_t		 v;

	ck_assert_int_eq(ctl_put_error(&b, 8, "no such file", NULL, 0), 0);
	one_frame(&b, &d);
	keys_of(&d, 0, k, sizeof(k));
	ck_assert_str_eq(k, "error,id,ok");
	ck_assert(benc_str_eq(&d, benc_dict_get(&d, 0, "error"),
	    "no such file"));
	ck_assert(benc_dict_int(&d, 0, "ok", &v));
	ck_assert_int_eq(v, 0);
	benc_free(&d);

	bytebuf_reset(&b);
	ck_assert_int_eq(ctl_put_error(&b, 9, "busy", "busy", 1), 0);
	one_frame(&b, &d);
	keys_of(&d, 0, k, sizeof(k));
	ck_assert_str_eq(k, "error,id,ok,reason,transient");
	ck_assert(benc_str_eq(&d, benc_dict_get(&d, 0, "reason"), "busy"));
	ck_assert(benc_dict_int(&d, 0, "transient", &v));
	ck_assert_int_eq(v, 1);
	ck_assert(benc_dict_int(&d, 0, "id", &v));
	ck_assert_int_eq(v, 9);
	benc_free(&d);

	bytebuf_reset(&b);
	ck_assert_int_eq(ctl_put_error(&b, 10, "", "denied", 0), 0);
	one_frame(&b, &d);
	ck_assert(benc_dict_int(&d, 0, "transient", &v));
	ck_assert_int_eq(v, 0);
	benc_free(&d);
	bytebuf_free(&b);
}
END_TEST

static const char *const bad_payloads[] = {
	"", "i1e", "4:spam", "le", "d", "d2:idi1e", "d2:idi1ee4:junk",
	"d2:okd1:bi1e1:ai2eee", "d2:ok1:x2:id1:xe", "d2:id1:x2:id1:xe",
	"d2:idi01ee", "x",
};

START_TEST(test_parse_rejects)
{
	struct benc_doc	d;
	size_t		i;

	for (i = 0; i < sizeof(bad_payloads) / sizeof(bad_payloads[0]); i++) {
		memset(&d, 0xa5, sizeof(d));
		ck_assert_msg(ctl_msg_parse(&d, (const uint8_t *)bad_payloads[i],
		    strlen(bad_payloads[i])) == -EBADMSG, "accepted \"%s\"",
		    bad_payloads[i]);
		/* Nothing left to free, and freeing is harmless. */
		ck_assert_ptr_null(d.toks);
		benc_free(&d);
	}
	ck_assert_int_eq(ctl_msg_parse(&d, (const uint8_t *)"de", 2), 0);
	benc_free(&d);
}
END_TEST

static Suite *
ctlproto_suite(void)
{
	Suite	*s = suite_create("ctlproto");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_frame_round_trip);
	tcase_add_test(tc, test_frame_sizes);
	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_reply_and_event);
	tcase_add_test(tc, test_error);
	tcase_add_test(tc, test_parse_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ctlproto_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
