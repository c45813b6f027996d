/* SPDX-License-Identifier: ISC */
/*
 * replay.c - a main() for fuzz targets built without libFuzzer.
 *
 * It runs the target over every seed file named on the command line (or
 * found in named directories), then over generated inputs: seeds mutated
 * the way a fuzzer would (bit flips, bencode-ish tokens, splices,
 * truncation) from a fixed PRNG seed.  The run is deterministic, so a
 * failure in `make check` reproduces exactly; every input gets its own
 * allocation of its exact size, so the sanitizers see any overread.
 *
 * usage: replay_TARGET [-n COUNT] FILE|DIR...
 * COUNT defaults to $REPLAY_COUNT, else 20000.
 */
#define _POSIX_C_SOURCE 200809L	/* scandir */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define DEFAULT_COUNT	20000
#define MAX_SEED	(1024 * 1024)
#define MAX_GEN		8192	/* generated inputs stay small and fast */

struct seed {
	uint8_t	*data;
	size_t	 len;
};

static struct seed	*seeds;
static size_t		 nseeds;
static uint64_t		 rng = 0x9e3779b97f4a7c15ULL;

/* splitmix64: tiny, and the same sequence everywhere. */
static uint64_t
next_rand(void)
{
	uint64_t	z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t
below(size_t n)
{
	return n == 0 ? 0 : (size_t)(next_rand() % n);
}

/* Run one input from an exact-size private copy. */
static void
run(const uint8_t *p, size_t len)
{
	uint8_t	*copy = malloc(len ? len : 1);

	if (copy == NULL) {
		perror("replay: malloc");
		exit(2);
	}
	if (len > 0)
		memcpy(copy, p, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static int
load_file(const char *path)
{
	struct seed	 s;
	FILE		*f;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((s.data = malloc(MAX_SEED)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(s.data, 1, MAX_SEED, f);
	fclose(f);
	s.len = n;
	if ((s.data = realloc(s.data, n ? n : 1)) == NULL)	/* shrink */
		return -1;
	run(s.data, s.len);
	if ((seeds = realloc(seeds, (nseeds + 1) * sizeof(*seeds))) == NULL)
		return -1;
	seeds[nseeds++] = s;
	return 0;
}

static int
skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int
load_path(const char *path)
{
	struct dirent	**names;
	struct stat	  st;
	char		  sub[4096];
	int		  i, n, rv = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(path);
	/* Sorted, so the generated inputs do not depend on the file system. */
	if ((n = scandir(path, &names, skip_dots, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rv == 0 && (size_t)snprintf(sub, sizeof(sub), "%s/%s",
		    path, names[i]->d_name) < sizeof(sub))
			rv = load_path(sub);
		free(names[i]);
	}
	free(names);
	return rv;
}

/* Bytes and snippets that mean something to the parsers under test. */
static const char *const tokens[] = {
	"i", "e", "l", "d", ":", "-", "0", "1", "9", "i0e", "i-1e", "le",
	"de", "0:", "1:a", "4:spam", "i9223372036854775807e",
	"i-9223372036854775808e", "99999999999999999999", "2:id", "3:cmd",
	"4:args", "6:result", "=", "#", "\"", " ", "\t", "\r\n", "\n",
	" = ", "yes", "off", "10M", "1.5K", "30s", "/", "\x00\x00\x00\x05",
	"\x00\x10\x00\x00", "\x00\x10\x00\x01", "\xff\xff\xff\xff",
};

static void
insert(uint8_t *buf, size_t *len, size_t at, const void *p, size_t n)
{
	if (*len + n > MAX_GEN)
		return;
	memmove(buf + at + n, buf + at, *len - at);
	memcpy(buf + at, p, n);
	*len += n;
}

static void
mutate(uint8_t *buf, size_t *len)
{
	const struct seed	*o;
	const char		*tok;
	size_t			 at, n, toklen;
	uint8_t			 c;

	at = below(*len + 1);
	switch (below(9)) {
	case 0:		/* flip a bit */
		if (*len > 0)
			buf[below(*len)] ^= (uint8_t)(1u << below(8));
		break;
	case 1:		/* set a random byte */
		if (*len > 0)
			buf[below(*len)] = (uint8_t)next_rand();
		break;
	case 2:		/* insert a token */
	case 3:
		tok = tokens[below(sizeof(tokens) / sizeof(tokens[0]))];
		/* The framing tokens start with NUL: count them as four. */
		toklen = tok[0] == '\0' ? 4 : strlen(tok);
		insert(buf, len, at, tok, toklen);
		break;
	case 4:		/* delete a range */
		n = below(*len - at + 1);
		if (n > 16)
			n = below(16) + 1;
		memmove(buf + at, buf + at + n, *len - at - n);
		*len -= n;
		break;
	case 5:		/* duplicate a range */
		if (*len > 0) {
			size_t	from = below(*len);
			uint8_t	tmp[64];

			n = below(*len - from) + 1;
			if (n > sizeof(tmp))
				n = sizeof(tmp);
			memcpy(tmp, buf + from, n);
			insert(buf, len, at, tmp, n);
		}
		break;
	case 6:		/* truncate */
		*len = at;
		break;
	case 7:		/* splice in part of another seed */
		if (nseeds > 0 && (o = &seeds[below(nseeds)])->len > 0) {
			size_t	from = below(o->len);

			n = below(o->len - from) + 1;
			if (n > 256)
				n = 256;
			insert(buf, len, at, o->data + from, n);
		}
		break;
	default:	/* change a digit: lengths and numbers */
		if (*len > 0) {
			n = below(*len);
			c = buf[n];
			if (c >= '0' && c <= '9')
				buf[n] = (uint8_t)('0' + below(10));
			else
				buf[n] = (uint8_t)tokens[below(9)][0];
		}
		break;
	}
}

static void
generate(size_t count)
{
	uint8_t		*buf;
	size_t		 i, j, len, rounds;

	if ((buf = malloc(MAX_GEN)) == NULL) {
		perror("replay: malloc");
		exit(2);
	}
	for (i = 0; i < count; i++) {
		len = 0;
		if (nseeds > 0 && below(16) != 0) {
			const struct seed *s = &seeds[below(nseeds)];

			len = s->len < MAX_GEN ? s->len : MAX_GEN;
			memcpy(buf, s->data, len);
		} else {
			/* Now and then, pure noise. */
			len = below(64);
			for (j = 0; j < len; j++)
				buf[j] = (uint8_t)next_rand();
		}
		rounds = 1 + below(4);
		for (j = 0; j < rounds; j++)
			mutate(buf, &len);
		run(buf, len);
	}
	free(buf);
}

int
main(int argc, char *argv[])
{
	const char	*env;
	char		*end;
	size_t		 count = DEFAULT_COUNT, i;
	int		 a = 1;

	if ((env = getenv("REPLAY_COUNT")) != NULL && *env != '\0') {
		count = strtoul(env, &end, 10);
		if (*end != '\0') {
			fprintf(stderr, "replay: bad REPLAY_COUNT\n");
			return 2;
		}
	}
	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		count = strtoul(argv[2], &end, 10);
		if (*end != '\0') {
			fprintf(stderr, "replay: bad count \"%s\"\n", argv[2]);
			return 2;
		}
		a = 3;
	}
	for (; a < argc; a++)
		if (load_path(argv[a]) == -1)
			return 2;
	generate(count);
	printf("replay: ran %zu inputs (%zu seed files, %zu generated)\n",
	    nseeds + count, nseeds, count);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].data);
	free(seeds);
	return 0;
}
