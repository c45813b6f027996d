/* SPDX-License-Identifier: ISC */
/*
 * check_mirrorcurl.c - unit tests for common/mirrorcurl.c: what apt is
 * told of each failure, and the handle set-up's protocol limits.
 */
#include <check.h>
#include <stdbool.h>
#include <string.h>

#include <curl/curl.h>

#include "common/mirrorcurl.h"

/* Expected apart from the table it tests, row by row. */
static const struct {
	CURLcode	 rc;
	const char	*reason;
	bool		 transient;
	bool		 mirror_fault;
} want_curl[] = {
	{ CURLE_UNSUPPORTED_PROTOCOL, "BadURL", false, true },
	{ CURLE_FAILED_INIT, "InternalError", false, false },
	{ CURLE_URL_MALFORMAT, "BadURL", false, false },
	{ CURLE_NOT_BUILT_IN, "InternalError", false, false },
	{ CURLE_COULDNT_RESOLVE_PROXY, "ResolveFailure", true, true },
	{ CURLE_COULDNT_RESOLVE_HOST, "ResolveFailure", true, true },
	{ CURLE_COULDNT_CONNECT, "ConnectionRefused", true, true },
	{ CURLE_WEIRD_SERVER_REPLY, "ConnectionFailed", true, true },
	{ CURLE_REMOTE_ACCESS_DENIED, "HttpError404", false, false },
	{ CURLE_FTP_ACCEPT_FAILED, "ConnectionFailed", true, true },
	{ CURLE_FTP_WEIRD_PASS_REPLY, "FtpError", false, true },
	{ CURLE_FTP_ACCEPT_TIMEOUT, "Timeout", true, true },
	{ CURLE_FTP_WEIRD_PASV_REPLY, "FtpError", false, true },
	{ CURLE_FTP_WEIRD_227_FORMAT, "ConnectionFailed", true, true },
	{ CURLE_FTP_CANT_GET_HOST, "ConnectionFailed", true, true },
	{ CURLE_HTTP2, "ConnectionFailed", true, true },
	{ CURLE_FTP_COULDNT_SET_TYPE, "FtpError", false, true },
	{ CURLE_PARTIAL_FILE, "ConnectionFailed", true, true },
	{ CURLE_FTP_COULDNT_RETR_FILE, "FtpError", false, true },
	{ CURLE_QUOTE_ERROR, "FtpError", false, true },
	{ CURLE_WRITE_ERROR, "WriteError", true, false },
	{ CURLE_READ_ERROR, "InternalError", false, false },
	{ CURLE_OUT_OF_MEMORY, "InternalError", true, false },
	{ CURLE_OPERATION_TIMEDOUT, "Timeout", true, true },
	{ CURLE_FTP_PORT_FAILED, "FtpError", false, true },
	{ CURLE_FTP_COULDNT_USE_REST, "RangeNotSupported", true, true },
	{ CURLE_RANGE_ERROR, "RangeNotSupported", true, true },
	{ CURLE_SSL_CONNECT_ERROR, "ConnectionFailed", true, true },
	{ CURLE_BAD_DOWNLOAD_RESUME, "RangeNotSupported", true, true },
	{ CURLE_FUNCTION_NOT_FOUND, "InternalError", false, false },
	{ CURLE_ABORTED_BY_CALLBACK, "InternalError", false, false },
	{ CURLE_BAD_FUNCTION_ARGUMENT, "InternalError", false, false },
	{ CURLE_INTERFACE_FAILED, "ConnectionFailed", true, false },
	{ CURLE_TOO_MANY_REDIRECTS, "RedirectionLoop", false, true },
	{ CURLE_UNKNOWN_OPTION, "InternalError", false, false },
	{ CURLE_SETOPT_OPTION_SYNTAX, "InternalError", false, false },
	{ CURLE_GOT_NOTHING, "ConnectionFailed", true, true },
	{ CURLE_SSL_ENGINE_NOTFOUND, "TLSError", false, false },
	{ CURLE_SSL_ENGINE_SETFAILED, "TLSError", false, false },
	{ CURLE_SEND_ERROR, "ConnectionFailed", true, true },
	{ CURLE_RECV_ERROR, "ConnectionFailed", true, true },
	{ CURLE_SSL_CERTPROBLEM, "TLSError", false, false },
	{ CURLE_SSL_CIPHER, "TLSError", false, true },
	{ CURLE_PEER_FAILED_VERIFICATION, "TLSError", false, true },
	{ CURLE_BAD_CONTENT_ENCODING, "ConnectionFailed", true, true },
	{ CURLE_FILESIZE_EXCEEDED, "MaximumSizeExceeded", false, false },
	{ CURLE_USE_SSL_FAILED, "TLSError", false, true },
	{ CURLE_SSL_ENGINE_INITFAILED, "TLSError", false, false },
	{ CURLE_LOGIN_DENIED, "FtpError", false, true },
	{ CURLE_SSL_CACERT_BADFILE, "TLSError", false, false },
	{ CURLE_REMOTE_FILE_NOT_FOUND, "HttpError404", false, false },
	{ CURLE_SSL_SHUTDOWN_FAILED, "ConnectionFailed", true, true },
	{ CURLE_SSL_CRL_BADFILE, "TLSError", false, false },
	{ CURLE_SSL_ISSUER_ERROR, "TLSError", false, true },
	{ CURLE_FTP_PRET_FAILED, "FtpError", false, true },
	{ CURLE_FTP_BAD_FILE_LIST, "FtpError", false, true },
	{ CURLE_NO_CONNECTION_AVAILABLE, "ConnectionFailed", true, true },
	{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, "TLSError", false, true },
	{ CURLE_SSL_INVALIDCERTSTATUS, "TLSError", false, true },
	{ CURLE_HTTP2_STREAM, "ConnectionFailed", true, true },
	{ CURLE_RECURSIVE_API_CALL, "InternalError", false, false },
	{ CURLE_AUTH_ERROR, "InternalError", false, false },
	{ CURLE_HTTP3, "ConnectionFailed", true, true },
	{ CURLE_QUIC_CONNECT_ERROR, "ConnectionFailed", true, true },
	{ CURLE_PROXY, "ConnectionFailed", true, true },
	{ CURLE_SSL_CLIENTCERT, "TLSError", false, true },
	{ CURLE_UNRECOVERABLE_POLL, "InternalError", true, false },
};

