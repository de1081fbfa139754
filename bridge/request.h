/*
 * request - the one request model every front end produces and every
 * upstream consumes (ARCHITECTURE "The request model"): RFC 3875
 * meta-variables, the client's headers in order with repeats preserved,
 * the decoded body and the invocation context. The header filter lives
 * here, once, so that no front end can let a spoofing header through.
 */
#ifndef BRIDGE_REQUEST_H
#define BRIDGE_REQUEST_H

#include <stddef.h>

#include "../sockets/buf.h"
#include "header.h"

/* Which front door the request came through; decides the reply shape. */
enum req_kind {
	REQ_V1,   /* API Gateway payload 1.0: REST API or HTTP API 1.0 */
	REQ_V2,   /* HTTP API payload 2.0 */
	REQ_FURL, /* Lambda Function URL (the 2.0 shape) */
	REQ_ALB,  /* Application Load Balancer */
	REQ_CGI   /* FastCGI or CGI front end */
};

/* Outcome of adding a header (request_add_header). */
enum hdr_result {
	HDR_ADDED,
	HDR_DROPPED, /* a spoofing, hop-by-hop or invalid name: ignored */
	HDR_REJECTED /* the request must fail: req->status says how */
};

struct request {
	enum req_kind kind;
	int multi; /* ALB: the event used multiValueHeaders */

	/* Meta-variables. Never NULL once request_init has run. */
	char *method;
	char *script_name; /* "" or "/stage" or "/base" (decoded form) */
	char *path_info;   /* decoded once; "" only when script_name is set */
	char *path_raw;    /* the same path, percent-encoded, for targets */
	char *query;       /* QUERY_STRING, encoded, without '?' */
	char *server_name;
	char *server_port;
	char *server_protocol;
	char *remote_addr;
	int https;

	struct header *hdr; /* filtered client headers, in order */
	size_t nhdr, hdr_cap, hdr_bytes;

	struct buf body; /* decoded (base64, then gzip) */

	/* Invocation context. */
	char *request_id; /* the invocation's id: X-Request-Id */
	/* What the app learns of the invocation (README "Invocation
	 * context"), "" when unknown: */
	char *request_context;    /* the event's requestContext, as JSON */
	char *invocation_context; /* id, deadline, ARN, trace... as JSON */
	char *trace_id;           /* X-Ray: replaces the client's copy */
	char *tenant_id;
	long long deadline_ms; /* CLOCK_MONOTONIC; 0 when none */

	/* First failure: the status the client gets (400, 413, 414, 431). */
	int status;
	const char *why;       /* static text for the error body and log */
	const char *kind_log;  /* log kind= for the failure */
	unsigned dropped;      /* headers ignored by the filter */
	struct buf connection; /* the client's Connection values, joined */
};

/* The zero state is valid to release (STYLE N3); request_init makes a
 * usable one. */
#define REQUEST_INIT                                                           \
	{                                                                      \
		0                                                              \
	}

/* Empty request with "" meta-variables and a body capped at max_body. */
void request_init(struct request *req, size_t max_body);

/* Free everything; the request is left empty ("" meta-variables, no
 * headers, no body) and may be released again. */
void request_release(struct request *req);

/* Replace a meta-variable (copies n bytes). */
void request_set(char **field, const char *p, size_t n);

/*
 * Record the first failure; later ones are ignored. Returns -1 so callers
 * can write "return request_fail(...)".
 */
int request_fail(struct request *req, int status, const char *kind,
    const char *why);

/*
 * Add a client header through the filter (HOSTILE R01-R11, G9): names
 * must be letters, digits and '-' only; Proxy, Proxy-Authorization,
 * hop-by-hop fields, Expect, Content-Length and the names the bridge sets
 * itself are dropped; a value with CR, LF, NUL or another control byte,
 * or a second Host (or one holding a comma or a space), rejects the
 * request (400); a name over BRIDGE_MAX_HEADER_NAME bytes,
 * more than BRIDGE_MAX_HEADERS fields or BRIDGE_MAX_HEADER_BYTES bytes
 * reject it with 431.
 */
enum hdr_result request_add_header(struct request *req, const char *name,
    size_t name_len, const char *value, size_t value_len);

/*
 * Remove the headers the client's Connection field named (R09). Front
 * ends call it once all headers are in and before deriving anything from
 * them; request_prepare calls it too. Idempotent.
 */
void request_strip_connection(struct request *req);

/*
 * Meta-variables from what a front door passes: REMOTE_ADDR trimmed, an
 * XFF-style port removed, anything but an address ignored (R05);
 * SERVER_PORT a number in 1-65535, else 443 or 80 by HTTPS (set https
 * first); SERVER_NAME a Host value without its port: -1, and nothing
 * set, when no Host could hold it (empty, a control, a space, a comma).
 */
void request_set_addr(struct request *req, const char *s, size_t n);
void request_set_port(struct request *req, const char *s, size_t n);
int request_set_server_name(struct request *req, const char *h, size_t n);

/* "HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/2.0", "HTTP/3"? */
int request_is_http_version(const char *p, size_t n);

/* Remove every header named name (case-insensitive). */
void request_del_header(struct request *req, const char *name);

/*
 * All values of header name, joined in order with ", " ("; " for
 * Cookie), into out (reset first). Returns the number of values found.
 */
size_t request_header(const struct request *req, const char *name,
    struct buf *out);

/*
 * The pure policy step between front end and upstream: strip the headers
 * named by the client's Connection field (R09), inflate a gzip'd body (capped:
 * a bomb is 413, corrupt data 400), and check the body cap. Returns 0, or -1
 * with req->status set. gzip_ratio: see BRIDGE_GZIP_RATIO.
 */
int request_prepare(struct request *req, unsigned gzip_ratio);

/* Does the request carry a body the upstream must frame? */
int request_has_body(const struct request *req);

/*
 * The CGI environment of the request (RFC 3875), for CGI and FastCGI
 * upstreams and for tests: calls fn(arg, name, value) for every variable,
 * in a fixed order. HTTP_* names are built from header names; repeated
 * headers are joined as in request_header.
 */
typedef void request_var_fn(void *arg, const char *name, const char *value,
    size_t value_len);
void request_cgi_vars(const struct request *req, request_var_fn *fn, void *arg);

/* REQUEST_URI: script_name + path_raw + ["?" query], into out (reset). */
void request_uri(const struct request *req, struct buf *out);

#endif
