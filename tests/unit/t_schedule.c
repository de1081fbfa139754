/*
 * t_schedule - rate and cron parsing (every form, good and bad, with the
 * reasons), next fire times against dates worked out by hand and checked
 * with date(1), fire counts for the cost table, and the calendar against
 * libc's gmtime_r over 1970-2199.
 */
#include "../../bridge/schedule.c"
#include "check.h"

#include <time.h>

#define MIN  60LL
#define HOUR 3600LL
#define DAY  86400LL

static void
test_rate_good(void)
{
	static const struct {
		const char *in;
		long long every;
	} t[] = {
		{ "rate(1 minute)", MIN },
		{ "rate(5 minutes)", 5 * MIN },
		{ "rate(1 hour)", HOUR },
		{ "rate(12 hours)", 12 * HOUR },
		{ "rate(1 day)", DAY },
		{ "rate(7 days)", 7 * DAY },
		{ "rate(1000000 minutes)", 1000000 * MIN },
		{ "1 minute", MIN },
		{ "5 minutes", 5 * MIN },
		{ "1 hour", HOUR },
		{ "2 hours", 2 * HOUR },
		{ "1 day", DAY },
		{ "30 days", 30 * DAY },
		{ "30s", 30 },
		{ "1s", 1 },
		{ "1m", MIN },
		{ "5m", 5 * MIN },
		{ "2h", 2 * HOUR },
		{ "1d", DAY },
		{ "1000000d", 1000000 * DAY },
	};
	struct schedule s;
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].in;
		memset(&s, 0x55, sizeof(s));
		strcpy(why, "untouched");
		CHECK_INT(schedule_parse_rate(&s, t[i].in, why, sizeof(why)),
		    0);
		CHECK_INT(s.kind, SCHEDULE_RATE);
		CHECK_INT(s.every, t[i].every);
		/* the rest of the struct is reset, not left over */
		CHECK_INT(s.minute, 0);
		CHECK_INT(s.nth, 0);
		CHECK_STR(why, "untouched");
	}
	check_ctx = "";
}

static void
test_rate_bad(void)
{
	static const struct {
		const char *in, *why;
	} t[] = {
		{ "rate(1 minutes)",
		    "rate(1 minutes): 1 takes the singular unit, minute" },
		{ "rate(5 minute)",
		    "rate(5 minute): 5 takes the plural unit, minutes" },
		{ "1 hours", "1 hours: 1 takes the singular unit, hour" },
		{ "2 day", "2 day: 2 takes the plural unit, days" },
		{ "rate(0 minutes)",
		    "rate(0 minutes): the count must be at least 1" },
		{ "0m", "0m: the count must be at least 1" },
		{ "rate(-1 minutes)",
		    "rate(-1 minutes): the count takes no sign" },
		{ "+5m", "+5m: the count takes no sign" },
		{ "rate(05 minutes)",
		    "rate(05 minutes): the count has a leading zero" },
		{ "05m", "05m: the count has a leading zero" },
		{ "rate(1000001 minutes)",
		    "rate(1000001 minutes): the count is above 1000000" },
		{ "99999999999999999999s",
		    "99999999999999999999s: the count is above 1000000" },
		{ "rate(1 second)",
		    "rate(1 second): seconds only in the short form (30s), for "
		    "local runs; EventBridge's shortest rate is 1 minute" },
		{ "rate(30 seconds)",
		    "rate(30 seconds): seconds only in the short form (30s), "
		    "for local runs; EventBridge's shortest rate is 1 minute" },
		{ "5x",
		    "5x: unknown unit; use minute(s), hour(s), day(s) or the "
		    "short form 30s, 5m, 2h, 1d" },
		{ "", "rate: empty" },
		{ "rate()",
		    "rate(): expected a count, as in rate(5 minutes), 5 "
		    "minutes "
		    "or 5m" },
		{ "rate(5m)",
		    "rate(5m): rate(...) takes a unit word, as in "
		    "rate(5 minutes)" },
		{ "rate(5 minutes", "rate(5 minutes: missing ) at the end" },
		{ "5", "5: missing unit" },
		{ "5  minutes",
		    "5  minutes: put one space between the count and the "
		    "unit" },
		{ " 5m", " 5m: leading or trailing space" },
		{ "5m ", "5m : leading or trailing space" },
		{ "rate( 5 minutes)",
		    "rate( 5 minutes): leading or trailing space" },
		{ "rate(5 minutes )",
		    "rate(5 minutes ): leading or trailing space" },
		{ "5 minutes\n", "5 minutes?: leading or trailing space" },
		{ "minutes",
		    "minutes: expected a count, as in rate(5 minutes), 5 "
		    "minutes or 5m" },
		{ "5 Minutes", NULL },
		{ "5M", NULL },
		{ "5mm", NULL },
		{ "5 m", NULL },
		{ "5 min", NULL },
		{ "5.5m", NULL },
		{ "5\tminutes", NULL },
		{ "rate 5 minutes", NULL },
		{ "RATE(5 minutes)", NULL },
		{ "rate(5 minutes))", NULL },
		{ "cron(0 12 * * ? *)", NULL },
	};
	struct schedule s;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].in;
		memset(&s, 0x55, sizeof(s));
		why[0] = '\0';
		CHECK_INT(schedule_parse_rate(&s, t[i].in, why, sizeof(why)),
		    -1);
		CHECK_INT(s.kind, 0x55555555); /* untouched on failure */
		if (t[i].why)
			CHECK_STR(why, t[i].why);
		CHECK(why[0] != '\0');
		CHECK(strchr(why, '\n') == NULL);
	}
	check_ctx = "";
}

