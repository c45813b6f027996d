/* SPDX-License-Identifier: ISC */
/*
 * mirrorcurl.c - the easy handle set-up and the failure table shared by
 * the daemon's webseed transfers and the method's direct fetches.
 *
 * The words are apt's where apt has one (methods/connect.cc,
 * methods/basehttp.cc); apt's own transient HTTP statuses are the ones
 * in basehttp.cc.  Where apt has none, a few of ours say which kind of
 * trouble it was.  FTP has no status for a missing file but curl's
 * CURLE_REMOTE_FILE_NOT_FOUND: it is HttpError404, so apt's fallbacks
 * (InRelease to Release) work the same over FTP.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "common/mirrorcurl.h"

#define MCURL_PROTOCOLS	"http,https,ftp"
#define MCURL_MAX_REDIRS	10L
#define MCURL_USER_AGENT	"Debian APT-HTTP/1.3 (aptbt " APTBT_VERSION ")"

#define F_TRANSIENT	0x1	/* may pass: apt retries */
#define F_OURS		0x2	/* our side failed, not the mirror */
#define F_FILE		0x4	/* the file is at fault, not the mirror */
#define F_FTP_REPLY	0x8	/* transient when the FTP reply was 4xx */

struct row {
	CURLcode	 code;
	const char	*reason;
	unsigned	 flags;
	const char	*text;
};

/*
 * Every code a transfer over http, https or ftp can end with, as we set
 * handles up; the codes of other protocols (LDAP, TFTP, SSH, RTSP, file)
 * and of uploads cannot happen and fall to the generic row.
 */
