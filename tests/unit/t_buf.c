/*
 * t_buf - unit tests of sockets/buf.c: the zero state, appends up to the
 * cap and one byte past it (EMSGSIZE, buffer released, never half-
 * appended), printf, room/setlen, consume, reset vs release, detach, and
 * the NUL kept after the last byte, with embedded NULs.
 */
#include "../../sockets/buf.c"
#include "check.h"

#include <stdint.h>

/* T8: a released buffer is empty, owns no memory and keeps its max. */
static void
check_released(const struct buf *b, size_t max)
{
	CHECK(b->p == NULL);
	CHECK_INT(b->len, 0);
	CHECK_INT(b->cap, 0);
	CHECK_INT(b->max, max);
}

/* The invariants of a buffer holding len bytes equal to want. */
static void
check_holds(const struct buf *b, const void *want, size_t len)
{
	CHECK(b->p != NULL);
	if (!b->p)
		return;
	CHECK_MEM(b->p, b->len, want, len);
	CHECK(b->cap > b->len);
	CHECK(b->len <= b->max);
	CHECK_INT(b->p[b->len], '\0');
}

static void
test_zero_state(void)
{
	struct buf b = BUF_INIT;
	struct buf z;
	char *s;
	size_t n = 99;

	check_ctx = "zero state";
	check_released(&b, 0);
	buf_release(&b);
	check_released(&b, 0);
	errno = 0;
	CHECK_INT(buf_addch(&b, 'x'), -1);
	CHECK_INT(errno, EMSGSIZE);
	check_released(&b, 0);
	s = buf_detach(&b, &n);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	CHECK_INT(n, 0);
	free(s);
	check_released(&b, 0);

	memset(&z, 0xa5, sizeof(z));
	buf_init(&z, 10);
	check_ctx = "buf_init allocates nothing";
	check_released(&z, 10);
	buf_release(&z);
	check_released(&z, 10);
	check_ctx = "";
}

/* Caps around the first allocation (64) and its doublings. */
static const size_t caps[] = { 1, 2, 10, 62, 63, 64, 65, 127, 128, 129, 1000,
	4096 };

static void
fill(char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i * 7 + seed);
}

/*
 * How the cap's worth of bytes is appended: one call, byte by byte, or in
 * pieces of 3. Then one byte more must fail and release the buffer.
 */
enum how {
	ONE_ADD,
	BY_ADDCH,
	BY_THREES,
	BY_ROOM,
	HOW_N
};
static const char *const how_name[] = { "one buf_add", "buf_addch",
	"pieces of 3", "buf_room" };

static int
append(struct buf *b, const char *p, size_t n, enum how how)
{
	size_t i, k;
	char *room;

	switch (how) {
	case ONE_ADD:
		return buf_add(b, p, n);
	case BY_ADDCH:
		for (i = 0; i < n; i++)
			if (buf_addch(b, (unsigned char)p[i]) < 0)
				return -1;
		return 0;
	case BY_THREES:
		for (i = 0; i < n; i += k) {
			k = n - i < 3 ? n - i : 3;
			if (buf_add(b, p + i, k) < 0)
				return -1;
		}
		return 0;
	default:
		room = buf_room(b, n);
		if (!room)
			return -1;
		memcpy(room, p, n);
		buf_setlen(b, b->len + n);
		return 0;
	}
}

static void
test_cap_edges(void)
{
	char data[4097], ctx[128];
	struct buf b;
	size_t i;
	int how, r;

	fill(data, sizeof(data), 1);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		for (how = 0; how < HOW_N; how++) {
			snprintf(ctx, sizeof(ctx), "cap %zu, %s", caps[i],
			    how_name[how]);
			check_ctx = ctx;
			buf_init(&b, caps[i]);
			CHECK_INT(append(&b, data, caps[i], how), 0);
			check_holds(&b, data, caps[i]);
			CHECK_INT(b.len, caps[i]);

			/* one byte past the cap: released, not half-done */
			errno = 0;
			r = append(&b, data, 1, how);
			CHECK_INT(r, -1);
			CHECK_INT(errno, EMSGSIZE);
			check_released(&b, caps[i]);

			/* the released buffer is reusable at once */
			CHECK_INT(append(&b, data + 5, 1, how), 0);
			check_holds(&b, data + 5, 1);

			/* cap + 1 in one call on an empty buffer */
			buf_release(&b);
			errno = 0;
			CHECK_INT(append(&b, data, caps[i] + 1,
			              how == BY_ADDCH ? ONE_ADD : how),
			    -1);
			CHECK_INT(errno, EMSGSIZE);
			check_released(&b, caps[i]);
			buf_release(&b);
			check_released(&b, caps[i]);
		}
	}
	check_ctx = "";
}

