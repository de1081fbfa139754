/*
 * t_diff - what replay --diff shows: the JSON comparison (key order, paths,
 * arrays, ignore patterns, numbers, the listing cap); the unified diff against
 * diff -u's output for fixed cases, and applied back onto random texts, where
 * it must give the new text exactly with the fewest changed lines.
 */
#include "../../bridge/diff.c"
#include "check.h"

#include <errno.h>

/* diff_json on two JSON texts; the paths listed go to *paths. */
static int
json_diff(const char *a, const char *b, const char *const *ignore,
    size_t nignore, struct buf *paths)
{
	struct json_object *ja = json_tokener_parse(a);
	struct json_object *jb = json_tokener_parse(b);
	int n;

	CHECK(ja != NULL || strcmp(a, "null") == 0);
	CHECK(jb != NULL || strcmp(b, "null") == 0);
	n = diff_json(ja, jb, ignore, nignore, paths);
	json_object_put(ja);
	json_object_put(jb);
	return n;
}

static void
test_json(void)
{
	static const char *const ign[] = { "meta.request_id",
		"items[*].updated_at", "*.token", "[*].at", "list[1]", "skip" };
	static const struct {
		const char *a, *b;
		int ignore; /* use ign[] */
		int n;
		const char *paths;
	} t[] = {
		{ "{\"a\":1,\"b\":{\"c\":[1,2],\"d\":\"x\"}}",
		    "{\"b\":{\"d\":\"x\",\"c\":[1,2]},\"a\":1}", 0, 0, "" },
		{ "{\"a\":{\"b\":{\"c\":1}}}", "{\"a\":{\"b\":{\"c\":2}}}", 0,
		    1, "a.b.c\n" },
		{ "{\"items\":[{\"id\":1},{\"id\":2},{\"id\":3}]}",
		    "{\"items\":[{\"id\":1},{\"id\":2},{\"id\":4}]}", 0, 1,
		    "items[2].id\n" },
		{ "{\"a\":[1,2,3]}", "{\"a\":[1,5]}", 0, 2, "a\na[1]\n" },
		{ "[1,2]", "[1,3,4]", 0, 2, "\n[1]\n" },
		{ "1", "\"1\"", 0, 1, "\n" },
		{ "{\"a\":\"1\"}", "{\"a\":1}", 0, 1, "a\n" },
		{ "{\"a\":1}", "{\"a\":1.0}", 0, 0, "" },
		{ "{\"a\":1.0}", "{\"a\":1}", 0, 0, "" },
		{ "{\"a\":1}", "{\"a\":1.5}", 0, 1, "a\n" },
		{ "{\"a\":-0.0}", "{\"a\":0}", 0, 0, "" },
		{ "9007199254740993", "9007199254740992.0", 0, 1, "\n" },
		{ "9007199254740992", "9007199254740992.0", 0, 0, "" },
		{ "9223372036854775807", "9223372036854775807", 0, 0, "" },
		{ "18446744073709551615", "18446744073709551614", 0, 1, "\n" },
		{ "18446744073709551615", "9223372036854775807", 0, 1, "\n" },
		{ "18446744073709551615", "18446744073709551615", 0, 0, "" },
		{ "1e300", "1e300", 0, 0, "" },
		{ "\"a\\u0000b\"", "\"a\\u0000c\"", 0, 1, "\n" },
		{ "{\"a\":null}", "{}", 0, 1, "a\n" },
		{ "{}", "{\"a\":null}", 0, 1, "a\n" },
		{ "{\"a\":null}", "{\"a\":null}", 0, 0, "" },
		{ "{\"a\":null}", "{\"a\":false}", 0, 1, "a\n" },
		{ "null", "null", 0, 0, "" },
		{ "[true]", "[false]", 0, 1, "[0]\n" },
		{ "[true]", "[1]", 0, 1, "[0]\n" },
		{ "{\"x\":1,\"y\":2}", "{\"y\":3,\"z\":4}", 0, 3, "x\ny\nz\n" },
		{ "{\"meta\":{\"request_id\":\"r1\",\"v\":1},"
		  "\"items\":[{\"id\":1,\"updated_at\":\"t1\"},"
		  "{\"id\":2,\"updated_at\":\"t2\"}],"
		  "\"auth\":{\"token\":\"s1\"},\"token\":\"top\","
		  "\"deep\":{\"x\":{\"token\":\"d1\"}},"
		  "\"list\":[0,1,2],\"skip\":{\"anything\":[1]}}",
		    "{\"meta\":{\"v\":1},"
		    "\"items\":[{\"id\":1,\"updated_at\":\"u1\"},"
		    "{\"id\":3}],"
		    "\"auth\":{\"token\":\"s2\"},\"token\":\"top2\","
		    "\"deep\":{\"x\":{\"token\":\"d2\"}},"
		    "\"list\":[0,9,3],\"skip\":7}",
		    1, 4, "items[1].id\ntoken\ndeep.x.token\nlist[2]\n" },
		{ "[{\"at\":1,\"v\":1},{\"at\":2}]", "[{\"at\":3,\"v\":2},{}]",
		    1, 1, "[0].v\n" },
	};
	struct buf paths = BUF_INIT;
	size_t i;
	char ctx[32];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(ctx, sizeof(ctx), "json case %zu", i);
		check_ctx = ctx;
		buf_init(&paths, 4096);
		CHECK_INT(json_diff(t[i].a, t[i].b, t[i].ignore ? ign : NULL,
		              t[i].ignore ? sizeof(ign) / sizeof(ign[0]) : 0,
		              &paths),
		    t[i].n);
		CHECK_STR(paths.p ? paths.p : "", t[i].paths);
		/* the same count without a listing, and both ways round */
		CHECK_INT(json_diff(t[i].b, t[i].a, t[i].ignore ? ign : NULL,
		              t[i].ignore ? sizeof(ign) / sizeof(ign[0]) : 0,
		              NULL),
		    t[i].n);
		buf_release(&paths);
		CHECK(paths.p == NULL && paths.len == 0);
	}
	check_ctx = "";
}

