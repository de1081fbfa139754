/*
 * t_fcgi - the FastCGI record codec: byte-exact records, splitting at the
 * 65,535/65,536 content boundaries, 1- and 4-byte pair lengths at 127/128,
 * the reader fed whole, byte by byte and at every split, padding, version
 * errors, and pairs that lie about their lengths (HOSTILE R33-R37).
 */
#include "../../sockets/fcgi.c"
#include "check.h"

#include <stdlib.h>

#include "../../sockets/alloc.h"

#define MIB (1024 * 1024)

/* Decode every record in p[0..n), fed in pieces of step bytes (0: whole),
 * into a flat description "type:id:len," and the STDIN/PARAMS content. */
static int
read_all(const char *p, size_t n, size_t step, struct buf *desc,
    struct buf *data)
{
	struct fcgi_reader r;
	struct fcgi_record rec;
	enum parse_result pr;
	size_t off = 0, used, k;

	fcgi_reader_init(&r);
	while (off < n) {
		k = step && step < n - off ? step : n - off;
		while (k > 0) {
			pr = fcgi_read(&r, p + off, k, &used, &rec);
			if (pr == PARSE_BAD) {
				fcgi_reader_release(&r);
				return -1;
			}
			off += used;
			k -= used;
			if (pr == PARSE_DONE) {
				buf_printf(desc, "%d:%u:%zu,", rec.type, rec.id,
				    rec.len);
				buf_add(data, rec.content, rec.len);
			}
		}
	}
	k = (size_t)fcgi_reader_partial(&r);
	fcgi_reader_release(&r);
	return k ? -2 : 0;
}

static void
test_records(void)
{
	struct buf out = BUF_INIT;
	static const char begin[] = "\x01\x01\x00\x07\x00\x08\x00\x00"
	                            "\x00\x01\x01\x00\x00\x00\x00\x00";
	static const char stdin3[] = "\x01\x05\x01\x02\x00\x03\x05\x00"
	                             "abc\0\0\0\0\0";
	static const char end[] = "\x01\x03\x00\x07\x00\x08\x00\x00"
	                          "\x00\x00\x01\x02\x00\x00\x00\x00";

	buf_init(&out, MIB);
	CHECK_INT(fcgi_put_begin(&out, 7, FCGI_RESPONDER, 1), 0);
	CHECK_MEM(out.p, out.len, begin, sizeof(begin) - 1);
	buf_reset(&out);
	CHECK_INT(fcgi_put_stream(&out, FCGI_STDIN, 258, "abc", 3), 0);
	CHECK_MEM(out.p, out.len, stdin3, sizeof(stdin3) - 1);
	buf_reset(&out);
	CHECK_INT(fcgi_put_stream(&out, FCGI_STDIN, 1, "", 0), 0);
	CHECK_INT(out.len, 0);
	CHECK_INT(fcgi_put_end_stream(&out, FCGI_PARAMS, 1), 0);
	CHECK_MEM(out.p, out.len, "\x01\x04\x00\x01\x00\x00\x00\x00", 8);
	buf_reset(&out);
	CHECK_INT(fcgi_put_end_request(&out, 7, 258, FCGI_REQUEST_COMPLETE), 0);
	CHECK_MEM(out.p, out.len, end, sizeof(end) - 1);
	buf_reset(&out);
	CHECK_INT(fcgi_put_unknown_type(&out, 42), 0);
	CHECK_MEM(out.p, out.len,
	    "\x01\x0b\x00\x00\x00\x08\x00\x00\x2a\0\0\0\0\0\0\0", 16);
	buf_reset(&out);
	CHECK_INT(fcgi_put_begin(&out, 65536, FCGI_RESPONDER, 0), -1);
	buf_release(&out);
}

/* Content of n bytes: how many records, each padded, all read back. */
static void
test_boundaries(void)
{
	static const size_t sizes[] = { 1, 7, 8, 9, 65534, 65535, 65536, 65537,
		131070, 131071, 200000 };
	struct buf out = BUF_INIT, desc = BUF_INIT, data = BUF_INIT, want;
	char *content;
	size_t i, j, n, records, total, len;

	content = xmalloc(200000);
	for (j = 0; j < 200000; j++)
		content[j] = (char)(j * 7 + 3);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		buf_init(&out, 4 * MIB);
		buf_init(&desc, MIB);
		buf_init(&data, MIB);
		buf_init(&want, MIB);
		CHECK_INT(fcgi_put_stream(&out, FCGI_STDOUT, 1, content, n), 0);
		records = (n + 65534) / 65535;
		total = 0;
		for (j = 0; j < records; j++) {
			len = j + 1 < records ? (size_t)65535 : n - j * 65535;
			total += 8 + len + (8 - len % 8) % 8;
			buf_printf(&want, "6:1:%zu,", len);
		}
		CHECK_INT(out.len % 8, 0);
		CHECK_INT(out.len, total);
		CHECK_INT(read_all(out.p, out.len, 0, &desc, &data), 0);
		CHECK_MEM(desc.p, desc.len, want.p, want.len);
		CHECK_MEM(data.p, data.len, content, n);
		buf_release(&out);
		buf_release(&desc);
		buf_release(&data);
		buf_release(&want);
	}
	free(content);
}