/* apt's own transient statuses (methods/basehttp.cc), and others. */
static const struct {
	long		 status;
	const char	*reason;
	bool		 transient;
	const char	*text;
} want_http[] = {
	{ 400, "HttpError400", false, "Bad Request" },
	{ 401, "HttpError401", false, "Unauthorized" },
	{ 403, "HttpError403", false, "Forbidden" },
	{ 404, "HttpError404", false, "Not Found" },
	{ 405, "HttpError405", false, "Method Not Allowed" },
	{ 407, "HttpError407", false, "Proxy Authentication Required" },
	{ 408, "HttpError408", true, "Request Timeout" },
	{ 410, "HttpError410", false, "Gone" },
	{ 416, "HttpError416", false, "Range Not Satisfiable" },
	{ 429, "HttpError429", true, "Too Many Requests" },
	{ 500, "HttpError500", true, "Internal Server Error" },
	{ 501, "HttpError501", false, "Not Implemented" },
	{ 502, "HttpError502", true, "Bad Gateway" },
	{ 503, "HttpError503", true, "Service Unavailable" },
	{ 504, "HttpError504", true, "Gateway Timeout" },
	{ 505, "HttpError505", false, "HTTP Version Not Supported" },
	{ 599, "HttpError599", true, "Network Connect Timeout Error" },
	/* Unnamed ones: the number, never transient. */
	{ 300, "HttpError300", false, "HTTP error" },
	{ 418, "HttpError418", false, "HTTP error" },
	{ 451, "HttpError451", false, "HTTP error" },
	{ 507, "HttpError507", false, "HTTP error" },
	{ 999, "HttpError999", false, "HTTP error" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_curl_rows)
{
	struct mcurl_fail	 f;
	size_t			 i = (size_t)_i;

	mcurl_fail(&f, want_curl[i].rc, 0);
	ck_assert_msg(strcmp(f.reason, want_curl[i].reason) == 0,
	    "CURLcode %d: %s, want %s", (int)want_curl[i].rc, f.reason,
	    want_curl[i].reason);
	ck_assert_msg(f.transient == want_curl[i].transient,
	    "CURLcode %d: transient %d", (int)want_curl[i].rc, f.transient);
	ck_assert_msg(f.mirror_fault == want_curl[i].mirror_fault,
	    "CURLcode %d: mirror_fault %d", (int)want_curl[i].rc,
	    f.mirror_fault);
	ck_assert_ptr_nonnull(f.text);
	ck_assert(f.text[0] != '\0');
}
END_TEST

START_TEST(test_http_rows)
{
	struct mcurl_fail	 f;
	size_t			 i = (size_t)_i;

	mcurl_fail(&f, CURLE_HTTP_RETURNED_ERROR, want_http[i].status);
	ck_assert_str_eq(f.reason, want_http[i].reason);
	ck_assert_msg(f.transient == want_http[i].transient,
	    "status %ld: transient %d", want_http[i].status, f.transient);
	ck_assert_str_eq(f.text, want_http[i].text);
	ck_assert(f.mirror_fault == want_http[i].transient);
}
END_TEST

/* An FTP 4xx reply is "try again later"; 5xx is final. */
START_TEST(test_ftp_reply)
{
	static const CURLcode	 ftp[] = {
		CURLE_FTP_COULDNT_RETR_FILE, CURLE_LOGIN_DENIED,
		CURLE_REMOTE_ACCESS_DENIED, CURLE_FTP_WEIRD_PASV_REPLY,
		CURLE_QUOTE_ERROR,
	};
	struct mcurl_fail	 f;
	size_t			 i;

	for (i = 0; i < NITEMS(ftp); i++) {
		mcurl_fail(&f, ftp[i], 421);
		ck_assert_msg(f.transient, "CURLcode %d, 421", (int)ftp[i]);
		mcurl_fail(&f, ftp[i], 450);
		ck_assert(f.transient);
		mcurl_fail(&f, ftp[i], 550);
		ck_assert_msg(!f.transient, "CURLcode %d, 550", (int)ftp[i]);
		mcurl_fail(&f, ftp[i], 0);
		ck_assert(!f.transient);
	}
	/* The reply does not make other failures final, nor file ones passing. */
	mcurl_fail(&f, CURLE_OPERATION_TIMEDOUT, 550);
	ck_assert(f.transient);
	mcurl_fail(&f, CURLE_REMOTE_FILE_NOT_FOUND, 450);
	ck_assert(!f.transient);
	ck_assert_str_eq(f.reason, "HttpError404");
}
END_TEST

START_TEST(test_generic)
{
	struct mcurl_fail	 f;

	/* A code this table does not know: one libcurl may add later. */
	mcurl_fail(&f, (CURLcode)9999, 0);
	ck_assert_str_eq(f.reason, "ConnectionFailed");
	ck_assert(f.transient);
	ck_assert(f.mirror_fault);
	ck_assert_ptr_nonnull(f.text);
	/* Other protocols' codes cannot happen here: the same word. */
	mcurl_fail(&f, CURLE_TFTP_NOTFOUND, 0);
	ck_assert_str_eq(f.reason, "ConnectionFailed");
	/* An HTTP failure without a usable status. */
	mcurl_fail(&f, CURLE_HTTP_RETURNED_ERROR, 0);
	ck_assert_str_eq(f.reason, "ConnectionFailed");
	mcurl_fail(&f, CURLE_HTTP_RETURNED_ERROR, 12345678);
	ck_assert_str_eq(f.reason, "ConnectionFailed");
}
END_TEST

/* Every code, known or not, gets a word that fits and a message. */
START_TEST(test_every_code)
{
	struct mcurl_fail	 f;
	int			 rc;

	for (rc = 1; rc <= CURL_LAST; rc++) {
		memset(&f, 0x55, sizeof(f));
		mcurl_fail(&f, (CURLcode)rc, 404);
		ck_assert_msg(f.reason[0] != '\0', "CURLcode %d", rc);
		ck_assert(memchr(f.reason, '\0', sizeof(f.reason)) != NULL);
		ck_assert_ptr_nonnull(f.text);
	}
}
END_TEST

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* Only http, https and ftp: a file: URL is refused before any I/O. */
START_TEST(test_setup)
{
	static const char	*refused[] = {
		"file:///etc/passwd", "dict://127.0.0.1/x", "gopher://x/",
	};
	CURL			*e;
	size_t			 i;

	for (i = 0; i < NITEMS(refused); i++) {
		ck_assert_ptr_nonnull(e = curl_easy_init());
		ck_assert_int_eq(mcurl_setup(e, refused[i], 5, 5), 0);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		ck_assert_int_eq(curl_easy_perform(e),
		    CURLE_UNSUPPORTED_PROTOCOL);
		curl_easy_cleanup(e);
	}
}
END_TEST

static Suite *
mirrorcurl_suite(void)
{
	Suite	*s = suite_create("mirrorcurl");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_curl_rows, 0, NITEMS(want_curl));
	tcase_add_loop_test(tc, test_http_rows, 0, NITEMS(want_http));
	tcase_add_test(tc, test_ftp_reply);
	tcase_add_test(tc, test_generic);
	tcase_add_test(tc, test_every_code);
	tcase_add_test(tc, test_setup);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(mirrorcurl_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
