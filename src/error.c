#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <git2.h>

#include "error.h"
#include "text.h"
#include "banned.h"

static _Thread_local char error_message[1024];
static _Thread_local annal_error last_error;

const annal_error *annal_error_last(void)
{
	if (!last_error.code)
		return NULL;
	return &last_error;
}

void annal_error_clear(void)
{
	last_error.code = 0;
	last_error.message = NULL;
	error_message[0] = '\0';
}

int annal_error_vset(int code, const char *fmt, va_list ap)
{
	/* one line, what it quotes from records, names and files escaped */
	text_vformat(error_message, sizeof(error_message), fmt, ap);
	last_error.code = code;
	last_error.message = error_message;
	return code;
}

int annal_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = annal_error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

_Static_assert(sizeof(((annal_error_saved *)0)->message) == sizeof(error_message),
	       "annal_error_saved holds a whole message");

void annal_error_save(annal_error_saved *s)
{
	s->code = last_error.code;
	memcpy(s->message, error_message, sizeof(s->message));
}

void annal_error_restore(const annal_error_saved *s)
{
	last_error.code = s->code;
	last_error.message = s->code ? error_message : NULL;
	memcpy(error_message, s->message, sizeof(error_message));
}

int annal_error_set_git(int code, const char *what)
{
	const git_error *e = git_error_last();

	return annal_error_set(code, "%s: %s", what,
			       e && e->message ? e->message : "unknown libgit2 error");
}

int annal_error_oom(void)
{
	return annal_error_set(ANNAL_ENOMEM, "out of memory");
}

void annal__bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
	abort();
}
