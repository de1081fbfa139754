/*
 * t_linemux - the line splitter behind the app's log pipes (STYLE B9;
 * HOSTILE R77, R78): whole and split lines, the BRIDGE_LOG_LINE cut with
 * its "[+]" mark, flushing, prefixes, escaping, the stderr tail ring and
 * release. Driven through linemux_feed without a loop; a pipe test, and
 * the hold a request puts on the pipes, in a loop.
 */
#include "../../bridge/linemux.c"
#include "check.h"

#include <fcntl.h>
#include <unistd.h>

#define OUT "[app:out] "
#define ERR "[app:err] "

/* The lines emitted, in order. */
struct cap {
	size_t n, cap;
	char **line;
	size_t *len;
};

static void
capture(void *arg, const char *line, size_t n)
{
	struct cap *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->line = xrealloc(c->line, c->cap * sizeof(*c->line));
		c->len = xrealloc(c->len, c->cap * sizeof(*c->len));
	}
	c->line[c->n] = xmemdup(line ? line : "", line ? n : 0);
	c->len[c->n] = line ? n : 0;
	c->n++;
}

static void
cap_release(struct cap *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->line[i]);
	free(c->line);
	free(c->len);
	memset(c, 0, sizeof(*c));
}

static void
mux_init(struct linemux *m, struct cap *c)
{
	memset(c, 0, sizeof(*c));
	linemux_init(m, NULL, -1, -1, OUT, ERR);
	m->emit = capture;
	m->emit_arg = c;
}

/* Is the whole mux released (STYLE T8)? */
static int
mux_released(const struct linemux *m)
{
	size_t i;

	for (i = 0; i < LINEMUX_TAIL; i++)
		if (m->tail[i].p)
			return 0;
	return m->s[0].part.p == NULL && m->s[1].part.p == NULL &&
	    m->s[0].part.len == 0 && m->s[1].part.len == 0 &&
	    m->out.p == NULL && m->tail_n == 0 && m->s[0].fd == -1 &&
	    m->s[1].fd == -1;
}

/* Lines from a NUL-free table, each compared in full. */
static void
check_lines(const struct cap *c, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++)
		;
	CHECK_INT(c->n, i);
	for (i = 0; i < c->n && want[i]; i++)
		CHECK_MEM(c->line[i], c->len[i], want[i], strlen(want[i]));
}

