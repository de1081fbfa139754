/*
 * t_gzip - capped gzip inflate and one-shot deflate (HOSTILE R20, R21):
 * round trips, multi-member streams, every kind of bad input as GZIP_BAD,
 * a 50 MiB bomb stopped at the cap quickly and without holding the lot,
 * the ratio cap past 1 MiB, and the output released on every failure.
 */
#include "../../bridge/gzip.c"
#include "check.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define MIB (1024 * 1024)

static const char *const result_name[] = { "GZIP_OK", "GZIP_BAD",
	"GZIP_TOO_BIG" };

#define CHECK_RES(got, want)                                                   \
	do {                                                                   \
		enum gzip_result gr_ = (got);                                  \
		if (!check_result(gr_ == (want), __FILE__, __LINE__,           \
		        "unexpected gzip_result"))                             \
			printf("    expected %s got %s\n", result_name[want],  \
			    result_name[gr_]);                                 \
	} while (0)

/* Deterministic incompressible bytes (xorshift32). */
static void
noise(char *p, size_t n, unsigned seed)
{
	unsigned x = seed ? seed : 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)(x >> 24);
	}
}

/*
 * n zero bytes as one stream in the given zlib format (windowBits: 31
 * gzip, 15 zlib, -15 raw deflate), compressed from a small chunk so that
 * making a bomb costs no memory.
 */
static void
zeros_stream(size_t n, int wbits, struct buf *out)
{
	static const char zero[64 * 1024];
	z_stream z;
	char *room;
	size_t chunk;
	int flush;

	memset(&z, 0, sizeof(z));
	buf_init(out, 4 * MIB);
	deflateInit2(&z, 9, Z_DEFLATED, wbits, 9, Z_DEFAULT_STRATEGY);
	do {
		chunk = n < sizeof(zero) ? n : sizeof(zero);
		n -= chunk;
		flush = n ? Z_NO_FLUSH : Z_FINISH;
		z.next_in = (Bytef *)zero;
		z.avail_in = (uInt)chunk;
		do {
			room = buf_room(out, 64 * 1024);
			z.next_out = (Bytef *)room;
			z.avail_out = 64 * 1024;
			deflate(&z, flush);
			buf_setlen(out, out->len + (64 * 1024 - z.avail_out));
		} while (z.avail_out == 0);
	} while (n);
	deflateEnd(&z);
}

/* Arbitrary bytes in another zlib format (zlib or raw deflate). */
static void
other_format(const char *p, size_t n, int wbits, struct buf *out)
{
	z_stream z;
	char *room;

	memset(&z, 0, sizeof(z));
	buf_init(out, n + 1024);
	deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	room = buf_room(out, n + 512);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)room;
	z.avail_out = (uInt)(n + 512);
	deflate(&z, Z_FINISH);
	buf_setlen(out, n + 512 - z.avail_out);
	deflateEnd(&z);
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Run first, while the process is small: a 50 MiB bomb against a 6 MiB
 * cap must stop there. The output buffer itself may grow to 1 GiB, so
 * only gzip_inflate's own cap can stop it; the peak RSS shows how much
 * it held.
 */
static void
test_bomb(void)
{
	struct buf bomb = BUF_INIT, out = BUF_INIT;
	enum gzip_result r;
	long rss0, rss1;
	double t0, t1;

	zeros_stream((size_t)50 * MIB, 31, &bomb);
	CHECK(bomb.len > 0 && bomb.len < 200 * 1024);
	buf_init(&out, (size_t)1024 * MIB);
	rss0 = maxrss_kib();
	t0 = now_s();
	r = gzip_inflate(bomb.p, bomb.len, &out, 6 * MIB, 0);
	t1 = now_s();
	rss1 = maxrss_kib();
	check_ctx = "50 MiB bomb, 6 MiB cap, no ratio";
	CHECK_RES(r, GZIP_TOO_BIG);
	CHECK(out.p == NULL && out.len == 0 && out.cap == 0);
	CHECK(t1 - t0 < 1.5);
	/* 6 MiB plus a step, and the doubling of the buffer; not 50 MiB */
	if (!CHECK(rss1 - rss0 < 32 * 1024))
		printf("    peak RSS grew by %ld KiB\n", rss1 - rss0);

	check_ctx = "50 MiB bomb, ratio 100";
	t0 = now_s();
	r = gzip_inflate(bomb.p, bomb.len, &out, 6 * MIB, 100);
	t1 = now_s();
	CHECK_RES(r, GZIP_TOO_BIG);
	CHECK(out.p == NULL && out.len == 0);
	CHECK(t1 - t0 < 1.5);
	check_ctx = "";
	buf_release(&out);
	buf_release(&bomb);
}

