/*
 * schedule - the EventBridge Scheduler rate and cron expressions that
 * `bridge prewarm` fires on: parsing, the next fire time, and the count of
 * fires in a span for the cost table. Pure: no I/O, no clock, no globals.
 * All times are UTC epoch seconds; no time zones; nothing past 2199.
 */
#ifndef BRIDGE_SCHEDULE_H
#define BRIDGE_SCHEDULE_H

#include <stddef.h>

enum {
	SCHEDULE_RATE = 1,
	SCHEDULE_CRON
};

/*
 * A parsed schedule. The zero state (SCHEDULE_INIT) is valid and never
 * fires: schedule_next() gives -1 and schedule_count() 0.
 *
 * Cron fields are bit sets: bit v is set when value v matches (minute
 * 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 1-7 with
 * 1 = Sunday); the year set is indexed by year - 1970.
 */
struct schedule {
	int kind;        /* SCHEDULE_RATE or SCHEDULE_CRON; 0: none */
	long long every; /* rate: seconds between fires */
	unsigned long long minute, hour, dom, month, dow;
	unsigned long long year[4];
	int dom_any;    /* day of month is ?: the day of week decides */
	int dow_any;    /* day of week is ?: the day of month decides */
	int dom_last;   /* L: the last day of the month */
	int dom_lastwd; /* LW: the last weekday (Mon-Fri) of the month */
	unsigned long long dom_near; /* nW: bit n, the weekday nearest day n */
	unsigned long long dow_last; /* nL: bit n, the last weekday n */
	int nth_dow;                 /* n#k: weekday n (1-7); 0: none */
	int nth;                     /* n#k: k (1-5) */
};

#define SCHEDULE_INIT                                                          \
	{                                                                      \
		0                                                              \
	}

/*
 * Parse a rate into *s. Accepted, with N a positive integer, no sign and
 * no leading zero, N <= 1000000, and exactly one space before the unit:
 *
 *   rate(N unit)   EventBridge's form; unit is minute, hour or day for
 *                  N == 1 and minutes, hours or days for N > 1
 *   N unit         the same without the wrapper
 *   Ns Nm Nh Nd    the short form, in seconds, minutes, hours or days
 *
 * Seconds exist only in the short form and only for running locally:
 * EventBridge's shortest rate is one minute. Leading or trailing white
 * space is an error, never trimmed. Returns 0; or -1 with *s untouched and
 * a one-line reason in why (NUL-terminated, truncated to why_size, no
 * newline; why may be NULL), such as "rate(1 minutes): 1 takes the
 * singular unit, minute".
 */
int schedule_parse_rate(struct schedule *s, const char *text, char *why,
    size_t why_size);

/*
 * Parse an EventBridge cron expression into *s: six fields, Minutes Hours
 * Day-of-month Month Day-of-week Year, in "cron(...)" or bare, separated
 * by one or more spaces (leading or trailing space is an error). Values:
 * 0-59, 0-23, 1-31, 1-12 or JAN-DEC, 1-7 (1 = SUN) or SUN-SAT, 1970-2199;
 * names in any case. Items: N, A-B (A <= B, no wrap-around), *, with /S
 * after any of them (N/S runs from N to the field's end), joined by ",".
 * Exactly one of day-of-month and day-of-week is "?". Day-of-month also
 * takes L, LW and NW (in a month without day N, NW never fires);
 * day-of-week takes L (= 7), NL, and N#K (K 1-5) as the field's only item.
 * Returns 0; or -1 with *s untouched and a reason in why, as above, such
 * as "cron: minutes: 60 is out of range 0-59".
 */
int schedule_parse_cron(struct schedule *s, const char *text, char *why,
    size_t why_size);

/*
 * The first fire time strictly after `after`; -1 when there is none before
 * 2200, or when s holds no schedule. For a rate: after + every (-1 on
 * overflow). Cron fires on whole minutes; the search skips whole years,
 * months, days and hours, so it is cheap even when the answer is decades
 * away.
 */
long long schedule_next(const struct schedule *s, long long after);

/*
 * How many times s fires in [from, from + span); 0 when span <= 0. For a
 * rate: span / every, the fires of a run that long. For cron: one step of
 * schedule_next() per fire, so the cost grows with the answer.
 */
unsigned long long schedule_count(const struct schedule *s, long long from,
    long long span);

#endif