/* Feed a table of inputs to stdout: the lines that come out. */
static const struct {
	const char *name, *in;
	size_t n; /* 0: strlen */
	int stream;
	const char *want[6];
} rows[] = {
	{ "two lines", "hello\nworld\n", 0, 0,
	    { OUT "hello", OUT "world", NULL } },
	{ "stderr prefix", "oops\n", 0, 1, { ERR "oops", NULL } },
	{ "no newline yet", "partial", 0, 0, { NULL } },
	{ "line after an unfinished one", "a\nb", 0, 0, { OUT "a", NULL } },
	{ "empty lines", "\n\n", 0, 0, { OUT, OUT, NULL } },
	{ "empty line between", "a\n\nb\n", 0, 0,
	    { OUT "a", OUT, OUT "b", NULL } },
	{ "CR escaped", "a\rb\r\n", 0, 0, { OUT "a\\rb\\r", NULL } },
	{ "ESC escaped", "\x1b[31mred\x1b[0m\n", 0, 0,
	    { OUT "\\x1b[31mred\\x1b[0m", NULL } },
	{ "forged platform line", "\rEND RequestId: 1\n", 0, 1,
	    { ERR "\\rEND RequestId: 1", NULL } },
	{ "NUL escaped", "a\0b\n", 4, 0, { OUT "a\\x00b", NULL } },
	{ "DEL escaped", "a\x7f\n", 0, 0, { OUT "a\\x7f", NULL } },
	{ "other C0 escaped", "\x01\x02\x1f\n", 0, 0,
	    { OUT "\\x01\\x02\\x1f", NULL } },
	{ "TAB kept", "a\tb\n", 0, 0, { OUT "a\tb", NULL } },
	{ "backslash doubled", "C:\\dir\\n\n", 0, 0,
	    { OUT "C:\\\\dir\\\\n", NULL } },
	{ "invalid UTF-8 escaped", "\xff\xfe ok\n", 0, 0,
	    { OUT "\\xff\\xfe ok", NULL } },
	{ "truncated UTF-8 at the line end", "x\xe2\x82\n", 0, 0,
	    { OUT "x\\xe2\\x82", NULL } },
	{ "overlong escaped", "\xc0\xaf\n", 0, 0, { OUT "\\xc0\\xaf", NULL } },
	{ "surrogate escaped", "\xed\xa0\x80\n", 0, 0,
	    { OUT "\\xed\\xa0\\x80", NULL } },
	{ "valid UTF-8 kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n", 0,
	    0, { OUT "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL } },
	{ "several lines one feed", "1\n2\n3\n4\n5\n", 0, 1,
	    { ERR "1", ERR "2", ERR "3", ERR "4", ERR "5", NULL } },
};

static void
test_rows(void)
{
	struct linemux m;
	struct cap c;
	size_t i, n;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		n = rows[i].n ? rows[i].n : strlen(rows[i].in);
		mux_init(&m, &c);
		linemux_feed(&m, rows[i].stream, rows[i].in, n);
		check_lines(&c, rows[i].want);
		linemux_release(&m);
		CHECK(mux_released(&m));
		cap_release(&c);
	}
	check_ctx = "";
}

/* All lines of c joined with '\n' (each followed by one). */
static void
joined(const struct cap *c, struct buf *out)
{
	size_t i;

	buf_reset(out);
	for (i = 0; i < c->n; i++) {
		buf_add(out, c->line[i], c->len[i]);
		buf_addch(out, '\n');
	}
}

static const char *const interleaved[] = { OUT "out-line", ERR "err-line",
	NULL };

/* Splitting the input anywhere, or byte by byte, changes nothing. */
static void
test_splits(void)
{
	static const char in[] = "one\ntwo\n\nthree \xc3\xa9\x1b\r\n"
	                         "a much longer line with some words in it\n"
	                         "\xff tail\n";
	struct buf whole = BUF_INIT, got = BUF_INIT;
	struct linemux m;
	struct cap c;
	size_t n = sizeof(in) - 1, k, bad = 0;

	buf_init(&whole, 4096);
	buf_init(&got, 4096);
	mux_init(&m, &c);
	linemux_feed(&m, 0, in, n);
	joined(&c, &whole);
	CHECK_INT(c.n, 6);
	linemux_release(&m);
	cap_release(&c);

	for (k = 0; k <= n; k++) {
		mux_init(&m, &c);
		linemux_feed(&m, 0, in, k);
		linemux_feed(&m, 0, in + k, n - k);
		joined(&c, &got);
		if (got.len != whole.len || memcmp(got.p, whole.p, got.len))
			bad++;
		linemux_release(&m);
		cap_release(&c);
	}
	CHECK_INT(bad, 0);

	check_ctx = "byte by byte";
	mux_init(&m, &c);
	for (k = 0; k < n; k++)
		linemux_feed(&m, 0, in + k, 1);
	joined(&c, &got);
	CHECK_MEM(got.p, got.len, whole.p, whole.len);
	linemux_release(&m);
	cap_release(&c);

	/* the two streams keep separate unfinished lines */
	check_ctx = "interleaved streams";
	mux_init(&m, &c);
	linemux_feed(&m, 0, "out-", 4);
	linemux_feed(&m, 1, "err-", 4);
	linemux_feed(&m, 0, "line\n", 5);
	linemux_feed(&m, 1, "line\n", 5);
	check_lines(&c, interleaved);
	linemux_release(&m);
	cap_release(&c);
	check_ctx = "";
	buf_release(&whole);
	buf_release(&got);
}

/* n bytes of x, then maybe a newline, fed in chunks of step bytes. */
static void
feed_long(struct linemux *m, int stream, int x, size_t n, int nl, size_t step)
{
	char *p = malloc(n + 1);
	size_t i, k;

	memset(p, x, n);
	p[n] = '\n';
	n += nl ? 1 : 0;
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		linemux_feed(m, stream, p + i, k);
	}
	free(p);
}

/* Line i of c is the prefix, n bytes of x, and the mark if cut. */
static int
is_piece(const struct cap *c, size_t i, const char *prefix, int x, size_t n,
    int cut)
{
	size_t pl = strlen(prefix), k;
	const char *l;

	if (i >= c->n || c->len[i] != pl + n + (cut ? 3 : 0))
		return 0;
	l = c->line[i];
	if (memcmp(l, prefix, pl) != 0)
		return 0;
	for (k = 0; k < n; k++)
		if (l[pl + k] != x)
			return 0;
	return !cut || memcmp(l + pl + n, "[+]", 3) == 0;
}