/* 150 differing elements: all counted, the first 100 listed. */
static void
test_json_many(void)
{
	struct json_object *a = json_object_new_array();
	struct json_object *b = json_object_new_array();
	struct buf paths = BUF_INIT, want = BUF_INIT;
	const char *ign[] = { "[7]" };
	int i;

	for (i = 0; i < 150; i++) {
		json_object_array_add(a, json_object_new_int(i));
		json_object_array_add(b, json_object_new_int(-i - 1));
	}
	buf_init(&paths, 1 << 16);
	buf_init(&want, 1 << 16);
	for (i = 0; i < DIFF_MAX_PATHS; i++)
		buf_printf(&want, "[%d]\n", i);
	CHECK_INT(diff_json(a, b, NULL, 0, &paths), 150);
	CHECK_MEM(paths.p, paths.len, want.p, want.len);
	CHECK_INT(diff_json(a, b, ign, 1, NULL), 149);

	/* a cap that holds 3 whole paths: those stay, the count is exact */
	buf_release(&paths);
	buf_init(&paths, 14);
	CHECK_INT(diff_json(a, b, NULL, 0, &paths), 150);
	CHECK_STR(paths.p, "[0]\n[1]\n[2]\n");
	CHECK_INT(paths.len, 12);

	/* something already in paths stays before the list */
	buf_release(&paths);
	buf_init(&paths, 1 << 16);
	CHECK(buf_addstr(&paths, "x\n") == 0);
	CHECK_INT(diff_json(a, a, NULL, 0, &paths), 0);
	CHECK_STR(paths.p, "x\n");
	buf_release(&paths);
	buf_release(&want);
	json_object_put(a);
	json_object_put(b);
}

