/* SPDX-License-Identifier: ISC */
/*
 * req-import.c - "import": add the regular files of a directory (apt's
 * /var/cache/apt/archives) to the cache, so this machine can seed them.
 *
 * Only what is public is seeded.  An imported file is public when it is
 * world-readable and its SHA-256 is in a Packages index apt verified
 * (aptlists.h, in the "lists" directory the request names) of a source
 * that needs no credentials: the caller (aptbt-ctl, as root) reads apt's
 * auth.conf and names the credentialed sources in "private".  A request
 * without "private" could not tell, and imports everything as private.
 * The rest is cached for this machine only (cache.h).
 *
 * The listing and each file's hash-and-copy run on the workers, one file
 * at a time so downloads keep their share of the pool; the reply comes
 * when the directory is done.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"
#include "common/ctlproto.h"
#include "common/log.h"
#include "daemon/base/aptlists.h"
#include "daemon/base/cache.h"
#include "daemon/ctl/control.h"
#include "daemon/ctl/request.h"
#include "daemon/base/workers.h"

#define IMPORT_MAX_FILES	100000
#define IMPORT_MAX_PRIVATE	256	/* credentialed sources named */
#define APT_LISTS_DIR		"/var/lib/apt/lists"

struct import {
	struct ctl_conn	*conn;
	int64_t		 id;
	char		*dir;
	char		**names;
	size_t		 n, i;
	int		 rc;		/* of the listing */
	/* What apt verified: no lists, nothing public. */
	char		*lists;		/* NULL: no "private" given */
	char		*private[IMPORT_MAX_PRIVATE];
	size_t		 nprivate;
	struct aptlists	*apt;
	int		 lists_err;
	/* The current file. */
	uint8_t		 sha[SHA256_LEN];
	uint64_t	 size;
	bool		 existed;
	bool		 priv;
	int		 frc;
	int		 first_err;
	/* Totals. */
	uint64_t	 imported, present, failed, bytes, nprivate_files;
};

static void	import_next(struct import *);

static void
list_work(void *arg)
{
	struct import	*im = arg;
	struct dirent	*d;
	DIR		*dp;
	char		**nn;

	if (im->lists != NULL)
		im->apt = aptlists_load(im->lists, im->private, im->nprivate,
		    &im->lists_err);
	if ((dp = opendir(im->dir)) == NULL) {
		im->rc = -errno;
		return;
	}
	while ((d = readdir(dp)) != NULL && im->n < IMPORT_MAX_FILES) {
		if (d->d_name[0] == '.' ||
		    (d->d_type != DT_REG && d->d_type != DT_UNKNOWN))
			continue;
		if ((nn = reallocarray(im->names, im->n + 1,
		    sizeof(*nn))) == NULL) {
			im->rc = -ENOMEM;
			break;
		}
		im->names = nn;
		if ((im->names[im->n] = strdup(d->d_name)) == NULL) {
			im->rc = -ENOMEM;
			break;
		}
		im->n++;
	}
	closedir(dp);
}

static bool
is_public(const uint8_t *sha, void *arg)
{
	const struct import	*im = arg;

	return aptlists_has(im->apt, sha);
}

static void
file_work(void *arg)
{
	struct import	*im = arg;
	char		 path[PATH_MAX];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", im->dir, im->names[im->i]);
	/* Empty files (apt's "lock") are nothing worth seeding. */
	if (lstat(path, &st) == 0 && (!S_ISREG(st.st_mode) ||
	    st.st_size == 0)) {
		im->frc = 1;
		return;
	}
	im->frc = cache_import_file(path, im->sha, &im->size, &im->existed,
	    is_public, im, &im->priv);
}

static void
import_free(struct import *im)
{
	size_t	i;

	for (i = 0; i < im->n; i++)
		free(im->names[i]);
	for (i = 0; i < im->nprivate; i++)
		free(im->private[i]);
	free(im->names);
	free(im->dir);
	free(im->lists);
	aptlists_free(im->apt);
	ctl_conn_unref(im->conn);
	free(im);
}

static void
import_reply(struct import *im)
{
	struct bytebuf	b = BYTEBUF_INIT;
	size_t		mark;
	int		rc;

	if (im->rc < 0) {
		rc = ctl_put_error(&b, im->id, strerror(-im->rc),
		    im->rc == -ENOENT ? "NotFound" : "CacheError", 0);
	} else {
		mark = ctl_put_reply_begin(&b, im->id, NULL);
		benc_put_kv_int(&b, "bytes", (int64_t)im->bytes);
		if (im->failed > 0)
			benc_put_kv_str(&b, "error", strerror(-im->first_err));
		benc_put_kv_int(&b, "failed", (int64_t)im->failed);
		benc_put_kv_int(&b, "imported", (int64_t)im->imported);
		benc_put_kv_int(&b, "present", (int64_t)im->present);
		benc_put_kv_int(&b, "private", (int64_t)im->nprivate_files);
		rc = ctl_put_reply_end(&b, mark);
	}
	if (rc == 0 && !ctl_conn_closed(im->conn))
		ctl_conn_send(im->conn, &b, -1);
	bytebuf_free(&b);
	log_info("import %s: %llu imported (%llu private), %llu present, "
	    "%llu failed", im->dir, (unsigned long long)im->imported,
	    (unsigned long long)im->nprivate_files,
	    (unsigned long long)im->present, (unsigned long long)im->failed);
	cache_evict();
	import_free(im);
}

