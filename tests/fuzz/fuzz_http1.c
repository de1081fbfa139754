/*
 * fuzz_http1 - the app's HTTP/1.1 answer, parsed in pieces: the first
 * byte picks the piece size (1-256), so every split of a head, a chunk
 * size or a trailer is tried somewhere. The body bytes seen never exceed
 * the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../sockets/http1.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_response r;
	enum parse_result pr = PARSE_MORE;
	size_t step, off = 1, used, body = 0, k;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	http1_response_init(&r, size > 1 && data[1] == 'H', fuzz_count, &body);
	while (off < size && pr == PARSE_MORE) {
		k = size - off < step ? size - off : step;
		pr = http1_feed(&r, (const char *)data + off, k, &used);
		FUZZ_ASSERT(used <= k);
		off += pr == PARSE_MORE ? k : used;
	}
	if (pr == PARSE_MORE)
		http1_feed_eof(&r);
	FUZZ_ASSERT(body <= size);
	http1_response_release(&r);
	return 0;
}
