/*
 * t_url - percent-encoding for request targets (RFC 3986; HOSTILE R12,
 * R16): url_escape for each set, byte by byte over all 256 values, and
 * url_decode decoding exactly once. No I/O.
 */
#include "../../bridge/url.c"
#include "check.h"

#include <stdio.h>

#define ALL_SETS (-1)

static const char *const set_name[] = { "URL_PATH_RAW", "URL_QUERY_RAW",
	"URL_PATH_DECODED", "URL_COMPONENT" };

/* in (length n, 0 for strlen) escaped for set gives want. */
static const struct {
	int set; /* an enum url_set, or ALL_SETS */
	const char *in;
	size_t n;
	const char *want;
} esc[] = {
	/* unreserved bytes stay in every set */
	{ ALL_SETS, "", 0, "" },
	{ ALL_SETS, "AZaz09-._~", 0, "AZaz09-._~" },
	{ ALL_SETS, "a b", 0, "a%20b" },
	{ ALL_SETS, "\x01\x1f\x7f", 0, "%01%1F%7F" },
	{ ALL_SETS, "\0", 1, "%00" },
	{ ALL_SETS, "caf\xc3\xa9", 0, "caf%C3%A9" },
	{ ALL_SETS, "\x80\xff", 0, "%80%FF" },
	{ ALL_SETS, "a#b", 0, "a%23b" },
	{ ALL_SETS, "\r\n\t", 0, "%0D%0A%09" },
	{ ALL_SETS, "\"<>\\^`{|}", 0, "%22%3C%3E%5C%5E%60%7B%7C%7D" },

	/* raw path: valid escapes pass byte for byte, '?' is escaped */
	{ URL_PATH_RAW, "/a/b;c=d&e+f", 0, "/a/b;c=d&e+f" },
	{ URL_PATH_RAW, "/!$&'()*+,;=:@", 0, "/!$&'()*+,;=:@" },
	{ URL_PATH_RAW, "/a%20b/%2F%2f", 0, "/a%20b/%2F%2f" },
	{ URL_PATH_RAW, "/%41%zz", 0, "/%41%25zz" },
	{ URL_PATH_RAW, "/a?b=c", 0, "/a%3Fb=c" },
	{ URL_PATH_RAW, "%", 0, "%25" },
	{ URL_PATH_RAW, "/100%", 0, "/100%25" },
	{ URL_PATH_RAW, "/a%4", 0, "/a%254" },
	{ URL_PATH_RAW, "/a%4g", 0, "/a%254g" },
	{ URL_PATH_RAW, "/a%%41", 0, "/a%25%41" },
	{ URL_PATH_RAW, "/x y#z?w", 0, "/x%20y%23z%3Fw" },
	{ URL_PATH_RAW, "/\xc3\xa9%C3%A9", 0, "/%C3%A9%C3%A9" },
	{ URL_PATH_RAW, "/a\r\nHost: evil", 0, "/a%0D%0AHost:%20evil" },

	/* raw query: like the raw path, but '?' stays */
	{ URL_QUERY_RAW, "a=1&b=2", 0, "a=1&b=2" },
	{ URL_QUERY_RAW, "a=?&b=/?", 0, "a=?&b=/?" },
	{ URL_QUERY_RAW, "q=a%20b+c", 0, "q=a%20b+c" },
	{ URL_QUERY_RAW, "q=100%", 0, "q=100%25" },
	{ URL_QUERY_RAW, "q=%4", 0, "q=%254" },
	{ URL_QUERY_RAW, "q=a b#c", 0, "q=a%20b%23c" },
	{ URL_QUERY_RAW, "q={x}|y", 0, "q=%7Bx%7D%7Cy" },

	/* a decoded path: '%' is data, sub-delims ':' '@' '/' stay */
	{ URL_PATH_DECODED, "/a/b:c@d", 0, "/a/b:c@d" },
	{ URL_PATH_DECODED, "!$&'()*+,;=", 0, "!$&'()*+,;=" },
	{ URL_PATH_DECODED, "/100%", 0, "/100%25" },
	{ URL_PATH_DECODED, "/%41", 0, "/%2541" },
	{ URL_PATH_DECODED, "/a?b", 0, "/a%3Fb" },
	{ URL_PATH_DECODED, "/a b", 0, "/a%20b" },
	{ URL_PATH_DECODED, "/[x]", 0, "/%5Bx%5D" },

	/* a query component: only unreserved bytes stay, uppercase hex */
	{ URL_COMPONENT, "a b", 0, "a%20b" },
	{ URL_COMPONENT, "a+b", 0, "a%2Bb" },
	{ URL_COMPONENT, "k=v&x", 0, "k%3Dv%26x" },
	{ URL_COMPONENT, "/?:@", 0, "%2F%3F%3A%40" },
	{ URL_COMPONENT, "!$'()*,;", 0, "%21%24%27%28%29%2A%2C%3B" },
	{ URL_COMPONENT, "100%", 0, "100%25" },
	{ URL_COMPONENT, "%41", 0, "%2541" },
	{ URL_COMPONENT, "\xfe\xff", 0, "%FE%FF" },
	{ URL_COMPONENT, "[]", 0, "%5B%5D" },
};