static void
test_long_lines(void)
{
	static const size_t steps[] = { 1 << 20, 8192, 1000, 1 };
	struct linemux m;
	struct cap c;
	size_t s, i;
	char ctx[64];

	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		snprintf(ctx, sizeof(ctx), "exactly the limit, step %zu",
		    steps[s]);
		check_ctx = ctx;
		mux_init(&m, &c);
		feed_long(&m, 0, 'a', BRIDGE_LOG_LINE, 1, steps[s]);
		CHECK_INT(c.n, 1);
		CHECK(is_piece(&c, 0, OUT, 'a', BRIDGE_LOG_LINE, 0));
		linemux_release(&m);
		cap_release(&c);

		snprintf(ctx, sizeof(ctx), "limit + 1, step %zu", steps[s]);
		mux_init(&m, &c);
		feed_long(&m, 0, 'b', BRIDGE_LOG_LINE + 1, 1, steps[s]);
		CHECK_INT(c.n, 2);
		CHECK(is_piece(&c, 0, OUT, 'b', BRIDGE_LOG_LINE, 1));
		CHECK(is_piece(&c, 1, OUT, 'b', 1, 0));
		linemux_release(&m);
		cap_release(&c);

		if (steps[s] == 1)
			continue; /* 64 KiB one byte at a time is slow */
		snprintf(ctx, sizeof(ctx), "64 KiB line, step %zu", steps[s]);
		mux_init(&m, &c);
		feed_long(&m, 1, 'c', 64 * 1024, 1, steps[s]);
		CHECK_INT(c.n, 64 * 1024 / BRIDGE_LOG_LINE);
		for (i = 0; i + 1 < c.n; i++)
			CHECK(is_piece(&c, i, ERR, 'c', BRIDGE_LOG_LINE, 1));
		CHECK(is_piece(&c, c.n - 1, ERR, 'c', BRIDGE_LOG_LINE, 0));
		linemux_release(&m);
		cap_release(&c);

		snprintf(ctx, sizeof(ctx), "64 KiB + 100 line, step %zu",
		    steps[s]);
		mux_init(&m, &c);
		feed_long(&m, 0, 'd', 64 * 1024 + 100, 1, steps[s]);
		CHECK_INT(c.n, 64 * 1024 / BRIDGE_LOG_LINE + 1);
		for (i = 0; i + 1 < c.n; i++)
			CHECK(is_piece(&c, i, OUT, 'd', BRIDGE_LOG_LINE, 1));
		CHECK(is_piece(&c, c.n - 1, OUT, 'd', 100, 0));
		linemux_release(&m);
		cap_release(&c);
	}

	/* a limit-length line, then more on the same line, then the end */
	check_ctx = "full buffer, then more";
	mux_init(&m, &c);
	feed_long(&m, 0, 'e', BRIDGE_LOG_LINE, 0, 1 << 20);
	CHECK_INT(c.n, 0);
	linemux_feed(&m, 0, "ee\nnext\n", 8);
	CHECK_INT(c.n, 3);
	CHECK(is_piece(&c, 0, OUT, 'e', BRIDGE_LOG_LINE, 1));
	CHECK(is_piece(&c, 1, OUT, 'e', 2, 0));
	CHECK(c.n == 3 && strcmp(c.line[2], OUT "next") == 0);
	linemux_release(&m);
	cap_release(&c);

	/* the worst escaping of a full piece still fits one output line */
	check_ctx = "a limit-length line of ESC bytes";
	mux_init(&m, &c);
	feed_long(&m, 1, 0x1b, BRIDGE_LOG_LINE + 1, 1, 1 << 20);
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		CHECK_INT(c.len[0], strlen(ERR) + 4 * BRIDGE_LOG_LINE + 3);
		CHECK(c.len[0] >= strlen(ERR) + 8 &&
		    memcmp(c.line[0], ERR "\\x1b\\x1b", strlen(ERR) + 8) == 0);
		CHECK(c.len[0] >= 7 &&
		    memcmp(c.line[0] + c.len[0] - 7, "\\x1b[+]", 7) == 0);
		CHECK_MEM(c.line[1], c.len[1], ERR "\\x1b", strlen(ERR) + 4);
	}
	linemux_release(&m);
	cap_release(&c);
	check_ctx = "";
}

/*
 * The prefix comes from --log-prefix (at most LINEMUX_PREFIX_MAX bytes; a
 * longer one is cut): the longest prefix with a worst-case line (every
 * byte escaped) comes out whole.
 */