/* why may be NULL or short; the reason is cut, never overrun. */
static void
test_why(void)
{
	struct schedule s = SCHEDULE_INIT;
	char why[8];

	memset(why, 'x', sizeof(why));
	CHECK_INT(schedule_parse_rate(&s, "rate(5 minute)", why, 6), -1);
	CHECK_STR(why, "rate(");
	CHECK_INT(why[6], 'x');
	CHECK_INT(schedule_parse_rate(&s, "5x", NULL, 0), -1);
	CHECK_INT(schedule_parse_cron(&s, "60 * * * ? *", NULL, 0), -1);
	CHECK_INT(schedule_parse_cron(&s, "* * * * ? *", why, 0), 0);
	CHECK_INT(s.kind, SCHEDULE_CRON);
	CHECK_INT(schedule_parse_rate(&s, NULL, why, sizeof(why)), -1);
	CHECK_INT(s.kind, SCHEDULE_CRON);
}

static void
test_rate_next(void)
{
	struct schedule s = SCHEDULE_INIT, z = SCHEDULE_INIT;

	CHECK_INT(schedule_parse_rate(&s, "rate(5 minutes)", NULL, 0), 0);
	CHECK_INT(schedule_next(&s, 1000), 1300);
	CHECK_INT(schedule_next(&s, 0), 300);
	CHECK_INT(schedule_next(&s, LLONG_MAX - 300), LLONG_MAX);
	CHECK_INT(schedule_next(&s, LLONG_MAX - 299), -1);
	CHECK_INT(schedule_parse_rate(&s, "30s", NULL, 0), 0);
	CHECK_INT(schedule_next(&s, 1767225600), 1767225630);
	/* the zero state never fires */
	CHECK_INT(schedule_next(&z, 1000), -1);
	CHECK_INT(schedule_count(&z, 0, 730 * HOUR), 0);
}

