/*
 * fcgi - FastCGI 1.0 record encoder and resumable reader (the FastCGI
 * Specification, Open Market 1996, sections 3 and 5). Multi-byte numbers
 * are big-endian; content is padded so every record is a multiple of 8.
 */
#include <errno.h>
#include <string.h>

#include "fcgi.h"

enum {
	R_HEADER,
	R_CONTENT,
	R_PADDING,
	R_BAD
};

static int
put_header(struct buf *out, int type, unsigned id, size_t len, size_t pad)
{
	unsigned char h[FCGI_HEADER_LEN];

	if (id > 0xffff || len > FCGI_MAX_CONTENT) {
		errno = EINVAL;
		return -1;
	}
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	return buf_add(out, h, sizeof(h));
}

/* One record: header, content, zero padding to a multiple of 8. */
static int
put_record(struct buf *out, int type, unsigned id, const void *p, size_t n)
{
	static const char zeros[8];
	size_t pad = (8 - n % 8) % 8;

	if (put_header(out, type, id, n, pad) < 0 || buf_add(out, p, n) < 0 ||
	    buf_add(out, zeros, pad) < 0)
		return -1;
	return 0;
}

int
fcgi_put_begin(struct buf *out, unsigned id, int role, int keep_conn)
{
	unsigned char b[8] = { (unsigned char)(role >> 8), (unsigned char)role,
		(unsigned char)(keep_conn ? FCGI_KEEP_CONN : 0), 0, 0, 0, 0,
		0 };

	return put_record(out, FCGI_BEGIN_REQUEST, id, b, sizeof(b));
}

int
fcgi_put_stream(struct buf *out, int type, unsigned id, const char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = n < FCGI_MAX_CONTENT ? n : FCGI_MAX_CONTENT;
		if (put_record(out, type, id, p, k) < 0)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

int
fcgi_put_end_stream(struct buf *out, int type, unsigned id)
{
	return put_record(out, type, id, "", 0);
}

/* A length: one byte below 128, else four with the top bit set. */
static int
put_length(struct buf *out, size_t n)
{
	unsigned char b[4];

	if (n < 128) {
		b[0] = (unsigned char)n;
		return buf_add(out, b, 1);
	}
	if (n > 0x7fffffffUL) {
		errno = EINVAL;
		return -1;
	}
	b[0] = (unsigned char)((n >> 24) | 0x80);
	b[1] = (unsigned char)(n >> 16);
	b[2] = (unsigned char)(n >> 8);
	b[3] = (unsigned char)n;
	return buf_add(out, b, 4);
}

int
fcgi_put_pair(struct buf *out, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	if (put_length(out, name_len) < 0 || put_length(out, value_len) < 0 ||
	    buf_add(out, name, name_len) < 0 ||
	    buf_add(out, value, value_len) < 0)
		return -1;
	return 0;
}

int
fcgi_put_end_request(struct buf *out, unsigned id, unsigned long app_status,
    int protocol_status)
{
	unsigned char b[8] = { (unsigned char)(app_status >> 24),
		(unsigned char)(app_status >> 16),
		(unsigned char)(app_status >> 8), (unsigned char)app_status,
		(unsigned char)protocol_status, 0, 0, 0 };

	return put_record(out, FCGI_END_REQUEST, id, b, sizeof(b));
}

int
fcgi_put_unknown_type(struct buf *out, int type)
{
	unsigned char b[8] = { (unsigned char)type, 0, 0, 0, 0, 0, 0, 0 };

	return put_record(out, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, b,
	    sizeof(b));
}

void
fcgi_reader_init(struct fcgi_reader *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->content, FCGI_MAX_CONTENT);
	r->state = R_HEADER;
}

void
fcgi_reader_release(struct fcgi_reader *r)
{
	buf_release(&r->content);
}

int
fcgi_reader_partial(const struct fcgi_reader *r)
{
	return r->have > 0 || r->state != R_HEADER;
}

static void
hand_over(struct fcgi_reader *r, struct fcgi_record *rec)
{
	rec->type = r->hdr[1];
	rec->id = (unsigned)r->hdr[2] << 8 | r->hdr[3];
	rec->content = r->content.p ? r->content.p : "";
	rec->len = r->content.len;
	r->have = 0;
	r->state = R_HEADER;
}

enum parse_result
fcgi_read(struct fcgi_reader *r, const char *p, size_t n, size_t *used,
    struct fcgi_record *rec)
{
	size_t i = 0, k;

	if (r->state == R_BAD)
		return PARSE_BAD;
	while (i < n) {
		switch (r->state) {
		case R_HEADER:
			if (r->have == 0)
				buf_reset(&r->content);
			k = FCGI_HEADER_LEN - r->have;
			if (k > n - i)
				k = n - i;
			memcpy(r->hdr + r->have, p + i, k);
			r->have += k;
			i += k;
			if (r->have < FCGI_HEADER_LEN)
				break;
			if (r->hdr[0] != FCGI_VERSION_1) {
				r->state = R_BAD;
				r->why = "not FastCGI version 1";
				r->received += i;
				*used = i;
				return PARSE_BAD;
			}
			r->clen = (size_t)r->hdr[4] << 8 | r->hdr[5];
			r->padding = r->hdr[6];
			r->state = R_CONTENT;
			if (r->clen == 0)
				r->state = r->padding ? R_PADDING : R_HEADER;
			if (r->state == R_HEADER) {
				hand_over(r, rec);
				r->received += i;
				*used = i;
				return PARSE_DONE;
			}
			break;
		case R_CONTENT:
			k = r->clen - r->content.len;
			if (k > n - i)
				k = n - i;
			/* within FCGI_MAX_CONTENT: cannot fail */
			buf_add(&r->content, p + i, k);
			i += k;
			if (r->content.len < r->clen)
				break;
			if (r->padding) {
				r->state = R_PADDING;
				break;
			}
			hand_over(r, rec);
			r->received += i;
			*used = i;
			return PARSE_DONE;
		case R_PADDING:
			k = r->padding < n - i ? r->padding : n - i;
			r->padding -= k;
			i += k;
			if (r->padding)
				break;
			hand_over(r, rec);
			r->received += i;
			*used = i;
			return PARSE_DONE;
		}
	}
	r->received += i;
	*used = i;
	return PARSE_MORE;
}

static int
get_length(const unsigned char *p, size_t n, size_t *off, size_t *len)
{
	if (*off >= n)
		return -1;
	if (p[*off] < 128) {
		*len = p[(*off)++];
		return 0;
	}
	if (n - *off < 4)
		return -1;
	*len = ((size_t)(p[*off] & 0x7f) << 24) | ((size_t)p[*off + 1] << 16) |
	    ((size_t)p[*off + 2] << 8) | p[*off + 3];
	*off += 4;
	return 0;
}

int
fcgi_next_pair(const char *p, size_t n, size_t *off, const char **name,
    size_t *name_len, const char **value, size_t *value_len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t o = *off, nl, vl;

	if (o >= n)
		return 0;
	if (get_length(u, n, &o, &nl) < 0 || get_length(u, n, &o, &vl) < 0 ||
	    nl > n - o || vl > n - o - nl)
		return -1;
	*name = p + o;
	*name_len = nl;
	*value = p + o + nl;
	*value_len = vl;
	*off = o + nl + vl;
	return 1;
}
