/*
 * t_log - the log sink's escaping (HOSTILE R77): log_escape over a table
 * and over every single byte, utf8_seq, and the small rest of the module:
 * level names, the line formats, the level filter and the fd/sink paths.
 */
#include "../../bridge/log.c"
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../sockets/alloc.h"

static const struct {
	const char *name, *in;
	size_t n; /* 0: strlen */
	const char *want;
} esc[] = {
	{ "empty", "", 0, "" },
	{ "plain", "GET /index.html 200", 0, "GET /index.html 200" },
	{ "TAB kept", "a\tb", 0, "a\tb" },
	{ "CR", "a\rb", 0, "a\\rb" },
	{ "LF", "a\nb", 0, "a\\nb" },
	{ "CRLF injection", "x\r\nbridge level=error kind=fake", 0,
	    "x\\r\\nbridge level=error kind=fake" },
	{ "NUL", "a\0b", 3, "a\\x00b" },
	{ "ESC", "\x1b[2J", 0, "\\x1b[2J" },
	{ "other C0", "\x01\x07\x08\x0b\x0c\x1f", 0,
	    "\\x01\\x07\\x08\\x0b\\x0c\\x1f" },
	{ "DEL", "\x7f", 0, "\\x7f" },
	{ "space and tilde kept", " ~", 0, " ~" },
	{ "backslash doubled", "a\\b", 0, "a\\\\b" },
	{ "escaped-looking text", "\\x1b\\n", 0, "\\\\x1b\\\\n" },
	{ "two backslashes", "\\\\", 0, "\\\\\\\\" },
	{ "UTF-8 2-byte", "caf\xc3\xa9", 0, "caf\xc3\xa9" },
	{ "UTF-8 3-byte", "\xe2\x82\xac", 0, "\xe2\x82\xac" },
	{ "UTF-8 4-byte", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80" },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf" },
	{ "Latin-1", "caf\xe9", 0, "caf\\xe9" },
	{ "lone continuation", "\x80", 0, "\\x80" },
	{ "FF FE", "\xff\xfe", 0, "\\xff\\xfe" },
	{ "overlong", "\xc0\xaf", 0, "\\xc0\\xaf" },
	{ "overlong 3-byte", "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },
	{ "surrogate", "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },
	{ "truncated at the end", "ok\xe2\x82", 0, "ok\\xe2\\x82" },
	{ "truncated then ASCII",
	    "\xe2\x82"
	    "a",
	    0, "\\xe2\\x82a" },
	{ "lead byte then a valid sequence", "\xc3\xc3\xa9", 0,
	    "\\xc3\xc3\xa9" },
	{ "escaped control inside UTF-8 text", "\xc3\xa9\x1b\xc3\xa9", 0,
	    "\xc3\xa9\\x1b\xc3\xa9" },
};

static void
test_escape(void)
{
	struct buf b = BUF_INIT;
	size_t i, n;

	buf_init(&b, 4096);
	for (i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		check_ctx = esc[i].name;
		n = esc[i].n ? esc[i].n : strlen(esc[i].in);
		buf_reset(&b);
		buf_addstr(&b, "<"); /* it appends */
		CHECK_INT(log_escape(&b, esc[i].in, n), 0);
		CHECK(b.len >= 1 && b.p[0] == '<');
		CHECK_STR(b.p + 1, esc[i].want);
	}
	check_ctx = "";
	buf_release(&b);
}

/* Each single byte: printable ASCII and TAB as is, the rest escaped. */
static void
test_every_byte(void)
{
	struct buf b = BUF_INIT;
	char want[8], ctx[32], in;
	int c;

	buf_init(&b, 64);
	for (c = 0; c < 256; c++) {
		if (c == '\\')
			snprintf(want, sizeof(want), "\\\\");
		else if (c == '\r')
			snprintf(want, sizeof(want), "\\r");
		else if (c == '\n')
			snprintf(want, sizeof(want), "\\n");
		else if (c == '\t' || (c >= 0x20 && c < 0x7f))
			snprintf(want, sizeof(want), "%c", c);
		else
			snprintf(want, sizeof(want), "\\x%02x", c);
		snprintf(ctx, sizeof(ctx), "byte 0x%02x", c);
		check_ctx = ctx;
		buf_reset(&b);
		in = (char)c;
		CHECK_INT(log_escape(&b, &in, 1), 0);
		CHECK_STR(b.p, want);
	}
	check_ctx = "";
	buf_release(&b);
}

/* Output never has a control byte other than TAB, and is valid UTF-8. */
static void
test_output_clean(void)
{
	struct buf b = BUF_INIT;
	unsigned char in[4096];
	unsigned x = 12345;
	size_t i, k, bad = 0;

	buf_init(&b, 1 << 16);
	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (unsigned char)(x >> 16);
	}
	CHECK_INT(log_escape(&b, (const char *)in, sizeof(in)), 0);
	for (i = 0; i < b.len; i += k) {
		k = utf8_seq((const unsigned char *)b.p + i, b.len - i);
		if (k == 0 ||
		    ((unsigned char)b.p[i] < 0x20 && b.p[i] != '\t') ||
		    (unsigned char)b.p[i] == 0x7f) {
			bad++;
			k = 1;
		}
	}
	CHECK_INT(bad, 0);
	buf_release(&b);
}

static void
test_escape_cap(void)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 7);
	CHECK_INT(log_escape(&b, "\x1b\x1b", 2), -1); /* 8 bytes */
	CHECK(b.p == NULL && b.len == 0);
	buf_init(&b, 8);
	CHECK_INT(log_escape(&b, "\x1b\x1b", 2), 0);
	CHECK_STR(b.p, "\\x1b\\x1b");
	buf_release(&b);
	buf_init(&b, 1);
	CHECK_INT(log_escape(&b, "\\", 1), -1);
	buf_init(&b, 2);
	CHECK_INT(log_escape(&b, "\r\n", 2), -1);
	buf_release(&b);
}

