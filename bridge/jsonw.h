/*
 * jsonw - JSON written straight into a buf, byte for byte as json-c
 * prints it (plain, '/' not escaped): strings escaped, UTF-8 passed as it
 * is. Each appender returns 0, or -1 with the buf released (its cap).
 */
#ifndef BRIDGE_JSONW_H
#define BRIDGE_JSONW_H

#include <stddef.h>

#include "../sockets/buf.h"

/* Bytes p[0..n) take inside a JSON string. */
size_t jsonw_escaped_len(const unsigned char *p, size_t n);

/* p[0..n) as the inside of a JSON string (no quotes). */
int jsonw_escape(struct buf *out, const char *p, size_t n);

/* p[0..n) as a JSON string, quoted. */
int jsonw_string(struct buf *out, const char *p, size_t n);

/* An object member's "name": for name[0..n) (a ',' first unless *first,
 * which is then cleared). */
int jsonw_key(struct buf *out, int *first, const char *name, size_t n);

/* "name":"s" and "name":v, as jsonw_key. */
int jsonw_member(struct buf *out, int *first, const char *name, const char *s);
int jsonw_int(struct buf *out, int *first, const char *name, long long v);

#endif