/* url_decode: in (n, 0 for strlen) gives want (wn bytes, 0 for strlen). */
static const struct {
	const char *in;
	size_t n;
	const char *want;
	size_t wn;
} dec[] = {
	{ "", 0, "", 0 },
	{ "abc", 0, "abc", 0 },
	{ "%41%42", 0, "AB", 0 },
	{ "%2541", 0, "%41", 0 },
	{ "%252541", 0, "%2541", 0 },
	{ "%c3%A9", 0, "\xc3\xa9", 0 },
	{ "a+b", 0, "a+b", 0 },
	{ "a%20b", 0, "a b", 0 },
	{ "%", 0, "%", 0 },
	{ "%4", 0, "%4", 0 },
	{ "a%4", 0, "a%4", 0 },
	{ "%zz", 0, "%zz", 0 },
	{ "%4g", 0, "%4g", 0 },
	{ "%g4", 0, "%g4", 0 },
	{ "%%41", 0, "%A", 0 },
	{ "%4%41", 0, "%4A", 0 },
	{ "%41%", 0, "A%", 0 },
	{ "%00", 0, "\0", 1 },
	{ "a%00b", 0, "a\0b", 3 },
	{ "%2f%2F", 0, "//", 0 },
	{ "%0d%0a", 0, "\r\n", 0 },
	{ "%ff", 0, "\xff", 0 },
	/* a NUL in the input is data, not the end */
	{ "a\0%41", 5, "a\0A", 3 },
};

static void
test_escape(void)
{
	struct buf b = BUF_INIT;
	char ctx[128];
	size_t i, n;
	int s, s0, s1;

	buf_init(&b, 4096);
	for (i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		s0 = esc[i].set == ALL_SETS ? 0 : esc[i].set;
		s1 = esc[i].set == ALL_SETS ? URL_COMPONENT : esc[i].set;
		n = esc[i].n ? esc[i].n : strlen(esc[i].in);
		for (s = s0; s <= s1; s++) {
			snprintf(ctx, sizeof(ctx), "%s row %zu", set_name[s],
			    i);
			check_ctx = ctx;
			buf_reset(&b);
			buf_addstr(&b, "<"); /* it appends */
			CHECK_INT(url_escape(&b, esc[i].in, n, (enum url_set)s),
			    0);
			CHECK(b.len >= 1 && b.p[0] == '<');
			CHECK_STR(b.p + 1, esc[i].want);
		}
	}
	check_ctx = "";
	buf_release(&b);
}

