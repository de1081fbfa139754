/*
 * mode_lambda - the Lambda custom runtime (LAMBDA-PLATFORM 1-3): init (stage,
 * start, wait ready; a failure is posted to /runtime/init/error), then
 * /next -> convert -> the app -> exactly one completion per request id.
 * One invocation at a time; everything else (the app's pipes, signals,
 * libcurl) runs in the same poll loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "config.h"
#include "core.h"
#include "event.h"
#include "jsonw.h"
#include "log.h"
#include "mode.h"
#include "capture.h"
#include "invoke.h"
#include "prewarm.h"
#include "rapi.h"

/* /next failing in a row before the runtime gives up (R57): with the
 * pauses below, about 3 s. */
#define LAMBDA_NEXT_TRIES 5

struct lambda {
	struct core core;
	struct rapi api;
	struct event_opts eopts;
	struct invocation inv;
	struct prewarm stats;
	struct capture cap;
	int cap_this;   /* record this invocation */
	long long t0;   /* when it began (clock_ms) */
	struct buf out; /* the completion's body */
	char path[256]; /* /runtime/invocation/<id>/... */
	int warned_deadline;
	int fatal;     /* the Runtime API asked us to go (500) */
	int api_state; /* rapi_init: 0 not yet, 1 done, -1 failed */
};

static long long
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* {"errorType","errorMessage","stackTrace":[...]} (LAMBDA-PLATFORM 1.3) */
static void
error_json(const char *type, const char *message, const struct buf *trace,
    struct buf *out)
{
	struct json_object *o = json_object_new_object();
	struct json_object *st = json_object_new_array();
	const char *s, *p, *nl;
	size_t n;

	json_object_object_add(o, "errorType", json_object_new_string(type));
	json_object_object_add(o, "errorMessage",
	    json_object_new_string(message));
	for (p = trace && trace->p ? trace->p : ""; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		json_object_array_add(st,
		    json_object_new_string_len(p, (int)(nl - p)));
	}
	json_object_object_add(o, "stackTrace", st);
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	buf_reset(out);
	buf_add(out, s, n);
	json_object_put(o);
}

/* Post one completion and say what came of it (R61, R62). */
static void
complete(struct lambda *L, const char *what, const char *error_type,
    const char *body, size_t n)
{
	long st;

	snprintf(L->path, sizeof(L->path), "/runtime/invocation/%s/%s",
	    L->inv.id, what);
	st = rapi_post(&L->api, L->path, "application/json", error_type, body,
	    n);
	if (L->cap_this) {
		/* after the answer went: the caller does not wait for it */
		capture_write(&L->cap, L->inv.event.p, L->inv.event.len, body,
		    n, L->inv.id, clock_ms() - L->t0, NULL);
		L->cap_this = 0;
	}
	if (st == 202)
		return;
	if (st == 413)
		log_msg(LOG_ERROR, "response_too_large",
		    "req=%s the Runtime API refused %zu bytes (413): the "
		    "caller "
		    "got Function.ResponseSizeTooLarge",
		    L->inv.id, n);
	else if (st == 500)
		L->fatal = 1;
	else
		log_msg(LOG_ERROR, "runtime_api_state", "req=%s %s: %s",
		    L->inv.id, what,
		    st < 0 ? L->api.error : "refused (HTTP status above)");
}

static void
invocation_error(struct lambda *L, const char *type, const char *message)
{
	log_msg(LOG_ERROR, "invoke_error", "req=%s type=%s %s", L->inv.id, type,
	    message);
	error_json(type, message, NULL, &L->out);
	complete(L, "error", type, L->out.p, L->out.len);
}

/* A member holding text the Runtime API gave as JSON, as json-c reads
 * and prints it; nothing when it is empty or not JSON. */