static void
test_cron_good(void)
{
	static const char *const t[] = {
		"cron(0 12 * * ? *)",
		"0 12 * * ? *",
		"0 */12 * * ? *",
		"0/5 * * * ? *",
		"0   0  1 * ?   *",
		"15 10 ? * 6L 2019-2022",
		"0/15 * ? * MON-FRI *",
		"0 8 1 JAN,jul ? *",
		"0 9 ? jan-Mar sun,Sat 2030/5",
		"0 0 L * ? *",
		"0 0 LW * ? *",
		"0 0 15W * ? *",
		"0 0 1W,L * ? *",
		"0 0 ? * 2#1 *",
		"0 0 ? * MON#5 *",
		"0 0 ? * L *",
		"0 0 ? * 1L,7L *",
		"59 23 31 12 ? 2199",
		"0 0 ? * 1-7 1970",
		"00 05 01 01 ? *",
		"0/60 0/24 1/31 1/12 ? */230",
		"0 0 ? * */7 *",
		"0 0 ? JAN MON *",
	};
	struct schedule s;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i];
		why[0] = '\0';
		memset(&s, 0x55, sizeof(s));
		CHECK_INT(schedule_parse_cron(&s, t[i], why, sizeof(why)), 0);
		CHECK_STR(why, "");
		CHECK_INT(s.kind, SCHEDULE_CRON);
	}
	check_ctx = "";
}

static void
test_cron_bad(void)
{
	static const struct {
		const char *in, *why;
	} t[] = {
		{ "0 0 ? * ? *",
		    "cron: day-of-month and day-of-week are both ?; exactly "
		    "one must be ?" },
		{ "0 0 * * * *",
		    "cron: one of day-of-month and day-of-week must be ?" },
		{ "0 0 1 * MON *",
		    "cron: one of day-of-month and day-of-week must be ?" },
		{ "0 0 ? * 3#1,6#3 *",
		    "cron: day-of-week: a # expression must be the only item" },
		{ "0 0 ? * 2#1,5 *",
		    "cron: day-of-week: a # expression must be the only item" },
		{ "60 * * * ? *", "cron: minutes: 60 is out of range 0-59" },
		{ "0 24 * * ? *", "cron: hours: 24 is out of range 0-23" },
		{ "0 0 0 * ? *", "cron: day-of-month: 0 is out of range 1-31" },
		{ "0 0 32 * ? *",
		    "cron: day-of-month: 32 is out of range 1-31" },
		{ "0 0 1 13 ? *", "cron: month: 13 is out of range 1-12" },
		{ "0 0 ? * 8 *", "cron: day-of-week: 8 is out of range 1-7" },
		{ "0 0 ? * 0 *", "cron: day-of-week: 0 is out of range 1-7" },
		{ "0 0 ? * 2#6 *",
		    "cron: day-of-week: the week after # must be 1-5" },
		{ "0 0 ? * 2#0 *",
		    "cron: day-of-week: the week after # must be 1-5" },
		{ "0 0 ? * 2# *",
		    "cron: day-of-week: the week after # must be 1-5" },
		{ "0 0 ? * 8#1 *", "cron: day-of-week: 8 is out of range 1-7" },
		{ "0 0 1 1 ? 1969",
		    "cron: year: 1969 is out of range 1970-2199" },
		{ "0 0 1 1 ? 2200",
		    "cron: year: 2200 is out of range 1970-2199" },
		{ "0 0 * * ?",
		    "cron: expected 6 fields (minutes hours day-of-month month "
		    "day-of-week year), got 5" },
		{ "cron(0 0 * * ? * *)",
		    "cron: expected 6 fields (minutes hours day-of-month month "
		    "day-of-week year), got 7" },
		{ "cron()",
		    "cron: expected 6 fields (minutes hours day-of-month month "
		    "day-of-week year), got 0" },
		{ "", "cron: empty" },
		{ "cron(0 0 * * ? *", "cron: missing ) at the end" },
		{ " 0 0 * * ? *", "cron: leading or trailing space" },
		{ "0 0 * * ? * ", "cron: leading or trailing space" },
		{ "cron( 0 0 * * ? *)", "cron: leading or trailing space" },
		{ "0 20-5 * * ? *",
		    "cron: hours: range 20-5 runs backwards (no wrap-around)" },
		{ "0 0 ? * FRI-MON *",
		    "cron: day-of-week: range 6-2 runs backwards (no "
		    "wrap-around)" },
		{ "0/0 * * * ? *",
		    "cron: minutes: step 0 is out of range 1-60" },
		{ "*/61 * * * ? *",
		    "cron: minutes: step 61 is out of range 1-60" },
		{ "0/ * * * ? *", "cron: minutes: missing step after /" },
		{ "5x * * * ? *", "cron: minutes: unexpected 'x'" },
		{ "1,,2 * * * ? *", "cron: minutes: empty item in list" },
		{ "1, * * * ? *", "cron: minutes: empty item in list" },
		{ ",1 * * * ? *", "cron: minutes: empty item in list" },
		{ "? * * * ? *",
		    "cron: minutes: ? is only for day-of-month or "
		    "day-of-week" },
		{ "0 0 1 FOO ? *", "cron: month: unknown name FOO" },
		{ "0 0 ? * MONDAY *",
		    "cron: day-of-week: unknown name MONDAY" },
		{ "MON 0 * * ? *", "cron: minutes: unknown name MON" },
		{ "0 0 1 * ? JAN", "cron: year: unknown name JAN" },
		{ "0 0 ?,1 * ? *", NULL },
		{ "0 0 1-5W * ? *",
		    "cron: day-of-month: 1-5W: expected L, LW or one day "
		    "before W, as in 15W" },
		{ "0 0 32W * ? *",
		    "cron: day-of-month: 32 is out of range 1-31" },
		{ "0 0 W * ? *", "cron: day-of-month: unknown name W" },
		{ "0 0 5L * ? *", NULL },
		{ "0 0 ? * 2-6L *",
		    "cron: day-of-week: 2-6L: expected one day before L or #, "
		    "as in 6L or 2#1" },
		{ "0 0 ? * 2#1/2 *",
		    "cron: day-of-week: the week after # must be 1-5" },
		{ "0 0 1 * ? -1", "cron: year: unexpected '-'" },
		{ "-1 0 1 * ? *", "cron: minutes: unexpected '-'" },
		{ "0 0 1-* * ? *", NULL },
		{ "0 0 1 * ? 2020-", "cron: year: missing value" },
		{ "0\t0 1 * ? *", NULL },
		{ "0 0 1 * ? 99999999999",
		    "cron: year: 99999999999 is out of range 1970-2199" },
	};
	struct schedule s;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].in;
		why[0] = '\0';
		memset(&s, 0x55, sizeof(s));
		CHECK_INT(schedule_parse_cron(&s, t[i].in, why, sizeof(why)),
		    -1);
		CHECK_INT(s.kind, 0x55555555);
		if (t[i].why)
			CHECK_STR(why, t[i].why);
		CHECK(why[0] != '\0');
		CHECK(strchr(why, '\n') == NULL);
	}
	check_ctx = "";
}

