/*
 * compare - captured and replayed responses, side by side.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sockets/alloc.h"
#include "b64.h"
#include "bridge.h"
#include "capture.h"
#include "compare.h"
#include "config.h"
#include "diff.h"
#include "gzip.h"
#include "sha256.h"

/* A response in a readable, comparable form. */
struct side {
	int status;
	char raw_sha[65]; /* when inflated: the hash of the gzip'd bytes */
	size_t raw_len;
	int inflated;
	struct buf head;          /* "name: value\n" lines, sorted */
	struct buf body;          /* decoded bytes */
	struct json_object *json; /* the body, when it is JSON */
	const char *sha;          /* the capture kept only a hash ... */
	long long length;         /* ... and a length */
};

static struct json_object *
member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* A JSON value's text, "" for null. */
static const char *
str(struct json_object *v)
{
	const char *s = json_object_get_string(v);

	return s ? s : "";
}

static int
ignored(const struct compare_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nheaders; i++)
		if (fnmatch(o->headers[i], name, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

static int
by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct lines {
	char **v;
	size_t n;
};

static int
secret(const struct compare_opts *o, const char *name)
{
	return config_list_has(o->secret, o->nsecret, name);
}

static void
add_line(struct lines *l, const struct compare_opts *o, const char *name,
    const char *value)
{
	size_t nl = strlen(name), i;
	/* ": [redacted]" or ": " value "=...": at most 16 more than both */
	char *s = xmalloc(nl + strlen(value) + 16);
	const char *eq;

	for (i = 0; i < nl; i++)
		s[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ?
		        name[i] - 'A' + 'a' :
		        name[i]);
	/* a capture keeps no secrets, and a cookie's value changes with
	 * every session: its name counts */
	if (secret(o, name))
		sprintf(s + nl, ": [redacted]");
	else if (strcasecmp(name, "set-cookie") == 0 &&
	    (eq = strchr(value, '=')))
		sprintf(s + nl, ": %.*s=...", (int)(eq - value), value);
	else
		sprintf(s + nl, ": %s", value);
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = s;
}

static void
add_name(struct lines *l, const char *name)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(name);
}

static void
headers_of(struct json_object *r, const struct compare_opts *o, struct buf *out)
{
	struct json_object *h = member(r, "headers");
	struct json_object *m = member(r, "multiValueHeaders");
	struct json_object *c = member(r, "cookies");
	struct lines l = { NULL, 0 };
	size_t i, n;

	if (h && json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, k, v)
		{
			if (!ignored(o, k) && !(m && member(m, k)))
				add_line(&l, o, k, str(v));
		}
	}
	if (m && json_object_is_type(m, json_type_object)) {
		json_object_object_foreach(m, k, v)
		{
			if (ignored(o, k) ||
			    !json_object_is_type(v, json_type_array))
				continue;
			n = json_object_array_length(v);
			for (i = 0; i < n; i++)
				add_line(&l, o, k,
				    str(json_object_array_get_idx(v, i)));
		}
	}
	if (c && json_object_is_type(c, json_type_array) &&
	    !ignored(o, "set-cookie")) {
		n = json_object_array_length(c);
		for (i = 0; i < n; i++)
			add_line(&l, o, "set-cookie",
			    str(json_object_array_get_idx(c, i)));
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_line);
	for (i = 0; i < l.n; i++) {
		buf_addstr(out, l.v[i]);
		buf_addch(out, '\n');
		free(l.v[i]);
	}
	free(l.v);
}

/* The header a side carries (case-insensitive), or NULL. */
static const char *
header(struct json_object *r, const char *name)
{
	struct json_object *h = member(r, "headers");

	if (h && json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, k, v)
		{
			if (strcasecmp(k, name) == 0)
				return str(v);
		}
	}
	return NULL;
}

