/*
 * b64 - strict base64 codec, table-driven, no allocation beyond out.
 */
#include <errno.h>

#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
b64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

int
b64_encode(const char *in, size_t n, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	char *o = buf_room(out, b64_encoded_len(n));
	size_t i, j = 0;
	unsigned v;

	if (!o)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		o[j++] = alphabet[v >> 18];
		o[j++] = alphabet[(v >> 12) & 63];
		o[j++] = alphabet[(v >> 6) & 63];
		o[j++] = alphabet[v & 63];
	}
	if (i < n) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		o[j++] = alphabet[v >> 18];
		o[j++] = alphabet[(v >> 12) & 63];
		o[j++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		o[j++] = '=';
	}
	buf_setlen(out, out->len + j);
	return 0;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
b64_bad(size_t off, size_t *bad_off)
{
	if (bad_off)
		*bad_off = off;
	errno = EINVAL;
	return -1;
}

int
b64_decode(const char *in, size_t n, struct buf *out, size_t *bad_off)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, j = 0, pad = 0, data;
	unsigned v = 0;
	int d, k;
	char *o;

	/* report, in this order: a byte outside the alphabet, a length
	 * that is not a whole number of quanta, a misplaced '=' */
	for (i = 0; i < n; i++)
		if (s[i] != '=' && b64_value(s[i]) < 0)
			return b64_bad(i, bad_off);
	if (n % 4)
		return b64_bad(n - n % 4, bad_off);
	if (n && s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	data = n - pad;
	for (i = 0; i < data; i++)
		if (s[i] == '=')
			return b64_bad(i, bad_off);
	o = buf_room(out, n / 4 * 3 - pad);
	if (!o)
		return -1;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			d = i + (size_t)k < data ? b64_value(s[i + (size_t)k]) :
			                           0;
			v = v << 6 | (unsigned)d;
		}
		if (j < n / 4 * 3 - pad)
			o[j++] = (char)(v >> 16);
		if (j < n / 4 * 3 - pad)
			o[j++] = (char)(v >> 8);
		if (j < n / 4 * 3 - pad)
			o[j++] = (char)v;
	}
	/* the bits under the padding must be zero (canonical form) */
	if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff))) {
		buf_setlen(out, out->len); /* what was written is not kept */
		return b64_bad(n - pad - 1, bad_off);
	}
	buf_setlen(out, out->len + j);
	return 0;
}
