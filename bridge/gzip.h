/*
 * gzip - gzip bodies through zlib. Pure. Inflation is capped twice (an
 * absolute output cap and a ratio cap) and stops at the cap, never
 * holding more (HOSTILE R20); several members are one stream (RFC 1952).
 */
#ifndef BRIDGE_GZIP_H
#define BRIDGE_GZIP_H

#include <stddef.h>

#include "../sockets/buf.h"

enum gzip_result {
	GZIP_OK,
	GZIP_BAD,    /* not gzip, corrupt, truncated, trailing garbage */
	GZIP_TOO_BIG /* past max_out, or past ratio x input beyond 1 MiB */
};

/*
 * Inflate in[0..n) into out (reset first). ratio 0 disables the ratio
 * cap. On failure out is released.
 */
enum gzip_result gzip_inflate(const char *in, size_t n, struct buf *out,
    size_t max_out, unsigned ratio);

/* Compress in[0..n) as one gzip member into out (reset first). 0 or -1. */
int gzip_deflate(const char *in, size_t n, struct buf *out);

#endif
