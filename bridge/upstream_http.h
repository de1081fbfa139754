/*
 * upstream_http - the HTTP/1.1 side of the upstream (upstream.c runs the
 * exchange): struct request to request bytes, the parsed answer to
 * struct reply. Pure.
 */
#ifndef BRIDGE_UPSTREAM_HTTP_H
#define BRIDGE_UPSTREAM_HTTP_H

#include "../sockets/buf.h"
#include "reply.h"
#include "request.h"

/*
 * The request bytes for req (pure): "METHOD path?query HTTP/1.1", Host
 * first, the client's headers (repeats joined as in request_header), then
 * the ones the bridge owns: X-Forwarded-For (the client's, with
 * REMOTE_ADDR appended unless present), -Proto, -Port, -Host (the
 * client's, else Host), -Prefix (SCRIPT_NAME, when set), X-Request-Id
 * (the invocation id, when there is one), Content-Length, then the body.
 * Returns 0, or -1 (EINVAL: unrepresentable; EMSGSIZE: out's cap).
 */
int upstream_http_encode(const struct request *req, struct buf *out);

/*
 * The parsed answer into rep: status, and every field but the hop-by-hop
 * ones, in order (pure; the case runner uses it too).
 */
struct http1_response;
void upstream_http_take(const struct http1_response *r, struct reply *rep);

/* An answer's status and fields (offsets into head) into rep, but the
 * hop-by-hop ones, in order: HTTP and CGI answers alike. */
struct http1_field;
void upstream_take_fields(int status, const char *head,
    const struct http1_field *f, size_t n, struct reply *rep);

#endif
