/*
 * t_cost - the prewarming cost table: request counts, GB-seconds and
 * dollars for the documented inputs, the default prices per architecture,
 * and the thousands separators.
 */
#include "../../bridge/cost.c"
#include "check.h"

static struct cost_in
seed(unsigned long long rounds, unsigned threads)
{
	struct cost_in in;

	memset(&in, 0, sizeof(in));
	in.rounds = rounds;
	in.schedule = "rate(1 minute)";
	in.threads = threads;
	in.memory_mb = 1536;
	in.duration_ms = 150;
	in.arm = 1;
	in.hours = 730;
	in.price_request = in.price_gbs = in.price_provisioned = -1;
	cost_default_prices(&in);
	return in;
}

static void
thousands(unsigned long long n, const char *want)
{
	char out[40];

	cost_thousands(n, out, sizeof(out));
	CHECK_MEM(out, strlen(out), want, strlen(want));
}

int
main(void)
{
	struct cost_in in;
	struct cost_out out;
	struct buf b = BUF_INIT;

	in = seed(43800, 1);
	cost_compute(&in, &out);
	CHECK_INT(out.requests, 43800);
	CHECK(out.gbs > 9854.99 && out.gbs < 9855.01);
	in = seed(43800, 30);
	cost_compute(&in, &out);
	CHECK_INT(out.requests, 1314000);
	in = seed(438000, 30);
	cost_compute(&in, &out);
	CHECK_INT(out.requests, 13140000);
	in = seed(8760, 10);
	cost_compute(&in, &out);
	CHECK_INT(out.requests, 87600);
	/* provisioned: 1.5 GB x 730 h, arm64 */
	in = seed(43800, 1);
	in.provisioned = 1;
	cost_compute(&in, &out);
	CHECK(out.pc_gbs > 3941999.9 && out.pc_gbs < 3942000.1);
	CHECK(out.pc_usd > 13.14 && out.pc_usd < 13.15);
	/* the defaults per architecture, and an override kept */
	in.arm = 0;
	in.price_gbs = in.price_provisioned = -1;
	in.price_request = 0.5;
	cost_default_prices(&in);
	CHECK(in.price_gbs == COST_GBS_X86);
	CHECK(in.price_provisioned == COST_PROVISIONED_X86);
	CHECK(in.price_request == 0.5);
	buf_init(&b, 1 << 16);
	cost_compute(&in, &out);
	cost_report(&in, &out, &b);
	CHECK(strstr(b.p, "| provisioned concurrency | 1 | - | 3,942,000 |"));
	CHECK(strstr(b.p, "x86_64"));
	buf_release(&b);
	thousands(0, "0");
	thousands(999, "999");
	thousands(1000, "1,000");
	thousands(1314000, "1,314,000");
	thousands(18446744073709551615ULL, "18,446,744,073,709,551,615");
	return check_report();
}
