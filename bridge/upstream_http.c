/*
 * upstream_http - HTTP/1.1 request bytes for struct request, and the
 * parsed answer's fields for struct reply.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "../sockets/http1.h"
#include "bridge.h"
#include "upstream_http.h"

/* Header names the bridge writes itself after the client's. */
static const char *const owned[] = { "host", "x-forwarded-for",
	"x-forwarded-proto", "x-forwarded-port", "x-forwarded-host", NULL };

/* Not passed from the app's answer: they describe one hop (RFC 9110). */
static const char *const hop[] = { "connection", "keep-alive",
	"transfer-encoding", "te", "trailer", "upgrade", "proxy-connection",
	NULL };

static int
in_list(const char *const *list, const char *p, size_t n)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncasecmp(list[i], p, n) == 0)
			return 1;
	return 0;
}

/* Header list under construction: values live in one buffer, so they are
 * kept as offsets until the buffer stops moving. */
struct hlist {
	struct http1_hdr h[BRIDGE_MAX_HEADERS + 8];
	size_t off[BRIDGE_MAX_HEADERS + 8];
	size_t n;
	struct buf vals;
};

static void
hl_add(struct hlist *l, const char *name, const char *v, size_t vn)
{
	if (l->n == sizeof(l->h) / sizeof(l->h[0]))
		return;
	l->h[l->n].name = name;
	l->h[l->n].name_len = strlen(name);
	l->off[l->n] = l->vals.len;
	l->h[l->n].value_len = vn;
	buf_add(&l->vals, v, vn);
	l->n++;
}

/* Is addr one of the comma-separated entries of list? */
static int
list_has_addr(const struct buf *list, const char *addr)
{
	size_t n = strlen(addr), i = 0, j;
	const char *p = list->p;

	while (p && i < list->len) {
		while (i < list->len && (p[i] == ' ' || p[i] == ','))
			i++;
		for (j = i; j < list->len && p[j] != ',' && p[j] != ' '; j++)
			;
		if (j - i == n && memcmp(p + i, addr, n) == 0)
			return 1;
		i = j;
	}
	return 0;
}

static void
owned_headers(const struct request *req, struct hlist *l, struct buf *v,
    const struct buf *host)
{
	request_header(req, "x-forwarded-for", v);
	if (*req->remote_addr && !list_has_addr(v, req->remote_addr)) {
		if (v->len)
			buf_add(v, ", ", 2);
		buf_addstr(v, req->remote_addr);
	}
	if (v->len)
		hl_add(l, "X-Forwarded-For", v->p, v->len);
	hl_add(l, "X-Forwarded-Proto", req->https ? "https" : "http",
	    req->https ? 5 : 4);
	hl_add(l, "X-Forwarded-Port", req->server_port,
	    strlen(req->server_port));
	if (!request_header(req, "x-forwarded-host", v))
		buf_add(v, host->p, host->len);
	hl_add(l, "X-Forwarded-Host", v->p ? v->p : "", v->len);
	if (*req->script_name)
		hl_add(l, "X-Forwarded-Prefix", req->script_name,
		    strlen(req->script_name));
	if (*req->request_id)
		hl_add(l, "X-Request-Id", req->request_id,
		    strlen(req->request_id));
	/* the invocation context, under the names AWS's own adapter uses */
	if (*req->trace_id)
		hl_add(l, "X-Amzn-Trace-Id", req->trace_id,
		    strlen(req->trace_id));
	if (*req->request_context)
		hl_add(l, "X-Amzn-Request-Context", req->request_context,
		    strlen(req->request_context));
	if (*req->invocation_context)
		hl_add(l, "X-Amzn-Lambda-Context", req->invocation_context,
		    strlen(req->invocation_context));
	if (*req->tenant_id)
		hl_add(l, "X-Amz-Tenant-Id", req->tenant_id,
		    strlen(req->tenant_id));
}

/* A client header the bridge sends its own value for, when it has one. */
static int
replaced(const struct request *req, const char *p, size_t n)
{
	static const char *const id[] = { "x-request-id", NULL };
	static const char *const trace[] = { "x-amzn-trace-id", NULL };

	return (*req->request_id && in_list(id, p, n)) ||
	    (*req->trace_id && in_list(trace, p, n));
}

int
upstream_http_encode(const struct request *req, struct buf *out)
{
	static struct hlist l; /* big; the bridge is single-threaded */
	struct buf v = BUF_INIT, host = BUF_INIT, target = BUF_INIT;
	size_t i;
	int r;

	l.n = 0;
	buf_init(&l.vals, 2 * BRIDGE_MAX_HEADER_BYTES + 4096);
	buf_init(&v, BRIDGE_MAX_JOINED);
	buf_init(&host, BRIDGE_MAX_JOINED);
	buf_init(&target, BRIDGE_MAX_PATH + BRIDGE_MAX_QUERY + 2);
	if (!request_header(req, "host", &host))
		buf_addstr(&host, req->server_name);
	hl_add(&l, "Host", host.p, host.len);
	for (i = 0; i < req->nhdr; i++) {
		const struct header *h = &req->hdr[i];

		if (header_first(req->hdr, i) != i ||
		    in_list(owned, h->name, h->name_len) ||
		    replaced(req, h->name, h->name_len))
			continue;
		request_header(req, h->name, &v);
		hl_add(&l, h->name, v.p ? v.p : "", v.len);
		l.h[l.n - 1].name_len = h->name_len;
	}
	owned_headers(req, &l, &v, &host);
	for (i = 0; i < l.n; i++)
		l.h[i].value = l.vals.p + l.off[i];
	buf_addstr(&target, req->path_raw);
	if (*req->query) {
		buf_addch(&target, '?');
		buf_addstr(&target, req->query);
	}
	r = http1_write_request(out, req->method, target.p, l.h, l.n,
	    request_has_body(req) ? (long long)req->body.len : -1);
	if (r == 0 && req->body.len)
		r = buf_add(out, req->body.p, req->body.len);
	buf_release(&l.vals);
	buf_release(&v);
	buf_release(&host);
	buf_release(&target);
	return r;
}

void
upstream_take_fields(int status, const char *head, const struct http1_field *f,
    size_t n, struct reply *rep)
{
	size_t i;

	rep->status = status;
	for (i = 0; i < n; i++) {
		if (in_list(hop, head + f[i].name, f[i].name_len))
			continue;
		/* the bridge's own fields are the bridge's to set */
		if (f[i].name_len > 9 &&
		    strncasecmp(head + f[i].name, "x-bridge-", 9) == 0)
			continue;
		reply_add_header(rep, head + f[i].name, f[i].name_len,
		    head + f[i].value, f[i].value_len);
	}
}

void
upstream_http_take(const struct http1_response *r, struct reply *rep)
{
	upstream_take_fields(r->status, r->head.p, r->field, r->nfields, rep);
}
