/*
 * schedule - rate and cron expressions as EventBridge Scheduler reads them,
 * with a proleptic Gregorian calendar of our own over 1970-2199 (no libc
 * time functions, no time zones). Cron fields become bit sets; the search
 * for the next fire moves field by field, largest first.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schedule.h"

#define YEAR_MIN  1970
#define YEAR_MAX  2199
#define COUNT_MAX 1000000 /* the largest N of a rate */
#define RATE_UNKNOWN                                                           \
	"%s: unknown unit; use minute(s), hour(s), day(s) or the short form "  \
	"30s, 5m, 2h, 1d"

enum {
	F_MINUTE,
	F_HOUR,
	F_DOM,
	F_MONTH,
	F_DOW,
	F_YEAR,
	F_COUNT
};

struct field {
	const char *name;
	int min, max;
	const char *names; /* three letters per value from min; NULL: none */
};

static const struct field fields[F_COUNT] = {
	{ "minutes", 0, 59, NULL },
	{ "hours", 0, 23, NULL },
	{ "day-of-month", 1, 31, NULL },
	{ "month", 1, 12, "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC" },
	{ "day-of-week", 1, 7, "SUNMONTUEWEDTHUFRISAT" },
	{ "year", YEAR_MIN, YEAR_MAX, NULL },
};

static const struct unit {
	const char *one, *many;
	long long seconds;
} units[] = {
	{ "minute", "minutes", 60 },
	{ "hour", "hours", 3600 },
	{ "day", "days", 86400 },
};

/* A cursor in the calendar, always a valid date. */
struct when {
	int y, mo, d, h, mi;
};