/* Fixed cases, expected text from GNU diff -u --label a --label b. */
static void
test_unified_fixed(void)
{
	static const struct {
		const char *a, *b, *out;
	} t[] = {
		{ "", "", "" },
		{ "x\ny\n", "x\ny\n", "" },
		{ "", "x\n", "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" },
		{ "x\n", "", "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n" },
		{ "", "x",
		    "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n"
		    "\\ No newline at end of file\n" },
		{ "x\n", "x",
		    "--- a\n+++ b\n@@ -1 +1 @@\n-x\n+x\n"
		    "\\ No newline at end of file\n" },
		{ "x", "x\n",
		    "--- a\n+++ b\n@@ -1 +1 @@\n-x\n"
		    "\\ No newline at end of file\n+x\n" },
		{ "a\nb", "A\nb",
		    "--- a\n+++ b\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n"
		    "\\ No newline at end of file\n" },
		{ "a\nb\nc", "a\nb\nd",
		    "--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n b\n-c\n"
		    "\\ No newline at end of file\n+d\n"
		    "\\ No newline at end of file\n" },
		{ "a\nb\nc\n", "a\nB\nc\nd",
		    "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n"
		    "\\ No newline at end of file\n" },
		{ "l1\r\nl2\r\n", "l1\r\nL2\r\n",
		    "--- a\n+++ b\n@@ -1,2 +1,2 @@\n l1\r\n-l2\r\n+L2\r\n" },
		/* seq 20, lines 4 and 11 changed: 6 lines apart, one hunk */
		{ "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n"
		  "18\n19\n20\n",
		    "1\n2\n3\nX\n5\n6\n7\n8\n9\n10\nY\n12\n13\n14\n15\n16\n17\n"
		    "18\n19\n20\n",
		    "--- a\n+++ b\n@@ -1,14 +1,14 @@\n 1\n 2\n 3\n-4\n+X\n 5\n"
		    " 6\n 7\n 8\n 9\n 10\n-11\n+Y\n 12\n 13\n 14\n" },
		/* lines 4 and 12: 7 apart, two hunks */
		{ "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n"
		  "18\n19\n20\n",
		    "1\n2\n3\nX\n5\n6\n7\n8\n9\n10\n11\nY\n13\n14\n15\n16\n17\n"
		    "18\n19\n20\n",
		    "--- a\n+++ b\n@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+X\n 5\n"
		    " 6\n 7\n@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+Y\n 13\n"
		    " 14\n 15\n" },
		/* deletions, an insertion, at the ends */
		{ "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n",
		    "0\n1\n2\n3\n4\n5\n6\n7\n8\n",
		    "--- a\n+++ b\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n"
		    "@@ -6,5 +7,3 @@\n 6\n 7\n 8\n-9\n-10\n" },
	};
	struct buf out = BUF_INIT;
	size_t i;
	char ctx[32];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(ctx, sizeof(ctx), "unified case %zu", i);
		check_ctx = ctx;
		buf_init(&out, 1 << 16);
		CHECK_INT(diff_unified(t[i].a, strlen(t[i].a), t[i].b,
		              strlen(t[i].b), "a", "b", &out),
		    0);
		CHECK_STR(out.p ? out.p : "", t[i].out);
		buf_release(&out);
	}
	check_ctx = "";
}

/* NULs are bytes like any other; NULL labels are empty. */
static void
test_unified_bytes(void)
{
	static const char a[] = "k\0a\nz\n", b[] = "k\0b\nz\n";
	static const char want[] = "--- \n+++ \n@@ -1,2 +1,2 @@\n"
	                           "-k\0a\n+k\0b\n z\n";
	struct buf out = BUF_INIT;

	buf_init(&out, 1 << 16);
	CHECK_INT(diff_unified(a, sizeof(a) - 1, b, sizeof(b) - 1, NULL, NULL,
	              &out),
	    0);
	CHECK_MEM(out.p, out.len, want, sizeof(want) - 1);
	buf_release(&out);
}

/*
 * Past DIFF_MAX_EDITS the whole of both texts is one hunk; at it or
 * below, the shortest script with its context. One common line, then na
 * and nb lines that differ: the distance is na + nb.
 */
static void
test_unified_cap(void)
{
	static const struct {
		int na, nb, whole;
		const char *head, *mid;
	} t[] = {
		{ 2000, 2000, 0, "@@ -1,2001 +1,2001 @@\n same\n-a0\n",
		    "-a1999\n+b0\n" },
		{ 2000, 1999, 0, "@@ -1,2001 +1,2000 @@\n same\n-a0\n",
		    "-a1999\n+b0\n" },
		{ 2001, 2000, 1, "@@ -1,2002 +1,2001 @@\n-same\n-a0\n",
		    "-a2000\n+same\n+b0\n" },
		{ 2001, 2001, 1, "@@ -1,2002 +1,2002 @@\n-same\n-a0\n",
		    "-a2000\n+same\n+b0\n" },
	};
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	size_t k;
	int i;

	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		int r;

		CHECK_INT(t[k].na + t[k].nb > DIFF_MAX_EDITS, t[k].whole);
		buf_init(&a, 1 << 20);
		buf_init(&b, 1 << 20);
		buf_init(&out, 1 << 21);
		r = buf_addstr(&a, "same\n") | buf_addstr(&b, "same\n");
		for (i = 0; i < t[k].na; i++)
			r |= buf_printf(&a, "a%d\n", i);
		for (i = 0; i < t[k].nb; i++)
			r |= buf_printf(&b, "b%d\n", i);
		CHECK_INT(r, 0);
		CHECK_INT(diff_unified(a.p, a.len, b.p, b.len, "a", "b", &out),
		    0);
		CHECK(out.len > 12 && memcmp(out.p, "--- a\n+++ b\n", 12) == 0);
		CHECK(out.len > 12 + strlen(t[k].head) &&
		    memcmp(out.p + 12, t[k].head, strlen(t[k].head)) == 0);
		CHECK(strstr(out.p, t[k].mid) != NULL);
		buf_release(&a);
		buf_release(&b);
		buf_release(&out);
	}
}

