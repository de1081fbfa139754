/*
 * invoke - concurrent, signed Invoke calls (libcurl multi).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "invoke.h"
#include "sig.h"

/* The largest answer kept: a warm-up answer is about 150 bytes. */
#define INVOKE_MAX_ANSWER 65536
/* Where AL2023 keeps its CA bundle, when libcurl's built-in one is not
 * there (a Debian build run in Lambda). */
#define INVOKE_CA_AL2023  "/etc/pki/tls/certs/ca-bundle.crt"

struct call {
	CURL *easy;
	struct buf body;
	struct invoke_result *res;
	int done;
};

static const char *
env_or(const char *a, const char *b)
{
	const char *v = getenv(a);

	if ((!v || !*v) && b)
		v = getenv(b);
	return v && *v ? v : NULL;
}

int
invoke_target_env(struct invoke_target *t, char *why, size_t size)
{
	if (!t->key_id)
		t->key_id = env_or("AWS_ACCESS_KEY_ID", NULL);
	if (!t->secret)
		t->secret = env_or("AWS_SECRET_ACCESS_KEY", NULL);
	if (!t->token)
		t->token = env_or("AWS_SESSION_TOKEN", NULL);
	if (!t->region)
		t->region = env_or("AWS_REGION", "AWS_DEFAULT_REGION");
	if (!t->key_id || !t->secret) {
		snprintf(why, size,
		    "invoking needs AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with "
		    "temporary credentials)");
		return -1;
	}
	if (!t->region ||
	    strspn(t->region,
	        "abcdefghijklmnopqrstuvwxyz0123"
	        "456789-") != strlen(t->region)) {
		snprintf(why, size,
		    "invoking needs a region: AWS_REGION, AWS_DEFAULT_REGION "
		    "or --region");
		return -1;
	}
	return 0;
}

int
invoke_check_name(const char *name, const char *what, char *why, size_t size)
{
	size_t n = strlen(name);

	/* $LATEST is sent as %24LATEST; nothing else needs escaping, and
	 * libcurl's signer mishandles what would (ARNs, "name:alias") */
	if (strcmp(name, "$LATEST") == 0 && strcmp(what, "qualifier") == 0)
		return 0;
	if (n == 0 || n > 64 ||
	    strspn(name,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789_-") != n) {
		snprintf(why, size,
		    "invalid %s: %.80s (a plain name of letters, digits, _ "
		    "and -; give an alias with --qualifier)",
		    what, name);
		return -1;
	}
	return 0;
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct call *c = arg;
	size_t n = size * nmemb, room = c->body.max - c->body.len;

	/* past the cap the rest is dropped: only the start is looked at */
	buf_add(&c->body, p, n < room ? n : room);
	return n;
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct call *c = arg;
	size_t n = size * nmemb;

	if (n > 21 && strncasecmp(p, "X-Amz-Function-Error:", 21) == 0)
		c->res->function_error = 1;
	return n;
}

/* The message of an error answer ({"errorMessage"}, {"message"}), else
 * its text. */
static const char *
message_of(struct json_object *o, const char *text)
{
	static const char *const keys[] = { "errorMessage", "message",
		"Message" };
	struct json_object *m;
	size_t i;

	for (i = 0; o && i < sizeof(keys) / sizeof(*keys); i++)
		if (json_object_object_get_ex(o, keys[i], &m) &&
		    json_object_is_type(m, json_type_string))
			return json_object_get_string(m);
	return text;
}

/* The first line of an error answer, for the report: printable ASCII
 * only (it is someone else's text on a terminal). */
static void
error_reason(struct call *c)
{
	struct json_object *o = json_tokener_parse(c->body.p ? c->body.p : "");
	const char *s = message_of(o, c->body.p ? c->body.p : "");
	size_t n = strcspn(s, "\r\n"), i, at;

	if (c->res->function_error)
		at = (size_t)snprintf(c->res->why, sizeof(c->res->why),
		    "function error%s", n ? ": " : "");
	else
		at = (size_t)snprintf(c->res->why, sizeof(c->res->why),
		    "HTTP %ld: ", c->res->status);
	for (i = 0; i < n && i < 150 && at + 1 < sizeof(c->res->why); i++)
		c->res->why[at++] =
		    (char)(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	c->res->why[at] = '\0';
	json_object_put(o);
}

/* A bridge's warm-up answer: {"prewarmed":true,"gid":...,"call_count":N} */
static void
read_answer(struct call *c)
{
	struct json_object *o = json_tokener_parse(c->body.p ? c->body.p : "");
	struct json_object *v;
	const char *gid;

	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	if (!json_object_object_get_ex(o, "prewarmed", &v) ||
	    !json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v) ||
	    !json_object_object_get_ex(o, "gid", &v) ||
	    !(gid = json_object_get_string(v)) || strlen(gid) != 8)
		goto out;
	c->res->bridge = 1;
	memcpy(c->res->gid, gid, 9);
	c->res->cold = json_object_object_get_ex(o, "call_count", &v) &&
	    json_object_get_int64(v) == 1;
out:
	json_object_put(o);
}

static void
setup(struct call *c, const struct invoke_target *t, const char *url,
    const char *sigv4, const char *userpwd, struct curl_slist *hdrs)
{
	c->easy = curl_easy_init();
	if (!c->easy)
		return;
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(c->easy, CURLOPT_USERPWD, userpwd);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, t->payload);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE,
	    (long)strlen(t->payload));
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)t->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "bridge/" BRIDGE_VERSION);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	if (access(INVOKE_CA_AL2023, R_OK) == 0 &&
	    access("/etc/ssl/certs/ca-certificates.crt", R_OK) != 0)
		curl_easy_setopt(c->easy, CURLOPT_CAINFO, INVOKE_CA_AL2023);
}