static void
test_long_prefix(void)
{
	char prefix[LINEMUX_PREFIX_MAX + 45];
	struct linemux m;
	struct cap c;

	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	memset(&c, 0, sizeof(c));
	linemux_init(&m, NULL, -1, -1, prefix, prefix);
	m.emit = capture;
	m.emit_arg = &c;
	check_ctx = "longest prefix, worst-case line";
	feed_long(&m, 0, 0x01, BRIDGE_LOG_LINE, 1, 1 << 20);
	CHECK_INT(c.n, 1);
	if (c.n == 1) {
		CHECK_INT(c.len[0], LINEMUX_PREFIX_MAX + 4 * BRIDGE_LOG_LINE);
		CHECK(memcmp(c.line[0], prefix, LINEMUX_PREFIX_MAX) == 0);
		CHECK(memcmp(c.line[0] + LINEMUX_PREFIX_MAX, "\\x01", 4) == 0);
	}
	linemux_release(&m);
	cap_release(&c);
	check_ctx = "";
}

static void
test_flush(void)
{
	/* a flushed piece is marked: the rest of its line comes later */
	static const char *const want[] = { OUT "abc[+]", ERR "de\\x1b[+]",
		NULL };
	static const char *const want2[] = { OUT "abc[+]", ERR "de\\x1b[+]",
		OUT "x", NULL };
	struct linemux m;
	struct cap c;

	mux_init(&m, &c);
	linemux_flush(&m); /* nothing pending: nothing emitted */
	CHECK_INT(c.n, 0);
	linemux_feed(&m, 0, "abc", 3);
	linemux_feed(&m, 1, "de\x1b", 3);
	CHECK_INT(c.n, 0);
	linemux_flush(&m);
	check_lines(&c, want);
	linemux_flush(&m); /* once only */
	check_lines(&c, want);
	linemux_feed(&m, 0, "x\n", 2); /* a fresh line after the flush */
	check_lines(&c, want2);
	linemux_release(&m);
	CHECK(mux_released(&m));
	cap_release(&c);
}

static void
test_tail(void)
{
	struct buf t = BUF_INIT, want = BUF_INIT;
	struct linemux m;
	struct cap c;
	char line[32];
	int i;

	buf_init(&t, 1 << 20);
	buf_init(&want, 1 << 20);

	check_ctx = "empty tail";
	mux_init(&m, &c);
	buf_addstr(&t, "stale");
	linemux_tail(&m, &t);
	CHECK_INT(t.len, 0);

	check_ctx = "three lines";
	linemux_feed(&m, 1, "e1\ne2\n", 6);
	linemux_feed(&m, 0, "stdout is not kept\n", 19);
	linemux_feed(&m, 1, "e3\n", 3);
	linemux_tail(&m, &t);
	CHECK_STR(t.p, "e1\ne2\ne3\n");
	linemux_release(&m);
	CHECK(mux_released(&m));
	cap_release(&c);

	check_ctx = "the last 20 of 25, oldest first";
	mux_init(&m, &c);
	buf_reset(&want);
	for (i = 1; i <= 25; i++) {
		snprintf(line, sizeof(line), "err %d\n", i);
		linemux_feed(&m, 1, line, strlen(line));
		linemux_feed(&m, 0, "o\n", 2);
		if (i > 25 - LINEMUX_TAIL)
			buf_addstr(&want, line);
	}
	linemux_tail(&m, &t);
	CHECK_MEM(t.p, t.len, want.p, want.len);
	CHECK_INT(m.tail_n, LINEMUX_TAIL);
	linemux_release(&m);
	CHECK(mux_released(&m));
	cap_release(&c);

	check_ctx = "exactly 20, then 41";
	mux_init(&m, &c);
	buf_reset(&want);
	for (i = 1; i <= 41; i++) {
		snprintf(line, sizeof(line), "%d\n", i);
		linemux_feed(&m, 1, line, strlen(line));
		if (i == LINEMUX_TAIL) {
			linemux_tail(&m, &t);
			CHECK(t.len > 2 && strncmp(t.p, "1\n2\n", 4) == 0);
			CHECK(
			    t.len > 3 && strcmp(t.p + t.len - 3, "20\n") == 0);
		}
		if (i > 41 - LINEMUX_TAIL)
			buf_addstr(&want, line);
	}
	linemux_tail(&m, &t);
	CHECK_MEM(t.p, t.len, want.p, want.len);
	linemux_release(&m);
	cap_release(&c);

	/* a flushed partial line is a line too */
	check_ctx = "flushed partial line";
	mux_init(&m, &c);
	linemux_feed(&m, 1, "last words", 10);
	linemux_flush(&m);
	linemux_tail(&m, &t);
	CHECK_STR(t.p, "last words\n");
	linemux_release(&m);
	cap_release(&c);

	/* the tail keeps the line's bytes, a NUL included */
	check_ctx = "NUL in a tail line";
	mux_init(&m, &c);
	linemux_feed(&m, 1, "a\0b\n", 4);
	linemux_tail(&m, &t);
	CHECK_MEM(t.p, t.len, "a\0b\n", 4);
	linemux_release(&m);
	cap_release(&c);

	check_ctx = "";
	buf_release(&t);
	buf_release(&want);
}

