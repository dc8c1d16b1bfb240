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

/* An internal invariant was broken: a bug, not bad input. */
#define ANNAL_BUG(msg) annal__bug(__FILE__, __LINE__, msg)
void annal__bug(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
