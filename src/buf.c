#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "buf.h"
#include "banned.h"

static pthread_mutex_t stdin_mu = PTHREAD_MUTEX_INITIALIZER;
static annal_buf stdin_bytes = ANNAL_BUF_INIT;
static int stdin_state;	/* 0 unread, 1 read, 2 wiped */

int buf_stdin(const annal_buf **out)
{
	ssize_t n;
	int error = 0;

	pthread_mutex_lock(&stdin_mu);
	if (stdin_state == 2) {
		error = annal_error_set(ANNAL_EINVALID,
			"standard input ('-') held a private key and was read already");
		goto out;
	}
	if (stdin_state == 0) {
		if ((error = annal_buf_grow(&stdin_bytes, BUF_STDIN_MAX + 1)) < 0)
			goto out;
		while (stdin_bytes.len <= BUF_STDIN_MAX) {
			n = read(STDIN_FILENO, stdin_bytes.ptr + stdin_bytes.len,
				 BUF_STDIN_MAX + 1 - stdin_bytes.len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				error = annal_error_set(ANNAL_ERROR, "cannot read standard input: %s",
							strerror(errno));
				goto out;
			}
			if (!n)
				break;
			stdin_bytes.len += (size_t)n;
		}
		stdin_bytes.ptr[stdin_bytes.len] = '\0';
		stdin_state = 1;
	}
	if (stdin_bytes.len > BUF_STDIN_MAX) {
		error = annal_error_set(ANNAL_EINVALID,
			"standard input ('-') is over %d bytes: no key or signers file is", BUF_STDIN_MAX);
		goto out;
	}
	*out = &stdin_bytes;
out:
	pthread_mutex_unlock(&stdin_mu);
	return error;
}

void buf_stdin_wipe(void)
{
	pthread_mutex_lock(&stdin_mu);
	if (stdin_bytes.ptr)
		sodium_memzero(stdin_bytes.ptr, stdin_bytes.alloc);
	stdin_bytes.len = 0;
	stdin_state = 2;
	pthread_mutex_unlock(&stdin_mu);
}

int annal_buf_grow(annal_buf *b, size_t extra)
{
	size_t want;
	char *p;

	if (b->oom)
		return ANNAL_ENOMEM;
	if (extra >= SIZE_MAX / 2 - b->len)
		goto oom;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	if (want < b->alloc * 3 / 2)
		want = b->alloc * 3 / 2;
	if (want < 64)
		want = 64;
	p = realloc(b->ptr, want);
	if (!p)
		goto oom;
	b->ptr = p;
	b->alloc = want;
	return 0;
oom:
	b->oom = 1;
	return annal_error_oom();
}

int annal_buf_put(annal_buf *b, const void *data, size_t len)
{
	if (!b->oom && len < b->alloc - b->len) {
		/* room already: the common case of many small pieces */
		memcpy(b->ptr + b->len, data, len);
		b->len += len;
		b->ptr[b->len] = '\0';
		return 0;
	}
	if (annal_buf_grow(b, len) < 0)
		return ANNAL_ENOMEM;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int annal_buf_puts(annal_buf *b, const char *s)
{
	return annal_buf_put(b, s, strlen(s));
}

int annal_buf_putc(annal_buf *b, char c)
{
	if (!b->oom && b->len + 1 < b->alloc) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
		return 0;
	}
	return annal_buf_put(b, &c, 1);
}

int annal_buf_printf(annal_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return annal_error_set(ANNAL_ERROR, "formatting failed");
	if (annal_buf_grow(b, (size_t)n) < 0)
		return ANNAL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int annal_buf_put_escaped(annal_buf *b, const char *s, size_t len)
{
	size_t n = annal_text_escape(NULL, 0, s, len);

	if (annal_buf_grow(b, n) < 0)
		return ANNAL_ENOMEM;
	b->len += annal_text_escape(b->ptr + b->len, n + 1, s, len);
	return 0;
}

char *annal_buf_detach(annal_buf *b)
{
	char *p = b->ptr;

	if (!p)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	return p;
}

void annal_buf_dispose(annal_buf *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->alloc = 0;
	b->oom = 0;
}

int annal_buf_error(const annal_buf *b)
{
	return b->oom ? ANNAL_ENOMEM : 0;
}

void annal_hex(char *out, const unsigned char *bin, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Public wrappers: an opaque buffer for callers of the library. */
int annal_buf_new(annal_buf **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : annal_error_oom();
}

const char *annal_buf_ptr(const annal_buf *b)
{
	return b->ptr ? b->ptr : "";
}

size_t annal_buf_len(const annal_buf *b)
{
	return b->len;
}

void annal_buf_clear(annal_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void annal_buf_free(annal_buf *b)
{
	if (!b)
		return;
	annal_buf_dispose(b);
	free(b);
}
