/*
 * rapi - Runtime API client: libcurl multi driven by the bridge's loop.
 * Two easy handles share the one kept-alive connection: /next's is set up
 * once (the same GET for every invocation), the POSTs' for each POST.
 * Response bodies are capped (the event at BRIDGE_MAX_EVENT).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../sockets/io.h"
#include "b64.h"
#include "bridge.h"
#include "curl_load.h"
#include "log.h"
#include "rapi.h"

/* A POST's answer is a small JSON status; more is not kept. */
#define RAPI_MAX_ANSWER         (64 * 1024)
/* The Runtime API answers a completion at once; this only bounds a
 * wedged one (the /next poll itself has no limit). */
#define RAPI_POST_TIMEOUT_MS    30000
#define RAPI_CONNECT_TIMEOUT_MS 1000

void
invocation_init(struct invocation *inv)
{
	memset(inv, 0, sizeof(*inv));
	buf_init(&inv->event, BRIDGE_MAX_EVENT + 1);
}

void
invocation_release(struct invocation *inv)
{
	buf_release(&inv->event);
}

int
rapi_id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		        (id[i] >= 'A' && id[i] <= 'Z') ||
		        (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return 0;
	return 1;
}

/* --- libcurl in our loop ----------------------------------------------- */

static void
check_done(struct rapi *a)
{
	CURLMsg *msg;
	int left;

	for (;;) {
		msg = curl_multi_info_read(a->multi, &left);
		if (!msg)
			break;
		if (msg->msg == CURLMSG_DONE) {
			a->done = 1;
			a->result = msg->data.result;
		}
	}
}

static void
on_socket(void *arg, int fd, int revents)
{
	struct rapi *a = arg;
	int flags = 0, running;

	if (revents & POLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(a->multi, fd, flags, &running);
	check_done(a);
}

static void
on_timer(void *arg)
{
	struct rapi *a = arg;
	int running;

	a->timer = 0;
	curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(a);
}

static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct rapi *a = userp;
	short ev = 0;

	(void)e;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_del(a->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= POLLIN;
	if (what & CURL_POLL_OUT)
		ev |= POLLOUT;
	loop_add(a->loop, s, ev, on_socket, a);
	return 0;
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct rapi *a = userp;

	(void)m;
	if (a->timer)
		loop_timer_cancel(a->loop, a->timer);
	a->timer = 0;
	if (timeout_ms >= 0)
		a->timer =
		    loop_timer(a->loop, clock_ms() + timeout_ms, on_timer, a);
	return 0;
}

/*
 * Start the transfer just added now, instead of in the next pass of the
 * loop through the 0 ms timer curl asks for: that pass costs a poll of
 * every descriptor before curl's first byte (two per invocation).
 */
static void
kick(struct rapi *a)
{
	if (a->timer)
		loop_timer_cancel(a->loop, a->timer);
	on_timer(a);
}

/* Run the loop until the transfer under way is over or stopped. */
static void
run_transfer(struct rapi *a)
{
	while (!a->done) {
		if (a->stop && *a->stop) {
			snprintf(a->error, sizeof(a->error), "stopped");
			a->result = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (loop_once(a->loop, -1) < 0)
			break;
	}
	curl_multi_remove_handle(a->multi, a->cur);
	a->busy = 0;
}

/* Run transfer e in the loop until it is over or stopped. */
static long
perform(struct rapi *a, CURL *e)
{
	a->done = 0;
	a->status = 0;
	a->error[0] = '\0';
	a->busy = 1;
	a->cur = e;
	curl_multi_add_handle(a->multi, e);
	kick(a);
	run_transfer(a);
	if (a->done && a->result == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->status);
		return a->status;
	}
	if (!a->error[0])
		snprintf(a->error, sizeof(a->error), "%s",
		    curl_easy_strerror(a->result));
	return -1;
}

/* --- answers ------------------------------------------------------------- */

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct rapi *a = userp;
	size_t n = size * nmemb;

	if (!a->body)
		return n;
	if (buf_add(a->body, p, n) < 0)
		return 0; /* over the cap: the transfer fails */
	return n;
}

