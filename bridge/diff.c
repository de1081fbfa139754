/*
 * diff - a structural JSON comparison and a unified line diff for
 * `bridge replay --diff`. Pure. The line diff is Myers' middle-snake
 * divide and conquer ("An O(ND) Difference Algorithm and Its Variations",
 * 1986, section 4b): memory linear in the number of lines, time bounded by
 * DIFF_MAX_EDITS.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../sockets/alloc.h"
#include "diff.h"

/* Whether n more bytes fit under b's cap; EMSGSIZE if not. */
static int
diff_fits(const struct buf *b, size_t n)
{
	if (b->len > b->max || n > b->max - b->len) {
		errno = EMSGSIZE;
		return 0;
	}
	return 1;
}

/* JSON */

/* One step of a path: a key, or an index when key is NULL. */
struct diff_seg {
	const char *key;
	size_t index;
};

struct diff_json {
	const char *const *ignore;
	size_t nignore;
	struct buf *paths;
	int full; /* a path did not fit in paths: list no more */
	int count;
	struct diff_seg *seg; /* the path of the values being compared */
	size_t depth, cap;
};

static void
json_push(struct diff_json *c, const char *key, size_t index)
{
	if (c->depth == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->seg = xrealloc(c->seg, c->cap * sizeof(c->seg[0]));
	}
	c->seg[c->depth].key = key;
	c->seg[c->depth].index = index;
	c->depth++;
}

/* p at "[": past the "]" of "[*]" or of "[index]", or NULL. */
static const char *
json_match_index(const char *p, size_t index)
{
	size_t v = 0;

	if (p[1] == '*' && p[2] == ']')
		return p + 3;
	if (p[1] < '0' || p[1] > '9')
		return NULL;
	for (p++; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return NULL; /* no array is that long */
		v = 10 * v + (size_t)(*p - '0');
	}
	return *p == ']' && v == index ? p + 1 : NULL;
}

/* Whether pattern p names the path seg[0..depth) exactly. */
static int
json_match(const char *p, const struct diff_seg *seg, size_t depth)
{
	size_t i, n;

	for (i = 0; i < depth; i++) {
		if (!seg[i].key) {
			if (*p != '[')
				return 0;
			p = json_match_index(p, seg[i].index);
			if (!p)
				return 0;
			continue;
		}
		if (i > 0 && *p++ != '.')
			return 0;
		n = strcspn(p, ".[");
		if (!(n == 1 && *p == '*') &&
		    (strlen(seg[i].key) != n || memcmp(p, seg[i].key, n) != 0))
			return 0;
		p += n;
	}
	return *p == '\0';
}

static int
json_ignored(const struct diff_json *c)
{
	size_t i;

	for (i = 0; i < c->nignore; i++)
		if (json_match(c->ignore[i], c->seg, c->depth))
			return 1;
	return 0;
}

/* Count a difference at the current path, and list it while there is room. */
static void
json_note(struct diff_json *c)
{
	size_t i, need = 1;
	int r = 0;

	if (c->count < INT_MAX)
		c->count++;
	if (!c->paths || c->full || c->count > DIFF_MAX_PATHS)
		return;
	for (i = 0; i < c->depth; i++)
		if (c->seg[i].key)
			need += (i > 0) + strlen(c->seg[i].key);
		else
			need +=
			    (size_t)snprintf(NULL, 0, "[%zu]", c->seg[i].index);
	if (!diff_fits(c->paths, need)) {
		c->full = 1;
		return;
	}
	for (i = 0; i < c->depth && r == 0; i++)
		if (!c->seg[i].key)
			r = buf_printf(c->paths, "[%zu]", c->seg[i].index);
		else if (i > 0)
			r = buf_printf(c->paths, ".%s", c->seg[i].key);
		else
			r = buf_addstr(c->paths, c->seg[i].key);
	if (r == 0)
		r = buf_addch(c->paths, '\n');
	if (r < 0)
		c->full = 1;
}

/* Integers: json-c keeps values above INT64_MAX as uint64. */
static int
json_int_equal(struct json_object *a, struct json_object *b)
{
	int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);

	if (x != y)
		return 0;
	/* both are INT64_MAX or above, where get_int64 saturates */
	if (x == INT64_MAX)
		return json_object_get_uint64(a) == json_object_get_uint64(b);
	return 1;
}

