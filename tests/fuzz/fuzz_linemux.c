/*
 * fuzz_linemux - the app's output split into prefixed lines: both streams
 * fed in pieces (the first byte picks their size, each piece's first byte
 * its stream), then flushed. No line is lost: there are at least as many
 * lines out as newlines in, and every one starts with its prefix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/linemux.h"
#include "fuzz.h"

struct seen {
	size_t lines;
};

static void
emit(void *arg, const char *line, size_t n)
{
	struct seen *s = arg;

	FUZZ_ASSERT(n >= 3 &&
	    (memcmp(line, "O: ", 3) == 0 || memcmp(line, "E: ", 3) == 0));
	s->lines++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linemux m;
	struct seen seen = { 0 };
	size_t step, off = 1, k, newlines = 0, i;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	linemux_init(&m, NULL, -1, -1, "O: ", "E: ");
	m.emit = emit;
	m.emit_arg = &seen;
	while (off < size) {
		k = size - off < step ? size - off : step;
		for (i = 0; i < k; i++)
			newlines += data[off + i] == '\n';
		linemux_feed(&m, data[off] & 1, (const char *)data + off, k);
		off += k;
	}
	linemux_flush(&m);
	FUZZ_ASSERT(seen.lines >= newlines);
	linemux_release(&m);
	return 0;
}
