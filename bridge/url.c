/*
 * url - percent-encoding helpers, table-free and allocation-free beyond
 * the caller's buffer.
 */
#include <string.h>

#include "../sockets/ascii.h"
#include "url.h"

static int
is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* May byte i of p stay as it is under set? */
static int
keep(const unsigned char *p, size_t n, size_t i, enum url_set set)
{
	unsigned char c = p[i];

	if (is_unreserved(c))
		return 1;
	switch (set) {
	case URL_COMPONENT:
		return 0;
	case URL_PATH_DECODED:
		return c != '\0' && strchr("!$&'()*+,;=:@/", c) != NULL;
	case URL_PATH_RAW:
	case URL_QUERY_RAW:
		if (c <= 0x20 || c >= 0x7f || c == '#' ||
		    strchr("\"<>\\^`{|}", c))
			return 0;
		if (c == '?')
			return set == URL_QUERY_RAW;
		if (c == '%')
			return i + 2 < n && ascii_hexval(p[i + 1]) >= 0 &&
			    ascii_hexval(p[i + 2]) >= 0;
		return 1;
	}
	return 0;
}

int
url_escape(struct buf *out, const char *p, size_t n, enum url_set set)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)p;
	size_t i, run = 0;
	char esc[3] = { '%', 0, 0 };

	for (i = 0; i < n; i++) {
		if (keep(s, n, i, set)) {
			run++;
			continue;
		}
		if (run && buf_add(out, p + i - run, run) < 0)
			return -1;
		run = 0;
		esc[1] = hex[s[i] >> 4];
		esc[2] = hex[s[i] & 15];
		if (buf_add(out, esc, 3) < 0)
			return -1;
	}
	return run ? buf_add(out, p + n - run, run) : 0;
}

int
url_decode(struct buf *out, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i;
	int h, l;

	for (i = 0; i < n; i++) {
		h = l = -1;
		if (s[i] == '%' && i + 2 < n) {
			h = ascii_hexval(s[i + 1]);
			l = ascii_hexval(s[i + 2]);
		}
		if (h >= 0 && l >= 0) {
			if (buf_addch(out, h << 4 | l) < 0)
				return -1;
			i += 2;
		} else if (buf_addch(out, s[i]) < 0) {
			return -1;
		}
	}
	return 0;
}
