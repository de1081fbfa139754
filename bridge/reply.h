/*
 * reply - the app's answer (status, headers in order with repeats, body)
 * and its rendering as Lambda response JSON for each front door (EVENTS
 * 3.1-3.6 and rules 9-10). Pure: no I/O, no globals.
 */
#ifndef BRIDGE_REPLY_H
#define BRIDGE_REPLY_H

#include <stddef.h>

#include "../sockets/buf.h"
#include "request.h"

struct reply {
	int status;
	struct header *hdr;
	size_t nhdr, hdr_cap;
	struct buf body;
	int from_bridge; /* the bridge answered (an error), not the app */
};

/* The zero state is valid to release (STYLE N3). */
#define REPLY_INIT                                                             \
	{                                                                      \
		0                                                              \
	}

void reply_init(struct reply *rep, size_t max_body);
void reply_release(struct reply *rep);

/* Append a header (copied). */
void reply_add_header(struct reply *rep, const char *name, size_t name_len,
    const char *value, size_t value_len);
void reply_del_header(struct reply *rep, const char *name);

/* The first value of header name, or NULL; *len gets its length. */
const char *reply_header(const struct reply *rep, const char *name,
    size_t *len);

/*
 * Replace the reply with the bridge's own error: status, a text/plain
 * body "<status> <reason>" plus ": why" for client errors (4xx).
 */
void reply_error(struct reply *rep, int status, const char *why);

/* What shapes the Lambda response. */
struct lambda_opts {
	enum req_kind kind;
	int multi;       /* ALB: answer with multiValueHeaders */
	int head;        /* HEAD request: no body */
	int accept_gzip; /* the client's Accept-Encoding allows gzip */
	int compress;    /* the bridge may gzip for this front door */
	size_t max;      /* largest JSON allowed (6 MiB; 1 MiB for ALB) */
};

/*
 * Render rep as Lambda response JSON into out (reset first). May gzip
 * the body (rep is changed accordingly). Returns 0; or 1 when the JSON
 * would exceed o->max even compressed, in which case a 502 was rendered
 * instead. *size gets the size of the JSON (on 1, the one that did
 * not fit).
 */
int reply_to_lambda(struct reply *rep, const struct lambda_opts *o,
    struct buf *out, size_t *size);

/*
 * The prelude of a streamed HTTP response (LAMBDA-PLATFORM 1.4):
 * {"statusCode","headers","cookies"} as for a Function URL, into out
 * (reset first). The caller adds the 8 NUL bytes and the body. 0, or -1
 * when out's cap was too small.
 */
int reply_prelude(const struct reply *rep, struct buf *out);

/*
 * A response for an event that could not even be classified (R27): valid
 * for REST, HTTP API, Function URL and ALB alike.
 */
void reply_generic_error(int status, const char *why, struct buf *out);

/*
 * The head of rep as a CGI response ("Status:", the fields, the blank
 * line) appended to out, for the FastCGI and CGI front ends. Returns 0;
 * -1 when a field could not be carried and a bare 502 head was written
 * instead.
 */
int reply_cgi_head(const struct reply *rep, struct buf *out);

/* An invocation-error object {"errorType","errorMessage"}. */
void reply_invocation_error(const char *type, const char *msg, struct buf *out);

/* Does an Accept-Encoding value allow gzip (q > 0, or "*" with q > 0)? */
int reply_accepts_gzip(const char *v, size_t n);

/* Is this Content-Type text that JSON can carry (EVENTS 3.4)? */
int reply_is_text_type(const char *ct, size_t n);

/* Is p[0..n) valid UTF-8? */
int utf8_valid(const char *p, size_t n);

#endif