/* 2^63 and 2^64, exact as doubles */
#define DIFF_2P63 9223372036854775808.0
#define DIFF_2P64 18446744073709551616.0

static int
json_int_is(struct json_object *i, double d)
{
	if (d >= -DIFF_2P63 && d < DIFF_2P63) {
		int64_t v = (int64_t)d;

		/* below 2^63 a double is at most 2^63 - 1024: no saturation */
		return (double)v == d && json_object_get_int64(i) == v;
	}
	if (d >= DIFF_2P63 && d < DIFF_2P64)
		return json_object_get_int64(i) == INT64_MAX &&
		    json_object_get_uint64(i) == (uint64_t)d;
	return 0; /* NaN, infinities, and beyond any integer */
}

static int
json_num_equal(struct json_object *a, struct json_object *b)
{
	int da = json_object_is_type(a, json_type_double);
	int db = json_object_is_type(b, json_type_double);
	double x, y;

	if (!da && !db)
		return json_int_equal(a, b);
	if (!db)
		return json_int_is(b, json_object_get_double(a));
	if (!da)
		return json_int_is(a, json_object_get_double(b));
	x = json_object_get_double(a);
	y = json_object_get_double(b);
	return x == y || (isnan(x) && isnan(y));
}

static int
json_is_num(enum json_type t)
{
	return t == json_type_int || t == json_type_double;
}

static void json_walk(struct diff_json *c, struct json_object *a,
    struct json_object *b);

/*
 * The keys of from: those missing in other are differences; those in
 * both are compared if compare is set (once per pair of objects).
 */
static void
json_walk_keys(struct diff_json *c, struct json_object *from,
    struct json_object *other, int compare)
{
	struct json_object_iterator it = json_object_iter_begin(from);
	struct json_object_iterator end = json_object_iter_end(from);
	struct json_object *v;

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		if (!json_object_object_get_ex(other,
		        json_object_iter_peek_name(&it), &v)) {
			json_push(c, json_object_iter_peek_name(&it), 0);
			if (!json_ignored(c))
				json_note(c);
			c->depth--;
		} else if (compare) {
			json_push(c, json_object_iter_peek_name(&it), 0);
			json_walk(c, json_object_iter_peek_value(&it), v);
			c->depth--;
		}
	}
}

static void
json_walk_array(struct diff_json *c, struct json_object *a,
    struct json_object *b)
{
	size_t na = json_object_array_length(a);
	size_t nb = json_object_array_length(b);
	size_t i;

	if (na != nb)
		json_note(c);
	for (i = 0; i < na && i < nb; i++) {
		json_push(c, NULL, i);
		json_walk(c, json_object_array_get_idx(a, i),
		    json_object_array_get_idx(b, i));
		c->depth--;
	}
}

static void
json_walk(struct diff_json *c, struct json_object *a, struct json_object *b)
{
	enum json_type ta = json_object_get_type(a);
	enum json_type tb = json_object_get_type(b);

	if (json_ignored(c))
		return;
	if (json_is_num(ta) && json_is_num(tb)) {
		if (!json_num_equal(a, b))
			json_note(c);
		return;
	}
	if (ta != tb) {
		json_note(c);
		return;
	}
	switch (ta) {
	case json_type_object:
		/* a's keys in a's order, then those only in b */
		json_walk_keys(c, a, b, 1);
		json_walk_keys(c, b, a, 0);
		break;
	case json_type_array:
		json_walk_array(c, a, b);
		break;
	case json_type_string:
		if (json_object_get_string_len(a) !=
		        json_object_get_string_len(b) ||
		    memcmp(json_object_get_string(a), json_object_get_string(b),
		        (size_t)json_object_get_string_len(a)) != 0)
			json_note(c);
		break;
	case json_type_boolean:
		if (!json_object_get_boolean(a) != !json_object_get_boolean(b))
			json_note(c);
		break;
	default: /* null; the numbers were compared above */
		break;
	}
}

int
diff_json(struct json_object *a, struct json_object *b,
    const char *const *ignore, size_t nignore, struct buf *paths)
{
	struct diff_json c;

	memset(&c, 0, sizeof(c));
	c.ignore = ignore;
	c.nignore = nignore;
	c.paths = paths;
	json_walk(&c, a, b);
	free(c.seg);
	return c.count;
}

