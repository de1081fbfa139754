/*
 * cost - the prewarming cost table.
 */
#include <stdio.h>
#include <string.h>

#include "cost.h"

void
cost_default_prices(struct cost_in *in)
{
	if (in->price_request < 0)
		in->price_request = COST_REQUEST;
	if (in->price_gbs < 0)
		in->price_gbs = in->arm ? COST_GBS_ARM : COST_GBS_X86;
	if (in->price_provisioned < 0)
		in->price_provisioned =
		    in->arm ? COST_PROVISIONED_ARM : COST_PROVISIONED_X86;
}

void
cost_compute(const struct cost_in *in, struct cost_out *out)
{
	double gb = in->memory_mb / 1024.0;

	out->requests = in->rounds * in->threads;
	out->gbs = (double)out->requests * (in->duration_ms / 1000.0) * gb;
	out->usd = (double)out->requests * in->price_request +
	    out->gbs * in->price_gbs;
	out->pc_gbs = (double)in->provisioned * gb * in->hours * 3600.0;
	out->pc_usd = out->pc_gbs * in->price_provisioned;
}

void
cost_thousands(unsigned long long n, char *out, size_t size)
{
	char digits[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu", n);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void
cost_report(const struct cost_in *in, const struct cost_out *out, struct buf *b)
{
	char n1[40], n2[40], n3[40];

	cost_thousands(in->rounds, n1, sizeof(n1));
	buf_printf(b,
	    "prewarm cost per %u h (a month is 730 h); free tier not "
	    "deducted\n",
	    in->hours);
	buf_printf(b, "  schedule:    %s, %s rounds of %u warm-up%s\n",
	    in->schedule, n1, in->threads, in->threads == 1 ? "" : "s");
	buf_printf(b, "  warm-ups:    %u MB, %s, %u ms billed each\n",
	    in->memory_mb, in->arm ? "arm64" : "x86_64", in->duration_ms);
	buf_printf(b,
	    "  prices:      $%.2f per 1M requests, $%.10f per GB-s on "
	    "demand, $%.10f per GB-s\n"
	    "               of provisioned capacity (us-east-1 list prices "
	    "unless overridden;\n"
	    "               invocations on provisioned instances are billed "
	    "on top)\n\n",
	    in->price_request * 1e6, in->price_gbs, in->price_provisioned);
	buf_printf(b,
	    "| keeping warm | instances | requests/month | "
	    "GB-seconds | $/month |\n|---|---|---|---|---|\n");
	cost_thousands(out->requests, n1, sizeof(n1));
	cost_thousands((unsigned long long)(out->gbs + 0.5), n2, sizeof(n2));
	buf_printf(b, "| prewarm, %u thread%s | up to %u | %s | %s | $%.2f |\n",
	    in->threads, in->threads == 1 ? "" : "s", in->threads, n1, n2,
	    out->usd);
	if (in->provisioned) {
		cost_thousands((unsigned long long)(out->pc_gbs + 0.5), n3,
		    sizeof(n3));
		buf_printf(b,
		    "| provisioned concurrency | %u | - | %s | $%.2f |\n",
		    in->provisioned, n3, out->pc_usd);
	}
}
