/* SPDX-License-Identifier: ISC */
/*
 * aptsrc.h - find the URIs in an apt sources file and switch them to and
 * from the aptbt+ schemes.
 *
 * Pure text in, text out: no files, no allocation but the output buffer.
 * Two formats: one-line ("deb [opts] URI suite comp...", sources.list and
 * *.list) and deb822 (stanzas of "Field: value" with continuation lines,
 * *.sources; every word of a "URIs:" field is one URI).  Comment lines
 * are never touched, nor is anything but the URI words: a rewrite only
 * inserts or removes "aptbt+" in front of a URI, so line numbers stay and
 * every other byte (blanks, CR, odd lines apt itself would reject) is
 * copied as it was.
 *
 * What a URI becomes (enum aptsrc_kind):
 *   APTSRC_ON          aptbt+http, aptbt+https, aptbt+ftp: through aptbt
 *   APTSRC_OFF         http, https, ftp, no credentials: enable switches it
 *   APTSRC_CREDENTIALS user[:pass]@ in the URI: a private archive, whose
 *                      files must not be offered to peers (and the
 *                      password would travel to the daemon)
 *   APTSRC_LOCAL       file:, cdrom:, copy: : nothing to fetch over a network
 *   APTSRC_WRAPPED     mirror, mirror+..., tor+... and any other "a+b"
 *                      scheme: apt's own transports, which a aptbt+ prefix
 *                      cannot stack on
 *   APTSRC_OTHER       any other scheme (s3:, gs:, uppercase "HTTP:", ...):
 *                      aptbt has no method for it
 *   APTSRC_DISABLED    a deb822 stanza with "Enabled: no": apt ignores it,
 *                      and so does the rewrite
 *
 * Round trip: for any input in which no URI is APTSRC_ON,
 * disable(enable(x)) == x byte for byte; enable and disable are each
 * idempotent on any input.
 */
#ifndef APTBT_APTSRC_H
#define APTBT_APTSRC_H

#include <stddef.h>

struct bytebuf;

enum aptsrc_format {
	APTSRC_ONELINE,		/* sources.list, *.list */
	APTSRC_DEB822,		/* *.sources */
};

enum aptsrc_action {
	APTSRC_SHOW,		/* copy the input, report every URI */
	APTSRC_ENABLE,		/* APTSRC_OFF -> APTSRC_ON */
	APTSRC_DISABLE,		/* APTSRC_ON -> APTSRC_OFF */
};

enum aptsrc_kind {
	APTSRC_ON,
	APTSRC_OFF,
	APTSRC_CREDENTIALS,
	APTSRC_LOCAL,
	APTSRC_WRAPPED,
	APTSRC_OTHER,
	APTSRC_DISABLED,
	APTSRC_NKINDS
};

/* One URI as found in the input (before the rewrite). */
struct aptsrc_uri {
	size_t			 line;		/* 1-based */
	const char		*uri;		/* into the input, not NUL-ended */
	size_t			 len;
	enum aptsrc_kind	 kind;
	int			 changed;	/* the action rewrote it */
};

typedef void	(*aptsrc_visit_fn)(void *arg, const struct aptsrc_uri *);

/*
 * Copy in[0..len) to out, applying action to every URI, and call visit
 * (if not NULL) for each URI found.  Returns the number of URIs rewritten,
 * or -1 if out ran out of memory.
 */
int	aptsrc_rewrite(const char *in, size_t len, enum aptsrc_format,
	    enum aptsrc_action, struct bytebuf *out, aptsrc_visit_fn visit,
	    void *arg);
/* What kind of URI this is (the verdict above, never APTSRC_DISABLED). */
enum aptsrc_kind aptsrc_classify(const char *uri, size_t len);
/* A short reason for the kind ("through aptbt", "carries credentials", ...). */
const char	*aptsrc_kind_reason(enum aptsrc_kind);
/* The format a file's name says: .sources is deb822, anything else one-line. */
enum aptsrc_format aptsrc_format_of(const char *path);

#endif
