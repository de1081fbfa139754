/*
 * header - the ordered header list: append, remove, lookup by name.
 */
#include <stdlib.h>
#include <strings.h>

#include "../sockets/alloc.h"
#include "header.h"

void
header_append(struct header **list, size_t *n, size_t *cap, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
	struct header *h;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	h = &(*list)[(*n)++];
	h->name = xmemdup(name, name_len);
	h->name_len = name_len;
	h->value = xmemdup(value, value_len);
	h->value_len = value_len;
}

int
header_is(const struct header *h, const char *name, size_t name_len)
{
	return h->name_len == name_len &&
	    strncasecmp(h->name, name, name_len) == 0;
}

size_t
header_remove(struct header *list, size_t *n, const char *name, size_t name_len)
{
	size_t i, j = 0, bytes = 0;

	for (i = 0; i < *n; i++) {
		if (header_is(&list[i], name, name_len)) {
			bytes += list[i].name_len + list[i].value_len;
			free(list[i].name);
			free(list[i].value);
		} else {
			list[j++] = list[i];
		}
	}
	*n = j;
	return bytes;
}

size_t
header_first(const struct header *list, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (header_is(&list[j], list[i].name, list[i].name_len))
			return j;
	return i;
}

void
header_clear(struct header *list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free(list[i].name);
		free(list[i].value);
	}
	*n = 0;
}