/* The sets the wildcards make. */
static void
test_cron_sets(void)
{
	struct schedule s = SCHEDULE_INIT;

	CHECK_INT(schedule_parse_cron(&s, "1/10 */6 ? * * *", NULL, 0), 0);
	CHECK_INT(s.minute,
	    1ULL << 1 | 1ULL << 11 | 1ULL << 21 | 1ULL << 31 | 1ULL << 41 |
	        1ULL << 51);
	CHECK_INT(s.hour, 1 << 0 | 1 << 6 | 1 << 12 | 1 << 18);
	CHECK_INT(s.dow, 0xfe);
	CHECK(s.dom_any && !s.dow_any);
	CHECK_INT(schedule_parse_cron(&s, "10-30/5,59 0 1 * ? *", NULL, 0), 0);
	CHECK_INT(s.minute,
	    1ULL << 10 | 1ULL << 15 | 1ULL << 20 | 1ULL << 25 | 1ULL << 30 |
	        1ULL << 59);
	CHECK_INT(schedule_parse_cron(&s, "0 0 ? Jan,jUL,DEC MON-fri *", NULL,
	              0),
	    0);
	CHECK_INT(s.month, 1 << 1 | 1 << 7 | 1 << 12);
	CHECK_INT(s.dow, 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 6);
	CHECK_INT(schedule_parse_cron(&s, "0 0 ? * L *", NULL, 0), 0);
	CHECK_INT(s.dow, 1 << 7);
	CHECK_INT(schedule_parse_cron(&s, "0 0 ? * FRI#2 *", NULL, 0), 0);
	CHECK_INT(s.nth_dow, 6);
	CHECK_INT(s.nth, 2);
	CHECK_INT(s.dow, 0);
	CHECK_INT(schedule_parse_cron(&s, "0 0 1 1 ? 1970,2199,2100/50", NULL,
	              0),
	    0);
	CHECK(year_has(&s, 1970) && year_has(&s, 2199));
	CHECK(year_has(&s, 2100) && year_has(&s, 2150));
	CHECK(!year_has(&s, 1971) && !year_has(&s, 2198));
	CHECK(!year_has(&s, 2101) && !year_has(&s, 2149));
}