static void
side_init(struct side *s, struct json_object *r, const struct compare_opts *o)
{
	struct json_object *b = member(r, "body"),
	                   *st = member(r, "statusCode");
	const char *ce = header(r, "content-encoding"), *text;
	struct buf gz = BUF_INIT;
	struct sha256 h;
	size_t bad, n;

	memset(s, 0, sizeof(*s));
	s->status = st ? json_object_get_int(st) : 0;
	buf_init(&s->head, 1 << 22);
	buf_init(&s->body, 4 * BRIDGE_MAX_APP_BODY);
	headers_of(r, o, &s->head);
	if (member(r, "bodySha256")) {
		s->sha = str(member(r, "bodySha256"));
		s->length = json_object_get_int64(member(r, "bodyLength"));
		return;
	}
	text = str(b);
	n = b ? (size_t)json_object_get_string_len(b) : 0;
	if (json_object_get_boolean(member(r, "isBase64Encoded")))
		b64_decode(text, n, &s->body, &bad);
	else
		buf_add(&s->body, text, n);
	if (ce && strcasecmp(ce, "gzip") == 0 && s->body.len) {
		buf_init(&gz, 4 * BRIDGE_MAX_APP_BODY);
		if (gzip_inflate(s->body.p, s->body.len, &gz,
		        4 * BRIDGE_MAX_APP_BODY, 0) == GZIP_OK) {
			/* a capture's hash is of the bytes as sent */
			sha256_init(&h);
			sha256_update(&h, s->body.p, s->body.len);
			sha256_hex(&h, s->raw_sha);
			s->raw_len = s->body.len;
			s->inflated = 1;
			buf_release(&s->body);
			s->body = gz;
		} else {
			buf_release(&gz);
		}
	}
	if (s->body.len)
		s->json = json_tokener_parse(s->body.p);
	if (s->json && !json_object_is_type(s->json, json_type_object) &&
	    !json_object_is_type(s->json, json_type_array)) {
		json_object_put(s->json);
		s->json = NULL;
	}
}

static void
side_release(struct side *s)
{
	buf_release(&s->head);
	buf_release(&s->body);
	json_object_put(s->json);
}

/* Ignored paths do not show in the readable form either. */
static void
drop_path(struct json_object *o, const char *path)
{
	const char *dot = strchr(path, '.'), *br = strchr(path, '[');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	char key[256];

	if (json_object_is_type(o, json_type_array)) {
		size_t i, len = json_object_array_length(o);

		if (strncmp(path, "[*]", 3) != 0)
			return;
		path += 3;
		if (*path == '.')
			path++;
		for (i = 0; i < len; i++)
			drop_path(json_object_array_get_idx(o, i), path);
		return;
	}
	if (!json_object_is_type(o, json_type_object) || !*path)
		return;
	if (br && (!dot || br < dot))
		n = (size_t)(br - path);
	if (n >= sizeof(key))
		return;
	memcpy(key, path, n);
	key[n] = '\0';
	if (!path[n]) {
		if (strcmp(key, "*") == 0) {
			json_object_object_foreach(o, k, v)
			{
				(void)v;
				json_object_object_add(o, k,
				    json_object_new_string("(ignored)"));
			}
		} else if (member(o, key)) {
			json_object_object_add(o, key,
			    json_object_new_string("(ignored)"));
		}
		return;
	}
	path += n;
	if (*path == '.')
		path++;
	if (strcmp(key, "*") == 0) {
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			drop_path(v, path);
		}
	} else if (member(o, key)) {
		drop_path(member(o, key), path);
	}
}

/* "status: 200", the header lines, a blank line, the body. */
static void
readable(struct side *s, const struct compare_opts *o, struct buf *out)
{
	size_t i;

	buf_printf(out, "status: %d\n", s->status);
	buf_add(out, s->head.p ? s->head.p : "", s->head.len);
	buf_addch(out, '\n');
	if (s->sha) {
		buf_printf(out, "(body kept as sha256 %s, %lld bytes)\n",
		    s->sha, s->length);
		return;
	}
	if (s->json) {
		for (i = 0; i < o->npaths; i++)
			drop_path(s->json, o->paths[i]);
		buf_addstr(out,
		    json_object_to_json_string_ext(s->json,
		        JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		            JSON_C_TO_STRING_NOSLASHESCAPE));
		buf_addch(out, '\n');
		return;
	}
	buf_add(out, s->body.p ? s->body.p : "", s->body.len);
}

