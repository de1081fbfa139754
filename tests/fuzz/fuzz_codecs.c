/*
 * fuzz_codecs - base64 and gzip on any input: decoding never writes past
 * its caps; what base64 encodes decodes back to the same bytes; a gzip
 * bomb stops at the cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/b64.h"
#include "../../bridge/gzip.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t bad;

	buf_init(&a, size + 16);
	b64_decode((const char *)data, size, &a, &bad);
	buf_release(&a);
	buf_init(&a, 2 * size + 16);
	buf_init(&b, size + 16);
	FUZZ_ASSERT(b64_encode((const char *)data, size, &a) == 0);
	FUZZ_ASSERT(b64_decode(a.p ? a.p : "", a.len, &b, &bad) == 0);
	FUZZ_ASSERT(
	    b.len == size && (size == 0 || memcmp(b.p, data, size) == 0));
	buf_release(&a);
	buf_release(&b);
	buf_init(&a, 1 << 20);
	if (gzip_inflate((const char *)data, size, &a, 1 << 20, 100) == GZIP_OK)
		FUZZ_ASSERT(a.len <= 1 << 20);
	buf_release(&a);
	return 0;
}