static void
test_round_trip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 100, 4096, 65535, 65536, 65537,
		131072, 200000, MIB };
	struct buf gz = BUF_INIT, out = BUF_INIT;
	char *data = malloc(MIB);
	char ctx[64];
	size_t i, k;

	for (k = 0; k < 2; k++) {
		if (k == 0)
			noise(data, MIB, 7);
		else
			for (i = 0; i < MIB; i++)
				data[i] = "lorem ipsum dolor sit amet "[i % 27];
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			snprintf(ctx, sizeof(ctx), "round trip %zu %s bytes",
			    sizes[i], k ? "text" : "noise");
			check_ctx = ctx;
			buf_init(&gz, 2 * MIB);
			CHECK_INT(gzip_deflate(data, sizes[i], &gz), 0);
			CHECK(gz.len >= 18 && (unsigned char)gz.p[0] == 0x1f &&
			    (unsigned char)gz.p[1] == 0x8b);
			buf_init(&out, 2 * MIB);
			buf_addstr(&out, "stale"); /* out is reset first */
			CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 2 * MIB,
			              100),
			    GZIP_OK);
			CHECK_MEM(out.p ? out.p : "", out.len, data, sizes[i]);
			buf_release(&out);
			buf_release(&gz);
		}
	}
	check_ctx = "";
	free(data);
}

/* Several members are one stream (RFC 1952 2.2). */
static void
test_members(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, e = BUF_INIT, cat = BUF_INIT;
	struct buf out = BUF_INIT;

	buf_init(&a, 1024);
	buf_init(&b, 1024);
	buf_init(&e, 1024);
	buf_init(&cat, 4096);
	buf_init(&out, MIB);
	gzip_deflate("hello ", 6, &a);
	gzip_deflate("world", 5, &b);
	gzip_deflate("", 0, &e);

	check_ctx = "two members";
	buf_add(&cat, a.p, a.len);
	buf_add(&cat, b.p, b.len);
	CHECK_RES(gzip_inflate(cat.p, cat.len, &out, 4096, 100), GZIP_OK);
	CHECK_STR(out.p, "hello world");

	check_ctx = "three members, one empty";
	buf_reset(&cat);
	buf_add(&cat, a.p, a.len);
	buf_add(&cat, e.p, e.len);
	buf_add(&cat, b.p, b.len);
	CHECK_RES(gzip_inflate(cat.p, cat.len, &out, 4096, 100), GZIP_OK);
	CHECK_STR(out.p, "hello world");

	check_ctx = "one empty member";
	CHECK_RES(gzip_inflate(e.p, e.len, &out, 4096, 100), GZIP_OK);
	CHECK_INT(out.len, 0);

	check_ctx = "second member truncated";
	buf_reset(&cat);
	buf_add(&cat, a.p, a.len);
	buf_add(&cat, b.p, b.len - 3);
	CHECK_RES(gzip_inflate(cat.p, cat.len, &out, 4096, 100), GZIP_BAD);
	CHECK(out.p == NULL && out.len == 0);
	check_ctx = "";
	buf_release(&a);
	buf_release(&b);
	buf_release(&e);
	buf_release(&cat);
	buf_release(&out);
}

/* gz with byte at off xor'ed with x, then inflated: must be GZIP_BAD. */
static void
check_flip(const struct buf *gz, size_t off, int x, const char *what)
{
	struct buf bad = BUF_INIT, out = BUF_INIT;

	check_ctx = what;
	buf_init(&bad, gz->len + 1);
	buf_add(&bad, gz->p, gz->len);
	bad.p[off] = (char)(bad.p[off] ^ x);
	buf_init(&out, MIB);
	buf_addstr(&out, "stale");
	CHECK_RES(gzip_inflate(bad.p, bad.len, &out, MIB, 100), GZIP_BAD);
	CHECK(out.p == NULL && out.len == 0);
	buf_release(&bad);
	check_ctx = "";
}