static const struct row curl_rows[] = {
	{ CURLE_UNSUPPORTED_PROTOCOL, "BadURL", 0,
	    "not an http, https or ftp URL (or a redirect to one)" },
	{ CURLE_FAILED_INIT, "InternalError", F_OURS,
	    "libcurl could not start the transfer" },
	{ CURLE_URL_MALFORMAT, "BadURL", F_OURS, "malformed URL" },
	{ CURLE_NOT_BUILT_IN, "InternalError", F_OURS,
	    "a feature libcurl was built without" },
	{ CURLE_COULDNT_RESOLVE_PROXY, "ResolveFailure", F_TRANSIENT,
	    "could not resolve the proxy's name" },
	{ CURLE_COULDNT_RESOLVE_HOST, "ResolveFailure", F_TRANSIENT,
	    "could not resolve the mirror's name" },
	{ CURLE_COULDNT_CONNECT, "ConnectionRefused", F_TRANSIENT,
	    "could not connect to the mirror" },
	{ CURLE_WEIRD_SERVER_REPLY, "ConnectionFailed", F_TRANSIENT,
	    "the server's reply made no sense" },
	/* FTP's 550 is both "no such directory" and "not for you". */
	{ CURLE_REMOTE_ACCESS_DENIED, "HttpError404", F_FILE | F_FTP_REPLY,
	    "Not Found (or access denied)" },
	{ CURLE_FTP_ACCEPT_FAILED, "ConnectionFailed", F_TRANSIENT,
	    "FTP data connection not accepted" },
	{ CURLE_FTP_WEIRD_PASS_REPLY, "FtpError", F_FTP_REPLY,
	    "FTP server refused the password" },
	{ CURLE_FTP_ACCEPT_TIMEOUT, "Timeout", F_TRANSIENT,
	    "FTP data connection timed out" },
	{ CURLE_FTP_WEIRD_PASV_REPLY, "FtpError", F_FTP_REPLY,
	    "FTP server refused passive mode" },
	{ CURLE_FTP_WEIRD_227_FORMAT, "ConnectionFailed", F_TRANSIENT,
	    "FTP server's passive address made no sense" },
	{ CURLE_FTP_CANT_GET_HOST, "ConnectionFailed", F_TRANSIENT,
	    "could not open the FTP data connection" },
	{ CURLE_HTTP2, "ConnectionFailed", F_TRANSIENT,
	    "HTTP/2 framing error" },
	{ CURLE_FTP_COULDNT_SET_TYPE, "FtpError", F_FTP_REPLY,
	    "FTP server refused binary mode" },
	{ CURLE_PARTIAL_FILE, "ConnectionFailed", F_TRANSIENT,
	    "the transfer ended early" },
	{ CURLE_FTP_COULDNT_RETR_FILE, "FtpError", F_FTP_REPLY,
	    "FTP server refused to send the file" },
	{ CURLE_QUOTE_ERROR, "FtpError", F_FTP_REPLY,
	    "FTP server refused a command" },
	{ CURLE_WRITE_ERROR, "WriteError", F_TRANSIENT | F_OURS,
	    "the received bytes could not be kept" },
	{ CURLE_READ_ERROR, "InternalError", F_OURS,
	    "libcurl could not read what it was to send" },
	{ CURLE_OUT_OF_MEMORY, "InternalError", F_TRANSIENT | F_OURS,
	    "out of memory" },
	{ CURLE_OPERATION_TIMEDOUT, "Timeout", F_TRANSIENT,
	    "the mirror did not answer in time, or stalled" },
	{ CURLE_FTP_PORT_FAILED, "FtpError", F_FTP_REPLY,
	    "FTP server refused active mode" },
	{ CURLE_FTP_COULDNT_USE_REST, "RangeNotSupported", F_TRANSIENT,
	    "FTP server cannot resume" },
	{ CURLE_RANGE_ERROR, "RangeNotSupported", F_TRANSIENT,
	    "the server ignored the byte range" },
	{ CURLE_SSL_CONNECT_ERROR, "ConnectionFailed", F_TRANSIENT,
	    "TLS handshake failed" },
	{ CURLE_BAD_DOWNLOAD_RESUME, "RangeNotSupported", F_TRANSIENT,
	    "the server cannot resume there" },
	{ CURLE_FUNCTION_NOT_FOUND, "InternalError", F_OURS,
	    "libcurl is missing a function" },
	{ CURLE_ABORTED_BY_CALLBACK, "InternalError", F_OURS,
	    "the transfer was aborted" },
	{ CURLE_BAD_FUNCTION_ARGUMENT, "InternalError", F_OURS,
	    "libcurl refused an argument" },
	{ CURLE_INTERFACE_FAILED, "ConnectionFailed", F_TRANSIENT | F_OURS,
	    "no usable local interface" },
	{ CURLE_TOO_MANY_REDIRECTS, "RedirectionLoop", 0,
	    "too many redirects" },
	{ CURLE_UNKNOWN_OPTION, "InternalError", F_OURS,
	    "libcurl does not know an option" },
	{ CURLE_SETOPT_OPTION_SYNTAX, "InternalError", F_OURS,
	    "libcurl refused an option's syntax" },
	{ CURLE_GOT_NOTHING, "ConnectionFailed", F_TRANSIENT,
	    "the server closed without a reply" },
	{ CURLE_SSL_ENGINE_NOTFOUND, "TLSError", F_OURS,
	    "TLS engine not found" },
	{ CURLE_SSL_ENGINE_SETFAILED, "TLSError", F_OURS,
	    "TLS engine could not be set" },
	{ CURLE_SEND_ERROR, "ConnectionFailed", F_TRANSIENT,
	    "sending to the mirror failed" },
	{ CURLE_RECV_ERROR, "ConnectionFailed", F_TRANSIENT,
	    "receiving from the mirror failed" },
	{ CURLE_SSL_CERTPROBLEM, "TLSError", F_OURS,
	    "the client certificate cannot be used" },
	{ CURLE_SSL_CIPHER, "TLSError", 0, "no TLS cipher in common" },
	{ CURLE_PEER_FAILED_VERIFICATION, "TLSError", 0,
	    "the mirror's certificate did not verify" },
	{ CURLE_BAD_CONTENT_ENCODING, "ConnectionFailed", F_TRANSIENT,
	    "the body's encoding made no sense" },
	{ CURLE_FILESIZE_EXCEEDED, "MaximumSizeExceeded", F_FILE,
	    "the file is larger than expected" },
	{ CURLE_USE_SSL_FAILED, "TLSError", 0,
	    "the FTP server would not speak TLS" },
	{ CURLE_SSL_ENGINE_INITFAILED, "TLSError", F_OURS,
	    "TLS engine did not start" },
	{ CURLE_LOGIN_DENIED, "FtpError", F_FTP_REPLY,
	    "the server refused the login" },
	{ CURLE_SSL_CACERT_BADFILE, "TLSError", F_OURS,
	    "the CA certificates cannot be read" },
	{ CURLE_REMOTE_FILE_NOT_FOUND, "HttpError404", F_FILE, "Not Found" },
	{ CURLE_SSL_SHUTDOWN_FAILED, "ConnectionFailed", F_TRANSIENT,
	    "TLS shutdown failed" },
	{ CURLE_SSL_CRL_BADFILE, "TLSError", F_OURS,
	    "the certificate revocation list cannot be read" },
	{ CURLE_SSL_ISSUER_ERROR, "TLSError", 0,
	    "the mirror's certificate has the wrong issuer" },
	{ CURLE_FTP_PRET_FAILED, "FtpError", F_FTP_REPLY,
	    "FTP server refused PRET" },
	{ CURLE_FTP_BAD_FILE_LIST, "FtpError", 0,
	    "FTP file list made no sense" },
	{ CURLE_NO_CONNECTION_AVAILABLE, "ConnectionFailed", F_TRANSIENT,
	    "no connection available" },
	{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, "TLSError", 0,
	    "the mirror's key is not the pinned one" },
	{ CURLE_SSL_INVALIDCERTSTATUS, "TLSError", 0,
	    "the mirror's certificate status is bad" },
	{ CURLE_HTTP2_STREAM, "ConnectionFailed", F_TRANSIENT,
	    "HTTP/2 stream error" },
	{ CURLE_RECURSIVE_API_CALL, "InternalError", F_OURS,
	    "libcurl called from its own callback" },
	{ CURLE_AUTH_ERROR, "InternalError", F_OURS,
	    "authentication could not be done" },
	{ CURLE_HTTP3, "ConnectionFailed", F_TRANSIENT,
	    "HTTP/3 error" },
	{ CURLE_QUIC_CONNECT_ERROR, "ConnectionFailed", F_TRANSIENT,
	    "QUIC connection failed" },
	{ CURLE_PROXY, "ConnectionFailed", F_TRANSIENT,
	    "the proxy handshake failed" },
	{ CURLE_SSL_CLIENTCERT, "TLSError", 0,
	    "the mirror asks for a client certificate" },
	{ CURLE_UNRECOVERABLE_POLL, "InternalError", F_TRANSIENT | F_OURS,
	    "waiting for the network failed" },
};

