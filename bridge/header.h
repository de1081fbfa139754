/*
 * header - the ordered header list shared by requests and replies: names
 * as given, repeats kept in order, case-insensitive lookups. No filtering
 * here (that is request_add_header's job).
 */
#ifndef BRIDGE_HEADER_H
#define BRIDGE_HEADER_H

#include <stddef.h>

struct header {
	char *name; /* as the client or the app sent it */
	size_t name_len;
	char *value;
	size_t value_len;
};

/* Append a copy of name and value to the list (grown as needed). */
void header_append(struct header **list, size_t *n, size_t *cap,
    const char *name, size_t name_len, const char *value, size_t value_len);

/*
 * Remove every header named name[0..name_len) (case-insensitive), keeping
 * the order of the rest. Returns the name and value bytes removed.
 */
size_t header_remove(struct header *list, size_t *n, const char *name,
    size_t name_len);

/* Is h named name[0..name_len), ignoring case? */
int header_is(const struct header *h, const char *name, size_t name_len);

/* The index of the first header named like list[i] (i itself if none). */
size_t header_first(const struct header *list, size_t i);

/* Free every name and value; the list is left empty. */
void header_clear(struct header *list, size_t *n);

#endif
