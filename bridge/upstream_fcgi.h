/*
 * upstream_fcgi - the FastCGI side of the upstream (upstream.c runs the
 * exchange): struct request to FastCGI records (BEGIN_REQUEST as a
 * responder, PARAMS with the CGI variables, STDIN with the body), and the
 * CGI answer to struct reply. Pure. The connection is not kept (no
 * FCGI_KEEP_CONN), as nginx does by default: an idle kept connection
 * would pin one of php-fpm's children, which serve one connection each.
 */
#ifndef BRIDGE_UPSTREAM_FCGI_H
#define BRIDGE_UPSTREAM_FCGI_H

#include "../sockets/buf.h"
#include "reply.h"
#include "request.h"

/*
 * The records for req, request id 1, into out: the variables of
 * request_cgi_vars, then SCRIPT_FILENAME and DOCUMENT_ROOT when given
 * (php-fpm needs the first to find the script). Returns 0, or -1
 * (EMSGSIZE: out's cap).
 */
int upstream_fcgi_encode(const struct request *req, const char *script_filename,
    const char *document_root, struct buf *out);

/* The parsed CGI answer into rep: status, and every field but the
 * hop-by-hop ones, in order. */
struct cgi_response;
void upstream_fcgi_take(const struct cgi_response *r, struct reply *rep);

#endif