static const struct row generic_row = {
	CURLE_OK, "ConnectionFailed", F_TRANSIENT, "the transfer failed"
};

/*
 * The HTTP statuses with a name; apt retries 408, 429, 500, 502, 503,
 * 504 and 599 only.  Other statuses are HttpErrorNNN, not transient.
 */
static const struct {
	long		 status;
	bool		 transient;
	const char	*text;
} http_rows[] = {
	{ 400, false, "Bad Request" },
	{ 401, false, "Unauthorized" },
	{ 403, false, "Forbidden" },
	{ 404, false, "Not Found" },
	{ 405, false, "Method Not Allowed" },
	{ 407, false, "Proxy Authentication Required" },
	{ 408, true, "Request Timeout" },
	{ 410, false, "Gone" },
	{ 416, false, "Range Not Satisfiable" },
	{ 429, true, "Too Many Requests" },
	{ 500, true, "Internal Server Error" },
	{ 501, false, "Not Implemented" },
	{ 502, true, "Bad Gateway" },
	{ 503, true, "Service Unavailable" },
	{ 504, true, "Gateway Timeout" },
	{ 505, false, "HTTP Version Not Supported" },
	{ 599, true, "Network Connect Timeout Error" },
};

int
mcurl_setup(CURL *e, const char *url, long connect_timeout, long stall_time)
{
	/* A stall, not a slow mirror, is what the time limit is for. */
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    MCURL_PROTOCOLS) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
	    MCURL_PROTOCOLS) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_MAXREDIRS, MCURL_MAX_REDIRS) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, MCURL_USER_AGENT) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FILETIME, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, connect_timeout) !=
	    CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall_time) !=
	    CURLE_OK)
		return -EINVAL;
	return 0;
}

static void
fail_http(struct mcurl_fail *f, long status)
{
	size_t	i;

	f->transient = false;
	f->text = "HTTP error";
	for (i = 0; i < sizeof(http_rows) / sizeof(http_rows[0]); i++)
		if (http_rows[i].status == status) {
			f->transient = http_rows[i].transient;
			f->text = http_rows[i].text;
			break;
		}
	/* A missing or forbidden file is no reason to avoid the mirror. */
	f->mirror_fault = f->transient;
	snprintf(f->reason, sizeof(f->reason), "HttpError%ld", status);
}

void
mcurl_fail(struct mcurl_fail *f, CURLcode rc, long reply)
{
	const struct row	*r = &generic_row;
	size_t			 i;

	if (rc == CURLE_HTTP_RETURNED_ERROR && reply >= 100 && reply <= 999) {
		fail_http(f, reply);
		return;
	}
	for (i = 0; i < sizeof(curl_rows) / sizeof(curl_rows[0]); i++)
		if (curl_rows[i].code == rc) {
			r = &curl_rows[i];
			break;
		}
	snprintf(f->reason, sizeof(f->reason), "%s", r->reason);
	f->text = r->text;
	f->mirror_fault = (r->flags & (F_OURS | F_FILE)) == 0;
	/* FTP's 4xx replies are its "try again later". */
	f->transient = (r->flags & F_TRANSIENT) != 0 ||
	    ((r->flags & F_FTP_REPLY) && reply >= 400 && reply < 500);
}