static void
test_cron_next(void)
{
	static const struct {
		const char *expr;
		long long after, want;
	} t[] = {
		/* 2026-03-10T10:02:30 -> 10:05, then strictly after 10:05 */
		{ "0/5 * * * ? *", 1773136950, 1773137100 },
		{ "0/5 * * * ? *", 1773137100, 1773137400 },
		{ "*/5 * * * ? *", 1773137099, 1773137100 },
		/* 2026-01-01T00:00 -> 12:00 -> 2026-01-02T00:00 */
		{ "0 */12 * * ? *", 1767225600, 1767268800 },
		{ "0 */12 * * ? *", 1767268800, 1767312000 },
		{ "0 */12 * * ? *", 1767225599, 1767225600 },
		/* Fri 2026-11-27T10:00 and Sat 11-28 -> Mon 11-30T10:00 */
		{ "0 10 ? * MON-FRI *", 1795773600, 1796032800 },
		{ "0 10 ? * MON-FRI *", 1795824000, 1796032800 },
		{ "0 10 ? * 2-6 *", 1795773599, 1795773600 },
		/* L: 2028-02-29 (leap), 2027-02-28, 2100-02-28 (not leap) */
		{ "0 0 L * ? *", 1832976000, 1835395200 },
		{ "0 0 L * ? *", 1801440000, 1803772800 },
		{ "0 0 L * ? *", 4105123200, 4107456000 },
		/* 15W: Sat 2027-05-15 -> Fri 05-14; Sun 2026-11-15 -> 11-16 */
		{ "0 0 15W * ? *", 1809129600, 1810252800 },
		{ "0 0 15W * ? *", 1793491200, 1794787200 },
		/* 1W: Sat 2027-05-01 -> Mon 05-03 (after Thu 04-01 fired) */
		{ "0 0 1W * ? *", 1806624000, 1809302400 },
		/* 1W: Sun 2026-02-01 -> Mon 02-02 */
		{ "0 0 1W * ? *", 1769904000 - 1, 1769990400 },
		/* 31W: Sun 2026-05-31 -> Fri 05-29; April has no 31st */
		{ "0 0 31W * ? *", 1774915200, 1780012800 },
		/* LW: Sat 2026-01-31 -> 01-30; Sun 2026-05-31 -> 05-29 */
		{ "0 0 LW * ? *", 1767225600, 1769731200 },
		{ "0 0 LW * ? *", 1777593600, 1780012800 },
		/* LW on a Tuesday: 2026-03-31 itself */
		{ "0 0 LW * ? *", 1772409600, 1774915200 },
		/* 6L: last Friday of 2026-11 is the 27th; of 2026-07 the 31st
		 */
		{ "0 0 ? * 6L *", 1793491200, 1795737600 },
		{ "0 0 ? * 6L *", 1782864000, 1785456000 },
		/* 2#1: first Monday, 2026-11-02 and 2026-06-01 */
		{ "0 0 ? * 2#1 *", 1793491200, 1793577600 },
		{ "0 0 ? * MON#1 *", 1777939200, 1780272000 },
		/* 29 Feb: after 2025-03-01 -> 2028-02-29; 2101 -> 2104 */
		{ "0 0 29 2 ? *", 1740787200, 1835395200 },
		{ "0 0 29 2 ? *", 4133980800, 4233686400 },
		/* 2199 is the last year */
		{ "0 0 1 1 ? 2199", 7208092800, 7226582400 },
		{ "0 0 1 1 ? 2199", 7226582400, -1 },
		{ "0 0 1 1 ? *", 7226582400, -1 },
		{ "* * * * ? *", 7258118400 - 61, 7258118400 - 60 },
		{ "* * * * ? *", 7258118400 - 60, -1 },
		{ "* * * * ? *", LLONG_MAX, -1 },
		/* before 1970: the first fire is the epoch */
		{ "* * * * ? *", -1, 0 },
		{ "* * * * ? *", LLONG_MIN, 0 },
		{ "0 0 1 1 ? 1970", 0, -1 },
		/* never: 30 February, 31 April */
		{ "0 0 30 2 ? *", 0, -1 },
		{ "0 0 31 4 ? *", 0, -1 },
		/* a year list skips the years between */
		{ "0 0 1 1 ? 2030,2190", 1767225600, 1893456000 },
	};
	struct schedule s;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_ctx = t[i].expr;
		why[0] = '\0';
		CHECK_INT(schedule_parse_cron(&s, t[i].expr, why, sizeof(why)),
		    0);
		CHECK_STR(why, "");
		CHECK_INT(schedule_next(&s, t[i].after), t[i].want);
	}
	check_ctx = "";
}

