/*
 * replay_diff - `bridge replay --diff CAPTURE...`: every captured event is
 * replayed against the app (--concurrency at once, in input order in the
 * report) and its new response compared with the captured one (compare.c).
 * Prints a summary by route, then a unified diff per changed response;
 * --json for machines. Exit status: 0 nothing changed, 1 something did, 2
 * an event could not be replayed.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "../sockets/io.h"
#include "bridge.h"
#include "capture.h"
#include "compare.h"
#include "config.h"
#include "core.h"
#include "event.h"
#include "log.h"
#include "replay_diff.h"

struct item {
	struct json_object *rec; /* the capture */
	char *route;             /* "GET /orders/7" */
	char *group;             /* "GET /orders/:id" */
	int what;                /* COMPARE_* */
	int skipped;             /* not an HTTP event: not compared */
	char *why;               /* could not be replayed: why */
	char *diff;
};

struct slot {
	struct rdiff *d;
	struct item *it;
	struct request req;
	struct reply rep;
	struct core_call k;
	int busy;
};

struct rdiff {
	struct core *core;
	struct event_opts *eo;
	struct compare_opts co;
	char **ignore; /* the ignored paths, split */
	size_t nignore;
	char **hdrs, **secrets; /* the ignored and the redacted headers */
	size_t nhdrs, nsecrets;
	struct item *items;
	size_t n, cap, done;
	unsigned long skipped;    /* lines that held no capture */
	unsigned long unreadable; /* inputs that could not be read */
	regex_t filter;
	int filtering;
	long long t0, shown;
};

/* --- the captures --------------------------------------------------------
 */

/* "GET /orders/7" -> "GET /orders/:id": numbers and ids alike. */
static char *
group_of(const char *route)
{
	struct buf g = BUF_INIT;
	const char *p = route, *seg;
	size_t n, digits, i;
	char *out;

	buf_init(&g, strlen(route) + 64);
	while (*p) {
		if (*p != '/') {
			buf_addch(&g, *p++);
			continue;
		}
		buf_addch(&g, *p++);
		seg = p;
		n = strcspn(seg, "/?");
		for (i = 0, digits = 0; i < n; i++)
			digits += seg[i] >= '0' && seg[i] <= '9';
		/* 42, 9f8e7d6c-..., 5f3a9c2e1b7d: an id */
		if (n &&
		    (digits == n ||
		        (n >= 8 && digits &&
		            strspn(seg, "0123456789abcdefABCDEF-") >= n))) {
			buf_addstr(&g, ":id");
			p += n;
		}
	}
	out = xstrdup(g.p ? g.p : route);
	buf_release(&g);
	return out;
}

