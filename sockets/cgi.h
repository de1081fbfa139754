/*
 * cgi - the CGI response (RFC 3875 section 6), as a CGI program writes it
 * on stdout and a FastCGI app on FCGI_STDOUT: header fields, a blank line,
 * the body until the end of the stream. A resumable parser (input may be
 * split anywhere) and a writer. Pure: no I/O, no globals.
 *
 * Parsing: lines end in LF or CRLF; each field is "name: value" with a
 * token name; "Status: NNN reason" sets the status (100-599) and is not
 * kept as a field; a Location without Status is a 302; otherwise 200.
 * Over HTTP1_MAX_HEAD bytes or HTTP1_MAX_FIELDS fields, a line without a
 * colon, a bad name, a control byte or a bad Status is malformed (the
 * caller answers 502).
 */
#ifndef SOCKETS_CGI_H
#define SOCKETS_CGI_H

#include <stddef.h>

#include "buf.h"
#include "http1.h"
#include "limits.h"
#include "parse.h"

struct cgi_response {
	/* results, valid once the head is parsed (cgi_head_done) */
	int status;
	struct buf head; /* the header section as received */
	size_t nfields;
	const char *why; /* static reason after PARSE_BAD */

	/* private */
	http1_sink_fn *sink;
	void *sink_arg;
	int state;
	int eol;

	/* last: the first nfields are set; init does not clear the rest */
	struct http1_field field[HTTP1_MAX_FIELDS];
};

/* Prepare r; body bytes go to sink(arg, ...) (which may refuse: -1). */
void cgi_response_init(struct cgi_response *r, http1_sink_fn *sink, void *arg);
void cgi_response_release(struct cgi_response *r);

/*
 * Feed n bytes: PARSE_MORE (all consumed; a CGI body ends only with its
 * stream) or PARSE_BAD (see why).
 */
enum parse_result cgi_feed(struct cgi_response *r, const char *p, size_t n);

/* The stream ended: PARSE_DONE when the head was complete, else PARSE_BAD. */
enum parse_result cgi_feed_eof(struct cgi_response *r);

/* Has the header section been parsed (the body may be streaming)? */
int cgi_head_done(const struct cgi_response *r);

/* Is field i named name (case-insensitive)? */
int cgi_field_is(const struct cgi_response *r, size_t i, const char *name);

/*
 * Append a CGI response head to out: "Status: <status> <reason>", the
 * fields, the blank line; lines end in CRLF. Returns 0, or -1 (EINVAL for
 * a name or value HTTP cannot carry, EMSGSIZE from out's cap).
 */
int cgi_write_head(struct buf *out, int status, const struct http1_hdr *h,
    size_t nh);

#endif
