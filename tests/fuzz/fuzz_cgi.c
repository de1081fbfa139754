/*
 * fuzz_cgi - a CGI program's answer (Status, Location, headers, body),
 * parsed in pieces of the size the first byte picks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../sockets/cgi.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_response r;
	enum parse_result pr = PARSE_MORE;
	size_t step, off = 1, k, body = 0;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	cgi_response_init(&r, fuzz_count, &body);
	while (off < size && pr != PARSE_BAD) {
		k = size - off < step ? size - off : step;
		pr = cgi_feed(&r, (const char *)data + off, k);
		off += k;
	}
	if (pr != PARSE_BAD)
		cgi_feed_eof(&r);
	FUZZ_ASSERT(body <= size);
	cgi_response_release(&r);
	return 0;
}
