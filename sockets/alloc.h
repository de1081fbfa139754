/*
 * alloc - the one allocator. Every function here either succeeds or prints
 * one line and aborts: allocation failure is never caused by input, because
 * every buffer input can grow has a cap (STYLE E9).
 */
#ifndef SOCKETS_ALLOC_H
#define SOCKETS_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* A NUL-terminated copy of n bytes (which may themselves contain NULs). */
char *xmemdup(const void *p, size_t n);

#endif