/*
 * At every cap short of the whole diff: -1, EMSGSIZE, and out holds what
 * it held before plus whole lines of the diff.
 */
static void
test_unified_full(void)
{
	static const char a[] = "a\nb\nc\n", b[] = "a\nB\nc\nd";
	struct buf full = BUF_INIT, out = BUF_INIT;
	size_t cap, bad = 0;

	buf_init(&full, 1 << 16);
	CHECK(buf_addstr(&full, "pre\n") == 0);
	CHECK_INT(diff_unified(a, strlen(a), b, strlen(b), "A", "B", &full), 0);
	for (cap = 0; cap < full.len; cap++) {
		int r;

		buf_init(&out, cap);
		if (cap >= 4)
			buf_addstr(&out, "pre\n");
		errno = 0;
		r = diff_unified(a, strlen(a), b, strlen(b), "A", "B", &out);
		if (r != -1 || errno != EMSGSIZE ||
		    (out.len && out.p[out.len - 1] != '\n') ||
		    (out.len && memcmp(out.p, full.p, out.len) != 0) ||
		    (cap >= 4 && out.len < 4))
			bad++;
		buf_release(&out);
	}
	CHECK_INT(bad, 0);
	buf_init(&out, full.len);
	CHECK(buf_addstr(&out, "pre\n") == 0);
	CHECK_INT(diff_unified(a, strlen(a), b, strlen(b), "A", "B", &out), 0);
	CHECK_MEM(out.p, out.len, full.p, full.len);
	buf_release(&out);
	buf_release(&full);
}

/* Next line of p[0..n) from *off: its length with its "\n". */
static size_t
next_line(const char *p, size_t n, size_t off)
{
	const char *nl = memchr(p + off, '\n', n - off);

	return nl ? (size_t)(nl - (p + off)) + 1 : n - off;
}

/* "l,s" or "l" (s = 1) at p; past it. */
static const char *
range(const char *p, unsigned long *l, unsigned long *s)
{
	char *end;

	*l = strtoul(p, &end, 10);
	*s = 1;
	if (*end == ',')
		*s = strtoul(end + 1, &end, 10);
	return end;
}

/* A hunk's line counts, checked against its header at the next one. */
struct hunk {
	unsigned long na, nb, want_a, want_b;
};

static int
hunk_ok(const struct hunk *h)
{
	return h->na == h->want_a && h->nb == h->want_b;
}

/*
 * Apply a unified diff to a as patch(1) would: every context and deleted
 * line must be a's, every hunk's counts its header's. Returns 0 with the
 * result in res and the number of "-" and "+" lines in *changed, or -1.
 */
static int
apply(const char *a, size_t alen, const char *d, size_t dlen, struct buf *res,
    size_t *changed)
{
	struct hunk h = { 0, 0, 0, 0 };
	size_t off, aoff = 0, aline = 0, l = 0, al, to;
	unsigned long la, lb;
	char last = 0;
	int r = 0;

	*changed = 0;
	off = next_line(d, dlen, 0);
	off += next_line(d, dlen, off); /* the labels */
	for (; off < dlen && r == 0; off += l) {
		l = next_line(d, dlen, off);
		if (d[l + off - 1] != '\n')
			return -1; /* every line of a diff ends in "\n" */
		last = d[off] == '\\' ? last : d[off];
		if (d[off] == '@') {
			if (!hunk_ok(&h) || strncmp(d + off, "@@ -", 4) != 0)
				return -1;
			range(range(d + off + 4, &la, &h.want_a) + 2, &lb,
			    &h.want_b);
			h.na = h.nb = 0;
			to = h.want_a ? la - 1 : la;
			for (; aline < to; aline++) {
				al = next_line(a, alen, aoff);
				r = buf_add(res, a + aoff, al);
				aoff += al;
			}
		} else if (d[off] == ' ' || d[off] == '-') {
			/* a bare last line of a is shown with a "\n" added */
			al = next_line(a, alen, aoff);
			if ((al != l - 1 &&
			        (al != l - 2 || aoff + al != alen)) ||
			    memcmp(a + aoff, d + off + 1, al) != 0)
				return -1;
			if (d[off] == ' ')
				r = buf_add(res, a + aoff, al);
			h.na++;
			h.nb += d[off] == ' ';
			*changed += d[off] == '-';
			aoff += al;
			aline++;
		} else if (d[off] == '+') {
			r = buf_add(res, d + off + 1, l - 1);
			h.nb++;
			++*changed;
		} else if (d[off] == '\\' && last == '+') {
			buf_setlen(res, res->len - 1);
		} else if (d[off] != '\\') {
			return -1;
		}
	}
	if (r < 0 || !hunk_ok(&h))
		return -1;
	return buf_add(res, a + aoff, alen - aoff);
}