static void
test_utf8_seq(void)
{
	static const struct {
		const char *name, *s;
		size_t n; /* bytes available */
		size_t want;
	} rows[] = {
		{ "ASCII", "a", 1, 1 },
		{ "NUL", "\0", 1, 1 },
		{ "DEL", "\x7f", 1, 1 },
		{ "ASCII, more after", "ab", 2, 1 },
		{ "U+0080", "\xc2\x80", 2, 2 },
		{ "U+07FF", "\xdf\xbf", 2, 2 },
		{ "U+0800", "\xe0\xa0\x80", 3, 3 },
		{ "U+D7FF", "\xed\x9f\xbf", 3, 3 },
		{ "U+E000", "\xee\x80\x80", 3, 3 },
		{ "U+FFFD", "\xef\xbf\xbd", 3, 3 },
		{ "U+10000", "\xf0\x90\x80\x80", 4, 4 },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", 4, 4 },
		{ "2-byte, more after", "\xc3\xa9z", 3, 2 },
		{ "lone continuation", "\x80", 1, 0 },
		{ "C0 lead", "\xc0\x80", 2, 0 },
		{ "C1 lead", "\xc1\xbf", 2, 0 },
		{ "overlong 3", "\xe0\x9f\xbf", 3, 0 },
		{ "overlong 4", "\xf0\x8f\xbf\xbf", 4, 0 },
		{ "surrogate D800", "\xed\xa0\x80", 3, 0 },
		{ "surrogate DFFF", "\xed\xbf\xbf", 3, 0 },
		{ "U+110000", "\xf4\x90\x80\x80", 4, 0 },
		{ "F5", "\xf5\x80\x80\x80", 4, 0 },
		{ "F8", "\xf8\x80\x80\x80\x80", 5, 0 },
		{ "FF", "\xff", 1, 0 },
		{ "bad continuation", "\xc3\x28", 2, 0 },
		{ "bad third byte", "\xe2\x82\x28", 3, 0 },
		{ "bad fourth byte", "\xf0\x9f\x98\x28", 4, 0 },
		/* n bounds the read: a sequence cut by n is invalid */
		{ "2-byte cut by n", "\xc3\xa9", 1, 0 },
		{ "3-byte cut by n", "\xe2\x82\xac", 2, 0 },
		{ "4-byte cut by n", "\xf0\x9f\x98\x80", 3, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].name;
		CHECK_INT(utf8_seq((const unsigned char *)rows[i].s, rows[i].n),
		    rows[i].want);
	}
	check_ctx = "";
}