static void
file_done(void *arg)
{
	struct import	*im = arg;

	if (im->frc < 0) {
		im->failed++;
		if (im->first_err == 0)
			im->first_err = im->frc;
		log_info("import %s/%s: %s", im->dir, im->names[im->i],
		    strerror(-im->frc));
	} else if (im->frc == 0) {
		if (im->existed)
			im->present++;
		else {
			im->imported++;
			im->bytes += im->size;
			if (im->priv)
				im->nprivate_files++;
		}
		/* An import never makes an entry public (cache.h). */
		cache_add(im->sha, im->size, time(NULL),
		    im->existed || im->priv);
	}
	im->i++;
	import_next(im);
}

static void
import_next(struct import *im)
{
	int	rc;

	if (im->rc < 0 || im->i >= im->n) {
		import_reply(im);
		return;
	}
	if ((rc = workers_submit(file_work, file_done, im)) < 0) {
		im->rc = rc;
		import_reply(im);
	}
}

static void
list_done(void *arg)
{
	struct import	*im = arg;
	unsigned	 files, skipped;

	if (im->lists == NULL)
		log_info("import %s: no credentialed sources named; every "
		    "file stays private", im->dir);
	else if (im->apt == NULL)
		log_info("import %s: %s: %s; every file stays private",
		    im->dir, im->lists, strerror(-im->lists_err));
	else {
		files = aptlists_files(im->apt, &skipped);
		log_info("import %s: %zu package hashes in %u indexes of %s "
		    "(%u of credentialed sources skipped)", im->dir,
		    aptlists_count(im->apt), files, im->lists, skipped);
	}
	import_next(im);
}

/* "lists" and "private": what apt verified, and which sources need
 * credentials.  false (with the reply sent) on a bad argument. */
static bool
import_sources(struct request *req, struct import *im)
{
	const uint8_t	*p;
	size_t		 len;
	int		 list, tok;

	if (req->args < 0 || (list = benc_dict_get_type(req->doc, req->args,
	    "private", BENC_LIST)) < 0)
		return true;
	for (tok = benc_first(req->doc, list); tok >= 0;
	    tok = benc_next(req->doc, list, tok)) {
		if ((p = benc_str(req->doc, tok, &len)) == NULL || len == 0 ||
		    memchr(p, '\0', len) != NULL ||
		    im->nprivate == IMPORT_MAX_PRIVATE) {
			request_reply_error(req, "BadRequest", "\"private\" "
			    "must be a list of at most %d source names",
			    IMPORT_MAX_PRIVATE);
			return false;
		}
		if ((im->private[im->nprivate] = strndup((const char *)p,
		    len)) == NULL) {
			request_reply_error(req, "CacheError", "out of memory");
			return false;
		}
		im->nprivate++;
	}
	if (request_arg_str(req, "lists", &p, &len) && len > 0 &&
	    len < PATH_MAX && p[0] == '/' && memchr(p, '\0', len) == NULL)
		im->lists = strndup((const char *)p, len);
	else
		im->lists = strdup(APT_LISTS_DIR);
	if (im->lists == NULL) {
		request_reply_error(req, "CacheError", "out of memory");
		return false;
	}
	return true;
}

static void
req_import(struct request *req)
{
	struct import	*im;
	const uint8_t	*p;
	size_t		 len;
	int		 rc;

	if (!request_arg_str(req, "path", &p, &len) || len == 0 ||
	    len >= PATH_MAX || p[0] != '/' || memchr(p, '\0', len) != NULL) {
		request_reply_error(req, "BadRequest",
		    "import needs an absolute \"path\"");
		return;
	}
	if ((im = calloc(1, sizeof(*im))) == NULL ||
	    (im->dir = strndup((const char *)p, len)) == NULL) {
		free(im);
		request_reply_error(req, "CacheError", "out of memory");
		return;
	}
	im->conn = ctl_conn_ref(req->conn);
	im->id = req->id;
	if (!import_sources(req, im)) {
		import_free(im);
		return;
	}
	if ((rc = workers_submit(list_work, list_done, im)) < 0) {
		request_reply_error(req, "CacheError", "%s", strerror(-rc));
		import_free(im);
	}
}

const struct request_entry req_import_entry = {
	"import", ACCESS_ADMIN, "import path=DIR [lists=DIR private=[SOURCE...]]",
	req_import
};
