/*
 * buf - capped growable byte buffer. Growth doubles up to the cap; every
 * size computation is checked against the cap before any arithmetic that
 * could overflow (STYLE B5).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

void
buf_init(struct buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static int
buf_fail(struct buf *b)
{
	buf_release(b);
	errno = EMSGSIZE;
	return -1;
}

char *
buf_room(struct buf *b, size_t n)
{
	size_t want, cap;

	/* len + n + 1 (the NUL) must not wrap, whatever the cap */
	if (n > b->max || b->len > b->max - n || b->len + n == SIZE_MAX) {
		buf_fail(b);
		return NULL;
	}
	want = b->len + n + 1; /* cannot overflow: len + n <= max < SIZE_MAX */
	if (want > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < want)
			cap = cap > SIZE_MAX / 2 ? want : cap * 2;
		if (b->max < SIZE_MAX && cap > b->max + 1)
			cap = b->max + 1;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

void
buf_setlen(struct buf *b, size_t len)
{
	b->len = len;
	if (b->p)
		b->p[len] = '\0';
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	char *room = buf_room(b, n);

	if (!room)
		return -1;
	if (n)
		memcpy(room, p, n);
	buf_setlen(b, b->len + n);
	return 0;
}

int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char *at = b->p ? b->p + b->len : NULL, *room;
	size_t spare = at ? b->cap - b->len : 0;
	va_list cp;
	int n;

	/* into the room there is first: most lines fit, one pass (git
	 * strbuf_vaddf); else measure, make room, and write again */
	va_copy(cp, ap);
	n = vsnprintf(at, spare, fmt, cp);
	va_end(cp);
	if (n < 0) {
		if (at)
			*at = '\0';
		return buf_fail(b);
	}
	if (at && (size_t)n < spare) {
		if ((size_t)n > b->max - b->len) { /* past the cap */
			*at = '\0';
			return buf_fail(b);
		}
		buf_setlen(b, b->len + (size_t)n);
		return 0;
	}
	if (at)
		*at = '\0'; /* what did not fit is not kept */
	room = buf_room(b, (size_t)n);
	if (!room)
		return -1;
	vsnprintf(room, (size_t)n + 1, fmt, ap);
	buf_setlen(b, b->len + (size_t)n);
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	buf_setlen(b, b->len - n);
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p = b->p ? b->p : xstrdup("");

	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
