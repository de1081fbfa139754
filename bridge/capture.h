/*
 * capture - invocations recorded as JSON lines for `bridge replay --diff`:
 * the event as received (in the FastCGI and CGI front ends, an HTTP API
 * 2.0 event made from the request) and the answer as sent (Lambda's
 * response JSON), with secrets redacted and bodies past a cap kept as a
 * hash and a length. Lines go to a file, rotated by size, or to the log
 * stream after CAPTURE_MARKER (Lambda, where files do not last). A capture
 * never fails a request: what cannot be written is counted and dropped.
 *
 * A line: {"bridge_capture":1,"time":...,"mode":...,"request_id":...,
 * "route":"GET /orders/1","status":200,"duration_ms":12,"event":{...},
 * "response":{...}}; a body kept as a hash is "" with "bodySha256" and
 * "bodyLength" next to it.
 */
#ifndef BRIDGE_CAPTURE_H
#define BRIDGE_CAPTURE_H

#include <stddef.h>

#include <json-c/json.h>

#include "../sockets/buf.h"
#include "reply.h"
#include "request.h"
#include "sha256.h"

#define CAPTURE_MARKER   "BRIDGE_CAPTURE "
#define CAPTURE_KEY      "bridge_capture" /* the member every line has */
#define CAPTURE_REDACTED "[redacted]"

struct capture {
	int on;
	int fd;           /* the file; -1: the log stream */
	const char *path; /* the file, or NULL */
	const char *mode; /* "lambda", "replay", "fcgi", "cgi" */
	unsigned long long size, max_size;
	double sample;
	size_t body_max;
	char **headers; /* lower-case names redacted */
	size_t nheaders;
	char **paths; /* JSON body paths redacted */
	size_t npaths;
	unsigned long written, dropped;
	struct buf line;
};

/* A body streamed past the bridge: kept while within body_max, hashed
 * whole once past it, counted. */
struct capture_body {
	struct buf head;
	struct sha256 sha;
	unsigned long long length;
};

/* The header names redacted (lower case): the secret ones and
 * --capture-redact-headers; appended to *v. */
void capture_secret_names(char ***v, size_t *n);

/* From the BRIDGE_CAPTURE* settings; off unless BRIDGE_CAPTURE is set. */
void capture_init(struct capture *c, const char *mode);
/* Log what was written and dropped, close the file. */
void capture_release(struct capture *c);

/* Record this invocation? (on, and within --capture-sample) */
int capture_sample(struct capture *c);

/*
 * One record: the event and the response (JSON texts), the request id and
 * how long it took. body, when not NULL, is the response body as it was
 * streamed (the response's own body is then ignored).
 */
void capture_write(struct capture *c, const char *event, size_t elen,
    const char *response, size_t rlen, const char *request_id, long long ms,
    const struct capture_body *body);

/* An HTTP API 2.0 event for a request of the FastCGI or CGI front end. */
void capture_event(const struct request *req, struct buf *out);

/*
 * Record a request of the FastCGI or CGI front end: req as an HTTP API 2.0
 * event, rep as the response Lambda would have sent. When the answer was
 * streamed (its body went by in pieces into body), rep's body is replaced
 * by body's, or by its hash past the cap.
 */
void capture_http(struct capture *c, const struct request *req,
    struct reply *rep, int streamed, const struct capture_body *body,
    long long ms);

void capture_body_init(struct capture_body *b, size_t max);
void capture_body_add(struct capture_body *b, const char *p, size_t n);
void capture_body_release(struct capture_body *b);

/*
 * A capture in a line of text: a capture file's line, or a log line with
 * CAPTURE_MARKER anywhere in it (a CloudWatch export). The record, or
 * NULL when the line holds none.
 */
struct json_object *capture_parse_line(const char *p, size_t n);

/* "METHOD /path" of an event (API Gateway 1.0 and 2.0, ALB, URL). */
void capture_route(struct json_object *event, struct buf *out);

#endif
