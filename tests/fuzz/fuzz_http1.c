/*
 * fuzz_http1 - the app's HTTP/1.1 answer, parsed in pieces. data[0] picks
 * the piece size (1-256), data[1]'s low bit says the request was a HEAD,
 * and the answer is the rest. Where the answer holds the marker "|~|" it
 * is cut there instead, the marker dropped, so a split can be put on any
 * byte: in a head, a chunk size, its extension, a CRLF, a trailer. The
 * same answer fed in one piece must end the same way (the result, the
 * status, the framing, the body bytes), and the body bytes seen never
 * exceed the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sockets/http1.h"
#include "fuzz.h"

#define MARK   "|~|"
#define MARK_N 3

struct outcome {
	enum parse_result pr;
	int status;
	enum http1_framing framing;
	size_t body;
};

/* Parse msg[0..n) cut at the offsets cut[0..ncut) (ascending), then at
 * every step bytes past the last cut. */
static struct outcome
parse(const char *msg, size_t n, int head, const size_t *cut, size_t ncut,
    size_t step)
{
	struct http1_response r;
	struct outcome o = { PARSE_MORE, 0, 0, 0 };
	size_t off = 0, used, k, c = 0, end;

	http1_response_init(&r, head, fuzz_count, &o.body);
	while (off < n && o.pr == PARSE_MORE) {
		while (c < ncut && cut[c] <= off)
			c++;
		end = c < ncut ? cut[c] : off + step;
		k = (end < n ? end : n) - off;
		o.pr = http1_feed(&r, msg + off, k, &used);
		FUZZ_ASSERT(used <= k);
		off += o.pr == PARSE_MORE ? k : used;
	}
	if (o.pr == PARSE_MORE)
		o.pr = http1_feed_eof(&r);
	if (o.pr == PARSE_DONE) {
		o.status = r.status;
		o.framing = r.framing;
	}
	http1_response_release(&r);
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 2, *m;
	size_t n, len = 0, ncut = 0, *cut, left;
	struct outcome a, b;
	char *msg;
	int head;

	if (size < 2)
		return 0;
	n = size - 2;
	head = data[1] & 1;
	msg = malloc(n + 1);
	cut = malloc((n / MARK_N + 1) * sizeof(*cut));
	if (!msg || !cut)
		abort();
	/* the answer without its markers, and where they were */
	while (n > 0) {
		m = memmem(in, n, MARK, MARK_N);
		left = m ? (size_t)(m - in) : n;
		memcpy(msg + len, in, left);
		len += left;
		if (!m)
			break;
		cut[ncut++] = len;
		in = m + MARK_N;
		n -= left + MARK_N;
	}
	a = parse(msg, len, head, cut, ncut, (size_t)data[0] + 1);
	b = parse(msg, len, head, NULL, 0, len ? len : 1);
	FUZZ_ASSERT(a.pr == b.pr);
	FUZZ_ASSERT(a.status == b.status);
	FUZZ_ASSERT(a.framing == b.framing);
	FUZZ_ASSERT(a.body == b.body);
	FUZZ_ASSERT(a.body <= size);
	free(msg);
	free(cut);
	return 0;
}