/* A whole request stream read in every split, and byte by byte. */
static void
test_reader_splits(void)
{
	struct buf out = BUF_INIT, params = BUF_INIT, d0 = BUF_INIT,
	           x0 = BUF_INIT, d = BUF_INIT, x = BUF_INIT;
	size_t step;
	int ok = 1;

	buf_init(&out, MIB);
	buf_init(&params, MIB);
	fcgi_put_begin(&out, 1, FCGI_RESPONDER, 0);
	fcgi_put_pair(&params, "REQUEST_METHOD", 14, "POST", 4);
	fcgi_put_pair(&params, "CONTENT_LENGTH", 14, "5", 1);
	fcgi_put_stream(&out, FCGI_PARAMS, 1, params.p, params.len);
	fcgi_put_end_stream(&out, FCGI_PARAMS, 1);
	fcgi_put_stream(&out, FCGI_STDIN, 1, "hello", 5);
	fcgi_put_end_stream(&out, FCGI_STDIN, 1);
	buf_init(&d0, MIB);
	buf_init(&x0, MIB);
	CHECK_INT(read_all(out.p, out.len, 0, &d0, &x0), 0);
	CHECK_STR(d0.p, "1:1:8,4:1:37,4:1:0,5:1:5,5:1:0,");
	for (step = 1; step <= out.len && ok; step++) {
		buf_init(&d, MIB);
		buf_init(&x, MIB);
		if (read_all(out.p, out.len, step, &d, &x) != 0 ||
		    d.len != d0.len || memcmp(d.p, d0.p, d.len) != 0 ||
		    x.len != x0.len || memcmp(x.p, x0.p, x.len) != 0)
			ok = 0;
		buf_release(&d);
		buf_release(&x);
	}
	CHECK(ok);
	/* cut short anywhere: never a whole request, the reader says so */
	buf_init(&d, MIB);
	buf_init(&x, MIB);
	CHECK_INT(read_all(out.p, 13, 0, &d, &x), -2);
	buf_release(&d);
	buf_release(&x);
	buf_release(&out);
	buf_release(&params);
	buf_release(&d0);
	buf_release(&x0);
}

static void
test_reader_bad(void)
{
	struct fcgi_reader r;
	struct fcgi_record rec;
	size_t used;
	/* a record declaring 65535 bytes then stalling holds what came */
	static const char big[] = "\x01\x05\x00\x01\xff\xff\x00\x00xyz";

	fcgi_reader_init(&r);
	CHECK_INT(fcgi_read(&r, "\x02\x01\x00\x01\x00\x08\x00\x00", 8, &used,
	              &rec),
	    PARSE_BAD);
	CHECK_STR(r.why, "not FastCGI version 1");
	CHECK_INT(fcgi_read(&r, "x", 1, &used, &rec), PARSE_BAD);
	fcgi_reader_release(&r);

	fcgi_reader_init(&r);
	CHECK_INT(fcgi_read(&r, big, sizeof(big) - 1, &used, &rec), PARSE_MORE);
	CHECK_INT(used, 11);
	CHECK(r.content.cap < 4096);
	CHECK(fcgi_reader_partial(&r));
	fcgi_reader_release(&r);

	/* padding 255, an unknown type: returned as they are */
	fcgi_reader_init(&r);
	{
		char rec255[8 + 1 + 255];

		memset(rec255, 0, sizeof(rec255));
		memcpy(rec255, "\x01\x63\x00\x00\x00\x01\xff\x00", 8);
		rec255[8] = 'q';
		CHECK_INT(fcgi_read(&r, rec255, sizeof(rec255), &used, &rec),
		    PARSE_DONE);
		CHECK_INT(used, sizeof(rec255));
		CHECK_INT(rec.type, 0x63);
		CHECK_MEM(rec.content, rec.len, "q", 1);
	}
	fcgi_reader_release(&r);
}

static void
test_pairs(void)
{
	static const size_t lens[] = { 0, 1, 127, 128, 255, 65535, 65536 };
	struct buf b = BUF_INIT;
	char *v = xmalloc(70000);
	const char *name, *value;
	size_t i, off, nl, vl;

	memset(v, 'v', 70000);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_init(&b, MIB);
		CHECK_INT(fcgi_put_pair(&b, "N", 1, v, lens[i]), 0);
		CHECK_INT(b.len, 1 + (lens[i] < 128 ? 1 : 4) + 1 + lens[i]);
		off = 0;
		CHECK_INT(fcgi_next_pair(b.p, b.len, &off, &name, &nl, &value,
		              &vl),
		    1);
		CHECK_INT(vl, lens[i]);
		CHECK_MEM(name, nl, "N", 1);
		CHECK_INT(fcgi_next_pair(b.p, b.len, &off, &name, &nl, &value,
		              &vl),
		    0);
		/* every truncation is caught */
		if (b.len > 1) {
			off = 0;
			CHECK_INT(fcgi_next_pair(b.p, b.len - 1, &off, &name,
			              &nl, &value, &vl),
			    -1);
		}
		buf_release(&b);
	}
	/* lengths near 2^31 (HOSTILE P1): refused, nothing allocated */
	off = 0;
	CHECK_INT(fcgi_next_pair("\xff\xff\xff\xff\xff\xff\xff\xff"
	                         "ab",
	              10, &off, &name, &nl, &value, &vl),
	    -1);
	off = 0;
	CHECK_INT(fcgi_next_pair("\x80\x00\x00\x01\x01"
	                         "ab",
	              7, &off, &name, &nl, &value, &vl),
	    1);
	CHECK_MEM(name, nl, "a", 1);
	CHECK_MEM(value, vl, "b", 1);
	free(v);
}

int
main(void)
{
	test_records();
	test_boundaries();
	test_reader_splits();
	test_reader_bad();
	test_pairs();
	return check_report();
}