static void
finished(struct call *c, CURLcode rc, long long t0)
{
	c->done = 1;
	c->res->ms = clock_ms() - t0;
	if (rc != CURLE_OK) {
		snprintf(c->res->why, sizeof(c->res->why), "%s",
		    curl_easy_strerror(rc));
		return;
	}
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->res->status);
	if (c->res->status != 200 || c->res->function_error)
		error_reason(c);
	else
		read_answer(c);
}

/* The calls libcurl has finished. */
static void
collect(CURLM *m, long long t0)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		struct call *c = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&c);
		if (c && !c->done)
			finished(c, msg->data.result, t0);
	}
}

unsigned
invoke_max_calls(unsigned n)
{
	unsigned long limit = fd_raise_limit(3 * (unsigned long)n + 64);

	return limit < 3 * (unsigned long)n + 64 ?
	    (unsigned)(limit > 67 ? (limit - 64) / 3 : 1) :
	    n;
}

/* Signals pending on the signalfd: 1 when one asks to stop (a child's
 * end does not). */
static int
stop_signal(int fd)
{
	int s, stop = 0;

	while ((s = sig_next(fd)) > 0)
		stop |= s != SIGCHLD;
	return stop;
}

unsigned
invoke_round(const struct invoke_target *t, unsigned n,
    struct invoke_result *res, int stop_fd, int *stopped)
{
	struct call *calls = xcalloc(n ? n : 1, sizeof(*calls));
	struct curl_slist *hdrs = NULL;
	struct curl_waitfd stop = { stop_fd, CURL_WAIT_POLLIN, 0 };
	char base[512], url[1024], sigv4[128], *userpwd, *tok = NULL;
	CURLM *m = curl_multi_init();
	long long t0 = clock_ms();
	unsigned i, failed = 0;
	int running = 0;

