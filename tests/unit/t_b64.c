/*
 * t_b64 - the strict base64 codec (RFC 4648 section 4): the RFC test
 * vectors both ways, every byte value round trip, the decoder's rejection
 * of every non-canonical form with EINVAL and the offset of the first bad
 * byte (HOSTILE R18), and EMSGSIZE at the buffer cap.
 */
#include "../../bridge/b64.c"
#include "check.h"

#include <errno.h>

/* RFC 4648 section 10, plus a few longer ones. */
static const struct {
	const char *plain, *enc;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
	{ "A", "QQ==" },
	{ "AB", "QUI=" },
	{ "ABC", "QUJD" },
	{ "\xff\xff\xff", "////" },
	{ "\xfb\xff", "+/8=" },
	{ "hello, world\n", "aGVsbG8sIHdvcmxkCg==" },
};

/*
 * Inputs the strict decoder must refuse, with the first offending byte;
 * len 0 means strlen(in).
 */
static const struct {
	const char *name, *in;
	size_t len, off;
} bad[] = {
	{ "url-safe '-'", "QU-D", 0, 2 },
	{ "url-safe '_'", "QUJ_", 0, 3 },
	{ "url-safe in second quantum", "QUJD-A==", 0, 4 },
	{ "space", "QU D", 0, 2 },
	{ "leading space", " QUJ", 0, 0 },
	{ "newline between quanta", "QUJD\nQUJD", 0, 4 },
	{ "CRLF between quanta", "QUJD\r\nQUJDQQ==", 0, 4 },
	{ "newline inside a quantum", "QUJ\nQUJ=", 0, 3 },
	{ "tab", "QUJ\t", 0, 3 },
	{ "NUL byte", "QU\0D", 4, 2 },
	{ "non-ASCII", "QU\xc3\xa9", 0, 2 },
	{ "'*' outside the alphabet", "QUJ*", 0, 3 },
	{ "'=' in the middle", "QQ==QUJD", 0, 2 },
	{ "'=' at the start of a quantum", "QUJD=QQ=", 0, 4 },
	{ "'=' followed by data", "QQ=A", 0, 2 },
	{ "three '='", "Q===", 0, 1 },
	{ "only padding", "====", 0, 0 },
	{ "non-zero pad bits, one byte", "QR==", 0, 1 },
	{ "non-zero pad bits, two bytes", "QUJ=", 0, 2 },
	{ "non-zero pad bits, last quantum", "QUJDQR==", 0, 5 },
};

/* Lengths that are not a multiple of 4: missing padding, stray bytes. */
static const struct {
	const char *name, *in;
} badlen[] = {
	{ "missing padding, one byte", "QQ" },
	{ "missing padding, two bytes", "QUI" },
	{ "missing one '='", "QQ=" },
	{ "one stray byte", "Q" },
	{ "stray byte after a quantum", "QUJDQ" },
	{ "missing padding after a quantum", "QUJDQQ" },
	{ "trailing garbage after padding", "QQ==A" },
	{ "extra '=' after padding", "QQ===" },
};

static void
test_vectors(void)
{
	struct buf b = BUF_INIT;
	size_t i, n, off;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		check_ctx = vectors[i].enc;
		n = strlen(vectors[i].plain);
		CHECK_INT(b64_encoded_len(n), strlen(vectors[i].enc));
		buf_reset(&b);
		CHECK_INT(b64_encode(vectors[i].plain, n, &b), 0);
		CHECK_MEM(b.p ? b.p : "", b.len, vectors[i].enc,
		    strlen(vectors[i].enc));
		buf_reset(&b);
		off = 12345;
		CHECK_INT(b64_decode(vectors[i].enc, strlen(vectors[i].enc), &b,
		              &off),
		    0);
		CHECK_MEM(b.p ? b.p : "", b.len, vectors[i].plain, n);
		CHECK_INT(off, 12345); /* untouched on success */
	}
	check_ctx = "";
	buf_release(&b);
}

/* The appenders append: earlier content stays in front. */
static void
test_append(void)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 64);
	buf_addstr(&b, "x:");
	CHECK_INT(b64_encode("foo", 3, &b), 0);
	CHECK_STR(b.p, "x:Zm9v");
	buf_reset(&b);
	buf_addstr(&b, "y:");
	CHECK_INT(b64_decode("Zm9v", 4, &b, NULL), 0);
	CHECK_STR(b.p, "y:foo");
	/* a refused input leaves what was there and adds nothing */
	CHECK_INT(b64_decode("Zm9-", 4, &b, NULL), -1);
	CHECK_INT(b.len, 5);
	CHECK_STR(b.p, "y:foo");
	buf_release(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
}

