/*
 * cost - what keeping instances warm costs per month: prewarming (a
 * schedule invoking the function with N warm-ups at once) next to
 * provisioned concurrency for K instances, from a price table that states
 * its assumptions. Pure: no I/O.
 */
#ifndef BRIDGE_COST_H
#define BRIDGE_COST_H

#include "../sockets/buf.h"

/* us-east-1 list prices, USD (README "Prewarming"). */
#define COST_REQUEST         0.0000002    /* per request */
#define COST_GBS_X86         0.0000166667 /* per GB-second, on demand */
#define COST_GBS_ARM         0.0000133334
#define COST_PROVISIONED_X86 0.0000041667 /* per GB-second configured */
/* not on the price list captured: AWS's arm64 discount on its other
 * Lambda rates (0.8x), applied to the x86 rate */
#define COST_PROVISIONED_ARM 0.0000033334

struct cost_in {
	unsigned long long rounds; /* schedule fires in the period */
	const char *schedule;      /* its text, for the report */
	unsigned threads;          /* warm-ups per round */
	unsigned memory_mb;
	unsigned duration_ms; /* billed time of one warm-up */
	int arm;
	unsigned provisioned; /* instances to compare with; 0: none */
	unsigned hours;       /* the period (730: a month) */
	double price_request, price_gbs, price_provisioned;
};

struct cost_out {
	unsigned long long requests;
	double gbs, usd;       /* prewarming */
	double pc_gbs, pc_usd; /* provisioned concurrency (capacity) */
};

/* The prices of in->arm's architecture where in's are negative. */
void cost_default_prices(struct cost_in *in);

void cost_compute(const struct cost_in *in, struct cost_out *out);

/* The report: the assumptions, then a Markdown table. */
void cost_report(const struct cost_in *in, const struct cost_out *out,
    struct buf *b);

/* n with thousands separators ("1,314,000"). */
void cost_thousands(unsigned long long n, char *out, size_t size);

#endif
