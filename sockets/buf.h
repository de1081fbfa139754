/*
 * buf - a growable byte buffer with a mandatory hard cap (curl dynbuf, git
 * strbuf). The bytes may contain NULs; a NUL is always kept after the last
 * byte so that text users can read p as a C string. Not thread-safe.
 */
#ifndef SOCKETS_BUF_H
#define SOCKETS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;    /* NULL until the first append; then p[len] == '\0' */
	size_t len; /* bytes in use */
	size_t cap; /* bytes allocated (always > len once allocated) */
	size_t max; /* hard cap on len; 0 (the zero state) accepts nothing */
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

/* Set the cap of an empty or released buffer. Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/*
 * Appenders return 0 on success. When the result would exceed the cap they
 * return -1 with errno EMSGSIZE and leave the buffer released (empty, cap
 * kept, reusable): they never half-append (STYLE O2, curl dyn_nappend).
 */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Make room for n more bytes without changing len; returns a pointer to
 * the free space or NULL (EMSGSIZE, buffer released) past the cap. The
 * caller writes into it and then calls buf_setlen.
 */
char *buf_room(struct buf *b, size_t n);
void buf_setlen(struct buf *b, size_t len);

/* Drop the first n bytes (n <= len), keeping the rest in order. */
void buf_consume(struct buf *b, size_t n);

/* Empty the buffer but keep its memory and cap. */
void buf_reset(struct buf *b);

/* Free the memory; the buffer is empty and keeps its cap. Idempotent. */
void buf_release(struct buf *b);

/*
 * Hand the bytes to the caller (who frees them) and leave the buffer
 * released. Never returns NULL: an untouched buffer yields "".
 */
char *buf_detach(struct buf *b, size_t *len);

#endif