static unsigned long rnd_state = 12345;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005u + 1442695040888963407u;
	return (unsigned)(rnd_state >> 33) % n;
}

/* The length of a longest common subsequence of lines, by table. */
static size_t
lcs(const struct diff_text *a, const struct diff_text *b)
{
	size_t *t =
	    xcalloc((size_t)(a->n + 1) * (size_t)(b->n + 1), sizeof(*t));
	size_t w = (size_t)b->n + 1, i, j, r;

	for (i = 1; i <= (size_t)a->n; i++)
		for (j = 1; j <= (size_t)b->n; j++)
			t[i * w + j] = a->id[i - 1] == b->id[j - 1] ?
			    t[(i - 1) * w + j - 1] + 1 :
			    t[(i - 1) * w + j] > t[i * w + j - 1] ?
			    t[(i - 1) * w + j] :
			    t[i * w + j - 1];
	r = t[(size_t)a->n * w + (size_t)b->n];
	free(t);
	return r;
}

/* The fewest changed lines between a and b. */
static size_t
fewest(const char *a, size_t alen, const char *b, size_t blen)
{
	struct diff_ctx c;
	size_t r;

	memset(&c, 0, sizeof(c));
	text_split(&c.a, a, alen);
	text_split(&c.b, b, blen);
	diff_classify(&c);
	r = (size_t)c.a.n + (size_t)c.b.n - 2 * lcs(&c.a, &c.b);
	diff_release(&c);
	return r;
}

static void
random_text(struct buf *t, unsigned nlines, unsigned alpha)
{
	unsigned i;

	for (i = 0; i < nlines; i++)
		buf_printf(t, "l%u\n", rnd(alpha));
	if (t->len && rnd(4) == 0)
		buf_setlen(t, t->len - 1); /* no final newline */
}

/* Random texts and edits: the diff applies, and is a shortest one. */
static void
test_unified_random(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT, res = BUF_INIT;
	size_t changed, bad_apply = 0, bad_size = 0;
	unsigned i;

	for (i = 0; i < 2000; i++) {
		unsigned alpha = 2 + rnd(i % 2 ? 4 : 40);

		buf_init(&a, 1 << 16);
		buf_init(&b, 1 << 16);
		buf_init(&out, 1 << 18);
		buf_init(&res, 1 << 16);
		random_text(&a, rnd(i % 3 ? 12 : 60), alpha);
		if (rnd(8) == 0)
			buf_add(&b, a.p ? a.p : "", a.len);
		else
			random_text(&b, rnd(i % 3 ? 12 : 60), alpha);
		if (diff_unified(a.p, a.len, b.p, b.len, "a", "b", &out) < 0) {
			bad_apply++;
		} else if (out.len == 0) {
			bad_apply += a.len != b.len ||
			    (a.len && memcmp(a.p, b.p, a.len) != 0);
		} else if (apply(a.p, a.len, out.p, out.len, &res, &changed) <
		        0 ||
		    res.len != b.len || (b.len && memcmp(res.p, b.p, b.len))) {
			bad_apply++;
		} else if (changed != fewest(a.p, a.len, b.p, b.len)) {
			bad_size++;
		}
		buf_release(&a);
		buf_release(&b);
		buf_release(&out);
		buf_release(&res);
	}
	CHECK_INT(bad_apply, 0);
	CHECK_INT(bad_size, 0);
}

int
main(void)
{
	test_json();
	test_json_many();
	test_unified_fixed();
	test_unified_bytes();
	test_unified_cap();
	test_unified_full();
	test_unified_random();
	return check_report();
}
