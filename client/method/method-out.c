/* SPDX-License-Identifier: ISC */
/*
 * method-out.c - what the method says: messages to apt, gathered in
 * method.out and written whole, and debug lines on stderr.  Every layer
 * writes here; none of them needs the loop for it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client/method/aptmsg.h"
#include "client/method/method.h"

struct method	 method;

void
method_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!method.debug)
		return;
	va_start(ap, fmt);
	fputs("aptbt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void
method_say(int code, const char *text, const char *uri, const char *fmt,
    ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	aptmsg_begin(&method.out, code, text);
	if (uri != NULL)
		aptmsg_add(&method.out, "URI", uri);
	aptmsg_add(&method.out, "Message", msg);
	aptmsg_end(&method.out);
}

void
method_flush(void)
{
	size_t	 off = 0;
	ssize_t	 n;

	if (bytebuf_failed(&method.out)) {
		/* A half-built message must never reach apt. */
		fputs("aptbt: out of memory\n", stderr);
		exit(100);
	}
	while (off < method.out.len) {
		n = write(STDOUT_FILENO, method.out.data + off,
		    method.out.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			exit(100);	/* apt is gone */
		off += (size_t)n;
	}
	bytebuf_reset(&method.out);
}