static int
same_body(struct side *a, struct side *b, const struct compare_opts *o)
{
	struct sha256 h;
	char hex[65];

	if (a->sha || b->sha) {
		struct side *kept = a->sha ? a : b, *whole = a->sha ? b : a;

		if (whole->sha)
			return strcmp(a->sha, b->sha) == 0 &&
			    a->length == b->length;
		if (whole->inflated)
			return strcmp(kept->sha, whole->raw_sha) == 0 &&
			    kept->length == (long long)whole->raw_len;
		sha256_init(&h);
		sha256_update(&h, whole->body.p ? whole->body.p : "",
		    whole->body.len);
		sha256_hex(&h, hex);
		return strcmp(kept->sha, hex) == 0 &&
		    kept->length == (long long)whole->body.len;
	}
	if (a->json && b->json)
		return diff_json(a->json, b->json, o->paths, o->npaths, NULL) ==
		    0;
	return a->body.len == b->body.len &&
	    (a->body.len == 0 ||
	        memcmp(a->body.p, b->body.p, a->body.len) == 0);
}

/* The names the capture redacted, whatever the settings now: their
 * values read "[redacted]". */
static void
redacted_names(struct json_object *r, struct lines *l)
{
	struct json_object *h = member(r, "headers");
	struct json_object *m = member(r, "multiValueHeaders");
	struct json_object *c = member(r, "cookies");

	if (h && json_object_is_type(h, json_type_object)) {
		json_object_object_foreach(h, k, v)
		{
			if (strcmp(str(v), CAPTURE_REDACTED) == 0)
				add_name(l, k);
		}
	}
	if (m && json_object_is_type(m, json_type_object)) {
		json_object_object_foreach(m, k, v)
		{
			if (json_object_is_type(v, json_type_array) &&
			    json_object_array_length(v) > 0 &&
			    strcmp(str(json_object_array_get_idx(v, 0)),
			        CAPTURE_REDACTED) == 0)
				add_name(l, k);
		}
	}
	if (c && json_object_is_type(c, json_type_array) &&
	    json_object_array_length(c) > 0 &&
	    strcmp(str(json_object_array_get_idx(c, 0)), CAPTURE_REDACTED) == 0)
		add_name(l, "set-cookie");
}

int
compare_responses(struct json_object *old, struct json_object *new,
    const struct compare_opts *opts, struct buf *diff)
{
	struct side a, b;
	struct buf ra = BUF_INIT, rb = BUF_INIT;
	struct compare_opts with = *opts, *o = &with;
	struct lines secrets = { NULL, 0 };
	size_t i;
	int what = 0;

	for (i = 0; i < opts->nsecret; i++)
		add_name(&secrets, opts->secret[i]);
	redacted_names(old, &secrets);
	with.secret = (const char *const *)secrets.v;
	with.nsecret = secrets.n;
	side_init(&a, old, o);
	side_init(&b, new, o);
	if (a.status != b.status)
		what |= COMPARE_STATUS;
	if (a.head.len != b.head.len ||
	    (a.head.len && memcmp(a.head.p, b.head.p, a.head.len) != 0))
		what |= COMPARE_HEADERS;
	if (!same_body(&a, &b, o))
		what |= COMPARE_BODY;
	if (what && diff) {
		buf_init(&ra, 8 * BRIDGE_MAX_APP_BODY);
		buf_init(&rb, 8 * BRIDGE_MAX_APP_BODY);
		readable(&a, o, &ra);
		readable(&b, o, &rb);
		diff_unified(ra.p ? ra.p : "", ra.len, rb.p ? rb.p : "", rb.len,
		    "captured", "replayed", diff);
		buf_release(&ra);
		buf_release(&rb);
	}
	side_release(&a);
	side_release(&b);
	for (i = 0; i < secrets.n; i++)
		free(secrets.v[i]);
	free(secrets.v);
	return what;
}
