/*
 * Shared by the fuzz harnesses (fuzz/README): each fuzz-<name>.c defines
 * LLVMFuzzerTestOneInput() over one of the parsers that read input from
 * outside.  A harness checks invariants, not only "no crash": a broken
 * one calls fuzz_fail(), which aborts so that libFuzzer (or the replay
 * driver, fuzz/replay-main.c) reports the input.
 */
#ifndef ANNAL_FUZZ_H
#define ANNAL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <git2.h>

#include "annal.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* annal_init() once per process; the pinned clock keeps runs repeatable. */
static inline void fuzz_init(void)
{
	static int done;

	if (done)
		return;
	setenv("ANNAL_TEST_NOW", "1764072000", 1);
	if (annal_init() < 0)
		fuzz_fail(__FILE__, __LINE__, "annal_init");
	done = 1;
}

/* A NUL-terminated copy of the input. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char fuzz_path[64];

static inline void fuzz_file_remove(void)
{
	if (fuzz_path[0])
		unlink(fuzz_path);
}

/*
 * The input as a file (mode 0600: key files must be owner-only), for the
 * entry points that take a path; one file per process, rewritten.
 */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
	FILE *fp;

	if (!fuzz_path[0]) {
		const char *dir = getenv("TMPDIR");
		int fd;

		snprintf(fuzz_path, sizeof(fuzz_path), "%s/annal-fuzz-XXXXXX",
			 dir && strlen(dir) < 40 ? dir : "/tmp");
		if ((fd = mkstemp(fuzz_path)) < 0)
			fuzz_fail(__FILE__, __LINE__, "mkstemp");
		close(fd);
		atexit(fuzz_file_remove);
	}
	if (!(fp = fopen(fuzz_path, "wb")) || fwrite(data, 1, size, fp) != size ||
	    fclose(fp))
		fuzz_fail(__FILE__, __LINE__, "cannot write the input file");
	return fuzz_path;
}
#endif