static void
add_item(struct rdiff *d, struct json_object *rec)
{
	struct buf route = BUF_INIT;
	struct json_object *ev;
	struct item *it;

	if (cfg.limit && d->n >= cfg.limit) {
		json_object_put(rec);
		return;
	}
	buf_init(&route, 16384);
	ev = NULL;
	json_object_object_get_ex(rec, "event", &ev);
	capture_route(ev, &route);
	if (d->filtering &&
	    regexec(&d->filter, route.p ? route.p : "", 0, NULL, 0) != 0) {
		json_object_put(rec);
		buf_release(&route);
		return;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	it = &d->items[d->n++];
	memset(it, 0, sizeof(*it));
	it->rec = rec;
	it->route = xstrdup(route.p ? route.p : "-");
	it->group = group_of(it->route);
	buf_release(&route);
}

/* Every line of a file: a capture, a log line carrying one, or noise. */
static void
load_fd(struct rdiff *d, int fd)
{
	FILE *f = fdopen(fd, "r");
	char *line = NULL;
	size_t size = 0;
	ssize_t n;
	struct json_object *rec;

	if (!f)
		return;
	while ((n = getline(&line, &size, f)) > 0) {
		rec = capture_parse_line(line, (size_t)n);
		if (rec)
			add_item(d, rec);
		else if (strspn(line, " \t\r\n") < (size_t)n)
			d->skipped++;
	}
	free(line);
	fclose(f);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load(struct rdiff *d, const char *arg)
{
	struct stat sb;
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i;
	DIR *dir;
	int fd;

	if (strcmp(arg, "-") == 0) {
		load_fd(d, dup(0));
		return;
	}
	if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		dir = opendir(arg);
		while (dir && (de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
		if (dir)
			closedir(dir);
		if (n)
			qsort(names, n, sizeof(*names), by_name);
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", arg, names[i]);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
				load(d, path);
			free(names[i]);
		}
		free(names);
		return;
	}
	fd = open(arg, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_msg(LOG_ERROR, "replay_bad_file", "file=%s: %s", arg,
		    strerror(errno));
		d->unreadable++;
		return;
	}
	load_fd(d, fd);
}

/* --- replaying ------------------------------------------------------------
 */

static void
fail(struct item *it, const char *why)
{
	free(it->why);
	it->why = xstrdup(why);
}

/* The new answer is in; compare it with the captured one. */
static void
finish(struct slot *s)
{
	struct rdiff *d = s->d;
	struct item *it = s->it;
	struct lambda_opts lo;
	struct json_object *old = NULL, *new, *mode;
	const char *m;
	struct buf out = BUF_INIT, diff = BUF_INIT;
	size_t size = 0;

	buf_init(&out, 4 * BRIDGE_MAX_APP_BODY + 65536);
	core_lambda_opts(&s->req, &lo);
	lo.max = 4 * BRIDGE_MAX_APP_BODY; /* compare it whole */
	/* the FastCGI and CGI front ends recorded their answers uncompressed */
	m = json_object_object_get_ex(it->rec, "mode", &mode) ?
	    json_object_get_string(mode) :
	    NULL;
	if (m && (strcmp(m, "fcgi") == 0 || strcmp(m, "cgi") == 0))
		lo.compress = 0;
	reply_to_lambda(&s->rep, &lo, &out, &size);
	new = json_tokener_parse(out.p ? out.p : "");
	json_object_object_get_ex(it->rec, "response", &old);
	if (!new || !old) {
		fail(it,
		    !old ? "the capture has no response" :
		           "the new response is not JSON");
	} else if (s->rep.from_bridge && s->rep.status >= 500) {
		/* the app did not answer: nothing to compare */
		fail(it,
		    s->rep.status == 504 ?
		        "the app did not answer in time (504)" :
		        "the app could not be reached (502/503)");
	} else {
		buf_init(&diff, 16 * BRIDGE_MAX_APP_BODY);
		it->what = compare_responses(old, new, &d->co, &diff);
		if (it->what && diff.p)
			it->diff = xstrdup(diff.p);
	}
	json_object_put(new);
	buf_release(&out);
	buf_release(&diff);
	request_release(&s->req);
	reply_release(&s->rep);
	s->busy = 0;
	s->it = NULL;
	d->done++;
}

static void
call_done(void *arg)
{
	finish(arg);
}

static void
start(struct slot *s, struct item *it)
{
	struct json_object *ev = NULL, *rid;
	struct event_info info;
	enum event_class cls;
	const char *text;
	size_t len;
	char id[37];

	s->it = it;
	s->busy = 1;
	request_init(&s->req, cfg.max_body);
	reply_init(&s->rep, BRIDGE_MAX_APP_BODY);
	json_object_object_get_ex(it->rec, "event", &ev);
	text =
	    json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN, &len);
	cls = event_parse(text, len, s->d->eo, &s->req, &info);
	if (cls != EVENT_HTTP) {
		if (cls == EVENT_BAD)
			fail(it, info.why);
		else
			it->skipped = 1; /* an SQS message, a warm-up... */
		request_release(&s->req);
		reply_release(&s->rep);
		s->busy = 0;
		s->d->done++;
		return;
	}
	/* the captured request id again, so the app sees the same */
	if (json_object_object_get_ex(it->rec, "request_id", &rid) &&
	    json_object_get_string_len(rid) > 0) {
		request_set(&s->req.request_id, json_object_get_string(rid),
		    (size_t)json_object_get_string_len(rid));
	} else {
		core_request_id(id);
		request_set(&s->req.request_id, id, strlen(id));
	}
	s->req.deadline_ms = clock_ms() + cfg.timeout_ms;
	if (s->req.status) {
		/* refused by the bridge itself: that answer is compared */
		reply_error(&s->rep, s->req.status, s->req.why);
		finish(s);
		return;
	}
	core_call_start(s->d->core, &s->k, &s->req, &s->rep, NULL, call_done,
	    s);
}

/* "[#####.....] 45/120  37.5/s  ETA 2s" on a terminal. */
static void
progress(struct rdiff *d, int last)
{
	long long now = clock_ms(), el = now - d->t0;
	double rate = el > 0 ? d->done * 1000.0 / (double)el : 0;
	char bar[31];
	size_t i, fill = d->n ? d->done * 30 / d->n : 30;

	if (!isatty(2) || cfg.json || (!last && now - d->shown < 200))
		return;
	d->shown = now;
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	dprintf(2, "\r[%s] %zu/%zu  %.1f/s  ETA %.0fs ", bar, d->done, d->n,
	    rate, rate > 0 ? (double)(d->n - d->done) / rate : 0);
	if (last)
		dprintf(2, "\n");
}

static void
run(struct rdiff *d)
{
	struct slot *slots = xcalloc(cfg.concurrency, sizeof(*slots));
	size_t next = 0;
	unsigned i;

	d->t0 = clock_ms();
	for (i = 0; i < cfg.concurrency; i++)
		slots[i].d = d;
	while (d->done < d->n && !d->core->child.stop_sig) {
		for (i = 0; i < cfg.concurrency; i++)
			while (!slots[i].busy && next < d->n)
				start(&slots[i], &d->items[next++]);
		progress(d, 0);
		if (d->done < d->n)
			loop_once(&d->core->loop, clock_ms() + 200);
	}
	for (i = 0; i < cfg.concurrency; i++) {
		if (!slots[i].busy)
			continue;
		core_call_cancel(&slots[i].k);
		fail(slots[i].it, "stopped before the answer");
		request_release(&slots[i].req);
		reply_release(&slots[i].rep);
	}
	for (; next < d->n; next++)
		fail(&d->items[next], "not replayed: the run was stopped");
	progress(d, 1);
	free(slots);
}

/* --- the report -----------------------------------------------------------
 */

struct tally {
	const char *group;
	unsigned long total, same, changed, errors, skipped;
};

static void
count(struct tally *t, const struct item *it)
{
	t->total++;
	if (it->skipped)
		t->skipped++;
	else if (it->why)
		t->errors++;
	else if (it->what)
		t->changed++;
	else
		t->same++;
}

static const char *
what_text(int what, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s%s%s", what & COMPARE_STATUS ? "status" : "",
	    what & COMPARE_STATUS && what & ~COMPARE_STATUS ? ", " : "",
	    what & COMPARE_HEADERS ? "headers" : "",
	    what & COMPARE_HEADERS && what & COMPARE_BODY ? ", " : "",
	    what & COMPARE_BODY ? "body" : "");
	return out;
}

