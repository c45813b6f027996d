/* SPDX-License-Identifier: ISC */
/*
 * check_history.c - unit tests for daemon/base/history.c (the hour of
 * ten-second slots behind the status page's plot) and the page's HTML
 * escaping (daemon/web/html.c).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "daemon/base/history.h"
#include "daemon/web/render.h"

static time_t	fake_now;

static time_t
fake_clock(void)
{
	return fake_now;
}

START_TEST(test_slots)
{
	uint64_t	v[HISTORY_SLOTS];
	size_t		i;

	fake_now = 100000;
	history_set_clock(fake_clock);
	history_read(HIST_PEERS, v);
	for (i = 0; i < HISTORY_SLOTS; i++)
		ck_assert_uint_eq(v[i], 0);

	history_add(HIST_PEERS, 500);
	history_add(HIST_PEERS, 250);
	history_add(HIST_MIRRORS, 7);
	history_read(HIST_PEERS, v);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 1], 750);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 2], 0);
	history_read(HIST_MIRRORS, v);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 1], 7);

	/* Three slots later the bytes have moved three places back. */
	fake_now += 3 * HISTORY_SLOT_S;
	history_add(HIST_PEERS, 1);
	history_read(HIST_PEERS, v);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 1], 1);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 4], 750);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 2], 0);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 3], 0);

	/* Reading moves the ring on too: an idle stretch reads zero. */
	fake_now += (HISTORY_SLOTS - 4) * HISTORY_SLOT_S;
	history_read(HIST_PEERS, v);
	ck_assert_uint_eq(v[0], 750);
	fake_now += HISTORY_SLOT_S;
	history_read(HIST_PEERS, v);
	ck_assert_uint_eq(v[0], 0);
	ck_assert_uint_eq(v[2], 1);

	/* After more than an hour nothing is left. */
	fake_now += 2 * HISTORY_SLOTS * HISTORY_SLOT_S;
	history_read(HIST_PEERS, v);
	for (i = 0; i < HISTORY_SLOTS; i++)
		ck_assert_uint_eq(v[i], 0);
	history_read(HIST_MIRRORS, v);
	for (i = 0; i < HISTORY_SLOTS; i++)
		ck_assert_uint_eq(v[i], 0);
}
END_TEST

/* Seconds within one slot share it; a clock that steps back is ignored. */
START_TEST(test_same_slot)
{
	uint64_t	v[HISTORY_SLOTS];

	fake_now = 200000;
	history_set_clock(fake_clock);
	history_add(HIST_UPLOAD, 1);
	fake_now += HISTORY_SLOT_S - 1;
	history_add(HIST_UPLOAD, 2);
	fake_now -= 5 * HISTORY_SLOT_S;
	history_add(HIST_UPLOAD, 4);
	history_read(HIST_UPLOAD, v);
	ck_assert_uint_eq(v[HISTORY_SLOTS - 1], 7);
}
END_TEST

static char *
drain(struct evbuffer *b)
{
	static char	out[256];
	size_t		n;

	n = evbuffer_get_length(b);
	ck_assert_uint_lt(n, sizeof(out));
	evbuffer_remove(b, out, n);
	out[n] = '\0';
	return out;
}

static char *
escaped(const char *in)
{
	static struct evbuffer	*b;

	if (b == NULL)
		b = evbuffer_new();
	ck_assert_ptr_nonnull(b);
	html_put(b, in);
	return drain(b);
}

static char *
bytes(uint64_t n)
{
	static struct evbuffer	*b;

	if (b == NULL)
		b = evbuffer_new();
	ck_assert_ptr_nonnull(b);
	html_put_bytes(b, n);
	return drain(b);
}

static char *
percent(uint64_t part, uint64_t whole)
{
	static struct evbuffer	*b;

	if (b == NULL)
		b = evbuffer_new();
	ck_assert_ptr_nonnull(b);
	html_put_percent(b, part, whole);
	return drain(b);
}

/* Numbers without printf: the same figures printf("%.1f") would give. */
START_TEST(test_numbers)
{
	ck_assert_str_eq(bytes(0), "0 B");
	ck_assert_str_eq(bytes(1023), "1023 B");
	ck_assert_str_eq(bytes(1024), "1.0 KiB");
	ck_assert_str_eq(bytes(1536), "1.5 KiB");
	ck_assert_str_eq(bytes(1048575), "1024.0 KiB");
	ck_assert_str_eq(bytes(25165824), "24.0 MiB");
	ck_assert_str_eq(bytes(3ULL << 30 | 1ULL << 29), "3.5 GiB");
	ck_assert_str_eq(bytes(UINT64_MAX), "16.0 EiB");
	ck_assert_str_eq(percent(0, 10), "0.0");
	ck_assert_str_eq(percent(5, 8), "62.5");
	ck_assert_str_eq(percent(1, 3), "33.3");
	ck_assert_str_eq(percent(2, 3), "66.7");
	ck_assert_str_eq(percent(999999, 1000000), "100.0");
	ck_assert_str_eq(percent(7, 7), "100.0");
	ck_assert_str_eq(percent(0, 0), "100.0");
	ck_assert_str_eq(percent(UINT64_MAX - 1, UINT64_MAX), "100.0");
	ck_assert_str_eq(percent(UINT64_MAX / 4, UINT64_MAX), "25.0");
}
END_TEST

START_TEST(test_html)
{
	ck_assert_str_eq(escaped(""), "");
	ck_assert_str_eq(escaped("plain/text.deb"), "plain/text.deb");
	ck_assert_str_eq(escaped("<script>a&b</script>"),
	    "&lt;script&gt;a&amp;b&lt;/script&gt;");
	ck_assert_str_eq(escaped("x\"y'z"), "x&quot;y&#39;z");
	/* Control characters become U+FFFD, never raw bytes. */
	ck_assert_str_eq(escaped("a\nb\x01"), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}
END_TEST

static Suite *
history_suite(void)
{
	Suite	*s = suite_create("history");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_same_slot);
	tcase_add_test(tc, test_html);
	tcase_add_test(tc, test_numbers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(history_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