/* A failing append on a non-empty buffer must not leave a prefix behind. */
static const struct {
	size_t max, have, add;
	int want;
} partial[] = {
	{ 10, 5, 5, 0 },
	{ 10, 5, 6, -1 },
	{ 10, 9, 2, -1 },
	{ 10, 10, 1, -1 },
	{ 10, 0, 11, -1 },
	{ 100, 60, 40, 0 },
	{ 100, 60, 41, -1 },
	{ 100, 1, SIZE_MAX, -1 },
	{ 100, 1, SIZE_MAX - 1, -1 },
	{ 100, 50, SIZE_MAX - 40, -1 },
};

static void
test_no_half_append(void)
{
	char data[128], ctx[96];
	struct buf b;
	size_t i;
	int r;

	fill(data, sizeof(data), 3);
	for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++) {
		snprintf(ctx, sizeof(ctx), "max %zu have %zu add %zu",
		    partial[i].max, partial[i].have, partial[i].add);
		check_ctx = ctx;
		buf_init(&b, partial[i].max);
		CHECK_INT(buf_add(&b, data, partial[i].have), 0);
		errno = 0;
		/* huge sizes must be refused before anything is read */
		r = buf_add(&b, data + partial[i].have, partial[i].add);
		CHECK_INT(r, partial[i].want);
		if (partial[i].want == 0) {
			check_holds(&b, data, partial[i].have + partial[i].add);
		} else {
			CHECK_INT(errno, EMSGSIZE);
			check_released(&b, partial[i].max);
		}
		buf_release(&b);
		check_released(&b, partial[i].max);
	}
	check_ctx = "";
}

static void
test_addstr(void)
{
	struct buf b;

	check_ctx = "buf_addstr";
	buf_init(&b, 11);
	CHECK_INT(buf_addstr(&b, "hello"), 0);
	CHECK_INT(buf_addstr(&b, ""), 0);
	CHECK_INT(buf_addstr(&b, " world"), 0);
	check_holds(&b, "hello world", 11);
	CHECK_STR(b.p, "hello world");
	errno = 0;
	CHECK_INT(buf_addstr(&b, "!"), -1);
	CHECK_INT(errno, EMSGSIZE);
	check_released(&b, 11);
	check_ctx = "";
}

/*
 * buf_printf: the result, and the cap counted on the formatted length.
 * The formats stay literal (-Wformat=2), so each row names a call.
 */
enum pf {
	PF_INT_STR,
	PF_INT_STR2,
	PF_CHAR_NUL,
	PF_EMPTY,
	PF_PREC5,
	PF_PREC6,
	PF_WIDE
};

static int
do_printf(struct buf *b, enum pf which)
{
	switch (which) {
	case PF_INT_STR:
		return buf_printf(b, "%d-%s", 42, "x");
	case PF_INT_STR2:
		return buf_printf(b, "%d%s", 12, "34");
	case PF_CHAR_NUL:
		return buf_printf(b, "a%cb", 0);
	case PF_EMPTY:
		return buf_printf(b, "%s", "");
	case PF_PREC5:
		return buf_printf(b, "%.*s", 5, "abcdefgh");
	case PF_PREC6:
		return buf_printf(b, "%.*s", 6, "abcdefgh");
	default:
		return buf_printf(b, "%0200d", 1);
	}
}