/* The pipe side: pump reads what is there, drain reads to EOF. */
static void
test_pipe(void)
{
	static const char *const want[] = { OUT "first", ERR "warn",
		OUT "second", OUT "no eol", NULL };
	struct linemux m;
	struct cap c;
	int po[2], pe[2];

	memset(&c, 0, sizeof(c));
	if (!CHECK(pipe2(po, O_CLOEXEC) == 0 && pipe2(pe, O_CLOEXEC) == 0))
		return;
	linemux_init(&m, NULL, po[0], pe[0], OUT, ERR);
	m.emit = capture;
	m.emit_arg = &c;
	CHECK(write(po[1], "first\n", 6) == 6);
	CHECK(write(pe[1], "warn\n", 5) == 5);
	linemux_pump(&m);
	CHECK_INT(c.n, 2);
	linemux_pump(&m); /* nothing there: returns at once */
	CHECK_INT(c.n, 2);
	CHECK(write(po[1], "second\nno eol", 13) == 13);
	close(po[1]);
	close(pe[1]);
	linemux_drain(&m, 1000);
	check_lines(&c, want);
	CHECK_INT(m.s[0].fd, -1);
	CHECK_INT(m.s[1].fd, -1);
	linemux_release(&m);
	CHECK(mux_released(&m));
	linemux_release(&m); /* idempotent */
	CHECK(mux_released(&m));
	cap_release(&c);
}

/*
 * A hold: the loop does not wake for the app's lines while a request is
 * in flight; they come when it ends, or by themselves after
 * LINEMUX_HOLD_MS; a release while held leaves no timer behind.
 */
static void
test_hold(void)
{
	static const char *const want[] = { OUT "one", OUT "two", ERR "three",
		NULL };
	struct loop l = LOOP_INIT;
	struct linemux m;
	struct cap c;
	int po[2], pe[2], i;
	long long t0, took;

	memset(&c, 0, sizeof(c));
	if (!CHECK(pipe2(po, O_CLOEXEC) == 0 && pipe2(pe, O_CLOEXEC) == 0))
		return;
	linemux_init(&m, &l, po[0], pe[0], OUT, ERR);
	m.emit = capture;
	m.emit_arg = &c;
	CHECK(fcntl(po[0], F_GETPIPE_SZ) >= LINEMUX_PIPE_SIZE);
	CHECK(fcntl(pe[0], F_GETPIPE_SZ) >= LINEMUX_PIPE_SIZE);
	CHECK(write(po[1], "one\n", 4) == 4);
	loop_once(&l, clock_ms());
	CHECK_INT(c.n, 1); /* not held: the loop takes the line */
	linemux_hold(&m, 1);
	CHECK(write(po[1], "two\n", 4) == 4);
	loop_once(&l, clock_ms());
	CHECK_INT(c.n, 1); /* held: the line waits in the pipe */
	linemux_hold(&m, 0);
	CHECK_INT(m.hold, 0);
	CHECK_INT(l.ntimer, 0);
	loop_once(&l, clock_ms());
	CHECK_INT(c.n, 2);
	/* a hold nobody ends ends by itself */
	linemux_hold(&m, 1);
	t0 = clock_ms();
	CHECK(write(pe[1], "three\n", 6) == 6);
	for (i = 0; i < 100 && c.n < 3; i++)
		loop_once(&l, t0 + 1000);
	took = clock_ms() - t0;
	CHECK_INT(c.n, 3);
	CHECK(took >= LINEMUX_HOLD_MS - 1 && took < 500);
	CHECK_INT(m.hold, 0);
	check_lines(&c, want);
	/* released while held: its timer goes too */
	linemux_hold(&m, 1);
	CHECK_INT(l.ntimer, 1);
	linemux_release(&m);
	CHECK_INT(l.ntimer, 0);
	CHECK(mux_released(&m));
	close(po[1]);
	close(pe[1]);
	loop_release(&l);
	cap_release(&c);
}

int
main(void)
{
	test_rows();
	test_splits();
	test_long_lines();
	test_long_prefix();
	test_flush();
	test_tail();
	test_pipe();
	test_hold();
	return check_report();
}