/* Unified diff */

#define DIFF_NO_NL "\\ No newline at end of file\n"

struct diff_line {
	const char *p;
	size_t n; /* with its "\n"; only a text's last line may lack one */
};

struct diff_text {
	struct diff_line *line;
	size_t *id;  /* lines with the same bytes have the same id */
	char *chg;   /* 1: the line is deleted (text a) or inserted (b) */
	ptrdiff_t n; /* lines */
};

/* A run of deleted lines a[a, a + na) and inserted lines b[b, b + nb). */
struct diff_change {
	ptrdiff_t a, na, b, nb;
};

/* Lines a[x0, x1) and b[y0, y1) are equal; x1 - x0 == y1 - y0. */
struct diff_snake {
	ptrdiff_t x0, y0, x1, y1;
};

struct diff_ctx {
	struct diff_text a, b;
	ptrdiff_t *vf, *vb; /* Myers' V for both directions, by diagonal */
	struct diff_change *ch;
	size_t nch, capch;
	struct buf *out;
};

static void
text_split(struct diff_text *t, const char *p, size_t len)
{
	const char *end = p + len, *nl;
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += p[i] == '\n';
	if (len && p[len - 1] != '\n')
		n++;
	t->line = xmalloc((n ? n : 1) * sizeof(t->line[0]));
	t->id = xmalloc((n ? n : 1) * sizeof(t->id[0]));
	t->chg = xcalloc(n ? n : 1, 1);
	t->n = (ptrdiff_t)n;
	for (i = 0; i < n; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		t->line[i].p = p;
		t->line[i].n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		p += t->line[i].n;
	}
}

/* FNV-1a, 64 bits */
static uint64_t
line_hash(const struct diff_line *l)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t i;

	for (i = 0; i < l->n; i++)
		h = (h ^ (unsigned char)l->p[i]) * 0x100000001b3u;
	return h;
}

/*
 * Number the distinct lines of both texts (an open-addressing table of
 * class numbers), so that the search compares integers, not bytes.
 */
static void
diff_classify(struct diff_ctx *c)
{
	size_t total = (size_t)c->a.n + (size_t)c->b.n, size = 16, nc = 0;
	size_t *slot, i, s;
	const struct diff_line **rep;
	uint64_t *hash;

	while (size < 2 * total)
		size *= 2;
	slot = xcalloc(size, sizeof(slot[0])); /* class + 1; 0 is empty */
	rep = xmalloc((total ? total : 1) * sizeof(rep[0]));
	hash = xmalloc((total ? total : 1) * sizeof(hash[0]));
	for (i = 0; i < total; i++) {
		struct diff_text *t = i < (size_t)c->a.n ? &c->a : &c->b;
		size_t k = t == &c->a ? i : i - (size_t)c->a.n;
		const struct diff_line *l = &t->line[k];
		uint64_t h = line_hash(l);

		for (s = h & (size - 1); slot[s]; s = (s + 1) & (size - 1))
			if (hash[slot[s] - 1] == h &&
			    rep[slot[s] - 1]->n == l->n &&
			    memcmp(rep[slot[s] - 1]->p, l->p, l->n) == 0)
				break;
		if (!slot[s]) {
			rep[nc] = l;
			hash[nc] = h;
			slot[s] = ++nc;
		}
		t->id[k] = slot[s] - 1;
	}
	free(hash);
	free(rep);
	free(slot);
}

static int
is_odd(ptrdiff_t v)
{
	return v % 2 != 0;
}

/*
 * Forward step d of the middle-snake search in the box a[0, n) x b[0, m)
 * (a and b already offset), over diagonals k = x - y of parity d within
 * [-m, n]; *lo and *hi hold step d-1's range and get step d's. Returns 1
 * with the snake when the path on a diagonal meets the reverse one.
 */