static int
parsed_member(struct buf *out, int *first, const char *name, const char *text)
{
	struct json_object *v = *text ? json_tokener_parse(text) : NULL;
	const char *s;
	size_t n;
	int r;

	if (!v)
		return 0;
	s = json_object_to_json_string_length(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	r = jsonw_key(out, first, name, strlen(name)) < 0 ? -1 :
	                                                    buf_add(out, s, n);
	json_object_put(v);
	return r;
}

/* What the app learns of the invocation, as JSON (X-Amzn-Lambda-Context). */
static void
invocation_context(const struct invocation *inv, struct request *req)
{
	struct buf o = BUF_INIT;
	int first = 1;

	buf_init(&o, BRIDGE_MAX_CONTEXT);
	if (buf_addch(&o, '{') == 0 &&
	    jsonw_member(&o, &first, "requestId", inv->id) == 0 &&
	    jsonw_int(&o, &first, "deadlineMs", inv->deadline_epoch) == 0 &&
	    jsonw_member(&o, &first, "invokedFunctionArn", inv->arn) == 0 &&
	    jsonw_member(&o, &first, "xrayTraceId", inv->trace) == 0 &&
	    parsed_member(&o, &first, "clientContext", inv->client_context) ==
	        0 &&
	    parsed_member(&o, &first, "cognitoIdentity", inv->cognito) == 0 &&
	    (!*inv->tenant ||
	        jsonw_member(&o, &first, "tenantId", inv->tenant) == 0) &&
	    buf_addch(&o, '}') == 0)
		request_set(&req->invocation_context, o.p, o.len);
	buf_release(&o);
}

/*
 * The request's budget: deadline - margin, never below 1 s unless the
 * invocation itself has less, then what remains less 100 ms to answer.
 * Remaining time is read against the wall clock once, then kept on the
 * monotonic clock (R66).
 */
static long long
request_deadline(struct lambda *L)
{
	long long remaining, budget;

	if (!L->inv.deadline_epoch) {
		if (!L->warned_deadline++)
			log_msg(LOG_WARN, "runtime_api_bad_meta",
			    "no Lambda-Runtime-Deadline-Ms: using --timeout "
			    "(%d ms)",
			    cfg.timeout_ms);
		return clock_ms() + cfg.timeout_ms;
	}
	remaining = L->inv.deadline_epoch - epoch_ms();
	budget = remaining - cfg.timeout_margin_ms;
	if (budget < 1000)
		budget = 1000;
	if (budget > remaining - 100)
		budget = remaining - 100;
	return clock_ms() + (budget > 0 ? budget : 0);
}

static void
set_context(struct lambda *L, struct request *req)
{
	request_set(&req->request_id, L->inv.id, strlen(L->inv.id));
	request_set(&req->trace_id, L->inv.trace, strlen(L->inv.trace));
	request_set(&req->tenant_id, L->inv.tenant, strlen(L->inv.tenant));
	invocation_context(&L->inv, req);
	req->deadline_ms = request_deadline(L);
}

/* An answer that is an invocation error rather than a response. */
static int
answer_is_error(struct lambda *L, const struct reply *rep)
{
	char msg[128];

	if (rep->from_bridge && rep->status == 504 && !cfg.timeout_504) {
		invocation_error(L, "Function.Timeout",
		    "the app did not answer before the deadline");
		return 1;
	}
	if (rep->status >= 100 && rep->status < 600 &&
	    cfg.error_status[rep->status]) {
		snprintf(msg, sizeof(msg), "the app answered %d", rep->status);
		invocation_error(L, "Function.HttpError", msg);
		return 1;
	}
	return 0;
}

/* --- response streaming (LAMBDA-PLATFORM 1.4) ----------------------------- */

struct lstream {
	struct lambda *L;
	struct rapi_stream rs;
	int open;    /* the streamed POST is under way */
	int refused; /* an error status (BRIDGE_ERROR_STATUSES): body dropped */
};

/* Start the streamed POST and queue the prelude and its 8 NUL bytes. */
static void
stream_open(struct lstream *s, struct reply *rep)
{
	static const char nul[8];
	struct lambda *L = s->L;
	long long left;

	if (cfg.prewarm_headers)
		prewarm_headers(&L->stats, rep);
	snprintf(L->path, sizeof(L->path), "/runtime/invocation/%s/response",
	    L->inv.id);
	/* Lambda ends the invocation at its deadline: the POST is given up
	 * a second after it (with no deadline, after --timeout and that) */
	left = L->inv.deadline_epoch ? L->inv.deadline_epoch - epoch_ms() :
	                               cfg.timeout_ms;
	rapi_stream_start(&L->api, L->path,
	    "application/vnd.awslambda.http-integration-response",
	    (long)(left > 0 ? left : 0) + 1000, &s->rs);
	s->open = 1;
	if (reply_prelude(rep, &L->out) < 0)
		reply_prelude(&(struct reply){ .status = 502 }, &L->out);
	rapi_stream_push(&L->api, L->out.p, L->out.len);
	rapi_stream_push(&L->api, nul, sizeof(nul));
}

static void
stream_head(void *arg, struct reply *rep)
{
	struct lstream *s = arg;

	if (rep->status >= 100 && rep->status < 600 &&
	    cfg.error_status[rep->status])
		s->refused = 1;
	else
		stream_open(s, rep);
}

static int
stream_body(void *arg, const char *p, size_t n)
{
	struct lstream *s = arg;

	if (s->refused)
		return 0;
	return rapi_stream_push(&s->L->api, p, n);
}

static int
stream_full(void *arg)
{
	struct lstream *s = arg;

	return s->open && rapi_stream_full(&s->L->api);
}

/*
 * The app's answer streamed as it comes. What fails before the first byte
 * is reported as usual (an invocation error, or the bridge's error
 * answer, streamed); after it, only in trailers.
 */
static void
serve_streamed(struct lambda *L, struct request *req, struct reply *rep)
{
	struct lstream s = { .L = L };
	struct upstream_stream us = { stream_head, stream_body, stream_full, &s,
		0 };
	const char *type = NULL, *msg = NULL;
	long st;

	if (!req->status) {
		core_serve_stream(&L->core, req, rep, &us);
	}
	if (!s.open) {
		if (answer_is_error(L, rep))
			return;
		stream_open(&s, rep);
		if (strcmp(req->method, "HEAD") != 0)
			rapi_stream_push(&L->api, rep->body.p, rep->body.len);
	} else if (rep->from_bridge) {
		type = rep->status == 504 ? "Function.Timeout" :
		                            "Runtime.StreamError";
		msg = rep->status == 504 ?
		    "the app did not finish its answer before the deadline" :
		    "the app's answer broke off";
		log_msg(LOG_ERROR, "stream_error", "req=%s type=%s %s",
		    req->request_id, type, msg);
	}
	rapi_stream_end(&L->api, type, msg);
	st = rapi_stream_wait(&L->api);
	if (st == 500)
		L->fatal = 1;
	else if (st != 202)
		log_msg(LOG_ERROR, "runtime_api_state",
		    "req=%s streamed response: %s", req->request_id,
		    st < 0 ? L->api.error : "refused");
}

/* Only these front doors stream: a Function URL, a REST API. */
static int
can_stream(const char *what)
{
	return strcmp(what, "function-url") == 0 || strcmp(what, "rest") == 0;
}

static void
serve_http(struct lambda *L, struct request *req, const char *what)
{
	struct lambda_opts lo;
	struct reply rep;
	size_t size = 0;

	set_context(L, req);
	reply_init(&rep, BRIDGE_MAX_APP_BODY);
	if (req->status) {
		log_msg(LOG_INFO, req->kind_log, "req=%s status=%d %s",
		    req->request_id, req->status, req->why);
		reply_error(&rep, req->status, req->why);
	}
	if (cfg.streaming && can_stream(what)) {
		serve_streamed(L, req, &rep);
		reply_release(&rep);
		return;
	}
	if (!req->status)
		core_serve(&L->core, req, &rep);
	if (!answer_is_error(L, &rep)) {
		if (cfg.prewarm_headers)
			prewarm_headers(&L->stats, &rep);
		core_lambda_opts(req, &lo);
		if (reply_to_lambda(&rep, &lo, &L->out, &size))
			log_msg(LOG_ERROR, "response_too_large",
			    "req=%s bytes=%zu limit=%zu", req->request_id, size,
			    lo.max);
		complete(L, "response", NULL, L->out.p, L->out.len);
	}
	reply_release(&rep);
}

/* A non-HTTP event (SQS, SNS, EventBridge, S3...): POSTed as JSON to the
 * events path; the answer's body is the invocation's result. */
static void
serve_other(struct lambda *L, struct request *req, const char *what)
{
	static const char ct[] = "application/json";
	struct reply rep;
	char msg[160];

	if (!*cfg.events_path) {
		snprintf(msg, sizeof(msg), "not an HTTP event (%s)", what);
		invocation_error(L, "Runtime.UnsupportedEvent", msg);
		return;
	}
	request_set(&req->method, "POST", 4);
	request_set(&req->path_raw, cfg.events_path, strlen(cfg.events_path));
	request_set(&req->path_info, cfg.events_path, strlen(cfg.events_path));
	request_set(&req->server_name, "localhost", 9);
	request_set(&req->server_port, "80", 2);
	request_add_header(req, "Host", 4, "localhost", 9);
	request_add_header(req, "Content-Type", 12, ct, sizeof(ct) - 1);
	request_add_header(req, "X-Bridge-Event-Type", 19, what, strlen(what));
	if (buf_add(&req->body, L->inv.event.p, L->inv.event.len) < 0) {
		invocation_error(L, "Runtime.InvalidEvent", "event too large");
		return;
	}
	set_context(L, req);
	reply_init(&rep, BRIDGE_MAX_APP_BODY);
	core_serve(&L->core, req, &rep);
	if (rep.status >= 200 && rep.status < 300) {
		complete(L, "response", NULL, rep.body.p ? rep.body.p : "",
		    rep.body.len);
	} else if (!answer_is_error(L, &rep)) {
		snprintf(msg, sizeof(msg), "the app answered %d to a %s event",
		    rep.status, what);
		invocation_error(L, "Function.EventError", msg);
	}
	reply_release(&rep);
}

/* A warm-up's "fanout": N (2-1000), else 0. */
static unsigned
fanout_of(const struct buf *event)
{
	struct json_object *o = json_tokener_parse(event->p ? event->p : "");
	struct json_object *v;
	long long n = 0;

	if (o && json_object_object_get_ex(o, "fanout", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	        json_object_is_type(v, json_type_string)))
		n = json_object_get_int64(v);
	json_object_put(o);
	return n >= 2 && n <= 1000 ? (unsigned)n : 0;
}

/*
 * A warm-up with "fanout": N warms N instances: this one, kept busy
 * answering it, calls its own function N - 1 times at once with plain
 * warm-ups, which therefore land on others. The calls are signed with
 * the function's own credentials (its role needs lambda:InvokeFunction
 * on itself) and bounded by the invocation's deadline. What they
 * reached goes into the answer as "fanout".
 */
static void
fan_out(struct lambda *L, unsigned n)
{
	struct invoke_target t;
	struct invoke_result *res;
	struct json_object *o;
	struct buf line = BUF_INIT;
	char why[256];
	long long left = L->inv.deadline_epoch ?
	    L->inv.deadline_epoch - epoch_ms() - cfg.timeout_margin_ms :
	    cfg.timeout_ms;

	memset(&t, 0, sizeof(t));
	t.function = getenv("AWS_LAMBDA_FUNCTION_NAME");
	t.qualifier = getenv("AWS_LAMBDA_FUNCTION_VERSION");
	t.endpoint = cfg.endpoint;
	t.payload = "{\"_prewarm\":\"fanout\"}";
	t.timeout_ms = left > 900000 ? 900000 : (int)left;
	buf_init(&line, 1 << 14);
	if (!t.function) {
		buf_printf(&line, "AWS_LAMBDA_FUNCTION_NAME is not set");
	} else if (invoke_check_name(t.function, "function name", why,
	               sizeof(why)) < 0 ||
	    (t.qualifier &&
	        invoke_check_name(t.qualifier, "qualifier", why, sizeof(why)) <
	            0) ||
	    invoke_target_env(&t, why, sizeof(why)) < 0) {
		buf_printf(&line, "%s", why);
	} else if (left < 1000) {
		buf_printf(&line, "no time left before the deadline");
	} else {
		n = invoke_max_calls(n - 1) + 1;
		res = xcalloc(n - 1, sizeof(*res));
		invoke_round(&t, n - 1, res, -1, NULL);
		invoke_summary(res, n - 1, &line);
		free(res);
	}
	log_msg(LOG_INFO, "prewarm_fanout", "req=%s %s", L->inv.id, line.p);
	o = json_tokener_parse(L->out.p);
	if (o) {
		json_object_object_add(o, "fanout",
		    json_object_new_string(line.p));
		buf_reset(&L->out);
		buf_addstr(&L->out,
		    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	buf_release(&line);
}

static void
warm_up(struct lambda *L)
{
	unsigned n = fanout_of(&L->inv.event);

	prewarm_pause(cfg.prewarm_delay_ms);
	prewarm_answer(&L->stats, &L->out);
	if (n)
		fan_out(L, n);
	log_msg(LOG_INFO, "prewarm", "req=%s count=%lu gid=%s", L->inv.id,
	    L->stats.prewarm_count, L->stats.gid);
	complete(L, "response", NULL, L->out.p, L->out.len);
}

/* One invocation, exactly one completion (R62). */
static void
invoke(struct lambda *L)
{
	struct event_info info;
	struct request req;
	enum event_class cls;

	prewarm_call(&L->stats);
	L->t0 = clock_ms();
	L->cap_this = 0;
	if (*L->inv.trace)
		setenv("_X_AMZN_TRACE_ID", L->inv.trace, 1);
	else
		unsetenv("_X_AMZN_TRACE_ID");
	if (L->inv.event.len == 0) {
		invocation_error(L, "Runtime.InvalidEvent",
		    "empty event (R60)");
		return;
	}
	request_init(&req, cfg.max_body);
	cls = event_parse(L->inv.event.p, L->inv.event.len, &L->eopts, &req,
	    &info);
	L->cap_this = cls != EVENT_WARMER && capture_sample(&L->cap);
	switch (cls) {
	case EVENT_HTTP:
		serve_http(L, &req, info.what);
		break;
	case EVENT_WARMER:
		warm_up(L);
		break;
	case EVENT_OTHER:
		serve_other(L, &req, info.what);
		break;
	case EVENT_BAD:
		/* a response, valid for every trigger, never an exit (R27) */
		log_msg(LOG_ERROR, "event_parse_error",
		    "req=%s offset=%zu len=%zu %s", L->inv.id, info.offset,
		    L->inv.event.len, info.why);
		reply_generic_error(400, info.why, &L->out);
		complete(L, "response", NULL, L->out.p, L->out.len);
		break;
	}
	request_release(&req);
}

/* /next, retried on a transient failure with pauses; 0 or -1 (give up). */
static int
next(struct lambda *L)
{
	static const int pause_ms[LAMBDA_NEXT_TRIES] = { 0, 100, 300, 800,
		1500 };
	long st = -1;
	int i;

	for (i = 0; i < LAMBDA_NEXT_TRIES && !L->core.child.stop_sig; i++) {
		if (pause_ms[i])
			loop_once(&L->core.loop, clock_ms() + pause_ms[i]);
		st = rapi_next(&L->api, &L->inv);
		if (st == 200)
			return 0;
		if (L->core.child.stop_sig)
			return -1;
		if (st == 500) {
			L->fatal = 1;
			return -1;
		}
		log_msg(LOG_WARN, "runtime_api_error",
		    "next: %s (try %d of %d)",
		    st < 0 ? L->api.error : "unexpected HTTP status", i + 1,
		    LAMBDA_NEXT_TRIES);
	}
	return -1;
}

/* Init failed: tell Lambda why, with the app's last words (R51, R63). */
static void
init_error(struct lambda *L)
{
	struct buf tail = BUF_INIT;
	const char *type =
	    L->core.fail_type ? L->core.fail_type : "Runtime.InitError";
	long st;

	buf_init(&tail, LINEMUX_TAIL * (BRIDGE_LOG_LINE + 1) + 1);
	linemux_tail(&L->core.child.mux, &tail);
	error_json(type, *log_last_fatal() ? log_last_fatal() : "init failed",
	    &tail, &L->out);
	st = rapi_post(&L->api, "/runtime/init/error", "application/json", type,
	    L->out.p, L->out.len);
	if (st != 202)
		log_msg(LOG_ERROR, "runtime_api_state", "init/error: %s",
		    st < 0 ? L->api.error : "refused");
	buf_release(&tail);
}

static int
lambda_loop(struct lambda *L)
{
	while (!L->core.child.stop_sig && !L->fatal) {
		if (next(L) < 0)
			break;
		if (L->inv.bad_id) {
			/* no completion is possible: the id cannot be used */
			log_msg(LOG_ERROR, "runtime_api_bad_meta",
			    "missing or malformed request id: event skipped");
			continue;
		}
		invoke(L);
	}
	if (L->core.child.stop_sig) {
		log_msg(LOG_INFO, "shutdown", "signal=%d",
		    L->core.child.stop_sig);
		return 0;
	}
	log_fatal(L->fatal ? "the Runtime API reported an unrecoverable "
	                     "error (500)" :
	                     "the Runtime API is unreachable: %s",
	    L->api.error);
	return EXIT_SYSTEM;
}

/*
 * The Runtime API client, set up once: while the app boots
 * (core_start_booting), so that loading libcurl and its libraries (3 ms) runs
 * beside the app's boot instead of after it; or, when no app was
 * spawned, when it is first needed.
 */
static int
api_init(void *arg)
{
	struct lambda *L = arg;

	if (L->api_state == 0)
		L->api_state = rapi_init(&L->api, &L->core.loop,
		                   getenv("AWS_LAMBDA_RUNTIME_API"),
		                   &L->core.child.stop_sig) == 0 ?
		    1 :
		    -1;
	return L->api_state > 0 ? 0 : -1;
}

/* More than one concurrent invocation (Managed Instances) is refused at
 * init rather than half served (R68). */
static int
concurrency_ok(void)
{
	const char *v = getenv("AWS_LAMBDA_MAX_CONCURRENCY");

	if (!v || strcmp(v, "1") == 0 || !*v)
		return 1;
	log_fatal("AWS_LAMBDA_MAX_CONCURRENCY=%s: this runtime serves one "
	          "invocation at a time",
	    v);
	return 0;
}

int
mode_lambda(void)
{
	struct lambda L;
	int code, started;

	memset(&L, 0, sizeof(L));
	log_init(1, (enum log_level)cfg.log_level); /* CloudWatch reads it */
	prewarm_init(&L.stats);
	invocation_init(&L.inv);
	buf_init(&L.out, 4 * BRIDGE_MAX_APP_BODY);
	L.eopts.base_path = cfg.base_path;
	L.eopts.prewarm_key = cfg.prewarm_key;
	L.eopts.tok = event_tokener();
	capture_init(&L.cap, "lambda");
	code = EXIT_SYSTEM;
	/* refused before anything is staged or started */
	if (concurrency_ok()) {
		started = core_start_booting(&L.core, api_init, &L);
	} else {
		core_init(&L.core); /* for core_stop; the refusal is fatal */
		started = -1;
	}
	api_init(&L);
	if (started < 0) {
		if (!L.core.fail_type)
			L.core.fail_type = "Runtime.ConfigInvalid";
		if (L.api_state > 0)
			init_error(&L);
	} else if (L.api_state > 0) {
		L.stats.ready_mono = clock_ms();
		code = lambda_loop(&L);
	}
	rapi_release(&L.api);
	json_tokener_free(L.eopts.tok);
	if (core_stop(&L.core) && code == 0)
		code = EXIT_SYSTEM;
	invocation_release(&L.inv);
	capture_release(&L.cap);
	buf_release(&L.out);
	return code;
}