static const struct {
	size_t max;
	const char *prefix;
	enum pf which;
	int want;
	const char *out;
	size_t out_len;
} printfs[] = {
	{ 64, "", PF_INT_STR, 0, "42-x", 4 },
	{ 64, "ab", PF_INT_STR, 0, "ab42-x", 6 },
	{ 4, "", PF_INT_STR, 0, "42-x", 4 },
	{ 3, "", PF_INT_STR, -1, NULL, 0 },
	{ 6, "ab", PF_INT_STR2, 0, "ab1234", 6 },
	{ 5, "ab", PF_INT_STR2, -1, NULL, 0 },
	{ 10, "", PF_CHAR_NUL, 0, "a\0b", 3 },
	{ 10, "", PF_EMPTY, 0, "", 0 },
	{ 0, "", PF_EMPTY, 0, "", 0 },
	{ 5, "", PF_PREC5, 0, "abcde", 5 },
	{ 5, "", PF_PREC6, -1, NULL, 0 },
	{ 200, "", PF_WIDE, 0, NULL, 200 },
	{ 199, "", PF_WIDE, -1, NULL, 0 },
};

static void
test_printf(void)
{
	char ctx[64];
	struct buf b;
	size_t i;
	int r;

	for (i = 0; i < sizeof(printfs) / sizeof(printfs[0]); i++) {
		snprintf(ctx, sizeof(ctx), "buf_printf row %zu", i);
		check_ctx = ctx;
		buf_init(&b, printfs[i].max);
		CHECK_INT(buf_addstr(&b, printfs[i].prefix), 0);
		errno = 0;
		r = do_printf(&b, printfs[i].which);
		CHECK_INT(r, printfs[i].want);
		if (printfs[i].want < 0) {
			CHECK_INT(errno, EMSGSIZE);
			check_released(&b, printfs[i].max);
		} else if (printfs[i].out) {
			check_holds(&b, printfs[i].out, printfs[i].out_len);
		} else {
			CHECK_INT(b.len, printfs[i].out_len);
			CHECK(b.p && b.p[0] == '0' && b.p[199] == '1');
			CHECK(b.p && b.p[200] == '\0');
		}
		buf_release(&b);
		check_released(&b, printfs[i].max);
	}
	check_ctx = "";
}

/* buf_printf after earlier bytes: into the room there is, past it (the
 * formatting is redone after growing), and past a cap lowered after the
 * room was made. */
static void
test_printf_after(void)
{
	struct buf b;

	check_ctx = "buf_printf into the room there is";
	buf_init(&b, 300);
	CHECK_INT(buf_addstr(&b, "ab"), 0);
	CHECK_INT(buf_printf(&b, "%d-%s", 42, "x"), 0);
	check_holds(&b, "ab42-x", 6);
	check_ctx = "buf_printf past the room there is";
	CHECK_INT(buf_printf(&b, "%0200d", 1), 0);
	CHECK_INT(b.len, 206);
	CHECK(b.p && b.p[6] == '0' && b.p[205] == '1' && b.p[206] == '\0');
	CHECK(b.p && memcmp(b.p, "ab42-x", 6) == 0);
	buf_release(&b);
	check_ctx = "buf_printf past a lowered cap";
	buf_init(&b, 64);
	CHECK_INT(buf_addstr(&b, "ab"), 0);
	b.max = 4;
	errno = 0;
	CHECK_INT(buf_printf(&b, "%d", 12345), -1);
	CHECK_INT(errno, EMSGSIZE);
	check_released(&b, 4);
	check_ctx = "";
}

static void
test_room_setlen(void)
{
	struct buf b;
	char *room;
	size_t cap;

	check_ctx = "buf_room/buf_setlen";
	buf_init(&b, 100);
	CHECK_INT(buf_addstr(&b, "abc"), 0);
	room = buf_room(&b, 97);
	CHECK(room != NULL);
	CHECK(room == b.p + 3);
	CHECK_INT(b.len, 3);        /* room does not change len */
	CHECK(b.cap >= 3 + 97 + 1); /* the room and the NUL fit */
	memcpy(room, "defgh", 5);
	buf_setlen(&b, b.len + 2); /* use only part of the room */
	check_holds(&b, "abcde", 5);
	buf_setlen(&b, 1); /* shrinking keeps the NUL rule */
	check_holds(&b, "a", 1);

	/* room for 0 bytes is always there below the cap */
	room = buf_room(&b, 0);
	CHECK(room == b.p + 1);
	CHECK_INT(b.len, 1);

	/* one byte too many: NULL, EMSGSIZE, released */
	errno = 0;
	CHECK(buf_room(&b, 100) == NULL);
	CHECK_INT(errno, EMSGSIZE);
	check_released(&b, 100);
	errno = 0;
	CHECK(buf_room(&b, SIZE_MAX) == NULL);
	CHECK_INT(errno, EMSGSIZE);
	check_released(&b, 100);

	/* room from the zero state of a capped buffer */
	room = buf_room(&b, 100);
	CHECK(room != NULL);
	cap = b.cap;
	CHECK(cap >= 101);
	memset(room, 'z', 100);
	buf_setlen(&b, 100);
	CHECK_INT(b.len, 100);
	CHECK_INT(b.p[100], '\0');
	buf_release(&b);
	check_released(&b, 100);

	check_ctx = "";
}

