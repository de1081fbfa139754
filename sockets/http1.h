/*
 * http1 - HTTP/1.1 on the app side: a request writer and a resumable
 * response parser (picohttpparser's shape, nginx's strictness). Pure: no
 * I/O, no globals. The parser accepts only what RFC 9112 allows an origin
 * to send and rejects every framing ambiguity (HOSTILE R43): duplicate or
 * invalid Content-Length, Content-Length with Transfer-Encoding, a
 * transfer coding other than chunked, obs-fold, bare CR, NUL.
 */
#ifndef SOCKETS_HTTP1_H
#define SOCKETS_HTTP1_H

#include <stddef.h>

#include "buf.h"
#include "limits.h"
#include "parse.h"

/* A header for the request writer; bytes need not be NUL-terminated. */
struct http1_hdr {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/*
 * Append "METHOD target HTTP/1.1", the headers, Content-Length (when
 * content_length >= 0) and the blank line to out. Returns 0, or -1 with
 * EINVAL when a method, target, name or value holds bytes HTTP/1.1 cannot
 * carry (CTLs, CR, LF, NUL; the target also no space), or EMSGSIZE from
 * the buffer cap (out is then released, per buf).
 */
int http1_write_request(struct buf *out, const char *method, const char *target,
    const struct http1_hdr *h, size_t nh, long long content_length);

/* RFC 9110 token (header names, methods) and field-value checks. */
int http1_is_token(const char *p, size_t n);
int http1_is_field_value(const char *p, size_t n);

/* Offsets of one response field inside head.p. */
struct http1_field {
	size_t name, name_len;
	size_t value, value_len;
};

enum http1_framing {
	HTTP1_NONE,    /* no body (HEAD, 1xx, 204, 304, Content-Length: 0) */
	HTTP1_LENGTH,  /* Content-Length bytes */
	HTTP1_CHUNKED, /* Transfer-Encoding: chunked */
	HTTP1_CLOSE    /* until the peer closes */
};

/*
 * The body sink: called with each run of decoded body bytes. Returns 0,
 * or -1 to fail the parse with why = "response body too large".
 */
typedef int http1_sink_fn(void *arg, const char *p, size_t n);

struct http1_response {
	/* results, valid once the head is parsed (state past the head) */
	int status;     /* 200..599; 1xx answers are skipped */
	int minor;      /* HTTP/1.<minor> */
	int keep_alive; /* reusable after PARSE_DONE, if no bytes left */
	enum http1_framing framing;
	unsigned long long content_length;
	struct buf head; /* the final head as received */
	size_t nfields;
	unsigned long long received; /* every byte fed so far, 1xx included */
	const char *why;             /* static reason after PARSE_BAD */

	/* private */
	int head_request;
	http1_sink_fn *sink;
	void *sink_arg;
	int state;
	int eol; /* end-of-head detector state */
	int digits;
	unsigned long long left;
	size_t line;
	size_t trailer;
	unsigned interim;
	/* last: the first nfields are set; init does not clear the rest
	 * (6 KiB per response) */
	struct http1_field field[HTTP1_MAX_FIELDS];
};

/*
 * Prepare r for one response. head_request: the request was HEAD, so the
 * answer has no body whatever it says. Body bytes go to sink(arg, ...).
 * Allocates nothing; release with http1_response_release.
 */
void http1_response_init(struct http1_response *r, int head_request,
    http1_sink_fn *sink, void *arg);

/*
 * Feed n more bytes. PARSE_MORE: all consumed, need more. PARSE_DONE: the
 * response is complete after *used bytes of this input; anything after it
 * is extra data, and the connection must not be reused (HOSTILE R43).
 * PARSE_BAD: see why; do not feed again. May be called with n == 0.
 */
enum parse_result http1_feed(struct http1_response *r, const char *p, size_t n,
    size_t *used);

/*
 * The peer closed. PARSE_DONE for a close-delimited body, or when the
 * response was already complete; PARSE_BAD otherwise.
 */
enum parse_result http1_feed_eof(struct http1_response *r);

/* Is field i named name (case-insensitive)? */
int http1_field_is(const struct http1_response *r, size_t i, const char *name);

void http1_response_release(struct http1_response *r);

/* The standard reason phrase for a status, "" when unknown. */
const char *http1_reason(int status);

#endif
