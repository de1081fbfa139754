/*
 * jsonw - JSON text written straight into a buf, byte for byte as json-c
 * prints it with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE:
 * for what the bridge sends on every request, where building json-c
 * objects only to print them cost more than the rest of the work.
 */
#include <string.h>

#include "jsonw.h"

/* Bytes p[0..n) takes inside a JSON string, as jsonw_escape writes it. */
size_t
jsonw_escaped_len(const unsigned char *p, size_t n)
{
	/* the bytes each byte adds: \" \\ \b \t \n \f \r one, other
	 * controls five (\u00XX) */
	static unsigned char extra[256];
	static int ready;
	size_t i, len = n;

	if (!ready) {
		for (i = 0; i < 0x20; i++)
			extra[i] = 5;
		extra['"'] = extra['\\'] = extra['\b'] = extra['\t'] = 1;
		extra['\n'] = extra['\f'] = extra['\r'] = 1;
		ready = 1;
	}
	for (i = 0; i < n; i++)
		len += extra[p[i]];
	return len;
}

/* p[0..n) as the inside of a JSON string: quotes, backslashes and
 * control characters escaped, everything else (UTF-8) as it is. The room
 * is made once, for the exact length, and written directly. */
int
jsonw_escape(struct buf *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t i, len = jsonw_escaped_len(s, n);
	char *w = buf_room(out, len), *start = w;
	unsigned char ch;

	if (!w)
		return -1;
	for (i = 0; i < n; i++) {
		ch = s[i];
		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			*w++ = (char)ch;
			continue;
		}
		*w++ = '\\';
		switch (ch) {
		case '"':
		case '\\':
			*w++ = (char)ch;
			break;
		case '\n':
			*w++ = 'n';
			break;
		case '\r':
			*w++ = 'r';
			break;
		case '\t':
			*w++ = 't';
			break;
		case '\b':
			*w++ = 'b';
			break;
		case '\f':
			*w++ = 'f';
			break;
		default:
			memcpy(w, "u00", 3);
			w[3] = hex[ch >> 4];
			w[4] = hex[ch & 15];
			w += 5;
		}
	}
	buf_setlen(out, out->len + (size_t)(w - start));
	return 0;
}

int
jsonw_string(struct buf *out, const char *p, size_t n)
{
	if (buf_addch(out, '"') < 0 || jsonw_escape(out, p, n) < 0)
		return -1;
	return buf_addch(out, '"');
}

int
jsonw_key(struct buf *out, int *first, const char *name, size_t n)
{
	if (!*first && buf_addch(out, ',') < 0)
		return -1;
	*first = 0;
	if (jsonw_string(out, name, n) < 0)
		return -1;
	return buf_addch(out, ':');
}

int
jsonw_member(struct buf *out, int *first, const char *name, const char *s)
{
	if (jsonw_key(out, first, name, strlen(name)) < 0)
		return -1;
	return jsonw_string(out, s, strlen(s));
}

int
jsonw_int(struct buf *out, int *first, const char *name, long long v)
{
	if (jsonw_key(out, first, name, strlen(name)) < 0)
		return -1;
	return buf_printf(out, "%lld", v);
}
