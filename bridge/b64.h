/*
 * b64 - base64 (RFC 4648 section 4, standard alphabet, padded). Pure. The
 * decoder is strict: anything but the canonical form is an error, so that
 * a body is never silently decoded into garbage (HOSTILE R18).
 */
#ifndef BRIDGE_B64_H
#define BRIDGE_B64_H

#include <stddef.h>

#include "../sockets/buf.h"

/* Encoded size of n bytes. */
size_t b64_encoded_len(size_t n);

/* Append the encoding of in[0..n) to out. 0, or -1 (EMSGSIZE, cap). */
int b64_encode(const char *in, size_t n, struct buf *out);

/*
 * Append the decoding of in[0..n) to out. Returns 0; -1 with EINVAL and
 * *bad_off at the first offending byte (bytes outside the alphabet, '-'
 * and '_', whitespace, missing or misplaced padding, non-zero pad bits,
 * length not a multiple of 4); or -1 with EMSGSIZE from the cap.
 */
int b64_decode(const char *in, size_t n, struct buf *out, size_t *bad_off);

#endif