static int
snake_forward(const size_t *a, ptrdiff_t n, const size_t *b, ptrdiff_t m,
    ptrdiff_t *vf, const ptrdiff_t *vb, ptrdiff_t d, ptrdiff_t *lo,
    ptrdiff_t *hi, const ptrdiff_t rlo_rhi[2], struct diff_snake *s)
{
	ptrdiff_t k, x0, y, klo, khi;

	klo = -d > -m + is_odd(d + m) ? -d : -m + is_odd(d + m);
	khi = d < n - is_odd(d + n) ? d : n - is_odd(d + n);
	for (k = klo; k <= khi; k += 2) {
		ptrdiff_t x = 0;

		if (d > 0 && k + 1 <= *hi)
			x = vf[k + 1]; /* down from diagonal k + 1 */
		if (d > 0 && k - 1 >= *lo && vf[k - 1] + 1 > x)
			x = vf[k - 1] + 1; /* right from diagonal k - 1 */
		for (x0 = x, y = x - k; x < n && y < m && a[x] == b[y]; x++)
			y++;
		vf[k] = x;
		/* odd delta: meeting the reverse path of step d - 1 */
		if (d > 0 && k >= rlo_rhi[0] && k <= rlo_rhi[1] && vb[k] <= x &&
		    x <= n && y <= m) {
			s->x0 = x0;
			s->y0 = x0 - k;
			s->x1 = x;
			s->y1 = y;
			return 1;
		}
	}
	*lo = klo;
	*hi = khi;
	return 0;
}

/* The reverse step: from (n, m) backwards, diagonals about n - m. */
static int
snake_reverse(const size_t *a, ptrdiff_t n, const size_t *b, ptrdiff_t m,
    const ptrdiff_t *vf, ptrdiff_t *vb, ptrdiff_t d, ptrdiff_t *lo,
    ptrdiff_t *hi, const ptrdiff_t flo_fhi[2], struct diff_snake *s)
{
	ptrdiff_t k, x1, y, klo, khi, delta = n - m;

	klo = delta - d > -m + is_odd(n + d) ? delta - d : -m + is_odd(n + d);
	khi = delta + d < n - is_odd(m + d) ? delta + d : n - is_odd(m + d);
	for (k = klo; k <= khi; k += 2) {
		ptrdiff_t x = n;

		if (d > 0 && k - 1 >= *lo)
			x = vb[k - 1]; /* up from diagonal k - 1 */
		if (d > 0 && k + 1 <= *hi && vb[k + 1] - 1 < x)
			x = vb[k + 1] - 1; /* left from diagonal k + 1 */
		for (x1 = x, y = x - k; x > 0 && y > 0 && a[x - 1] == b[y - 1];
		     x--)
			y--;
		vb[k] = x;
		/* even delta: meeting the forward path of step d */
		if (k >= flo_fhi[0] && k <= flo_fhi[1] && vf[k] >= x &&
		    x >= 0 && y >= 0) {
			s->x0 = x;
			s->y0 = y;
			s->x1 = x1;
			s->y1 = x1 - k;
			return 1;
		}
	}
	*lo = klo;
	*hi = khi;
	return 0;
}

/*
 * The middle snake of the box a[ax, ax + n) x b[by, by + m), n, m > 0,
 * in box coordinates. Returns the box's edit distance, or -1 once it is
 * known to exceed limit. The paths meet on a diagonal from one side only,
 * by the parity of n - m (Myers, lemma 3), hence the unused range.
 */
static ptrdiff_t
diff_middle(struct diff_ctx *c, ptrdiff_t ax, ptrdiff_t n, ptrdiff_t by,
    ptrdiff_t m, ptrdiff_t limit, struct diff_snake *s)
{
	const size_t *a = c->a.id + ax, *b = c->b.id + by;
	ptrdiff_t *vf = c->vf + m + 1, *vb = c->vb + m + 1;
	ptrdiff_t f[2] = { 0, -1 }, r[2] = { 0, -1 }, none[2] = { 1, 0 };
	ptrdiff_t d;
	int odd = is_odd(n - m);

	for (d = 0; 2 * d - 1 <= limit && d <= (n + m) / 2 + 1; d++) {
		if (snake_forward(a, n, b, m, vf, vb, d, &f[0], &f[1],
		        odd ? r : none, s))
			return 2 * d - 1;
		if (snake_reverse(a, n, b, m, vf, vb, d, &r[0], &r[1],
		        odd ? none : f, s))
			return 2 * d;
	}
	return -1;
}

static void
diff_mark(char *chg, ptrdiff_t from, ptrdiff_t to)
{
	if (to > from)
		memset(chg + from, 1, (size_t)(to - from));
}

