/*
 * alloc - abort-on-failure allocation wrappers (redis zmalloc_default_oom,
 * lighttpd ck_malloc). The only place that calls malloc and friends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void
alloc_die(size_t n)
{
	fprintf(stderr, "bridge: fatal: out of memory allocating %zu bytes\n",
	    n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		alloc_die(n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		alloc_die(nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		alloc_die(n);
	return q;
}

char *
xmemdup(const void *p, size_t n)
{
	char *q = xmalloc(n + 1);

	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}
