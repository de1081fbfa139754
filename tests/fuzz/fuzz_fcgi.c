/*
 * fuzz_fcgi - FastCGI both ways. Decoding: records read in pieces (the
 * first byte picks the size), PARAMS contents split into name-value pairs,
 * never past their record. Encoding: the input as a STDOUT stream and as
 * one pair, read back byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sockets/fcgi.h"
#include "fuzz.h"

static void
decode(const uint8_t *data, size_t size)
{
	struct fcgi_reader rd;
	struct fcgi_record rec;
	const char *name, *value;
	size_t step, off = 1, used, k, po, nl, vl;
	enum parse_result pr;

	if (size < 1)
		return;
	step = (size_t)data[0] + 1;
	fcgi_reader_init(&rd);
	while (off < size) {
		k = size - off < step ? size - off : step;
		pr = fcgi_read(&rd, (const char *)data + off, k, &used, &rec);
		FUZZ_ASSERT(used <= k);
		off += used;
		if (pr == PARSE_BAD)
			break;
		if (pr == PARSE_DONE) {
			po = 0;
			while (fcgi_next_pair(rec.content, rec.len, &po, &name,
			           &nl, &value, &vl) == 1)
				FUZZ_ASSERT(po <= rec.len);
		}
		if (pr == PARSE_MORE && used == 0)
			break;
	}
	fcgi_reader_release(&rd);
}

static void
round_trip(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, back = BUF_INIT;
	struct fcgi_reader rd;
	struct fcgi_record rec;
	size_t off = 0, used, po = 0, nl, vl, half = size / 2;
	const char *name, *value;

	buf_init(&out, 4 * size + 4096);
	buf_init(&back, size + 1);
	fcgi_put_stream(&out, FCGI_STDOUT, 1, (const char *)data, size);
	fcgi_put_end_stream(&out, FCGI_STDOUT, 1);
	fcgi_reader_init(&rd);
	while (off < out.len) {
		FUZZ_ASSERT(fcgi_read(&rd, out.p + off, out.len - off, &used,
		                &rec) == PARSE_DONE);
		off += used;
		FUZZ_ASSERT(rec.type == FCGI_STDOUT && rec.id == 1);
		buf_add(&back, rec.content, rec.len);
	}
	FUZZ_ASSERT(
	    back.len == size && (size == 0 || memcmp(back.p, data, size) == 0));
	buf_reset(&out);
	fcgi_put_pair(&out, (const char *)data, half, (const char *)data + half,
	    size - half);
	FUZZ_ASSERT(
	    fcgi_next_pair(out.p, out.len, &po, &name, &nl, &value, &vl) == 1);
	FUZZ_ASSERT(nl == half && vl == size - half && po == out.len);
	fcgi_reader_release(&rd);
	buf_release(&out);
	buf_release(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	round_trip(data, size);
	return 0;
}
