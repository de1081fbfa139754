/*
 * sha256 - SHA-256 (FIPS 180-4), incremental, for the hash that stands in
 * for a captured body too large to keep. Pure.
 */
#ifndef BRIDGE_SHA256_H
#define BRIDGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	unsigned char block[64];
	size_t fill;     /* bytes in block */
	uint64_t length; /* bytes hashed so far */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *p, size_t n);
/* The digest as 64 lowercase hex digits and a NUL; s is spent. */
void sha256_hex(struct sha256 *s, char hex[65]);

#endif
