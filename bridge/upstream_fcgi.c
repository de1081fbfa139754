/*
 * upstream_fcgi - FastCGI request records and the CGI answer's fields.
 */
#include <errno.h>
#include <string.h>

#include "../sockets/cgi.h"
#include "../sockets/fcgi.h"
#include "bridge.h"
#include "upstream_fcgi.h"
#include "upstream_http.h"

struct params {
	struct buf b;
	int failed;
};

static void
add_var(void *arg, const char *name, const char *value, size_t n)
{
	struct params *p = arg;

	if (!p->failed &&
	    fcgi_put_pair(&p->b, name, strlen(name), value, n) < 0)
		p->failed = 1;
}

int
upstream_fcgi_encode(const struct request *req, const char *script_filename,
    const char *document_root, struct buf *out)
{
	struct params p = { BUF_INIT, 0 };
	int r = -1;

	buf_init(&p.b,
	    3 * BRIDGE_MAX_HEADER_BYTES + BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY +
	        2 * BRIDGE_MAX_CONTEXT + 8192);
	request_cgi_vars(req, add_var, &p);
	if (script_filename)
		add_var(&p, "SCRIPT_FILENAME", script_filename,
		    strlen(script_filename));
	if (document_root)
		add_var(&p, "DOCUMENT_ROOT", document_root,
		    strlen(document_root));
	if (!p.failed && fcgi_put_begin(out, 1, FCGI_RESPONDER, 0) == 0 &&
	    fcgi_put_stream(out, FCGI_PARAMS, 1, p.b.p, p.b.len) == 0 &&
	    fcgi_put_end_stream(out, FCGI_PARAMS, 1) == 0 &&
	    fcgi_put_stream(out, FCGI_STDIN, 1, req->body.p, req->body.len) ==
	        0 &&
	    fcgi_put_end_stream(out, FCGI_STDIN, 1) == 0)
		r = 0;
	else
		errno = EMSGSIZE;
	buf_release(&p.b);
	return r;
}

void
upstream_fcgi_take(const struct cgi_response *r, struct reply *rep)
{
	upstream_take_fields(r->status, r->head.p, r->field, r->nfields, rep);
}