static const char *
request_id_of(const struct item *it)
{
	struct json_object *v;
	const char *id = json_object_object_get_ex(it->rec, "request_id", &v) ?
	    json_object_get_string(v) :
	    NULL;

	return id ? id : "";
}

/* Routes in the order they first appear. */
static size_t
tallies(struct rdiff *d, struct tally **out, struct tally *all)
{
	struct tally *t = NULL;
	size_t nt = 0, i, j;

	memset(all, 0, sizeof(*all));
	for (i = 0; i < d->n; i++) {
		for (j = 0; j < nt; j++)
			if (strcmp(t[j].group, d->items[i].group) == 0)
				break;
		if (j == nt) {
			t = xrealloc(t, (nt + 1) * sizeof(*t));
			memset(&t[nt], 0, sizeof(*t));
			t[nt++].group = d->items[i].group;
		}
		count(&t[j], &d->items[i]);
		count(all, &d->items[i]);
	}
	*out = t;
	return nt;
}

static void
report_text(struct rdiff *d, struct buf *b)
{
	struct tally *t, all;
	size_t nt = tallies(d, &t, &all), i;
	char w[64];

	buf_printf(b,
	    "replay --diff: %lu events, %lu same, %lu changed, %lu errors",
	    all.total, all.same, all.changed, all.errors);
	if (all.skipped)
		buf_printf(b, ", %lu not HTTP (not compared)", all.skipped);
	buf_printf(b, "%s\n\n", d->skipped ? " (other lines ignored)" : "");
	buf_printf(b,
	    "| route | events | same | changed | errors |\n"
	    "|---|---|---|---|---|\n");
	for (i = 0; i < nt; i++)
		buf_printf(b, "| %s | %lu | %lu | %lu | %lu |\n", t[i].group,
		    t[i].total, t[i].same, t[i].changed, t[i].errors);
	for (i = 0; i < d->n; i++) {
		struct item *it = &d->items[i];

		if (it->why)
			buf_printf(b, "\nerror: #%zu %s (request %s): %s\n",
			    i + 1, it->route, request_id_of(it), it->why);
		else if (it->what)
			buf_printf(b, "\nchanged: #%zu %s (request %s): %s\n%s",
			    i + 1, it->route, request_id_of(it),
			    what_text(it->what, w, sizeof(w)),
			    it->diff ? it->diff : "");
	}
	free(t);
}