/*
 * Mark the changed lines of a[ax, ae) and b[by, be). -1 when the distance
 * exceeds limit; the recursive calls have no limit, their distance being
 * at most their parent's.
 */
static int
diff_compare(struct diff_ctx *c, ptrdiff_t ax, ptrdiff_t ae, ptrdiff_t by,
    ptrdiff_t be, ptrdiff_t limit)
{
	struct diff_snake s;
	ptrdiff_t n, m, d;

	while (ax < ae && by < be && c->a.id[ax] == c->b.id[by]) {
		ax++;
		by++;
	}
	while (ax < ae && by < be && c->a.id[ae - 1] == c->b.id[be - 1]) {
		ae--;
		be--;
	}
	n = ae - ax;
	m = be - by;
	if (n == 0 || m == 0) {
		diff_mark(c->a.chg, ax, ae);
		diff_mark(c->b.chg, by, be);
		return 0;
	}
	d = diff_middle(c, ax, n, by, m, limit, &s);
	if (d > limit || (d < 0 && limit < n + m))
		return -1;
	if (d < 0 || s.x0 < 0 || s.y0 < 0 || s.x1 > n || s.y1 > m ||
	    (s.x0 == n && s.y0 == m) || (s.x1 == 0 && s.y1 == 0)) {
		/* cannot happen; were it to, a longer script is still right */
		diff_mark(c->a.chg, ax, ae);
		diff_mark(c->b.chg, by, be);
		return 0;
	}
	diff_compare(c, ax, ax + s.x0, by, by + s.y0, n + m);
	diff_compare(c, ax + s.x1, ae, by + s.y1, be, n + m);
	return 0;
}

/* The runs of changed lines, in order, from the marks. */
static void
diff_changes(struct diff_ctx *c)
{
	ptrdiff_t i = 0, j = 0, si, sj;

	while (i < c->a.n || j < c->b.n) {
		if (i < c->a.n && j < c->b.n && !c->a.chg[i] && !c->b.chg[j]) {
			i++;
			j++;
			continue;
		}
		si = i;
		sj = j;
		/* once one text is used up, the rest of the other changed */
		while (i < c->a.n && (c->a.chg[i] || j >= c->b.n))
			i++;
		while (j < c->b.n && (c->b.chg[j] || i >= c->a.n))
			j++;
		if (c->nch == c->capch) {
			c->capch = c->capch ? 2 * c->capch : 16;
			c->ch = xrealloc(c->ch, c->capch * sizeof(c->ch[0]));
		}
		c->ch[c->nch].a = si;
		c->ch[c->nch].na = i - si;
		c->ch[c->nch].b = sj;
		c->ch[c->nch].nb = j - sj;
		c->nch++;
	}
}

/* One whole output line, or nothing (-1, EMSGSIZE) if it does not fit. */
static int
diff_put_line(struct buf *out, char mark, const struct diff_line *l)
{
	int bare = l->n == 0 || l->p[l->n - 1] != '\n';
	size_t need = 1 + l->n + (bare ? 1 + strlen(DIFF_NO_NL) : 0);

	if (!diff_fits(out, need) || buf_addch(out, mark) < 0 ||
	    buf_add(out, l->p, l->n) < 0)
		return -1;
	if (bare &&
	    (buf_addch(out, '\n') < 0 || buf_addstr(out, DIFF_NO_NL) < 0))
		return -1;
	return 0;
}

static int
diff_put_lines(struct buf *out, char mark, const struct diff_text *t,
    ptrdiff_t from, ptrdiff_t to)
{
	for (; from < to; from++)
		if (diff_put_line(out, mark, &t->line[from]) < 0)
			return -1;
	return 0;
}

/*
 * diff(1)'s range: "l,s" from line l (1-based) for s lines, "l" for one
 * line, and for none the line before them ("0,0" at the start).
 */
static void
diff_range(char *dst, size_t size, ptrdiff_t start, ptrdiff_t count)
{
	if (count == 1)
		snprintf(dst, size, "%td", start + 1);
	else
		snprintf(dst, size, "%td,%td", count ? start + 1 : start,
		    count);
}

static int
diff_put_header(struct buf *out, ptrdiff_t a, ptrdiff_t na, ptrdiff_t b,
    ptrdiff_t nb)
{
	char ra[48], rb[48], line[112];
	int n;

	diff_range(ra, sizeof(ra), a, na);
	diff_range(rb, sizeof(rb), b, nb);
	n = snprintf(line, sizeof(line), "@@ -%s +%s @@\n", ra, rb);
	if (!diff_fits(out, (size_t)n))
		return -1;
	return buf_add(out, line, (size_t)n);
}