/* The calendar and weekdays against gmtime_r, every day 1970-2199. */
static void
test_calendar(void)
{
	struct schedule s = SCHEDULE_INIT;
	struct tm tm;
	long long t = -1, prev = -DAY;
	time_t tt;
	long days = 0;
	int bad = 0;

	CHECK_INT(schedule_parse_cron(&s, "0 0 * * ? *", NULL, 0), 0);
	for (;;) {
		t = schedule_next(&s, t);
		if (t < 0)
			break;
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		if (t != prev + DAY || tm.tm_hour || tm.tm_min ||
		    weekday(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) !=
		        tm.tm_wday + 1)
			bad++;
		prev = t;
		days++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(days, 7258118400 / DAY);
	CHECK_INT(prev, 7258118400 - DAY);
}

static void
test_count(void)
{
	struct schedule s = SCHEDULE_INIT;
	const long long from = 1767225600; /* 2026-01-01T00:00Z */

	CHECK_INT(schedule_parse_rate(&s, "rate(1 minute)", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, from, 730 * HOUR), 43800);
	CHECK_INT(schedule_count(&s, from, 0), 0);
	CHECK_INT(schedule_count(&s, from, -5), 0);
	CHECK_INT(schedule_parse_rate(&s, "rate(5 minutes)", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, from, 730 * HOUR), 8760);
	CHECK_INT(schedule_count(&s, from, 299), 0);
	CHECK_INT(schedule_parse_cron(&s, "0/5 * * * ? *", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, from, 730 * HOUR), 8760);
	/* one second late misses the fire at from itself */
	CHECK_INT(schedule_count(&s, from + 1, 730 * HOUR - 1), 8759);
	/* 30 days of two fires, then 2026-01-31T00:00 (hour 720 < 730) */
	CHECK_INT(schedule_parse_cron(&s, "0 */12 * * ? *", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, from, 730 * HOUR), 61);
	CHECK_INT(schedule_count(&s, from, 12 * HOUR), 1);
	CHECK_INT(schedule_count(&s, from, 12 * HOUR + 1), 2);
	CHECK_INT(schedule_parse_cron(&s, "* * * * ? *", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, from, 730 * HOUR), 43800);
	CHECK_INT(schedule_count(&s, 7258118400 - 300, LLONG_MAX), 5);
	CHECK_INT(schedule_count(&s, -600, 660), 1);
	/* weekdays at 10:00 in 2026-11: 21 of them */
	CHECK_INT(schedule_parse_cron(&s, "0 10 ? * MON-FRI *", NULL, 0), 0);
	CHECK_INT(schedule_count(&s, 1793491200, 30 * DAY), 21);
}

int
main(void)
{
	test_rate_good();
	test_rate_bad();
	test_why();
	test_rate_next();
	test_cron_good();
	test_cron_bad();
	test_cron_sets();
	test_cron_next();
	test_calendar();
	test_count();
	return check_report();
}