static void
report_json(struct rdiff *d, struct buf *b)
{
	struct json_object *o = json_object_new_object();
	struct json_object *routes = json_object_new_array();
	struct json_object *res = json_object_new_array(), *r, *w;
	struct tally *t, all;
	size_t nt = tallies(d, &t, &all), i;

	json_object_object_add(o, "total", json_object_new_int64(all.total));
	json_object_object_add(o, "same", json_object_new_int64(all.same));
	json_object_object_add(o, "changed",
	    json_object_new_int64(all.changed));
	json_object_object_add(o, "errors", json_object_new_int64(all.errors));
	for (i = 0; i < nt; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "route",
		    json_object_new_string(t[i].group));
		json_object_object_add(r, "events",
		    json_object_new_int64(t[i].total));
		json_object_object_add(r, "same",
		    json_object_new_int64(t[i].same));
		json_object_object_add(r, "changed",
		    json_object_new_int64(t[i].changed));
		json_object_object_add(r, "errors",
		    json_object_new_int64(t[i].errors));
		json_object_array_add(routes, r);
	}
	for (i = 0; i < d->n; i++) {
		struct item *it = &d->items[i];

		if (!it->why && !it->what)
			continue;
		r = json_object_new_object();
		json_object_object_add(r, "index",
		    json_object_new_int64((int64_t)i + 1));
		json_object_object_add(r, "route",
		    json_object_new_string(it->route));
		json_object_object_add(r, "request_id",
		    json_object_new_string(request_id_of(it)));
		json_object_object_add(r, "result",
		    json_object_new_string(it->why ? "error" : "changed"));
		if (it->why) {
			json_object_object_add(r, "error",
			    json_object_new_string(it->why));
		} else {
			w = json_object_new_array();
			if (it->what & COMPARE_STATUS)
				json_object_array_add(w,
				    json_object_new_string("status"));
			if (it->what & COMPARE_HEADERS)
				json_object_array_add(w,
				    json_object_new_string("headers"));
			if (it->what & COMPARE_BODY)
				json_object_array_add(w,
				    json_object_new_string("body"));
			json_object_object_add(r, "what", w);
			json_object_object_add(r, "diff",
			    json_object_new_string(it->diff ? it->diff : ""));
		}
		json_object_array_add(res, r);
	}
	json_object_object_add(o, "routes", routes);
	json_object_object_add(o, "results", res);
	buf_addstr(b,
	    json_object_to_json_string_ext(o,
	        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_addch(b, '\n');
	json_object_put(o);
	free(t);
}

/* --- the whole
 * ----------------------------------------------------------------
 */

int
replay_diff(struct core *core, struct event_opts *eo)
{
	struct rdiff d;
	struct buf b = BUF_INIT;
	struct tally *t, all;
	size_t i;
	int code;

	memset(&d, 0, sizeof(d));
	d.core = core;
	d.eo = eo;
	if (cfg.filter) {
		if (regcomp(&d.filter, cfg.filter, REG_EXTENDED | REG_NOSUB) !=
		    0) {
			log_fatal("--filter: not a regular expression: %s",
			    cfg.filter);
			return EXIT_USAGE;
		}
		d.filtering = 1;
	}
	config_list_split(cfg.diff_ignore_headers, 1, &d.hdrs, &d.nhdrs);
	capture_secret_names(&d.secrets, &d.nsecrets);
	d.co.headers = (const char *const *)d.hdrs;
	d.co.nheaders = d.nhdrs;
	d.co.secret = (const char *const *)d.secrets;
	d.co.nsecret = d.nsecrets;
	config_list_split(cfg.diff_ignore_paths, 0, &d.ignore, &d.nignore);
	d.co.paths = (const char *const *)d.ignore;
	d.co.npaths = d.nignore;
	for (i = 0; i < (size_t)cfg.nfiles; i++)
		load(&d, cfg.files[i]);
	if (d.skipped)
		log_msg(LOG_INFO, "replay_diff",
		    "%lu lines without a capture ignored", d.skipped);
	run(&d);
	buf_init(&b, 1UL << 30);
	if (cfg.json)
		report_json(&d, &b);
	else
		report_text(&d, &b);
	fd_write_all(1, b.p ? b.p : "", b.len, -1);
	buf_release(&b);
	tallies(&d, &t, &all);
	free(t);
	if (!all.total)
		log_msg(LOG_ERROR, "replay_diff",
		    "no capture found in the input");
	code =
	    all.errors || d.unreadable || !all.total || core->child.stop_sig ?
	    2 :
	    all.changed ? 1 :
	                  0;
	log_msg(LOG_INFO, "replay_diff",
	    "events=%lu same=%lu changed=%lu errors=%lu ms=%lld", all.total,
	    all.same, all.changed, all.errors, clock_ms() - d.t0);
	for (i = 0; i < d.n; i++) {
		json_object_put(d.items[i].rec);
		free(d.items[i].route);
		free(d.items[i].group);
		free(d.items[i].why);
		free(d.items[i].diff);
	}
	free(d.items);
	config_list_free(d.hdrs, d.nhdrs);
	config_list_free(d.secrets, d.nsecrets);
	config_list_free(d.ignore, d.nignore);
	if (d.filtering)
		regfree(&d.filter);
	return code;
}