/* Copy a header's value (trimmed) into out when name matches. */
static void
take(const char *line, size_t n, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name), i;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	n -= nl + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n &&
	    (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' ' ||
	        line[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && i + 1 < size; i++)
		out[i] = line[i];
	out[i] = '\0';
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct rapi *a = userp;
	struct invocation *inv = a->inv;
	size_t n = size * nmemb;
	char deadline[32] = "";

	if (!inv)
		return n;
	take(p, n, "Lambda-Runtime-Aws-Request-Id", inv->id, sizeof(inv->id));
	take(p, n, "Lambda-Runtime-Invoked-Function-Arn", inv->arn,
	    sizeof(inv->arn));
	take(p, n, "Lambda-Runtime-Trace-Id", inv->trace, sizeof(inv->trace));
	take(p, n, "Lambda-Runtime-Client-Context", inv->client_context,
	    sizeof(inv->client_context));
	take(p, n, "Lambda-Runtime-Cognito-Identity", inv->cognito,
	    sizeof(inv->cognito));
	take(p, n, "Lambda-Runtime-Aws-Tenant-Id", inv->tenant,
	    sizeof(inv->tenant));
	take(p, n, "Lambda-Runtime-Deadline-Ms", deadline, sizeof(deadline));
	if (*deadline) {
		char *end;
		long long v = strtoll(deadline, &end, 10);

		inv->deadline_epoch = *end == '\0' && v > 0 ? v : 0;
	}
	return n;
}

/* What every transfer on e has: set once on a fresh or reset handle. */
static void
common_options(struct rapi *a, CURL *e)
{
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)RAPI_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "bridge/" BRIDGE_VERSION);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->error);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
}

/* The API's version, before every path. */
#define RAPI_VERSION "/2018-06-01"

/* The POST handle's URL: the API with path (which rapi_id_ok and our own
 * paths keep to URL-safe bytes, so only memory can be short). */
static void
set_post_path(struct rapi *a, const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), RAPI_VERSION "%s", path);
	if (curl_url_set(a->post_url, CURLUPART_PATH, full, 0) != CURLUE_OK) {
		log_fatal("out of memory setting a Runtime API path");
		abort(); /* as for every allocation */
	}
	curl_easy_setopt(a->easy, CURLOPT_CURLU, a->post_url);
}

/* The POST handle, set up for a POST to path with headers hdrs. */
static CURL *
post_handle(struct rapi *a, const char *path, struct curl_slist *hdrs)
{
	if (a->reset) {
		curl_easy_reset(a->easy);
		common_options(a, a->easy);
		curl_easy_setopt(a->easy, CURLOPT_POST, 1L);
		a->reset = 0;
	}
	set_post_path(a, path);
	curl_easy_setopt(a->easy, CURLOPT_HTTPHEADER, hdrs);
	return a->easy;
}