/*
 * A buffer whose cap is the largest size: room is either really there
 * (len + n + 1 bytes allocated, per buf.h "cap > len") or refused with
 * EMSGSIZE; len + n + 1 must not wrap around. Nothing is written into the
 * room here, so a wrong answer fails a check rather than the heap.
 */
static const struct {
	size_t have, n;
	int ok;
} huge[] = {
	{ 0, 3, 1 },
	{ 5, 100, 1 },
	{ 0, SIZE_MAX, -1 }, /* -1: refusing is fine, lying is not */
	{ 1, SIZE_MAX - 1, -1 },
	{ 1, SIZE_MAX, 0 },
	{ 2, SIZE_MAX - 2, -1 },
};

static void
test_room_huge(void)
{
	char ctx[96];
	struct buf b;
	char *room;
	size_t i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		snprintf(ctx, sizeof(ctx), "max SIZE_MAX, len %zu, room %zu",
		    huge[i].have, huge[i].n);
		check_ctx = ctx;
		buf_init(&b, SIZE_MAX);
		CHECK_INT(buf_add(&b, "abcde", huge[i].have), 0);
		errno = 0;
		room = buf_room(&b, huge[i].n);
		if (huge[i].ok >= 0)
			CHECK_INT(room != NULL, huge[i].ok);
		if (room) {
			CHECK(room == b.p + b.len);
			CHECK(b.cap > b.len && b.cap - b.len - 1 >= huge[i].n);
		} else {
			CHECK_INT(errno, EMSGSIZE);
			check_released(&b, SIZE_MAX);
		}
		buf_release(&b);
		check_released(&b, SIZE_MAX);
	}
	check_ctx = "";
}

static const struct {
	const char *in;
	size_t n;
	const char *out;
} consumes[] = {
	{ "abcdef", 0, "abcdef" },
	{ "abcdef", 1, "bcdef" },
	{ "abcdef", 5, "f" },
	{ "abcdef", 6, "" },
	{ "a", 1, "" },
};

static void
test_consume(void)
{
	char ctx[64];
	struct buf b;
	size_t i, cap;

	for (i = 0; i < sizeof(consumes) / sizeof(consumes[0]); i++) {
		snprintf(ctx, sizeof(ctx), "buf_consume(\"%s\", %zu)",
		    consumes[i].in, consumes[i].n);
		check_ctx = ctx;
		buf_init(&b, 16);
		CHECK_INT(buf_addstr(&b, consumes[i].in), 0);
		cap = b.cap;
		buf_consume(&b, consumes[i].n);
		check_holds(&b, consumes[i].out, strlen(consumes[i].out));
		CHECK_INT(b.cap, cap); /* memory kept */
		CHECK_INT(b.max, 16);
		/* appending after a consume continues in order */
		CHECK_INT(buf_addstr(&b, "XY"), 0);
		CHECK_INT(b.len, strlen(consumes[i].out) + 2);
		CHECK(b.len >= 2 && memcmp(b.p + b.len - 2, "XY", 2) == 0);
		buf_release(&b);
		check_released(&b, 16);
	}

	check_ctx = "buf_consume with embedded NULs";
	buf_init(&b, 16);
	CHECK_INT(buf_add(&b, "a\0b\0c", 5), 0);
	buf_consume(&b, 1);
	check_holds(&b, "\0b\0c", 4);
	buf_consume(&b, 2);
	check_holds(&b, "\0c", 2);
	buf_release(&b);
	check_released(&b, 16);
	check_ctx = "";
}

