/*
 * fuzz_url - percent-encoding of paths and queries: what goes on a
 * request line holds no control, space or non-ASCII byte; a decoded path
 * escaped and decoded again is the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/url.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum url_set sets[] = { URL_PATH_RAW, URL_QUERY_RAW,
		URL_PATH_DECODED, URL_COMPONENT };
	struct buf out = BUF_INIT, back = BUF_INIT;
	size_t i, j;

	for (i = 0; i < sizeof(sets) / sizeof(*sets); i++) {
		buf_init(&out, 3 * size + 16);
		FUZZ_ASSERT(
		    url_escape(&out, (const char *)data, size, sets[i]) == 0);
		for (j = 0; j < out.len; j++)
			FUZZ_ASSERT((unsigned char)out.p[j] > 0x20 &&
			    (unsigned char)out.p[j] < 0x7f);
		if (sets[i] == URL_PATH_DECODED || sets[i] == URL_COMPONENT) {
			buf_init(&back, size + 16);
			FUZZ_ASSERT(url_decode(&back, out.p ? out.p : "",
			                out.len) == 0);
			FUZZ_ASSERT(back.len == size &&
			    (size == 0 || memcmp(back.p, data, size) == 0));
			buf_release(&back);
		}
		buf_release(&out);
	}
	return 0;
}