static void
test_bad(void)
{
	static const struct {
		const char *name, *tail;
		size_t n;
	} garbage[] = {
		{ "trailing byte", "x", 1 },
		{ "trailing NUL", "\0", 1 },
		{ "trailing zeros", "\0\0\0\0\0\0\0\0", 8 },
		{ "trailing magic only", "\x1f\x8b", 2 },
		{ "trailing newline", "\n", 1 },
	};
	struct buf gz = BUF_INIT, bad = BUF_INIT, out = BUF_INIT;
	const char *text = "The quick brown fox jumps over the lazy dog, "
	                   "again and again and again and again.";
	char ctx[64];
	size_t i, fails = 0;

	buf_init(&gz, 4096);
	gzip_deflate(text, strlen(text), &gz);
	buf_init(&out, MIB);

	check_flip(&gz, 0, 0x01, "bad magic");
	check_flip(&gz, 2, 0x01, "bad method");
	check_flip(&gz, gz.len - 8, 0x01, "bad CRC32");
	check_flip(&gz, gz.len - 4, 0x01, "bad ISIZE");
	check_flip(&gz, 12, 0x55, "corrupt deflate data");

	/* every proper prefix is truncated */
	for (i = 0; i < gz.len; i++) {
		buf_addstr(&out, "stale");
		if (gzip_inflate(gz.p, i, &out, MIB, 100) != GZIP_BAD ||
		    out.p != NULL) {
			snprintf(ctx, sizeof(ctx), "truncated at %zu", i);
			check_ctx = ctx;
			CHECK(0);
			fails++;
		}
	}
	check_ctx = "";
	CHECK_INT(fails, 0);

	buf_init(&bad, 8192);
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		check_ctx = garbage[i].name;
		buf_reset(&bad);
		buf_add(&bad, gz.p, gz.len);
		buf_add(&bad, garbage[i].tail, garbage[i].n);
		buf_addstr(&out, "stale");
		CHECK_RES(gzip_inflate(bad.p, bad.len, &out, MIB, 100),
		    GZIP_BAD);
		CHECK(out.p == NULL && out.len == 0);
	}

	buf_release(&bad);

	check_ctx = "empty input";
	buf_addstr(&out, "stale");
	CHECK_RES(gzip_inflate("", 0, &out, MIB, 100), GZIP_BAD);
	CHECK(out.p == NULL && out.len == 0);

	check_ctx = "plain text";
	CHECK_RES(gzip_inflate(text, strlen(text), &out, MIB, 100), GZIP_BAD);
	CHECK(out.p == NULL);

	check_ctx = "zlib format";
	other_format(text, strlen(text), 15, &bad);
	CHECK_RES(gzip_inflate(bad.p, bad.len, &out, MIB, 100), GZIP_BAD);
	CHECK(out.p == NULL);
	buf_release(&bad);

	check_ctx = "raw deflate";
	other_format(text, strlen(text), -15, &bad);
	CHECK_RES(gzip_inflate(bad.p, bad.len, &out, MIB, 100), GZIP_BAD);
	CHECK(out.p == NULL);
	buf_release(&bad);

	check_ctx = "";
	buf_release(&gz);
	buf_release(&out);
}

/* max_out is the largest output allowed: equal passes, one more fails. */
static void
test_max_out(void)
{
	struct buf gz = BUF_INIT, out = BUF_INIT;
	char *data = malloc(200000);

	noise(data, 200000, 3);
	buf_init(&gz, 300000);
	gzip_deflate(data, 200000, &gz);

	check_ctx = "output == max_out";
	buf_init(&out, MIB);
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 200000, 100), GZIP_OK);
	CHECK_MEM(out.p ? out.p : "", out.len, data, 200000);

	check_ctx = "output == max_out + 1";
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 199999, 100), GZIP_TOO_BIG);
	CHECK(out.p == NULL && out.len == 0);

	check_ctx = "tiny max_out";
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 1, 100), GZIP_TOO_BIG);
	CHECK(out.p == NULL && out.len == 0);
	buf_release(&out);

	/*
	 * An out buffer capped at max_out itself: the output fits both the
	 * buffer and max_out, so it is not "past max_out".
	 */
	check_ctx = "out.max == max_out, output fits";
	buf_init(&out, 200000);
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 200000, 100), GZIP_OK);
	CHECK_INT(out.len, 200000);
	buf_release(&out);
	buf_init(&out, 300000);
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 300000, 100), GZIP_OK);
	CHECK_INT(out.len, 200000);
	buf_release(&out);
	check_ctx = "out.max == max_out == 4096, 11-byte output";
	buf_reset(&gz);
	gzip_deflate("hello world", 11, &gz);
	buf_init(&out, 4096);
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 4096, 100), GZIP_OK);
	CHECK_STR(out.p, "hello world");
	buf_release(&out);

	check_ctx = "";
	buf_release(&gz);
	free(data);
}