static void
test_reset_release(void)
{
	struct buf b;
	char *p;
	size_t cap;

	check_ctx = "buf_reset";
	buf_init(&b, 200);
	CHECK_INT(buf_addstr(&b, "some bytes"), 0);
	p = b.p;
	cap = b.cap;
	buf_reset(&b);
	CHECK(b.p == p); /* memory kept */
	CHECK_INT(b.cap, cap);
	CHECK_INT(b.len, 0);
	CHECK_INT(b.max, 200);
	CHECK(b.p && b.p[0] == '\0');
	CHECK_INT(buf_addstr(&b, "xy"), 0);
	check_holds(&b, "xy", 2);
	CHECK(b.p == p);

	check_ctx = "buf_reset of an untouched buffer";
	buf_release(&b);
	buf_reset(&b);
	check_released(&b, 200);

	check_ctx = "buf_release is idempotent";
	CHECK_INT(buf_addstr(&b, "again"), 0);
	buf_release(&b);
	check_released(&b, 200);
	buf_release(&b);
	check_released(&b, 200);
	CHECK_INT(buf_addstr(&b, "reuse"), 0);
	check_holds(&b, "reuse", 5);
	buf_release(&b);
	check_released(&b, 200);
	check_ctx = "";
}

static void
test_detach(void)
{
	struct buf b;
	char *s;
	size_t n;

	check_ctx = "buf_detach untouched";
	buf_init(&b, 32);
	n = 77;
	s = buf_detach(&b, &n);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	CHECK_INT(n, 0);
	free(s);
	check_released(&b, 32);

	check_ctx = "buf_detach with bytes";
	CHECK_INT(buf_add(&b, "x\0y", 3), 0);
	n = 77;
	s = buf_detach(&b, &n);
	CHECK(s != NULL);
	CHECK_INT(n, 3);
	CHECK_MEM(s, n, "x\0y", 3);
	CHECK_INT(s[3], '\0');
	free(s);
	check_released(&b, 32);

	check_ctx = "buf_detach with NULL len";
	CHECK_INT(buf_addstr(&b, "abc"), 0);
	s = buf_detach(&b, NULL);
	CHECK_STR(s, "abc");
	free(s);
	check_released(&b, 32);

	check_ctx = "buf_detach after reset";
	CHECK_INT(buf_addstr(&b, "abc"), 0);
	buf_reset(&b);
	s = buf_detach(&b, &n);
	CHECK_STR(s, "");
	CHECK_INT(n, 0);
	free(s);
	check_released(&b, 32);

	check_ctx = "buf_detach after a failed append";
	CHECK_INT(buf_add(&b, "abc", 3), 0);
	CHECK_INT(buf_room(&b, 30) == NULL, 1);
	s = buf_detach(&b, &n);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	CHECK_INT(n, 0);
	free(s);
	check_released(&b, 32);
	check_ctx = "";
}

/* Binary bytes, NULs included, survive growth and stay NUL-terminated. */
static void
test_binary(void)
{
	char data[1000];
	struct buf b;
	size_t i;

	check_ctx = "embedded NULs";
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i % 3 == 0 ? 0 : i);
	buf_init(&b, sizeof(data));
	for (i = 0; i < sizeof(data); i += 10) {
		CHECK_INT(buf_add(&b, data + i, 10), 0);
		CHECK_INT(b.len, i + 10);
		CHECK_INT(b.p[b.len], '\0');
	}
	check_holds(&b, data, sizeof(data));
	CHECK_INT(buf_add(&b, "", 0), 0); /* zero bytes at the cap are fine */
	check_holds(&b, data, sizeof(data));
	buf_release(&b);
	check_released(&b, sizeof(data));
	check_ctx = "";
}

int
main(void)
{
	test_zero_state();
	test_cap_edges();
	test_no_half_append();
	test_addstr();
	test_printf();
	test_printf_after();
	test_room_setlen();
	test_room_huge();
	test_consume();
	test_reset_release();
	test_detach();
	test_binary();
	return check_report();
}