static int why_put(char *why, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write the reason into why (if any); always -1, for `return why_put()`. */
static int
why_put(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * A printable copy of p[0..n) for a reason: at most 40 bytes, anything
 * outside printable ASCII shown as '?', so that the log line stays one line.
 */
static const char *
quote(char *out, size_t size, const char *p, size_t n)
{
	size_t i, k = n > 40 ? 40 : n;

	if (k + 4 > size)
		k = size > 4 ? size - 4 : 0;
	for (i = 0; i < k; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	if (k < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

static int
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int mo)
{
	static const unsigned char n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
		31, 30, 31 };

	return mo == 2 && leap_year(y) ? 29 : n[mo - 1];
}

/* Days from 1970-01-01 to 1 January of y (y >= 1970). */
static long
days_to_year(int y)
{
	long p = y - 1, q = YEAR_MIN - 1;

	return 365L * (y - YEAR_MIN) + (p / 4 - p / 100 + p / 400) -
	    (q / 4 - q / 100 + q / 400);
}

static long
days_from_civil(int y, int mo, int d)
{
	long n = days_to_year(y);
	int i;

	for (i = 1; i < mo; i++)
		n += month_days(y, i);
	return n + d - 1;
}

/* The date of day n (>= 0) since 1970-01-01. */
static void
civil_from_days(long n, struct when *w)
{
	/* a year has at most 366 days, so this starts at or before the year */
	w->y = YEAR_MIN + (int)(n / 366);
	while (days_to_year(w->y + 1) <= n)
		w->y++;
	n -= days_to_year(w->y);
	for (w->mo = 1; n >= month_days(w->y, w->mo); w->mo++)
		n -= month_days(w->y, w->mo);
	w->d = (int)n + 1;
}

/* 1 = Sunday ... 7 = Saturday, as cron numbers them. */
static int
weekday(int y, int mo, int d)
{
	/* 1970-01-01 was a Thursday */
	return (int)((days_from_civil(y, mo, d) + 4) % 7) + 1;
}

/* The day NW picks in y-mo: the nearest Monday-Friday in the same month. */
static int
near_weekday(int y, int mo, int n)
{
	int last = month_days(y, mo), wd;

	if (n > last)
		return 0;
	wd = weekday(y, mo, n);
	if (wd == 7)
		return n == 1 ? 3 : n - 1;
	if (wd == 1)
		return n == last ? n - 2 : n + 1;
	return n;
}

static int
last_weekday(int y, int mo)
{
	int last = month_days(y, mo), wd = weekday(y, mo, last);

	return wd == 7 ? last - 1 : wd == 1 ? last - 2 : last;
}

static int
has_bit(unsigned long long set, int v)
{
	return (int)(set >> v & 1);
}

/* The smallest member of set in [from, max]; -1 when none. */
static int
next_bit(unsigned long long set, int from, int max)
{
	for (; from <= max; from++)
		if (has_bit(set, from))
			return from;
	return -1;
}

static int
year_has(const struct schedule *s, int y)
{
	int i = y - YEAR_MIN;

	return has_bit(s->year[i / 64], i % 64);
}

static int
day_matches(const struct schedule *s, int y, int mo, int d)
{
	int last = month_days(y, mo), wd = weekday(y, mo, d), n;

	if (s->dow_any) {
		if (has_bit(s->dom, d) || (s->dom_last && d == last))
			return 1;
		if (s->dom_lastwd && d == last_weekday(y, mo))
			return 1;
		/* NW moves day N by at most two days (1W, 31W) */
		for (n = d > 2 ? d - 2 : 1; n <= d + 2 && n <= last; n++)
			if (has_bit(s->dom_near, n) &&
			    near_weekday(y, mo, n) == d)
				return 1;
		return 0;
	}
	if (has_bit(s->dow, wd))
		return 1;
	if (has_bit(s->dow_last, wd) && d + 7 > last)
		return 1;
	return s->nth_dow == wd && (d - 1) / 7 + 1 == s->nth;
}

static void
next_month(struct when *w)
{
	w->d = 1;
	w->h = w->mi = 0;
	if (++w->mo > 12) {
		w->mo = 1;
		w->y++;
	}
}

static void
next_day(struct when *w)
{
	w->h = w->mi = 0;
	if (++w->d > month_days(w->y, w->mo))
		next_month(w);
}

static long long
cron_next(const struct schedule *s, struct when w)
{
	int v;

	while (w.y <= YEAR_MAX) {
		if (!year_has(s, w.y)) {
			w.y++;
			w.mo = w.d = 1;
			w.h = w.mi = 0;
			continue;
		}
		if (!has_bit(s->month, w.mo)) {
			next_month(&w);
			continue;
		}
		if (!day_matches(s, w.y, w.mo, w.d)) {
			next_day(&w);
			continue;
		}
		v = next_bit(s->hour, w.h, 23);
		if (v < 0) {
			next_day(&w);
			continue;
		}
		if (v > w.h) {
			w.h = v;
			w.mi = 0;
		}
		v = next_bit(s->minute, w.mi, 59);
		if (v < 0) {
			w.mi = 0;
			if (++w.h > 23)
				next_day(&w);
			continue;
		}
		return days_from_civil(w.y, w.mo, w.d) * 86400LL +
		    w.h * 3600LL + v * 60LL;
	}
	return -1;
}

long long
schedule_next(const struct schedule *s, long long after)
{
	long long t;
	struct when w;

	if (s->kind == SCHEDULE_RATE) {
		if (s->every <= 0 || after > LLONG_MAX - s->every)
			return -1;
		return after + s->every;
	}
	if (s->kind != SCHEDULE_CRON ||
	    after >= days_to_year(YEAR_MAX + 1) * 86400LL)
		return -1;
	/* cron fires at second 0 of a minute, and strictly after `after` */
	t = after < 0 ? 0 : (after / 60 + 1) * 60;
	civil_from_days((long)(t / 86400), &w);
	w.h = (int)(t % 86400 / 3600);
	w.mi = (int)(t % 3600 / 60);
	return cron_next(s, w);
}

unsigned long long
schedule_count(const struct schedule *s, long long from, long long span)
{
	unsigned long long n = 0;
	long long t, end;

	if (span <= 0)
		return 0;
	if (s->kind == SCHEDULE_RATE)
		return s->every > 0 ? (unsigned long long)(span / s->every) : 0;
	if (s->kind != SCHEDULE_CRON)
		return 0;
	end = from > LLONG_MAX - span ? LLONG_MAX : from + span;
	/* nothing fires before 1970, so any from <= 0 starts there */
	t = from <= 0 ? -1 : from - 1;
	for (;;) {
		t = schedule_next(s, t);
		if (t < 0 || t >= end)
			break;
		n++;
	}
	return n;
}

/* The count N of a rate at *pp: 1-1000000, no sign, no leading zero. */
static int
rate_count(const char **pp, const char *end, long long *n, const char *q,
    char *why, size_t size)
{
	const char *p = *pp;

	*n = 0;
	if (p < end && (*p == '-' || *p == '+'))
		return why_put(why, size, "%s: the count takes no sign", q);
	if (p == end || !isdigit((unsigned char)*p))
		return why_put(why, size,
		    "%s: expected a count, as in rate(5 minutes), 5 minutes "
		    "or 5m",
		    q);
	if (*p == '0' && p + 1 < end && isdigit((unsigned char)p[1]))
		return why_put(why, size, "%s: the count has a leading zero",
		    q);
	for (; p < end && isdigit((unsigned char)*p); p++)
		if (*n <= COUNT_MAX)
			*n = *n * 10 + (*p - '0');
	if (*n == 0)
		return why_put(why, size, "%s: the count must be at least 1",
		    q);
	if (*n > COUNT_MAX)
		return why_put(why, size, "%s: the count is above %d", q,
		    COUNT_MAX);
	*pp = p;
	return 0;
}

/*
 * The seconds of the unit in p[0..end), right after the count n: " word"
 * (singular for 1, plural otherwise) or, outside rate(...), one of the
 * short form's letters. -1 with the reason in why.
 */
static long long
rate_unit(const char *p, const char *end, long long n, int wrapped,
    const char *q, char *why, size_t size)
{
	static const char letter[] = "smhd";
	static const long long secs[] = { 1, 60, 3600, 86400 };
	const char *c;
	size_t i, len;

	if (p == end)
		return why_put(why, size, "%s: missing unit", q);
	if (*p != ' ') {
		c = p + 1 == end ? strchr(letter, *p) : NULL;
		if (c && *c && wrapped)
			return why_put(why, size,
			    "%s: rate(...) takes a unit word, as in "
			    "rate(5 minutes)",
			    q);
		if (c && *c)
			return secs[c - letter];
		return why_put(why, size, RATE_UNKNOWN, q);
	}
	p++;
	len = (size_t)(end - p);
	if (len > 0 && *p == ' ')
		return why_put(why, size,
		    "%s: put one space between the count and the unit", q);
	if ((len == 6 && memcmp(p, "second", 6) == 0) ||
	    (len == 7 && memcmp(p, "seconds", 7) == 0))
		return why_put(why, size,
		    "%s: seconds only in the short form (30s), for local runs; "
		    "EventBridge's shortest rate is 1 minute",
		    q);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const struct unit *un = &units[i];

		if (len == strlen(un->one) && memcmp(p, un->one, len) == 0) {
			if (n != 1)
				return why_put(why, size,
				    "%s: %lld takes the plural unit, %s", q, n,
				    un->many);
			return un->seconds;
		}
		if (len == strlen(un->many) && memcmp(p, un->many, len) == 0) {
			if (n == 1)
				return why_put(why, size,
				    "%s: 1 takes the singular unit, %s", q,
				    un->one);
			return un->seconds;
		}
	}
	return why_put(why, size, RATE_UNKNOWN, q);
}

int
schedule_parse_rate(struct schedule *s, const char *text, char *why,
    size_t why_size)
{
	struct schedule t = SCHEDULE_INIT;
	const char *p, *end;
	char q[48];
	long long n, unit;
	int wrapped = 0;

	if (!text || !*text)
		return why_put(why, why_size, "rate: empty");
	p = text;
	end = text + strlen(text);
	quote(q, sizeof(q), text, (size_t)(end - text));
	if (strncmp(p, "rate(", 5) == 0) {
		if (end[-1] != ')')
			return why_put(why, why_size,
			    "%s: missing ) at the end", q);
		p += 5;
		end--;
		wrapped = 1;
	}
	if (p < end &&
	    (isspace((unsigned char)*p) || isspace((unsigned char)end[-1])))
		return why_put(why, why_size, "%s: leading or trailing space",
		    q);
	if (rate_count(&p, end, &n, q, why, why_size) < 0)
		return -1;
	unit = rate_unit(p, end, n, wrapped, q, why, why_size);
	if (unit < 0)
		return -1;
	t.kind = SCHEDULE_RATE;
	t.every = n * unit;
	*s = t;
	return 0;
}

/*
 * A number or (month, day of week) a three-letter name at *pp, within the
 * field's range; *pp moves past it.
 */
static int
cron_value(const struct field *f, const char **pp, const char *end, int *v,
    char *why, size_t size)
{
	const char *p = *pp, *t = p;
	char q[48];
	long n = 0;
	int i;

	if (p < end && isdigit((unsigned char)*p)) {
		for (; p < end && isdigit((unsigned char)*p); p++)
			if (n <= 100000)
				n = n * 10 + (*p - '0');
		quote(q, sizeof(q), t, (size_t)(p - t));
		if (n < f->min || n > f->max)
			return why_put(why, size,
			    "cron: %s: %s is out of range %d-%d", f->name, q,
			    f->min, f->max);
		*v = (int)n;
		*pp = p;
		return 0;
	}
	while (p < end && isalpha((unsigned char)*p))
		p++;
	quote(q, sizeof(q), t, (size_t)(p - t));
	if (p - t == 3 && f->names) {
		for (i = 0; f->names[i * 3]; i++)
			if (toupper((unsigned char)t[0]) == f->names[i * 3] &&
			    toupper((unsigned char)t[1]) ==
			        f->names[i * 3 + 1] &&
			    toupper((unsigned char)t[2]) ==
			        f->names[i * 3 + 2]) {
				*v = f->min + i;
				*pp = p;
				return 0;
			}
	}
	if (p > t)
		return why_put(why, size, "cron: %s: unknown name %s", f->name,
		    q);
	if (p == end)
		return why_put(why, size, "cron: %s: missing value", f->name);
	quote(q, sizeof(q), p, 1);
	return why_put(why, size, "cron: %s: unexpected '%s'", f->name, q);
}

static void
set_bit(unsigned long long *set, int i)
{
	set[i / 64] |= 1ULL << (i % 64);
}

/* The bit set of field fi in s, indexed by value (year: value - 1970). */
static unsigned long long *
cron_set(struct schedule *s, int fi)
{
	switch (fi) {
	case F_MINUTE:
		return &s->minute;
	case F_HOUR:
		return &s->hour;
	case F_DOM:
		return &s->dom;
	case F_MONTH:
		return &s->month;
	case F_DOW:
		return &s->dow;
	default:
		return s->year;
	}
}

/* The special items: L, LW, NW in day-of-month; L, NL, N#K in day-of-week. */
static int
cron_special(struct schedule *s, int fi, const char *p, const char *e,
    char *why, size_t size)
{
	const struct field *f = &fields[fi];
	const char *t;
	char q[48];
	int v, k;

	if (e - p == 1 && toupper((unsigned char)*p) == 'L') {
		if (fi == F_DOM)
			s->dom_last = 1;
		else
			set_bit(&s->dow, 7); /* L alone: Saturday */
		return 0;
	}
	if (fi == F_DOM && e - p == 2 && toupper((unsigned char)p[0]) == 'L' &&
	    toupper((unsigned char)p[1]) == 'W') {
		s->dom_lastwd = 1;
		return 0;
	}
	quote(q, sizeof(q), p, (size_t)(e - p));
	if (cron_value(f, &p, e, &v, why, size) < 0)
		return -1;
	if (fi == F_DOM) {
		if (p + 1 != e || toupper((unsigned char)*p) != 'W')
			return why_put(why, size,
			    "cron: %s: %s: expected L, LW or one day before W, "
			    "as in 15W",
			    f->name, q);
		s->dom_near |= 1ULL << v;
		return 0;
	}
	if (p + 1 == e && toupper((unsigned char)*p) == 'L') {
		s->dow_last |= 1ULL << v;
		return 0;
	}
	if (*p != '#')
		return why_put(why, size,
		    "cron: %s: %s: expected one day before L or #, as in 6L "
		    "or 2#1",
		    f->name, q);
	t = ++p;
	for (k = 0; p < e && isdigit((unsigned char)*p) && k < 10; p++)
		k = k * 10 + (*p - '0');
	if (p == t || p != e || k < 1 || k > 5)
		return why_put(why, size,
		    "cron: %s: the week after # must be 1-5", f->name);
	s->nth_dow = v;
	s->nth = k;
	return 0;
}

/* Is p[0..e) an item that cron_special() takes? */
static int
cron_is_special(int fi, const char *p, const char *e)
{
	int c = toupper((unsigned char)e[-1]);

	if (fi == F_DOM)
		return c == 'L' || c == 'W';
	if (fi == F_DOW)
		return c == 'L' || memchr(p, '#', (size_t)(e - p)) != NULL;
	return 0;
}

/* One item of a list: *, N, A-B, each with an optional /S; or a special. */
static int
cron_item(struct schedule *s, int fi, const char *p, const char *e, char *why,
    size_t size)
{
	const struct field *f = &fields[fi];
	unsigned long long *set = cron_set(s, fi);
	const char *t;
	char q[48];
	int lo, hi, step = 1, single = 0, v;
	long n = 0;

	if (cron_is_special(fi, p, e))
		return cron_special(s, fi, p, e, why, size);
	if (*p == '*') {
		lo = f->min;
		hi = f->max;
		p++;
	} else {
		if (cron_value(f, &p, e, &lo, why, size) < 0)
			return -1;
		hi = lo;
		single = 1;
		if (p < e && *p == '-') {
			p++;
			if (cron_value(f, &p, e, &hi, why, size) < 0)
				return -1;
			if (hi < lo)
				return why_put(why, size,
				    "cron: %s: range %d-%d runs backwards (no "
				    "wrap-around)",
				    f->name, lo, hi);
			single = 0;
		}
	}
	if (p < e && *p == '/') {
		t = ++p;
		for (; p < e && isdigit((unsigned char)*p); p++)
			if (n <= 100000)
				n = n * 10 + (*p - '0');
		if (p == t)
			return why_put(why, size,
			    "cron: %s: missing step after /", f->name);
		if (n == 0 || n > f->max - f->min + 1)
			return why_put(why, size,
			    "cron: %s: step %ld is out of range 1-%d", f->name,
			    n, f->max - f->min + 1);
		step = (int)n;
		if (single)
			hi = f->max; /* N/S: from N to the end */
	}
	if (p < e) {
		quote(q, sizeof(q), p, 1);
		return why_put(why, size, "cron: %s: unexpected '%s'", f->name,
		    q);
	}
	for (v = lo; v <= hi; v += step)
		set_bit(set, fi == F_YEAR ? v - YEAR_MIN : v);
	return 0;
}

static int
cron_field(struct schedule *s, int fi, const char *p, const char *end,
    char *why, size_t size)
{
	const struct field *f = &fields[fi];
	const char *e;

	if (end - p == 1 && *p == '?') {
		if (fi == F_DOM)
			s->dom_any = 1;
		else if (fi == F_DOW)
			s->dow_any = 1;
		else
			return why_put(why, size,
			    "cron: %s: ? is only for day-of-month or "
			    "day-of-week",
			    f->name);
		return 0;
	}
	if (fi == F_DOW && memchr(p, '#', (size_t)(end - p)) &&
	    memchr(p, ',', (size_t)(end - p)))
		return why_put(why, size,
		    "cron: %s: a # expression must be the only item", f->name);
	for (;;) {
		e = memchr(p, ',', (size_t)(end - p));
		if (!e)
			e = end;
		if (e == p)
			return why_put(why, size,
			    "cron: %s: empty item in list", f->name);
		if (cron_item(s, fi, p, e, why, size) < 0)
			return -1;
		if (e == end)
			return 0;
		p = e + 1;
	}
}

int
schedule_parse_cron(struct schedule *s, const char *text, char *why,
    size_t why_size)
{
	struct schedule t = SCHEDULE_INIT;
	const char *p, *end, *start[F_COUNT], *stop[F_COUNT];
	int n = 0;

	if (!text || !*text)
		return why_put(why, why_size, "cron: empty");
	p = text;
	end = text + strlen(text);
	if (strncmp(p, "cron(", 5) == 0) {
		if (end[-1] != ')')
			return why_put(why, why_size,
			    "cron: missing ) at the end");
		p += 5;
		end--;
	}
	if (p < end &&
	    (isspace((unsigned char)*p) || isspace((unsigned char)end[-1])))
		return why_put(why, why_size,
		    "cron: leading or trailing space");
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (n < F_COUNT)
			start[n] = p;
		while (p < end && *p != ' ')
			p++;
		if (n < F_COUNT)
			stop[n] = p;
		n++;
	}
	if (n != F_COUNT)
		return why_put(why, why_size,
		    "cron: expected 6 fields (minutes hours day-of-month month "
		    "day-of-week year), got %d",
		    n);
	for (n = 0; n < F_COUNT; n++)
		if (cron_field(&t, n, start[n], stop[n], why, why_size) < 0)
			return -1;
	if (t.dom_any && t.dow_any)
		return why_put(why, why_size,
		    "cron: day-of-month and day-of-week are both ?; exactly "
		    "one must be ?");
	if (!t.dom_any && !t.dow_any)
		return why_put(why, why_size,
		    "cron: one of day-of-month and day-of-week must be ?");
	t.kind = SCHEDULE_CRON;
	*s = t;
	return 0;
}