int
rapi_init(struct rapi *a, struct loop *l, const char *api, const int *stop)
{
	char url[512];

	memset(a, 0, sizeof(*a));
	a->loop = l;
	a->stop = stop;
	if (!api || !*api || strlen(api) > 256) {
		log_fatal("AWS_LAMBDA_RUNTIME_API is not set or too long");
		return -1;
	}
	if (curl_start() < 0)
		return -1;
	a->multi = curl_multi_init();
	a->next = curl_easy_init();
	a->easy = curl_easy_init();
	a->next_url = curl_url();
	a->post_url = curl_url();
	if (!a->multi || !a->next || !a->easy || !a->next_url || !a->post_url) {
		log_fatal("unable to initialise libcurl");
		return -1;
	}
	snprintf(url, sizeof(url),
	    "http://%s" RAPI_VERSION "/runtime/invocation/next", api);
	if (curl_url_set(a->next_url, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_set(a->post_url, CURLUPART_URL, url, 0) != CURLUE_OK) {
		log_fatal("AWS_LAMBDA_RUNTIME_API is not a host:port: %s", api);
		return -1;
	}
	common_options(a, a->next);
	curl_easy_setopt(a->next, CURLOPT_CURLU, a->next_url);
	curl_easy_setopt(a->next, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(a->next, CURLOPT_HEADERDATA, a);
	/* no timeout: the environment may freeze here for a long time */
	curl_easy_setopt(a->next, CURLOPT_TIMEOUT_MS, 0L);
	a->reset = 1;
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	return 0;
}

void
rapi_release(struct rapi *a)
{
	if (a->timer)
		loop_timer_cancel(a->loop, a->timer);
	a->timer = 0;
	if (a->next)
		curl_easy_cleanup(a->next);
	if (a->easy)
		curl_easy_cleanup(a->easy);
	if (a->multi)
		curl_multi_cleanup(a->multi);
	if (a->next_url)
		curl_url_cleanup(a->next_url);
	if (a->post_url)
		curl_url_cleanup(a->post_url);
	a->next = a->easy = a->cur = NULL;
	a->next_url = a->post_url = NULL;
	a->multi = NULL;
	curl_global_cleanup();
}

long
rapi_next(struct rapi *a, struct invocation *inv)
{
	long st;

	inv->id[0] = inv->arn[0] = inv->trace[0] = '\0';
	inv->client_context[0] = inv->cognito[0] = inv->tenant[0] = '\0';
	inv->deadline_epoch = 0;
	inv->bad_id = 0;
	buf_reset(&inv->event);
	a->body = &inv->event;
	a->inv = inv;
	st = perform(a, a->next);
	a->body = NULL;
	a->inv = NULL;
	inv->bad_id = !rapi_id_ok(inv->id);
	return st;
}

long
rapi_post(struct rapi *a, const char *path, const char *content_type,
    const char *error_type, const char *body, size_t n)
{
	struct curl_slist *h = NULL;
	struct buf answer = BUF_INIT, line = BUF_INIT;
	CURL *e;
	long st;

	buf_init(&line, 512);
	h = curl_slist_append(h, "Expect:");
	buf_printf(&line, "Content-Type: %s", content_type);
	h = curl_slist_append(h, line.p);
	if (error_type) {
		buf_reset(&line);
		buf_printf(&line, "Lambda-Runtime-Function-Error-Type: %s",
		    error_type);
		h = curl_slist_append(h, line.p);
	}
	e = post_handle(a, path, h);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)RAPI_POST_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	buf_init(&answer, RAPI_MAX_ANSWER);
	a->body = &answer;
	st = perform(a, e);
	a->body = NULL;
	if (st >= 300)
		log_msg(LOG_WARN, "runtime_api_answer",
		    "status=%ld path=%s %.*s", st, path,
		    (int)(answer.len < 200 ? answer.len : 200),
		    answer.p ? answer.p : "");
	buf_release(&answer);
	buf_release(&line);
	curl_slist_free_all(h);
	return st;
}

/* --- streamed responses -------------------------------------------------- */

static size_t
read_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct rapi *a = userp;
	struct rapi_stream *s = a->stream;
	size_t n = size * nmemb;

	if (s->pending.len == 0) {
		if (s->ended)
			return 0;
		s->paused = 1;
		return CURL_READFUNC_PAUSE;
	}
	if (n > s->pending.len)
		n = s->pending.len;
	memcpy(p, s->pending.p, n);
	buf_consume(&s->pending, n);
	return n;
}

/* An error after the first byte goes in trailers (LAMBDA-PLATFORM 1.4). */
static int
trailer_cb(struct curl_slist **list, void *userp)
{
	struct rapi *a = userp;
	struct rapi_stream *s = a->stream;
	struct json_object *o;
	struct buf line = BUF_INIT;
	const char *js;
	size_t n;

	if (!s->error_type)
		return CURL_TRAILERFUNC_OK;
	o = json_object_new_object();
	json_object_object_add(o, "errorType",
	    json_object_new_string(s->error_type));
	json_object_object_add(o, "errorMessage",
	    json_object_new_string(s->error_message ? s->error_message : ""));
	js = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	buf_init(&line, 16384);
	buf_printf(&line, "Lambda-Runtime-Function-Error-Type: %s",
	    s->error_type);
	*list = curl_slist_append(*list, line.p);
	buf_reset(&line);
	buf_addstr(&line, "Lambda-Runtime-Function-Error-Body: ");
	b64_encode(js, n, &line);
	*list = curl_slist_append(*list, line.p);
	buf_release(&line);
	json_object_put(o);
	return CURL_TRAILERFUNC_OK;
}

