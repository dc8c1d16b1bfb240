#ifndef ANNAL_ERROR_H
#define ANNAL_ERROR_H
#include <stdarg.h>
#include "annal.h"

#ifdef __GNUC__
#define ANNAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ANNAL_PRINTF(f, a)
#endif

/* Set the thread's last error and return code, for `return annal_error_set(...)`. */
int annal_error_set(int code, const char *fmt, ...) ANNAL_PRINTF(2, 3);
int annal_error_vset(int code, const char *fmt, va_list ap) ANNAL_PRINTF(2, 0);
/* Set from libgit2's last error, prefixed with what was being done. */
int annal_error_set_git(int code, const char *what);
int annal_error_oom(void);

/*
 * The thread's last error, kept while cleanup that may fail too runs,
 * so that the first, most specific message is the one reported.
 */
typedef struct {
	int code;
	char message[1024];
} annal_error_saved;
void annal_error_save(annal_error_saved *s);
void annal_error_restore(const annal_error_saved *s);

/* An internal invariant was broken: a bug, not bad input. */
#define ANNAL_BUG(msg) annal__bug(__FILE__, __LINE__, msg)
void annal__bug(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