/* May byte c stay under set s (context-free bytes only)? */
static int
kept(int c, int s)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-._~", c))
		return c != 0;
	if (s == URL_COMPONENT || c <= 0x20 || c >= 0x7f)
		return 0;
	if (s == URL_PATH_DECODED)
		return strchr("!$&'()*+,;=:@/", c) != NULL;
	if (strchr("\"<>\\^`{|}#", c))
		return 0;
	if (c == '?')
		return s == URL_QUERY_RAW;
	return 1;
}

/* Each single byte under each set: kept, or escaped as %XX uppercase. */
static void
test_every_byte(void)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT;
	char want[4], ctx[64], in;
	int c, s;

	buf_init(&b, 64);
	for (s = 0; s <= URL_COMPONENT; s++) {
		for (c = 0; c < 256; c++) {
			if (c == '%')
				continue; /* context-dependent: the tables */
			in = (char)c;
			if (kept(c, s)) {
				want[0] = in;
				want[1] = '\0';
			} else {
				want[0] = '%';
				want[1] = hex[c >> 4];
				want[2] = hex[c & 15];
				want[3] = '\0';
			}
			snprintf(ctx, sizeof(ctx), "%s byte 0x%02x",
			    set_name[s], c);
			check_ctx = ctx;
			buf_reset(&b);
			url_escape(&b, &in, 1, (enum url_set)s);
			CHECK_MEM(b.p ? b.p : "", b.len, want, strlen(want));
		}
	}
	check_ctx = "";
	buf_release(&b);
}

/* Escaping a decoded value and decoding it back gives the value. */
static void
test_round_trip(void)
{
	struct buf e = BUF_INIT, d = BUF_INIT;
	char all[256];
	int i, s;

	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	buf_init(&e, 4096);
	buf_init(&d, 4096);
	for (s = URL_PATH_DECODED; s <= URL_COMPONENT; s++) {
		check_ctx = set_name[s];
		buf_reset(&e);
		buf_reset(&d);
		CHECK_INT(url_escape(&e, all, 256, (enum url_set)s), 0);
		CHECK_INT(url_decode(&d, e.p, e.len), 0);
		CHECK_MEM(d.p, d.len, all, 256);
	}
	check_ctx = "";
	buf_release(&e);
	buf_release(&d);
}

static void
test_decode(void)
{
	struct buf b = BUF_INIT;
	size_t i, n, wn;

	buf_init(&b, 256);
	for (i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
		check_ctx = dec[i].in;
		n = dec[i].n ? dec[i].n : strlen(dec[i].in);
		wn = dec[i].wn ? dec[i].wn : strlen(dec[i].want);
		buf_reset(&b);
		buf_addstr(&b, "<");
		CHECK_INT(url_decode(&b, dec[i].in, n), 0);
		CHECK(b.len >= 1 && b.p[0] == '<');
		CHECK_MEM(b.p + 1, b.len - 1, dec[i].want, wn);
	}
	check_ctx = "";
	buf_release(&b);
}

/* Past the cap both fail with buf's -1 and release the buffer. */
static void
test_cap(void)
{
	struct buf b = BUF_INIT;

	buf_init(&b, 8);
	CHECK_INT(url_escape(&b, "a b c", 5, URL_COMPONENT), -1);
	CHECK(b.p == NULL && b.len == 0);
	buf_init(&b, 11);
	CHECK_INT(url_escape(&b, "a b c", 5, URL_COMPONENT), 0);
	CHECK_STR(b.p, "a%20b%20c");
	buf_release(&b);
	buf_init(&b, 2);
	CHECK_INT(url_decode(&b, "abc", 3), -1);
	CHECK(b.p == NULL && b.len == 0);
	buf_init(&b, 3);
	CHECK_INT(url_decode(&b, "a%41c", 5), 0);
	CHECK_STR(b.p, "aAc");
	buf_release(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
}

int
main(void)
{
	test_escape();
	test_every_byte();
	test_round_trip();
	test_decode();
	test_cap();
	return check_report();
}
