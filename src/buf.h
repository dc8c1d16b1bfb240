#ifndef ANNAL_BUF_H
#define ANNAL_BUF_H
#include <stddef.h>
#include "annal.h"
#include "error.h"

/* A growable byte buffer, always NUL-terminated. */
struct annal_buf {
	char *ptr;
	size_t len;
	size_t alloc;
	int oom;	/* sticky: an allocation failed */
};
#define ANNAL_BUF_INIT { NULL, 0, 0, 0 }

int annal_buf_grow(annal_buf *b, size_t extra);
int annal_buf_put(annal_buf *b, const void *data, size_t len);
int annal_buf_puts(annal_buf *b, const char *s);
int annal_buf_putc(annal_buf *b, char c);
int annal_buf_printf(annal_buf *b, const char *fmt, ...) ANNAL_PRINTF(2, 3);
/* Append text for people: unsafe characters escaped (annal_text_escape()). */
int annal_buf_put_escaped(annal_buf *b, const char *s, size_t len);
/* Hand the string to the caller; the buffer is reset. */
char *annal_buf_detach(annal_buf *b);
void annal_buf_dispose(annal_buf *b);
/* ANNAL_ENOMEM if an earlier append failed, else 0. */
int annal_buf_error(const annal_buf *b);

void annal_hex(char *out, const unsigned char *bin, size_t len);

/*
 * A file named "-" is standard input (annal(1), FILES).  buf_stdin()
 * reads it to its end the first time, at most BUF_STDIN_MAX bytes, and
 * keeps the bytes, so that a file read again (a pin, per log verified)
 * reads the same.  buf_stdin_wipe() zeroes them once a secret was read:
 * a later read of "-" is then an error.
 */
#define BUF_STDIN_MAX (1024 * 1024)
int buf_stdin(const annal_buf **out);
void buf_stdin_wipe(void);
#endif