	if (t->endpoint)
		snprintf(base, sizeof(base), "%s", t->endpoint);
	else
		snprintf(base, sizeof(base), "https://lambda.%s.amazonaws.com",
		    t->region);
	snprintf(url, sizeof(url), "%s/2015-03-31/functions/%s/invocations%s%s",
	    base, t->function, t->qualifier ? "?Qualifier=" : "",
	    !t->qualifier                            ? "" :
	        strcmp(t->qualifier, "$LATEST") == 0 ? "%24LATEST" :
	                                               t->qualifier);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:lambda", t->region);
	userpwd = xmalloc(strlen(t->key_id) + strlen(t->secret) + 2);
	sprintf(userpwd, "%s:%s", t->key_id, t->secret);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs =
	    curl_slist_append(hdrs, "X-Amz-Invocation-Type: RequestResponse");
	if (t->token) {
		tok = xmalloc(strlen(t->token) + 23);
		sprintf(tok, "X-Amz-Security-Token: %s", t->token);
		hdrs = curl_slist_append(hdrs, tok);
	}
	for (i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		calls[i].res = &res[i];
		buf_init(&calls[i].body, INVOKE_MAX_ANSWER);
		setup(&calls[i], t, url, sigv4, userpwd, hdrs);
		if (!m || !calls[i].easy ||
		    curl_multi_add_handle(m, calls[i].easy) != CURLM_OK) {
			snprintf(res[i].why, sizeof(res[i].why),
			    "unable to start a call");
			calls[i].done = 1;
		}
	}
	/* every call goes out before any answer is read: they overlap */
	while (m && curl_multi_perform(m, &running) == CURLM_OK && running) {
		int nfd = 0;

		if (curl_multi_poll(m, stop_fd >= 0 ? &stop : NULL,
		        stop_fd >= 0 ? 1 : 0, 1000, &nfd) != CURLM_OK)
			break;
		if (stop_fd >= 0 && stop.revents && stop_signal(stop_fd)) {
			if (stopped)
				*stopped = 1;
			break;
		}
		collect(m, t0);
	}
	if (m)
		collect(m, t0);
	for (i = 0; i < n; i++) {
		if (!calls[i].done) {
			res[i].ms = clock_ms() - t0;
			snprintf(res[i].why, sizeof(res[i].why),
			    "stopped before the answer");
		}
		if (res[i].status != 200 || res[i].function_error)
			failed++;
		if (calls[i].easy) {
			if (m)
				curl_multi_remove_handle(m, calls[i].easy);
			curl_easy_cleanup(calls[i].easy);
		}
		buf_release(&calls[i].body);
	}
	if (m)
		curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	free(tok);
	free(userpwd);
	free(calls);
	return failed;
}

static int
by_ms(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

void
invoke_summary(const struct invoke_result *res, unsigned n, struct buf *out)
{
	long long *ms = xcalloc(n ? n : 1, sizeof(*ms));
	unsigned i, j, ok = 0, cold = 0, inst = 0, other = 0, shown = 0;

	for (i = 0; i < n; i++) {
		ms[i] = res[i].ms;
		if (res[i].status != 200 || res[i].function_error)
			continue;
		ok++;
		if (!res[i].bridge) {
			other++;
			continue;
		}
		cold += (unsigned)res[i].cold;
		for (j = 0; j < i; j++)
			if (res[j].bridge &&
			    strcmp(res[j].gid, res[i].gid) == 0)
				break;
		inst += j == i;
	}
	qsort(ms, n, sizeof(*ms), by_ms);
	buf_printf(out, "%u call%s, %u ok, %u instance%s (%u cold)", n,
	    n == 1 ? "" : "s", ok, inst, inst == 1 ? "" : "s", cold);
	if (other)
		buf_printf(out, ", %u not from a bridge", other);
	if (n)
		buf_printf(out,
		    ", latency min %lld / median %lld / max %lld ms", ms[0],
		    ms[(n - 1) / 2], ms[n - 1]);
	for (i = 0; i < n && shown < 3; i++) {
		if (res[i].status == 200 && !res[i].function_error)
			continue;
		for (j = 0; j < i; j++)
			if ((res[j].status != 200 || res[j].function_error) &&
			    strcmp(res[j].why, res[i].why) == 0)
				break;
		if (j < i)
			continue;
		for (j = i, ok = 0; j < n; j++)
			ok += (res[j].status != 200 || res[j].function_error) &&
			    strcmp(res[j].why, res[i].why) == 0;
		buf_printf(out, "; %u failed: %s", ok, res[i].why);
		shown++;
	}
	free(ms);
}