/*
 * Output of exactly the cap, for several sizes and kinds of data, with the
 * buffer itself capped there too: OK; one byte less of cap: TOO_BIG.
 */
static void
test_exact_cap(void)
{
	static const size_t sizes[] = { 1, 100, 65535, 65536, 65537, 131072,
		300000 };
	static const char *const kind[] = { "zeros", "text", "noise" };
	struct buf gz = BUF_INIT, out = BUF_INIT;
	char *data = malloc(300000), ctx[64];
	size_t i, k, j;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			snprintf(ctx, sizeof(ctx), "%zu bytes of %s at the cap",
			    sizes[i], kind[k]);
			check_ctx = ctx;
			if (k == 0)
				memset(data, 0, sizes[i]);
			else if (k == 1)
				for (j = 0; j < sizes[i]; j++)
					data[j] = "a text, "[j % 8];
			else
				noise(data, sizes[i], (unsigned)sizes[i]);
			buf_init(&gz, 400000);
			gzip_deflate(data, sizes[i], &gz);
			buf_init(&out, sizes[i]);
			CHECK_RES(gzip_inflate(gz.p, gz.len, &out, sizes[i], 0),
			    GZIP_OK);
			CHECK_MEM(out.p ? out.p : "", out.len, data, sizes[i]);
			buf_release(&out);
			buf_init(&out, sizes[i] - 1);
			CHECK_RES(gzip_inflate(gz.p, gz.len, &out, sizes[i] - 1,
			              0),
			    GZIP_TOO_BIG);
			CHECK(out.p == NULL && out.len == 0);
			buf_release(&out);
			buf_release(&gz);
		}
	}
	check_ctx = "";
	free(data);
}

/* Past 1 MiB, more than ratio x input is a bomb; below it, never. */
static void
test_ratio(void)
{
	static const struct {
		const char *name;
		size_t zeros;
		unsigned ratio;
		enum gzip_result want;
	} rows[] = {
		{ "2 MiB zeros, ratio 100", 2 * MIB, 100, GZIP_TOO_BIG },
		{ "2 MiB zeros, ratio 0 (off)", 2 * MIB, 0, GZIP_OK },
		{ "2 MiB zeros, ratio 100000", 2 * MIB, 100000, GZIP_OK },
		{ "exactly 1 MiB zeros, ratio 100", MIB, 100, GZIP_OK },
		{ "1 MiB + 1 zeros, ratio 100", MIB + 1, 100, GZIP_TOO_BIG },
		{ "900 KiB zeros, ratio 2", 900 * 1024, 2, GZIP_OK },
		{ "5 MiB zeros, ratio 0 (off)", 5 * MIB, 0, GZIP_OK },
		{ "7 MiB zeros, ratio 0, past max_out", 7 * MIB, 0,
		    GZIP_TOO_BIG },
	};
	struct buf gz = BUF_INIT, out = BUF_INIT;
	size_t i;
	char *data = malloc(2 * MIB);

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		zeros_stream(rows[i].zeros, 31, &gz);
		buf_init(&out, 8 * MIB);
		CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 6 * MIB,
		              rows[i].ratio),
		    rows[i].want);
		if (rows[i].want == GZIP_OK)
			CHECK_INT(out.len, rows[i].zeros);
		else
			CHECK(out.p == NULL && out.len == 0);
		buf_release(&out);
		buf_release(&gz);
	}

	/* incompressible data far past 1 MiB passes a tight ratio */
	check_ctx = "2 MiB noise, ratio 2";
	noise(data, 2 * MIB, 11);
	buf_init(&gz, 3 * MIB);
	gzip_deflate(data, 2 * MIB, &gz);
	buf_init(&out, 8 * MIB);
	CHECK_RES(gzip_inflate(gz.p, gz.len, &out, 6 * MIB, 2), GZIP_OK);
	CHECK_MEM(out.p ? out.p : "", out.len, data, 2 * MIB);
	buf_release(&out);
	buf_release(&gz);
	check_ctx = "";
	free(data);
}

static void
test_deflate_cap(void)
{
	struct buf gz = BUF_INIT;

	buf_init(&gz, 10);
	buf_addstr(&gz, "stale");
	CHECK_INT(gzip_deflate("hello world", 11, &gz), -1);
	CHECK(gz.p == NULL && gz.len == 0);
	buf_release(&gz);
}

int
main(void)
{
	test_bomb();
	test_round_trip();
	test_members();
	test_bad();
	test_max_out();
	test_exact_cap();
	test_ratio();
	test_deflate_cap();
	return check_report();
}