int
rapi_stream_start(struct rapi *a, const char *path, const char *content_type,
    long timeout_ms, struct rapi_stream *s)
{
	struct buf line = BUF_INIT;
	struct curl_slist *h = NULL;
	CURL *e;

	buf_init(&line, 512);
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "Transfer-Encoding: chunked");
	h = curl_slist_append(h,
	    "Lambda-Runtime-Function-Response-Mode: streaming");
	h = curl_slist_append(h,
	    "Trailer: Lambda-Runtime-Function-Error-Type, "
	    "Lambda-Runtime-Function-Error-Body");
	buf_printf(&line, "Content-Type: %s", content_type);
	h = curl_slist_append(h, line.p);
	buf_release(&line);
	/* a stream wants a handle without a POST's fields, and leaves its
	 * own (a read callback, trailers) for no later POST to inherit */
	a->reset = 1;
	e = post_handle(a, path, h);
	a->reset = 1;
	memset(s, 0, sizeof(*s));
	/* room for what is queued at the mark plus one read from the app */
	buf_init(&s->pending, 2 * RAPI_STREAM_HIGH + BRIDGE_MAX_APP_HEAD);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, a);
	curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, trailer_cb);
	curl_easy_setopt(e, CURLOPT_TRAILERDATA, a);
	/* Lambda wants the connection closed after a streamed response */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	a->stream = s;
	a->body = NULL;
	a->done = 0;
	a->status = 0;
	a->error[0] = '\0';
	a->busy = 1;
	a->cur = e;
	a->stream_headers = h;
	curl_multi_add_handle(a->multi, e);
	return 0;
}

int
rapi_stream_push(struct rapi *a, const char *p, size_t n)
{
	struct rapi_stream *s = a->stream;

	if (a->done) {
		/* the transfer is over (refused, or the connection went):
		 * rapi_stream_wait says so; the bytes have nowhere to go */
		buf_reset(&s->pending);
		return 0;
	}
	if (n && buf_add(&s->pending, p, n) < 0)
		return -1;
	if (s->paused) {
		s->paused = 0;
		curl_easy_pause(a->easy, CURLPAUSE_CONT);
	}
	return 0;
}

int
rapi_stream_full(const struct rapi *a)
{
	return a->stream && !a->done &&
	    a->stream->pending.len >= RAPI_STREAM_HIGH;
}

void
rapi_stream_end(struct rapi *a, const char *error_type,
    const char *error_message)
{
	struct rapi_stream *s = a->stream;

	s->ended = 1;
	s->error_type = error_type;
	s->error_message = error_message;
	if (s->paused) {
		s->paused = 0;
		curl_easy_pause(a->easy, CURLPAUSE_CONT);
	}
}

long
rapi_stream_wait(struct rapi *a)
{
	run_transfer(a);
	curl_slist_free_all(a->stream_headers);
	a->stream_headers = NULL;
	buf_release(&a->stream->pending);
	a->stream = NULL;
	if (a->done && a->result == CURLE_OK)
		curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &a->status);
	else
		a->status = -1;
	/*
	 * A fresh handle for what follows: libcurl 7.88 keeps state from a
	 * paused chunked upload in the handle (curl_easy_reset does not
	 * clear it) and the next chunked upload writes outside its buffer.
	 * The connection is closed after a streamed response anyway.
	 */
	curl_easy_cleanup(a->easy);
	a->easy = curl_easy_init();
	if (!a->easy) { /* out of memory: as for every allocation */
		log_fatal("unable to initialise libcurl");
		abort();
	}
	a->reset = 1;
	if (a->status >= 0)
		return a->status;
	if (!a->error[0])
		snprintf(a->error, sizeof(a->error), "%s",
		    curl_easy_strerror(a->result));
	return -1;
}