/* The hunk of changes ch[first, last], with their context. */
static int
diff_put_hunk(struct diff_ctx *c, size_t first, size_t last)
{
	const struct diff_change *f = &c->ch[first], *l = &c->ch[last], *ch;
	ptrdiff_t before = f->a < DIFF_CONTEXT ? f->a : DIFF_CONTEXT;
	ptrdiff_t tail = c->a.n - (l->a + l->na), after, a, b;
	size_t i;

	if (last + 1 < c->nch)
		tail = c->ch[last + 1].a - (l->a + l->na);
	after = tail < DIFF_CONTEXT ? tail : DIFF_CONTEXT;
	a = f->a - before;
	b = f->b - before;
	if (diff_put_header(c->out, a, l->a + l->na + after - a, b,
	        l->b + l->nb + after - b) < 0)
		return -1;
	for (i = first; i <= last; i++) {
		ch = &c->ch[i];
		if (diff_put_lines(c->out, ' ', &c->a, a, ch->a) < 0 ||
		    diff_put_lines(c->out, '-', &c->a, ch->a, ch->a + ch->na) <
		        0 ||
		    diff_put_lines(c->out, '+', &c->b, ch->b, ch->b + ch->nb) <
		        0)
			return -1;
		a = ch->a + ch->na;
	}
	return diff_put_lines(c->out, ' ', &c->a, a, a + after);
}

/*
 * Changes at most 2 * DIFF_CONTEXT unchanged lines apart share a hunk, so
 * that their contexts neither overlap nor leave a gap, as diff -u does.
 */
static int
diff_put_hunks(struct diff_ctx *c)
{
	size_t first = 0;

	while (first < c->nch) {
		size_t last = first;

		while (last + 1 < c->nch &&
		    c->ch[last + 1].a - (c->ch[last].a + c->ch[last].na) <=
		        2 * DIFF_CONTEXT)
			last++;
		if (diff_put_hunk(c, first, last) < 0)
			return -1;
		first = last + 1;
	}
	return 0;
}

/* The fallback: every line of a deleted, every line of b inserted. */
static int
diff_put_whole(struct diff_ctx *c)
{
	if (diff_put_header(c->out, 0, c->a.n, 0, c->b.n) < 0 ||
	    diff_put_lines(c->out, '-', &c->a, 0, c->a.n) < 0)
		return -1;
	return diff_put_lines(c->out, '+', &c->b, 0, c->b.n);
}

static int
diff_put_labels(struct buf *out, const char *la, const char *lb)
{
	la = la ? la : "";
	lb = lb ? lb : "";
	if (!diff_fits(out, strlen(la) + strlen(lb) + 10))
		return -1;
	return buf_printf(out, "--- %s\n+++ %s\n", la, lb);
}

static void
diff_release(struct diff_ctx *c)
{
	free(c->a.line);
	free(c->a.id);
	free(c->a.chg);
	free(c->b.line);
	free(c->b.id);
	free(c->b.chg);
	free(c->vf);
	free(c->vb);
	free(c->ch);
}

int
diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, struct buf *out)
{
	struct diff_ctx c;
	size_t nv;
	int r;

	if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0))
		return 0;
	memset(&c, 0, sizeof(c));
	c.out = out;
	text_split(&c.a, a, alen);
	text_split(&c.b, b, blen);
	diff_classify(&c);
	/* diagonals -m - 1 .. n + 1 of the largest box, the whole */
	nv = (size_t)c.a.n + (size_t)c.b.n + 3;
	c.vf = xmalloc(nv * sizeof(c.vf[0]));
	c.vb = xmalloc(nv * sizeof(c.vb[0]));
	r = diff_put_labels(out, label_a, label_b);
	if (r == 0 &&
	    diff_compare(&c, 0, c.a.n, 0, c.b.n, DIFF_MAX_EDITS) == 0) {
		diff_changes(&c);
		r = diff_put_hunks(&c);
	} else if (r == 0) {
		r = diff_put_whole(&c);
	}
	diff_release(&c);
	return r;
}