static void
test_levels(void)
{
	static const struct {
		const char *s;
		int want;
	} rows[] = {
		{ "debug", LOG_DEBUG },
		{ "DEBUG", LOG_DEBUG },
		{ "info", LOG_INFO },
		{ "Info", LOG_INFO },
		{ "warn", LOG_WARN },
		{ "error", LOG_ERROR },
		{ "", -1 },
		{ "verbose", -1 },
		{ "info ", -1 },
		{ "inf", -1 },
		{ "errors", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check_ctx = rows[i].s;
		CHECK_INT(log_parse_level(rows[i].s), rows[i].want);
	}
	check_ctx = "";
}

/* Lines captured by the sink. */
struct lines {
	size_t n;
	char *line[8];
	size_t len[8];
};

static void
sink(void *arg, const char *line, size_t n)
{
	struct lines *l = arg;

	if (l->n == 8)
		return;
	l->line[l->n] = xmemdup(line, n);
	l->len[l->n] = n;
	l->n++;
}

static void
lines_release(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->line[i]);
	l->n = 0;
}

static void
test_formats(void)
{
	struct lines l;
	char *big = malloc(3 * BRIDGE_LOG_LINE);
	char got[64];
	int p[2];
	ssize_t r;

	memset(&l, 0, sizeof(l));
	memset(big, 'x', 3 * BRIDGE_LOG_LINE - 1);
	big[3 * BRIDGE_LOG_LINE - 1] = '\0';
	log_set_sink(sink, &l);
	log_init(2, LOG_INFO);
	CHECK_INT(log_min(), LOG_INFO);

	log_msg(LOG_WARN, "child_exit", "pid=%d signal=%d", 42, 9);
	log_msg(LOG_DEBUG, "noise", "not shown at info");
	log_msg(LOG_ERROR, "timeout", "budget_ms=%d", 100);
	log_fatal("unable to connect to %s: %s", "/tmp/s", "No such file");
	log_write("raw line", 8);
	CHECK_INT(l.n, 4);
	if (l.n == 4) {
		CHECK_STR(l.line[0],
		    "bridge level=warn kind=child_exit pid=42 signal=9");
		CHECK_STR(l.line[1],
		    "bridge level=error kind=timeout "
		    "budget_ms=100");
		CHECK_STR(l.line[2],
		    "bridge: fatal: unable to connect to "
		    "/tmp/s: No such file");
		CHECK_MEM(l.line[3], l.len[3], "raw line", 8);
	}
	lines_release(&l);

	/* debug passes at LOG_DEBUG; no line is longer than the limit */
	log_init(2, LOG_DEBUG);
	log_msg(LOG_DEBUG, "k", "%s", big);
	CHECK(l.n >= 1);
	if (l.n >= 1) {
		CHECK(l.len[0] <= BRIDGE_LOG_LINE && l.len[0] >= 29);
		CHECK(strncmp(l.line[0], "bridge level=debug kind=k xxx", 29) ==
		    0);
	}
	lines_release(&l);
	log_init(2, LOG_ERROR);
	log_msg(LOG_WARN, "k", "filtered");
	CHECK_INT(l.n, 0);

	/* without a sink, one line per write on the fd, '\n' added */
	log_set_sink(NULL, NULL);
	if (CHECK(pipe2(p, O_CLOEXEC) == 0)) {
		log_init(p[1], LOG_INFO);
		log_write("to the fd", 9);
		log_msg(LOG_INFO, "k", "v");
		r = read(p[0], got, sizeof(got) - 1);
		got[r > 0 ? r : 0] = '\0';
		CHECK_STR(got, "to the fd\nbridge level=info kind=k v\n");
		close(p[0]);
		close(p[1]);
	}
	log_init(2, LOG_INFO);
	free(big);
}

int
main(void)
{
	test_escape();
	test_every_byte();
	test_output_clean();
	test_escape_cap();
	test_utf8_seq();
	test_levels();
	test_formats();
	return check_report();
}