/* Every byte value, and every length from 0 to 256, round trips. */
static void
test_all_bytes(void)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	char all[256];
	size_t i, n, bad_n = 0;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	buf_init(&enc, 1024);
	buf_init(&dec, 1024);
	for (n = 0; n <= 256; n++) {
		buf_reset(&enc);
		buf_reset(&dec);
		if (b64_encode(all + 256 - n, n, &enc) < 0 ||
		    enc.len != b64_encoded_len(n) ||
		    b64_decode(enc.p, enc.len, &dec, NULL) < 0 ||
		    dec.len != n || (n && memcmp(dec.p, all + 256 - n, n) != 0))
			bad_n++;
	}
	CHECK_INT(bad_n, 0);
	/* the 256-byte encoding uses the standard alphabet only */
	buf_reset(&enc);
	b64_encode(all, 256, &enc);
	CHECK_INT(strspn(enc.p,
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789+/="),
	    enc.len);
	CHECK(memchr(enc.p, '+', enc.len) != NULL);
	CHECK(memchr(enc.p, '/', enc.len) != NULL);
	buf_release(&enc);
	buf_release(&dec);
}

static void
test_bad(void)
{
	struct buf b = BUF_INIT;
	size_t i, n, off;
	int r;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_ctx = bad[i].name;
		n = bad[i].len ? bad[i].len : strlen(bad[i].in);
		buf_reset(&b);
		off = 999;
		errno = 0;
		r = b64_decode(bad[i].in, n, &b, &off);
		CHECK_INT(r, -1);
		CHECK_INT(errno, EINVAL);
		CHECK_INT(off, bad[i].off);
		CHECK_INT(b.len, 0);
	}
	for (i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
		check_ctx = badlen[i].name;
		n = strlen(badlen[i].in);
		buf_reset(&b);
		off = 999;
		errno = 0;
		r = b64_decode(badlen[i].in, n, &b, &off);
		CHECK_INT(r, -1);
		CHECK_INT(errno, EINVAL);
		/* the incomplete last quantum, or where padding is missing */
		CHECK(off >= n - n % 4 && off <= n);
		CHECK_INT(b.len, 0);
	}
	/* the canonical neighbours of the pad-bit rows are accepted */
	check_ctx = "canonical pad bits";
	buf_reset(&b);
	CHECK_INT(b64_decode("QQ==", 4, &b, NULL), 0);
	CHECK_STR(b.p, "A");
	buf_reset(&b);
	CHECK_INT(b64_decode("QUI=", 4, &b, NULL), 0);
	CHECK_STR(b.p, "AB");
	/* a NULL bad_off is allowed */
	check_ctx = "NULL bad_off";
	errno = 0;
	CHECK_INT(b64_decode("QU-D", 4, &b, NULL), -1);
	CHECK_INT(errno, EINVAL);
	check_ctx = "";
	buf_release(&b);
}

/* The cap: EMSGSIZE, buffer released; an output that fits passes. */
static void
test_cap(void)
{
	struct buf b = BUF_INIT;
	size_t off = 7;

	buf_init(&b, 7);
	errno = 0;
	CHECK_INT(b64_encode("foobar", 6, &b), -1); /* needs 8 */
	CHECK_INT(errno, EMSGSIZE);
	CHECK(b.p == NULL && b.len == 0);
	buf_init(&b, 8);
	CHECK_INT(b64_encode("foobar", 6, &b), 0);
	CHECK_STR(b.p, "Zm9vYmFy");
	buf_release(&b);

	buf_init(&b, 5);
	errno = 0;
	CHECK_INT(b64_decode("Zm9vYmFy", 8, &b, &off), -1); /* 6 bytes */
	CHECK_INT(errno, EMSGSIZE);
	CHECK_INT(off, 7);
	CHECK(b.p == NULL && b.len == 0);
	buf_init(&b, 6);
	CHECK_INT(b64_decode("Zm9vYmFy", 8, &b, NULL), 0);
	CHECK_STR(b.p, "foobar");
	buf_release(&b);

	/*
	 * A padded input whose decoded bytes fit the cap exactly must pass:
	 * the cap is on the output, not on n / 4 * 3 (a body of exactly
	 * BRIDGE_MAX_BODY bytes would otherwise be a 413).
	 */
	check_ctx = "padded output exactly at the cap";
	buf_init(&b, 1);
	CHECK_INT(b64_decode("QQ==", 4, &b, NULL), 0);
	CHECK_MEM(b.p ? b.p : "", b.len, "A", 1);
	buf_release(&b);
	buf_init(&b, 5);
	CHECK_INT(b64_decode("Zm9vYmE=", 8, &b, NULL), 0);
	CHECK_MEM(b.p ? b.p : "", b.len, "fooba", 5);
	buf_release(&b);
	check_ctx = "";
}

int
main(void)
{
	test_vectors();
	test_append();
	test_all_bytes();
	test_bad();
	test_cap();
	return check_report();
}
